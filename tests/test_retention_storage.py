"""Forgetting, against a real SQLite file: the purge, /forgetme, track records and mutes."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.verification import ReportStatus
from tests.samples import DAY, NOW, add, purge_at


async def test_purge_folds_old_closed_reports_into_anonymous_counts(database):
    async with database.unit_of_work() as repo:
        old = await add(repo, ReportStatus.REJECTED)
        await add(repo, ReportStatus.PUBLISHED, neighborhood_key="vado")
        recent = await add(repo, ReportStatus.REJECTED, closed_at=NOW + 6 * DAY)
        pending = await add(repo)
    async with database.unit_of_work() as repo:
        counts = await purge_at(repo, NOW + 7 * DAY + timedelta(minutes=1))
        assert counts.reports == 2
        assert await repo.statistics() == [
            ("2026-11-22", "clovis", "rejected", 1),
            ("2026-11-22", "vado", "published", 1),
        ]
        assert (await repo.report(recent.id)).status is ReportStatus.REJECTED
        assert (await repo.report(pending.id)).status is ReportStatus.PENDING
        assert await repo.reporter_chat_id(pending.id) is not None  # open: still needed
        assert await repo.reporter_chat_id(recent.id) is None  # closed for over an hour: gone
    async with database.unit_of_work() as repo:
        await add(repo, ReportStatus.REJECTED)
        await purge_at(repo, NOW + 8 * DAY)
        assert ("2026-11-22", "clovis", "rejected", 2) in await repo.statistics()
    assert old.id != recent.id


async def test_contact_survives_the_grace_period_after_closing(database):
    async with database.unit_of_work() as repo:
        report = await add(repo, ReportStatus.PUBLISHED)
        await purge_at(repo, NOW + timedelta(minutes=30))
        assert await repo.reporter_chat_id(report.id) is not None
        await purge_at(repo, NOW + timedelta(minutes=61))
        assert await repo.reporter_chat_id(report.id) is None


async def test_track_records_count_outcomes_and_go_after_a_quiet_period(database):
    async with database.unit_of_work() as repo:
        await repo.note_report_sent("pseudo-K4", NOW)
        await repo.note_outcome("pseudo-K4", ReportStatus.PUBLISHED)
        await repo.note_outcome("pseudo-K4", ReportStatus.PUBLISHED)
        await repo.note_outcome("pseudo-K4", ReportStatus.REJECTED)
        await repo.note_outcome("pseudo-K4", ReportStatus.PENDING)  # not an outcome: ignored
        record = await repo.track_record("pseudo-K4")
        assert (record.confirmed, record.false_alarms, record.unconfirmed) == (2, 1, 0)
        await purge_at(repo, NOW + 89 * DAY)
        assert not (await repo.track_record("pseudo-K4")).is_empty
        await purge_at(repo, NOW + 91 * DAY)
        assert (await repo.track_record("pseudo-K4")).is_empty


async def test_forgetting_withdraws_open_reports_unlinks_published_ones_and_keeps_the_mute(database):
    async with database.unit_of_work() as repo:
        pending = await add(repo)
        await repo.attach_card(pending.id, -1001, 77, [])
        published = await add(repo, ReportStatus.PUBLISHED, neighborhood_key="vado")
        rejected = await add(repo, ReportStatus.REJECTED)
        others = await add(repo, pseudonym="someone-else")
        await repo.note_report_sent("pseudo-K4", NOW)
        await repo.set_resident_language("pseudo-K4", "es")
        await repo.mute("pseudo-K4", NOW + 7 * DAY, NOW)
    async with database.unit_of_work() as repo:
        withdrawn = await repo.forget_reporter("pseudo-K4")
    assert [(w.public_ref, w.chat_id, w.message_id) for w in withdrawn] == [(pending.public_ref, -1001, 77)]
    async with database.unit_of_work() as repo:
        assert await repo.count_by_status() == {ReportStatus.PUBLISHED: 1, ReportStatus.PENDING: 1}
        kept = await repo.report(published.id)
        assert kept.reporter_pseudonym.startswith("forgotten:") and await repo.reporter_chat_id(published.id) is None
        assert (await repo.report(others.id)).reporter_pseudonym == "someone-else"
        assert await repo.resident_language("pseudo-K4") is None
        assert (await repo.track_record("pseudo-K4")).is_empty
        assert await repo.muted_until("pseudo-K4") == NOW + 7 * DAY
        stats = await repo.statistics()
        assert ("2026-11-22", "clovis", "withdrawn", 1) in stats and ("2026-11-22", "clovis", "rejected", 1) in stats
    assert rejected.id not in (published.id, others.id)


async def test_buckets_and_ended_mutes_are_purged(database):
    from bot.domain.limits import BucketState

    async with database.unit_of_work() as repo:
        await repo.save_bucket("intake", BucketState(0.0, NOW))
        await repo.mute("pseudo-K4", NOW + DAY, NOW)
        await purge_at(repo, NOW + timedelta(minutes=59))
        assert await repo.bucket("intake") is not None
        await purge_at(repo, NOW + 2 * DAY)
        assert await repo.bucket("intake") is None and await repo.muted_until("pseudo-K4") is None
