"""False alarms' reasons and rumor checks against a real SQLite file: kept, counted, and forgotten."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.delivery import DeliveryStatus, MessageKind, Outgoing, Progress
from bot.domain.rejection import DUPLICATE_WINDOW, RejectionReason, ReportHolds, RumorSupport
from bot.domain.reports import RecordedVote
from bot.domain.verification import ReportStatus, VoteKind
from storage.dialect import INTEGRITY_ERRORS
from tests.samples import DAY, NOW, add, purge_at

R = RejectionReason


async def reject(repo, reason: RejectionReason | None, *, pseudonym="pseudo-tom", at=NOW, **overrides):
    """A report closed as a false alarm, as the vote that closes it writes it."""
    report = await add(repo, ReportStatus.REJECTED, pseudonym=pseudonym, closed_at=at, **overrides)
    await repo.note_report_sent(pseudonym, at)
    await repo.note_outcome(pseudonym, ReportStatus.REJECTED)
    await repo.record_rejection(report.id, reason, at)
    if reason is not None:
        await repo.note_false_alarm_reason(pseudonym, reason)
    return report


async def test_a_false_alarm_vote_keeps_its_reason_and_a_confirmation_has_none(database):
    async with database.unit_of_work() as repo:
        report = await add(repo)
        await repo.add_vote(report.id, RecordedVote("pseudo-ana", "Ana", VoteKind.FALSE_ALARM, NOW, reason=R.OLD_PHOTO))
        await repo.add_vote(report.id, RecordedVote("pseudo-luis", "Luis", VoteKind.CONFIRM, NOW))
        ana, luis = await repo.votes(report.id)
        assert ana.reason is R.OLD_PHOTO and luis.reason is None


async def test_a_rejection_keeps_its_reason_and_who_asked_for_the_rumor_check_until_it_is_posted(database):
    async with database.unit_of_work() as repo:
        report = await reject(repo, R.NOT_ENFORCEMENT)
        rejection = await repo.rejection(report.id)
        assert rejection.reason is R.NOT_ENFORCEMENT and rejection.rejected_at == NOW
        assert rejection.rumor_check_posted_at is None and rejection.supporters == ()
        await repo.add_rumor_support(report.id, RumorSupport("pseudo-ana", "Ana", NOW))
        await repo.add_rumor_support(report.id, RumorSupport("pseudo-luis", "Luis", NOW + timedelta(minutes=1)))
        await repo.rumor_check_posted(report.id, NOW + timedelta(minutes=1))
        rejection = await repo.rejection(report.id)
        assert [s.verifier_name for s in rejection.supporters] == ["Ana", "Luis"]
        assert rejection.rumor_check_posted_at == NOW + timedelta(minutes=1)
        assert await repo.rejection((await add(repo)).id) is None


async def test_a_verifier_supports_a_rumor_check_once(database):
    async with database.unit_of_work() as repo:
        report = await reject(repo, R.OLD_PHOTO)
        await repo.add_rumor_support(report.id, RumorSupport("pseudo-ana", "Ana", NOW))
        with pytest.raises(INTEGRITY_ERRORS):
            await repo.add_rumor_support(report.id, RumorSupport("pseudo-ana", "Ana", NOW))


async def test_the_track_record_counts_false_alarms_by_reason(database):
    async with database.unit_of_work() as repo:
        await reject(repo, R.OLD_PHOTO)
        await reject(repo, R.OLD_PHOTO)
        await reject(repo, R.NOT_ENFORCEMENT)
        await reject(repo, None)  # from before reasons: a false alarm without one
        record = await repo.track_record("pseudo-tom")
        assert record.false_alarms == 4
        assert record.false_alarm_reasons == {R.OLD_PHOTO: 2, R.NOT_ENFORCEMENT: 1}
        assert (await repo.track_record("pseudo-rosa")).false_alarm_reasons == {}


async def test_reasons_go_with_the_track_record_after_a_quiet_period_and_with_forgetme(database):
    async with database.unit_of_work() as repo:
        await reject(repo, R.OLD_PHOTO, pseudonym="pseudo-tom")
        await reject(repo, R.WRONG_PLACE, pseudonym="pseudo-rosa")
        await repo.forget_reporter("pseudo-rosa")
        assert (await repo.track_record("pseudo-rosa")).false_alarm_reasons == {}
        await purge_at(repo, NOW + 91 * DAY)
        assert (await repo.track_record("pseudo-tom")).is_empty
        async with repo._db.execute("SELECT COUNT(*) FROM reporter_false_alarms") as cursor:
            assert (await cursor.fetchone())[0] == 0


async def test_the_rejection_and_its_rumor_check_go_with_the_report(database):
    async with database.unit_of_work() as repo:
        report = await reject(repo, R.DUPLICATE)
        await repo.add_rumor_support(report.id, RumorSupport("pseudo-ana", "Ana", NOW))
        await repo.enqueue(report.id, Outgoing(MessageKind.CHANNEL_RUMOR_CHECK, -1001, "not confirmed"), NOW)
        await repo.delete_report(report.id)
        for table in ("rejections", "rumor_check_supporters"):
            async with repo._db.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
                assert (await cursor.fetchone())[0] == 0, table


async def test_a_rumor_checks_posts_are_kept_while_the_report_lives_for_the_cards_links(database):
    async with database.unit_of_work() as repo:
        report = await reject(repo, R.OLD_PHOTO)
        outbox_id = await repo.enqueue(
            report.id, Outgoing(MessageKind.CHANNEL_RUMOR_CHECK, -1001, "not confirmed"), NOW
        )
        await repo.save_progress(outbox_id, Progress(DeliveryStatus.SENT, 1), NOW, telegram_message_id=7)
        assert await repo.purge_outbox(settled_before=NOW + 30 * DAY) == 0
        (post,) = await repo.report_messages(report.id, MessageKind.CHANNEL_RUMOR_CHECK)
        assert post.id == outbox_id and post.telegram_message_id == 7


async def test_stats_count_rejections_by_reason_and_rumor_checks_live_and_after_the_purge(database):
    async with database.unit_of_work() as repo:
        old = await reject(repo, R.OLD_PHOTO)
        await repo.rumor_check_posted(old.id, NOW)
        await reject(repo, R.OLD_PHOTO, neighborhood_key="vado")
        await reject(repo, None)
        await reject(repo, R.NOT_ENFORCEMENT, at=NOW + 6 * DAY, created_at=NOW + 6 * DAY)
    async with database.unit_of_work() as repo:
        before = await repo.rejection_counts(since=NOW - DAY)
        await purge_at(repo, NOW + 7 * DAY + timedelta(minutes=1))
        assert (await repo.count_by_status()) == {ReportStatus.REJECTED: 1}  # three were purged
        after = await repo.rejection_counts(since=NOW - DAY)
        assert before == after
        assert after.by_reason == {R.OLD_PHOTO: 2, None: 1, R.NOT_ENFORCEMENT: 1}
        assert after.rumor_checks == 1 and after.total == 4
        recent = await repo.rejection_counts(since=NOW + 5 * DAY)
        assert recent.by_reason == {R.NOT_ENFORCEMENT: 1} and recent.rumor_checks == 0


async def test_forgetme_folds_the_withdrawn_rejections_into_the_anonymous_counts(database):
    async with database.unit_of_work() as repo:
        await reject(repo, R.WRONG_PLACE, pseudonym="pseudo-rosa")
        await repo.forget_reporter("pseudo-rosa")
        async with repo._db.execute("SELECT COUNT(*) FROM rejections") as cursor:
            assert (await cursor.fetchone())[0] == 0
        assert (await repo.rejection_counts(since=NOW - DAY)).by_reason == {R.WRONG_PLACE: 1}


async def test_what_a_report_holds_counts_other_reports_within_a_day_but_not_those_attached_to_it(database):
    """Issue 23: "a duplicate" fits only a report with another one around it."""
    async with database.unit_of_work() as repo:
        report = await add(repo, description="words only")
        assert await repo.report_holds(report) == ReportHolds()  # no photo, no video, nothing around it
        attached = await add(repo, pseudonym="pseudo-rosa", created_at=NOW + timedelta(minutes=10))
        await repo.attach_report(attached.id, report.id)
        await add(repo, pseudonym="pseudo-old", created_at=NOW - DUPLICATE_WINDOW - timedelta(minutes=1))
        assert (await repo.report_holds(report)).reports_around == 0
        await add(repo, pseudonym="pseudo-later", neighborhood_key="vado", created_at=NOW + timedelta(hours=23))
        assert (await repo.report_holds(report)).reports_around == 1
