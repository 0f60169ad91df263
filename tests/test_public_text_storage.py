"""The public text against a real SQLite file: versions, the votes that approved them, the text an
alert posted, and that all of it goes with the report."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.domain.desk import MAX_QUESTION_CHARS, QuestionKind
from bot.domain.public_text import PublicText
from bot.domain.reports import RecordedVote
from bot.domain.verification import ReportStatus, VoteKind
from bot.fake_telegram.html_text import parse_html
from bot.i18n import Catalogs
from bot.network import parse_network
from bot.services.cards import CardRenderer
from bot.text_length import utf16_length
from tests.sample_network import network_toml
from tests.samples import DAY, NOW, add, purge_at


async def test_a_report_has_the_default_text_until_a_verifier_changes_it(database):
    async with database.unit_of_work() as repo:
        report = await add(repo)
        current = await repo.public_text(report)
        assert current.text == PublicText.default_for(report) and current.changed_by == ""
        changed = replace(current.text, words=report.description, note="Main St and 5th", version=2)
        await repo.save_public_text(report.id, changed, "Luis", NOW)
    async with database.unit_of_work() as repo:
        current = await repo.public_text(report)
        assert current.text == changed and current.changed_by == "Luis"
        fewer = replace(changed, words="", version=3)
        await repo.save_public_text(report.id, fewer, "Ana", NOW)
        current = await repo.public_text(report)
        assert current.text == fewer and current.changed_by == "Ana"


async def test_a_vote_keeps_the_version_it_approved_and_a_stale_one_can_be_replaced(database):
    async with database.unit_of_work() as repo:
        report = await add(repo)
        await repo.add_vote(report.id, RecordedVote("v-ana", "Ana", VoteKind.CONFIRM, NOW))
        await repo.add_vote(report.id, RecordedVote("v-luis", "Luis", VoteKind.CONFIRM, NOW, text_version=2))
        assert [(v.verifier, v.text_version) for v in await repo.votes(report.id)] == [("v-ana", 1), ("v-luis", 2)]
        await repo.remove_vote(report.id, "v-ana")
        await repo.add_vote(report.id, RecordedVote("v-ana", "Ana", VoteKind.CONFIRM, NOW, text_version=2))
        assert [(v.verifier, v.text_version) for v in await repo.votes(report.id)] == [("v-luis", 2), ("v-ana", 2)]
        assert [v.as_ballot().text_version for v in await repo.votes(report.id)] == [2, 2]


async def test_an_alert_keeps_exactly_the_text_it_posted_and_an_older_alert_has_none(database):
    async with database.unit_of_work() as repo:
        report = await add(repo, ReportStatus.PUBLISHED)
        older = await add(repo, ReportStatus.PUBLISHED)
        posted = replace(PublicText.default_for(report), note="Main St — «la lechería»", version=4)
        await repo.start_alert(report.id, NOW)
        await repo.keep_alert_text(report.id, posted)
        await repo.start_alert(older.id, NOW)
        # a later change of the report's text (there is none once published) would not touch the alert's
        await repo.save_public_text(report.id, replace(posted, note="", version=5), "Ana", NOW)
    async with database.unit_of_work() as repo:
        alert = await repo.alert(report.id)
        assert alert is not None and alert.public_text == posted
        assert (await repo.alert(older.id)).public_text is None


async def test_the_public_text_goes_with_the_report_when_it_is_purged_or_withdrawn(database):
    async with database.unit_of_work() as repo:
        closed = await add(repo, ReportStatus.REJECTED, pseudonym="pseudo-rosa")
        pending = await add(repo, pseudonym="pseudo-tom")
        for report in (closed, pending):
            text = replace(PublicText.default_for(report), words=report.description, version=2)
            await repo.save_public_text(report.id, text, "Luis", NOW)
        await purge_at(repo, NOW + 7 * DAY + timedelta(minutes=1))
        await repo.forget_reporter("pseudo-tom")
        async with repo._db.execute("SELECT COUNT(*) FROM public_texts") as cursor:
            assert (await cursor.fetchone())[0] == 0


async def test_the_queue_counts_only_confirmations_of_the_current_version_as_the_card_does(database):
    async with database.unit_of_work() as repo:
        report = await add(repo)
        await repo.add_vote(report.id, RecordedVote("v-ana", "Ana", VoteKind.CONFIRM, NOW))
        await repo.add_vote(report.id, RecordedVote("v-marta", "Marta", VoteKind.FALSE_ALARM, NOW))
        assert [(e.confirms, e.false_alarms) for e in (await repo.desk_queue(NOW, 10)).pending] == [(1, 1)]
        await repo.save_public_text(
            report.id, replace(PublicText.default_for(report), note="Main St", version=2), "Luis", NOW
        )
        assert [(e.confirms, e.false_alarms) for e in (await repo.desk_queue(NOW, 10)).pending] == [(0, 1)]


async def test_a_card_too_long_with_the_whole_preview_names_the_alerts_fixed_paragraph_instead(database):
    network = parse_network(network_toml())
    cards = CardRenderer(catalogs=Catalogs.load(), network=network, clock=lambda: NOW)
    async with database.unit_of_work() as repo:
        report = await add(repo, description="🚨" * 400)  # the longest words, included in the post
        text = replace(PublicText.default_for(report), words=report.description, note="🚨" * 200, version=2)
        await repo.save_public_text(report.id, text, "Luis", NOW)
        plain = parse_html((await cards.new(repo, report.id)).text)[0]
        assert "Know your rights" in plain and "as in every alert" not in plain  # it fits: the post, exactly
        for _ in range(3):  # three questions of the verifiers' own, at their longest
            await repo.add_question(report.id, QuestionKind.OWN, "🚨" * MAX_QUESTION_CHARS, "Bartholomew", NOW)
        plain = parse_html((await cards.new(repo, report.id)).text)[0]
        assert utf16_length(plain) <= 4096, utf16_length(plain)
        assert "Know your rights" not in plain and "as in every alert" in plain
        assert plain.count("🚨" * 400) == 1 and "🚨" * 200 in plain  # the words and the note are still shown
