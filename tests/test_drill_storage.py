"""A drill's reports, against a real SQLite file: kept apart from every figure and match, and gone
at the retention limit whatever their state."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.drills import LanguageMix, Pace, plan
from bot.domain.verification import ReportStatus
from tests.samples import DAY, NOW, add, purge_at


async def test_a_drill_report_counts_nowhere_and_matches_no_real_report(database):
    async with database.unit_of_work() as repo:
        real = await add(repo, ReportStatus.REJECTED, pseudonym="pseudo-real")
        drill = await add(repo, ReportStatus.PUBLISHED, pseudonym="drill:1:0", is_drill=True)
        await add(repo, pseudonym="drill:1:1", is_drill=True)  # pending
        assert (await repo.report(drill.id)).is_drill and not (await repo.report(real.id)).is_drill
        assert await repo.outcomes_since(NOW - DAY) == {"rejected": 1}
        assert await repo.count_by_status() == {ReportStatus.REJECTED: 1}
        assert await repo.open_real_reports() == 0
        # Corroboration: a real report never joins a drill's, and the other way round.
        assert await repo.open_reports_in("clovis") == []
        assert [r.report_id for r in await repo.open_reports_in("clovis", drill=True)] != []
        queue = await repo.desk_queue(NOW, 10)
        assert len(queue.pending) == 1  # the desk still sees the drill's open report (after real ones)


async def test_the_purge_deletes_drill_reports_at_the_retention_limit_before_counting(database):
    async with database.unit_of_work() as repo:
        await add(repo, ReportStatus.REJECTED, pseudonym="pseudo-real")
        await add(repo, ReportStatus.REJECTED, pseudonym="drill:1:0", is_drill=True)
        await add(repo, pseudonym="drill:1:1", is_drill=True)  # still pending: goes too
    async with database.unit_of_work() as repo:
        await purge_at(repo, NOW + 7 * DAY + timedelta(minutes=1))
        assert await repo.drill_reports_left() == 0
        assert await repo.statistics() == [("2026-11-22", "clovis", "rejected", 1)]


async def test_a_reported_drill_is_forgotten_with_its_residents(database):
    planned = plan([("worksite", 2)], Pace.SURGE, LanguageMix.MIX, NOW)
    async with database.unit_of_work() as repo:
        drill_id = await repo.create_drill(-100, Pace.SURGE, LanguageMix.MIX, False, planned, NOW)
        assert await repo.claim_drill_position(drill_id, 0)
        report = await add(repo, ReportStatus.PUBLISHED, pseudonym="drill:1:0", is_drill=True)
        await repo.drill_report_sent(drill_id, 0, report.id)
        await repo.note_report_sent("drill:1:0", NOW)
        await repo.note_outcome("drill:1:0", ReportStatus.PUBLISHED)
        assert (await repo.track_record("drill:1:0")).confirmed == 1
        assert not await repo.claim_drill_position(drill_id, 0)  # sent once only
        outbox_id = await repo.enqueue_card_refresh(report.id, NOW) or 0
        await repo.drill_reported(drill_id, "report", outbox_id, NOW)
        assert await repo.forget_drill_reports() == 1
        assert await repo.drill_reports_left() == 0
        assert (await repo.track_record("drill:1:0")).confirmed == 0
        kept = await repo.latest_drill()
        assert kept is not None and kept.report_text == "report"  # /drill report still answers
