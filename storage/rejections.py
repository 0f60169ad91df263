"""SQL for false alarms' reasons and rumor checks.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.draft import MediaKind
from bot.domain.rejection import (
    DUPLICATE_WINDOW,
    Rejection,
    RejectionCounts,
    RejectionReason,
    ReportHolds,
    RumorSupport,
)
from bot.domain.reports import Report
from storage.codec import from_text, required_moment, to_text
from storage.dialect import Connection, Dialect


class RejectionQueries:
    _db: Connection
    _sql: Dialect

    async def report_holds(self, report: Report) -> ReportHolds:
        """What the report holds that a false alarm's reasons depend on: its photos and videos as the
        card shows them, and how many other reports (not attached to it) came within
        DUPLICATE_WINDOW of it."""
        async with self._db.execute(
            "SELECT COUNT(*) AS n FROM reports WHERE id != ? AND (attached_to IS NULL OR attached_to != ?)"
            " AND created_at BETWEEN ? AND ?",
            (
                report.id,
                report.id,
                to_text(report.created_at - DUPLICATE_WINDOW),
                to_text(report.created_at + DUPLICATE_WINDOW),
            ),
        ) as cursor:
            row = await cursor.fetchone()
        # What reached the group, and what is still kept for 📎 Show media (issue 18): the card counts both.
        async with self._db.execute(
            "SELECT kind, COUNT(*) AS n FROM report_media WHERE report_id = ? GROUP BY kind", (report.id,)
        ) as cursor:
            kept = {str(r["kind"]): int(r["n"]) for r in await cursor.fetchall()}
        return ReportHolds(
            photos=report.count_of(MediaKind.PHOTO) + kept.get(MediaKind.PHOTO, 0),
            videos=report.count_of(MediaKind.VIDEO) + kept.get(MediaKind.VIDEO, 0),
            reports_around=int(row["n"]) if row else 0,
        )

    async def record_rejection(self, report_id: int, reason: RejectionReason | None, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO rejections (report_id, reason, rejected_at) VALUES (?, ?, ?)",
            (report_id, str(reason) if reason else None, to_text(at)),
        )

    async def rejection(self, report_id: int) -> Rejection | None:
        async with self._db.execute("SELECT * FROM rejections WHERE report_id = ?", (report_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self._db.execute(
            "SELECT verifier_pseudonym, verifier_name, pressed_at FROM rumor_check_supporters WHERE report_id = ?"
            " ORDER BY pressed_at, rowid",
            (report_id,),
        ) as cursor:
            supporters = tuple(
                RumorSupport(r["verifier_pseudonym"], r["verifier_name"], required_moment(r["pressed_at"]))
                for r in await cursor.fetchall()
            )
        return Rejection(
            report_id=report_id,
            reason=RejectionReason(row["reason"]) if row["reason"] else None,
            rejected_at=required_moment(row["rejected_at"]),
            rumor_check_posted_at=from_text(row["rumor_check_posted_at"]),
            supporters=supporters,
        )

    async def add_rumor_support(self, report_id: int, support: RumorSupport) -> None:
        await self._db.execute(
            "INSERT INTO rumor_check_supporters (report_id, verifier_pseudonym, verifier_name, pressed_at)"
            " VALUES (?, ?, ?, ?)",
            (report_id, support.verifier, support.verifier_name, to_text(support.pressed_at)),
        )

    async def rumor_check_posted(self, report_id: int, at: datetime) -> None:
        await self._db.execute(
            "UPDATE rejections SET rumor_check_posted_at = ? WHERE report_id = ?", (to_text(at), report_id)
        )

    async def note_false_alarm_reason(self, pseudonym: str, reason: RejectionReason) -> None:
        """Count a rejection's reason in the reporter's track record (which must exist: every
        report notes its reporter's record when it is sent)."""
        await self._db.execute(
            "INSERT INTO reporter_false_alarms (pseudonym, reason, count)"
            " SELECT ?, ?, 1 WHERE EXISTS (SELECT 1 FROM reporter_records WHERE pseudonym = ?)"
            " ON CONFLICT (pseudonym, reason) DO UPDATE SET count = reporter_false_alarms.count + 1",
            (pseudonym, str(reason), pseudonym),
        )

    async def rejection_counts(self, *, since: datetime) -> RejectionCounts:
        """For /stats: rejected reports made since `since`, live and already purged (by day)."""
        by_reason: dict[RejectionReason | None, int] = {}
        rumor_checks = 0
        async with self._db.execute(
            "SELECT j.reason, COUNT(*) AS n, COUNT(j.rumor_check_posted_at) AS rumors FROM rejections j"
            " JOIN reports r ON r.id = j.report_id WHERE r.created_at >= ? AND r.is_drill = 0 GROUP BY j.reason",
            (to_text(since),),
        ) as cursor:
            for row in await cursor.fetchall():
                reason = RejectionReason(row["reason"]) if row["reason"] else None
                by_reason[reason] = by_reason.get(reason, 0) + int(row["n"])
                rumor_checks += int(row["rumors"])
        async with self._db.execute(
            "SELECT reason, SUM(count) AS n, SUM(rumor_checks) AS rumors FROM rejection_statistics"
            " WHERE day >= ? GROUP BY reason",
            (to_text(since)[:10],),
        ) as cursor:
            for row in await cursor.fetchall():
                reason = RejectionReason(row["reason"]) if row["reason"] else None
                by_reason[reason] = by_reason.get(reason, 0) + int(row["n"])
                rumor_checks += int(row["rumors"])
        return RejectionCounts(by_reason, rumor_checks)
