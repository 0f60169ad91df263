"""The card's evidence lines in both languages, numbered when a report has several photos, and a
card with every line at its longest still fits in one Telegram message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.draft import MediaKind
from bot.domain.evidence import (
    PhotoEvidence,
    PlaceHint,
    RecycledFrom,
    Span,
    StoredEvidence,
    TakenHint,
    TakenKind,
    TimeUnit,
)
from bot.domain.indicators import Indicator
from bot.domain.reports import Report
from bot.domain.verification import ReportStatus
from bot.fake_telegram.html_text import parse_html
from bot.i18n import Catalogs
from bot.network import parse_network
from bot.rendering.card import render_card
from bot.text_length import utf16_length
from tests.sample_network import network_toml

NOW = datetime(2026, 11, 22, 21, 5, tzinfo=UTC)
CATALOGS = Catalogs.load()
NETWORK = parse_network(
    network_toml().replace(
        "radius_km = 2.5\n",
        'radius_km = 2.5\n\n[[neighborhoods.known_places]]\nkey = "federal-courthouse"\n'
        'names = { en = "the federal courthouse", es = "el juzgado federal" }\n'
        "point = { latitude = 32.3117, longitude = -106.7786 }\nradius_km = 0.3\n",
    )
)
COURTHOUSE = "las-cruces-downtown/federal-courthouse"


def downtown_report(*, photos: int = 1, indicators=(Indicator.VEHICLES,), description: str = "") -> Report:
    return Report(
        7,
        "R-7F3K",
        "pseudonym",
        "las-cruces-downtown",
        tuple(indicators),
        description,
        "en",
        ReportStatus.PENDING,
        NOW,
        None,
        -1001000000001,
        12,
        tuple(f"file-{n}" for n in range(photos)),
        (MediaKind.PHOTO,) * photos,
    )


def photo(number: int, **evidence) -> StoredEvidence:
    recycled = evidence.pop("recycled", None)
    return StoredEvidence(number, PhotoEvidence(**evidence), recycled)


def card_text(language: str, report: Report, evidence: list[StoredEvidence]) -> str:
    text, _ = render_card(CATALOGS(language), report, [], [], NETWORK, evidence=evidence, now=NOW)
    return parse_html(text)[0]


def test_one_photo_gets_its_lines_without_a_number_in_english_and_spanish():
    evidence = [
        photo(
            1,
            taken=TakenHint(TakenKind.FRESH, Span(TimeUnit.MINUTES, 3)),
            place=PlaceHint("las-cruces-downtown", 0),
            recycled=RecycledFrom("R-2ABC", NOW - timedelta(days=3, hours=2)),
        )
    ]
    english = card_text("en", downtown_report(), evidence)
    assert "⚠️ this photo was already sent with R-2ABC, 3 days before this report" in english
    assert "🕒 taken 3 minutes before it was sent" in english
    assert "📍 taken inside Downtown Las Cruces" in english
    spanish = card_text("es", downtown_report(), evidence)
    assert "⚠️ esta foto ya se envió con R-2ABC, 3 días antes de este reporte" in spanish
    assert "🕒 tomada 3 minutos antes de enviarla" in spanish
    assert "📍 tomada dentro de Centro de Las Cruces" in spanish


def test_several_photos_are_told_apart_by_number():
    evidence = [
        photo(1, taken=TakenHint(TakenKind.FRESH, Span(TimeUnit.MINUTES, 0))),
        photo(
            2,
            taken=TakenHint(TakenKind.OLD, Span(TimeUnit.YEARS, 2)),
            place=PlaceHint("vado", 0),
            recycled=RecycledFrom("R-2ABC", NOW - timedelta(hours=5)),
        ),
        photo(3, taken=TakenHint(TakenKind.AFTER_SENT, Span(TimeUnit.HOURS, 6))),
    ]
    text = card_text("en", downtown_report(photos=3), evidence)
    assert "🕒 photo 1: taken less than a minute before it was sent" in text
    assert "⚠️ photo 2 was already sent with R-2ABC, 5 hours before this report" in text
    assert "⚠️ photo 2: taken 2 years before it was sent" in text
    assert "⚠️ photo 2: taken inside Vado, not in Downtown Las Cruces" in text
    assert "⚠️ photo 3: its date is 6 hours after it was sent" in text


def test_photos_that_say_the_same_are_named_together():
    inside = PlaceHint("las-cruces-downtown", 0)
    fresh = TakenHint(TakenKind.FRESH, Span(TimeUnit.MINUTES, 4))
    earlier = RecycledFrom("R-2ABC", NOW - timedelta(days=3))
    evidence = [photo(n, taken=fresh, place=inside, recycled=earlier) for n in (1, 2, 4)]
    text = card_text("en", downtown_report(photos=4), [*evidence, photo(3, fingerprint=1)])
    assert "⚠️ photos 1, 2, 4 were already sent with R-2ABC, 3 days before this report" in text
    assert "🕒 photos 1, 2, 4: taken 4 minutes before it was sent" in text
    assert "📍 photos 1, 2, 4: taken inside Downtown Las Cruces" in text
    assert text.count("taken") == 2


def test_a_place_hint_measured_from_another_neighborhood_still_says_what_is_true():
    report = downtown_report(photos=3)
    evidence = [
        photo(1, place=PlaceHint("vado", 40)),  # sent before Downtown was chosen, outside every area
        photo(2, place=PlaceHint("las-cruces-downtown", 140)),
        photo(3, place=PlaceHint("vado", 0)),
    ]
    text = card_text("en", report, evidence)
    assert "⚠️ photo 1: taken outside Downtown Las Cruces, 40 km from Vado" in text
    assert "⚠️ photo 2: taken 140 km from Downtown Las Cruces" in text
    assert "⚠️ photo 3: taken inside Vado, not in Downtown Las Cruces" in text
    spanish = card_text("es", report, evidence)
    assert "⚠️ foto 1: tomada fuera de Centro de Las Cruces, a 40 km de Vado" in spanish


def test_for_a_neighborhood_without_an_area_a_distance_is_a_fact_not_a_warning():
    clovis = Report(**{**downtown_report().__dict__, "neighborhood_key": "clovis"})
    text = card_text("en", clovis, [photo(1, place=PlaceHint("vado", 300))])
    assert "📍 taken 300 km from Vado" in text
    text = card_text("en", clovis, [photo(1, place=PlaceHint("vado", 0))])
    assert "⚠️ taken inside Vado, not in Clovis" in text


def test_no_evidence_no_lines():
    text = card_text("en", downtown_report(), [photo(1, fingerprint=12345)])
    assert "taken" not in text and "already sent" not in text and "Known place" not in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_card_with_every_evidence_line_at_its_longest_fits_in_one_message(language):
    """Ten photos, each recycled and with both hints, every sign ticked, a known place, the longest words."""
    evidence = [
        photo(
            n,
            taken=TakenHint(TakenKind.AFTER_SENT, Span(TimeUnit.MINUTES, 40 + n)),
            place=PlaceHint("las-cruces-downtown", 19990 - n),
            known_place=COURTHOUSE,
            recycled=RecycledFrom(f"R-2AB{n}", NOW - timedelta(minutes=59)),
        )
        for n in range(1, 11)
    ]
    report = downtown_report(photos=10, indicators=tuple(Indicator), description="🚨" * 400)
    text = card_text(language, report, evidence)
    assert "☑️" in text and ("… and 23 more lines" in text or "… y 23 líneas más sobre las fotos" in text)
    assert utf16_length(text) <= 4096, utf16_length(text)
