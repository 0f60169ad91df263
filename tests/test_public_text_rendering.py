"""The card previews exactly what is posted, within Telegram's limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.desk import MAX_QUESTION_CHARS, Question, QuestionKind
from bot.domain.indicators import Indicator
from bot.domain.public_text import MAX_NOTE_UNITS, CurrentText, PublicText
from bot.domain.reports import RecordedVote, Report
from bot.domain.verification import ReportStatus, VoteKind
from bot.fake_telegram.html_text import parse_html
from bot.i18n import Catalogs
from bot.network import parse_network
from bot.rendering.alert import render_alert
from bot.rendering.card import render_card
from bot.text_length import utf16_length
from tests.sample_network import network_toml

NOW = datetime(2026, 11, 22, 21, 5, tzinfo=UTC)
NETWORK = parse_network(network_toml())
CATALOGS = Catalogs.load()


def pending(description: str) -> Report:
    return Report(
        7, "R-7F3K", "pseudo", "vado", tuple(Indicator), description, "es", ReportStatus.PENDING, NOW, None, -1, 12, ()
    )


def card(report: Report, current: CurrentText, votes=(), questions=()):
    preview = render_alert(CATALOGS, current.text, ("en",), NETWORK)
    text, keyboard = render_card(
        CATALOGS("en"),
        report,
        list(votes),
        [],
        NETWORK,
        questions=questions,
        now=NOW,
        public_text=current,
        preview=preview,
        posted_in=("es", "en"),
    )
    return text, keyboard, preview


def test_the_longest_card_with_its_preview_fits_in_one_telegram_message():
    report = pending("🚨" * 400)  # the most a resident can write, shown on the card and included in the post
    text = replace(PublicText.legacy_for(report), note="🚨" * (MAX_NOTE_UNITS // 2), version=9)
    questions = [
        Question(n, 7, QuestionKind.OWN, "¿" * MAX_QUESTION_CHARS, "Marta", NOW, answers=1) for n in range(1, 4)
    ]
    votes = [RecordedVote(f"v{n}", "Bartholomew" * 3, VoteKind.CONFIRM, NOW, text_version=1) for n in range(3)]
    shown, _ = parse_html(card(report, CurrentText(text, "Bartholomew"), votes, questions)[0])
    assert utf16_length(shown) <= 4096, utf16_length(shown)
    assert shown.count("🚨" * 400) == 1  # the resident's words are quoted once, in the preview


def test_the_card_shows_the_post_as_rendered_for_the_channel_and_names_the_cleared_confirmations():
    report = pending("They are at my door, 412 Oak St")
    current = CurrentText(replace(PublicText.default_for(report), note="Walmart, Vado", version=2), "Luis")
    votes = [
        RecordedVote("v-ana", "Ana", VoteKind.CONFIRM, NOW, text_version=1),
        RecordedVote("v-marta", "Marta", VoteKind.FALSE_ALARM, NOW, text_version=1),
    ]
    text, keyboard, preview = card(report, current, votes)
    assert preview in text and "412 Oak St" not in preview
    assert "Public post, version 2" in text and "(Español · English)" in text
    assert "Confirmed: 0/2" in text and "False alarm: 1/2 — Marta" in text
    assert "The public text changed after Ana confirmed" in text
    labels = [button.text for row in keyboard for button in row]
    assert {"🗣 Include their words", "✏️ Edit the note", "🗑 Remove the note"} <= set(labels)
