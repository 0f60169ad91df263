"""Issue 23, item 4: counted phrases take their plural forms in every catalog, and a moment reads
as part of its sentence ("confirmed at 14:53 MST on Tuesday, December 1")."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.indicators import Indicator
from bot.domain.reporters import ReporterStanding, TrackRecord
from bot.domain.reports import Report
from bot.domain.verification import ReportStatus
from bot.i18n import Catalogs
from bot.languages import SUPPORTED_LANGUAGES
from bot.network import parse_network
from bot.rendering.alert import render_still_active
from bot.rendering.card import render_card
from bot.rendering.labels import local_time
from bot.rendering.privacy import privacy_text
from tests.sample_network import network_toml
from tests.samples import catalog

CATALOGS = Catalogs.load()
NETWORK = parse_network(network_toml())
DENVER = ZoneInfo("America/Denver")
AT = datetime(2026, 12, 1, 21, 53, tzinfo=UTC)  # Tuesday 1 December, 14:53 MST
# "alarma(s)", "false alarm(s)", "reporte(s)": a plural written out instead of chosen by ngettext.
WRITTEN_OUT_PLURAL = re.compile(r"\w\((?:s|es|as|os|a|o|n)\)")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_no_catalog_entry_writes_a_plural_out_with_parentheses(language):
    for message in catalog(language):
        texts = [*(message.id if isinstance(message.id, tuple) else (message.id,))]
        texts += [*(message.string if isinstance(message.string, tuple) else (message.string,))]
        for text in texts:
            assert not WRITTEN_OUT_PLURAL.search(text or ""), text


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalogs_declare_two_plural_forms(language):
    assert catalog(language).plural_forms == "nplurals=2; plural=(n != 1);"


def report() -> Report:
    return Report(
        5, "R-S9Q5", "pseudonym", "clovis", (Indicator.VEHICLES,), "", "en",
        ReportStatus.PENDING, AT, None, -100100, 12, (),
    )  # fmt: skip


def reporter_line(language: str, record: TrackRecord) -> str:
    standing = ReporterStanding("#K4QZ", record, None)
    text, _ = render_card(CATALOGS(language), report(), [], [], NETWORK, reporter=standing, now=AT)
    return next(line for line in text.splitlines() if "#K4QZ" in line)


@pytest.mark.parametrize(
    ("language", "record", "expected"),
    [
        ("es", TrackRecord(1, 1, 1), "antes: 1 confirmado, 1 falsa alarma, 1 sin confirmar a tiempo"),
        ("es", TrackRecord(1, 0, 2), "antes: 1 confirmado, 0 falsas alarmas, 2 sin confirmar a tiempo"),
        ("es", TrackRecord(2, 2, 0), "antes: 2 confirmados, 2 falsas alarmas, 0 sin confirmar a tiempo"),
        ("en", TrackRecord(1, 1, 0), "earlier: 1 confirmed, 1 false alarm, 0 not confirmed in time"),
        ("en", TrackRecord(0, 2, 1), "earlier: 0 confirmed, 2 false alarms, 1 not confirmed in time"),
    ],
)
def test_a_reporters_track_record_counts_in_the_right_number(language, record, expected):
    line = reporter_line(language, record)
    assert expected in line, line
    assert "1 confirmados" not in line and "1 falsas" not in line and "1 false alarms" not in line


def test_counts_a_network_may_set_to_one_are_singular_in_spanish():
    retention = NETWORK.retention.model_copy(
        update={"closed_report_days": 1, "reporter_record_days": 1, "contact_grace_minutes": 1}
    )
    one = NETWORK.model_copy(update={"retention": retention})
    spanish = privacy_text(CATALOGS("es"), one)
    assert "a más tardar 1 minuto después" in spanish and "1 día después" in spanish
    assert "1 días" not in spanish and "1 minutos" not in spanish
    english = privacy_text(CATALOGS("en"), one)
    assert "1 day after a report closes" in english and "1 days" not in english


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "14:53 MST on Tuesday, December 1"), ("es", "14:53 MST del martes 1 de diciembre")],
)
def test_a_moment_reads_as_part_of_a_sentence(language, expected):
    assert local_time(CATALOGS(language), AT, DENVER) == expected


def test_an_update_says_confirmed_at_a_time_on_a_day_in_each_language():
    reply = render_still_active(CATALOGS, report(), ("en", "es"), NETWORK, AT)
    assert "verifiers confirmed at 14:53 MST on Tuesday, December 1 that this is still going on" in reply
    assert "confirmaron a las 14:53 MST del martes 1 de diciembre" in reply
    assert "Tue 1 Dec" not in reply
