"""Messages of the alert's later life: in every language, within Telegram's limits, original kept."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.indicators import Indicator
from bot.domain.lifecycle import AlertStatus, StillNeeded
from bot.domain.public_text import MAX_NOTE_UNITS, PublicText
from bot.domain.reports import Report
from bot.domain.verification import ReportStatus
from bot.fake_telegram.html_text import parse_html
from bot.i18n import Catalogs
from bot.languages import supported_languages
from bot.network import parse_network
from bot.rendering.alert import render_alert, render_closed_alert, render_ending_reply, render_still_active
from bot.rendering.labels import local_clock, local_time
from bot.rendering.notices import reminder
from bot.text_length import utf16_length
from tests.sample_network import network_toml

NOW = datetime(2026, 11, 22, 21, 5, tzinfo=UTC)
NETWORK = parse_network(network_toml())
CATALOGS = Catalogs.load()


def vado_report(description: str = "White bus and two vans in the Walmart parking lot in Vado") -> Report:
    return Report(
        7,
        "R-7F3K",
        "pseudonym",
        "vado",
        tuple(Indicator),
        description,
        "es",
        ReportStatus.PUBLISHED,
        NOW,
        NOW,
        -1001000000001,
        12,
        (),
    )


@pytest.mark.parametrize("status", [AlertStatus.ENDED, AlertStatus.RETRACTED, AlertStatus.EXPIRED])
def test_the_longest_edited_post_fits_in_one_telegram_message(status):
    # 800 UTF-16 units, the most a resident can write, included by a verifier, and the longest note
    report = vado_report("🚨" * 400)
    text = replace(PublicText.legacy_for(report), note="🚨" * (MAX_NOTE_UNITS // 2))
    languages = supported_languages()  # a channel in every language Vigil speaks
    posted, _ = parse_html(render_closed_alert(CATALOGS, text, languages, NETWORK, status, NOW, NOW, in_person=True))
    assert utf16_length(posted) <= 4096


def test_an_edited_post_has_a_banner_per_language_on_top_and_the_original_below():
    text = PublicText.legacy_for(vado_report())
    edited = render_closed_alert(CATALOGS, text, ("es", "en"), NETWORK, AlertStatus.ENDED, NOW, NOW)
    assert edited.index("TERMINADA") < edited.index("ENDED") < edited.index("Alerta confirmada")
    assert edited.endswith(render_alert(CATALOGS, text, ("es", "en"), NETWORK))


def test_updates_are_written_in_each_language_of_the_channel():
    report = vado_report()
    still = render_still_active(CATALOGS, report, ("en",), NETWORK, NOW)
    assert "Still active" in still and "Sigue activo" not in still
    both = render_ending_reply(CATALOGS, report, ("es", "en"), NETWORK, AlertStatus.RETRACTED, NOW)
    assert both.index("Retirada") < both.index("Retracted")


def test_a_reminder_says_what_is_still_needed_in_the_card_language():
    text = reminder(
        CATALOGS("es"),
        vado_report(),
        StillNeeded(confirmations=1, false_alarms=2),
        waited=NOW - NOW.replace(minute=0),
        expires_at=NOW,
        zone=NETWORK.zone,
    )
    assert "lleva 5 minutos" in text and "1 confirmación más" in text and "2 votos más de falsa alarma" in text


# --- times in every language --------------------------------------------------------------------

WINTER, SUMMER = datetime(2026, 1, 15, 21, 5, tzinfo=UTC), datetime(2026, 7, 15, 20, 5, tzinfo=UTC)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("moment", "shown"), [(WINTER, "14:05 MST"), (SUMMER, "14:05 MDT")])
def test_times_show_the_zone_abbreviation_in_every_language(language, moment, shown):
    tr = CATALOGS(language)
    # The hour and zone come first, then the day: "14:05 MST on Thursday, January 15" (issue 23).
    assert local_time(tr, moment, ZoneInfo("America/Denver")).startswith(f"{shown} ")
    assert local_clock(tr, moment, ZoneInfo("America/Denver")) == shown


def test_a_spanish_post_reminder_and_update_name_the_zone_as_the_english_ones_do():
    report = vado_report()
    spanish_post = render_alert(CATALOGS, PublicText.default_for(report), ("es",), NETWORK)
    assert re.search(r"\d{2}:\d{2} MST", spanish_post) and "-0700" not in spanish_post
    still = render_still_active(CATALOGS, report, ("es",), NETWORK, WINTER)
    assert "14:05 MST" in still
    spanish_reminder = reminder(
        CATALOGS("es"),
        report,
        StillNeeded(1, 2),
        waited=NOW - NOW.replace(minute=0),
        expires_at=WINTER,
        zone=NETWORK.zone,
    )
    assert "14:05 MST" in spanish_reminder


@pytest.mark.parametrize(
    ("zone", "shown"), [("UTC", "21:05 UTC"), ("Europe/Madrid", "22:05 CET"), ("America/Sao_Paulo", "18:05 -0300")]
)
def test_a_zone_reads_the_same_in_english_and_spanish(zone, shown):
    for language in ("en", "es"):
        assert local_clock(CATALOGS(language), WINTER, ZoneInfo(zone)) == shown
