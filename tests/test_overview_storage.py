"""/queue and /stats against a real SQLite file: what is open, and what happened, before and after
the purge folds old reports away (nothing counted twice, nothing about reporters kept)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.desk import AnswerKind, Claim, QuestionKind
from bot.domain.lifecycle import AlertStatus
from bot.domain.reports import RecordedVote, new_public_ref
from bot.domain.stats import verifier_tag
from bot.domain.verification import ReportStatus, VoteKind
from tests.samples import DAY, NOW, clovis_report, purge_at

MINUTE = timedelta(minutes=1)


async def published(repo, *, sent, after, votes=()):
    report = await repo.add_report(clovis_report(created_at=sent), new_public_ref)
    for pseudonym, name, minutes in votes:
        await repo.add_vote(report.id, RecordedVote(pseudonym, name, VoteKind.CONFIRM, sent + minutes * MINUTE))
    await repo.set_status(report.id, ReportStatus.PUBLISHED, sent + after)
    await repo.start_alert(report.id, sent + after)
    return report


async def test_the_queue_lists_open_reports_oldest_first_with_votes_claims_and_unanswered_questions(database):
    async with database.unit_of_work() as repo:
        newer = await repo.add_report(clovis_report(created_at=NOW + 5 * MINUTE), new_public_ref)
        older = await repo.add_report(clovis_report(created_at=NOW, neighborhood_key="vado"), new_public_ref)
        await repo.attach_card(older.id, -1001, 77, [])
        await repo.add_vote(older.id, RecordedVote("p-ana", "Ana", VoteKind.CONFIRM, NOW + MINUTE))
        await repo.add_vote(older.id, RecordedVote("p-luis", "Luis", VoteKind.FALSE_ALARM, NOW + MINUTE))
        await repo.save_claim(older.id, Claim("p-rosa", "Rosa", NOW, NOW + 30 * MINUTE))
        await repo.save_claim(older.id, Claim("p-old", "Old", NOW - 60 * MINUTE, NOW - 30 * MINUTE))  # ran out
        await repo.save_claim(older.id, Claim("p-ana", "Ana", NOW, NOW + 30 * MINUTE))  # went, and voted
        answered = await repo.add_question(older.id, QuestionKind.HOW_MANY, "", "Ana", NOW)
        await repo.add_question(older.id, QuestionKind.STILL_THERE, "", "Ana", NOW)
        await repo.add_answer(await repo.question(answered), AnswerKind.WORDS, "three", NOW)
        closed = await published(repo, sent=NOW - DAY, after=10 * MINUTE)
        for pseudonym in ("p-rosa", "p-rosa", "p-tom"):  # corroboration: Rosa twice counts once
            extra = await repo.add_report(clovis_report(reporter_pseudonym=pseudonym), new_public_ref)
            await repo.attach_report(extra.id, older.id)
        queue = await repo.desk_queue(NOW + 10 * MINUTE, limit=1)
    assert [e.public_ref for e in queue.pending] == [older.public_ref] and queue.more == 1
    entry = queue.pending[0]
    assert (entry.neighborhood_key, entry.confirms, entry.false_alarms, entry.unanswered) == ("vado", 1, 1, 1)
    assert entry.claims == (("Rosa", NOW + 30 * MINUTE),)
    assert entry.card == (-1001, 77)
    assert entry.residents == 3  # its reporter, Rosa and Tom
    assert [a.public_ref for a in queue.alerts] == [closed.public_ref]
    async with database.unit_of_work() as repo:
        both = await repo.desk_queue(NOW + 10 * MINUTE, limit=25)
    assert [e.public_ref for e in both.pending] == [older.public_ref, newer.public_ref] and both.more == 0
    assert both.pending[1].card is None and both.pending[1].residents == 1


async def test_stats_count_each_report_once_before_and_after_the_purge_folds_it(database):
    async with database.unit_of_work() as repo:
        await published(repo, sent=NOW, after=6 * MINUTE, votes=[("p-ana", "Ana", 2), ("p-luis", "Luis", 6)])
        await published(repo, sent=NOW + MINUTE, after=20 * MINUTE, votes=[("p-ana", "Ana", 4)])
        rejected = await repo.add_report(clovis_report(created_at=NOW), new_public_ref)
        await repo.add_vote(rejected.id, RecordedVote("p-luis", "Luis", VoteKind.FALSE_ALARM, NOW + 3 * MINUTE))
        await repo.set_status(rejected.id, ReportStatus.REJECTED, NOW + 3 * MINUTE)
        await repo.add_report(clovis_report(created_at=NOW + 2 * MINUTE), new_public_ref)  # still pending
        for report_id in (1, 2):
            await repo.set_alert_status(report_id, AlertStatus.ENDED, NOW + DAY)

    async def figures(at):
        async with database.unit_of_work() as repo:
            since = at - 30 * DAY
            return (
                await repo.outcomes_since(since),
                sorted(await repo.publication_seconds_since(since)),
                sorted((v.verifier, v.seconds, v.name) for v in await repo.vote_times_since(since)),
            )

    before = await figures(NOW + DAY)
    assert before[0] == {"published": 2, "rejected": 1, "pending": 1}
    assert before[1] == [360, 1200]
    ana, luis = verifier_tag("p-ana"), verifier_tag("p-luis")
    assert before[2] == sorted([(ana, 120, "Ana"), (luis, 360, "Luis"), (ana, 240, "Ana"), (luis, 180, "Luis")])

    async with database.unit_of_work() as repo:
        counts = await purge_at(repo, NOW + 9 * DAY)
    assert counts.reports == 3  # the pending one stays
    after = await figures(NOW + 9 * DAY)
    assert after[0] == before[0] and after[1] == before[1]
    # the same votes, now without names (first names go with the report)
    assert after[2] == sorted((who, seconds, None) for who, seconds, _ in before[2])

    async with database.unit_of_work() as repo:
        await purge_at(repo, NOW + 32 * DAY)  # older than the longest window: the folded figures go
        assert await repo.publication_seconds_since(NOW - DAY) == []
        assert await repo.vote_times_since(NOW - DAY) == []


async def test_a_window_only_counts_what_happened_in_it(database):
    async with database.unit_of_work() as repo:
        await published(repo, sent=NOW - 20 * DAY, after=5 * MINUTE, votes=[("p-ana", "Ana", 5)])
        await published(repo, sent=NOW, after=8 * MINUTE, votes=[("p-ana", "Ana", 8)])
        since = NOW - 7 * DAY
        assert await repo.outcomes_since(since) == {"published": 1}
        assert await repo.publication_seconds_since(since) == [480]
        assert [v.seconds for v in await repo.vote_times_since(since)] == [480]


async def test_forgetme_folds_the_votes_on_the_reports_it_deletes(database):
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(reporter_pseudonym="p-tom"), new_public_ref)
        await repo.add_vote(report.id, RecordedVote("p-ana", "Ana", VoteKind.FALSE_ALARM, NOW + 4 * MINUTE))
        await repo.set_status(report.id, ReportStatus.REJECTED, NOW + 4 * MINUTE)
        await repo.forget_reporter("p-tom")
        assert await repo.outcomes_since(NOW - DAY) == {"rejected": 1}
        assert [(v.verifier, v.seconds) for v in await repo.vote_times_since(NOW - DAY)] == [
            (verifier_tag("p-ana"), 240)
        ]
