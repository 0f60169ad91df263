"""SQL for corroboration: reports attached to an open report of the same neighborhood.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work. An
attached report is an ordinary report row (its own reference, contact, content and photos) with
status 'merged' and `attached_to` naming the report it joined (migration 0012).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from bot.domain.corroboration import OpenReport
from bot.domain.lifecycle import AlertStatus
from bot.domain.verification import ReportStatus
from storage.codec import from_text, to_text
from storage.dialect import Connection, Dialect, Row


class CorroborationQueries:
    _db: Connection
    _sql: Dialect

    async def open_reports_in(self, neighborhood_key: str, *, drill: bool = False) -> list[OpenReport]:
        """Reports of the neighborhood a new one might join: pending, or published with a live alert.
        A drill's reports and real ones never join each other (`drill` picks which)."""
        async with self._db.execute(
            "SELECT r.id, r.neighborhood_key, r.status, r.created_at, r.attached_to, a.status AS alert"
            " FROM reports r LEFT JOIN alerts a ON a.report_id = r.id"
            " WHERE r.neighborhood_key = ? AND r.attached_to IS NULL AND r.is_drill = ?"
            " AND (r.status = 'pending' OR (r.status = 'published' AND a.status = 'active'))",
            (neighborhood_key, int(drill)),
        ) as cursor:
            rows = await cursor.fetchall()
        return [open_report(row) for row in rows]

    async def attach_report(self, report_id: int, joined_id: int) -> None:
        """The report is corroboration for `joined_id`: no card, no deadlines, not closed before it."""
        await self._db.execute(
            "UPDATE reports SET status = 'merged', attached_to = ?, closed_at = NULL WHERE id = ?",
            (joined_id, report_id),
        )

    async def attached_report_ids(self, joined_id: int) -> list[int]:
        """The reports attached to `joined_id`, oldest first."""
        async with self._db.execute(
            "SELECT id FROM reports WHERE attached_to = ? AND status = 'merged' ORDER BY id", (joined_id,)
        ) as cursor:
            return [int(row["id"]) for row in await cursor.fetchall()]

    async def reporters_joined(self, report_id: int) -> list[str]:
        """The pseudonyms of everyone who sent the report or one joined with it: the report it was
        attached to (if it is attached) and every report attached to that one. One per report."""
        async with self._db.execute(
            "WITH root AS (SELECT CASE WHEN status = 'merged' AND attached_to IS NOT NULL"
            " THEN attached_to ELSE id END AS id FROM reports WHERE id = ?)"
            " SELECT reporter_pseudonym FROM reports WHERE id = (SELECT id FROM root)"
            " OR (attached_to = (SELECT id FROM root) AND status = 'merged') ORDER BY id",
            (report_id,),
        ) as cursor:
            return [str(row["reporter_pseudonym"]) for row in await cursor.fetchall()]

    async def detach_report(self, report_id: int) -> None:
        """Pending again, on its own: its reply in the group is no longer its card."""
        await self._db.execute(
            "UPDATE reports SET status = 'pending', attached_to = NULL, closed_at = NULL,"
            " card_chat_id = NULL, card_message_id = NULL WHERE id = ?",
            (report_id,),
        )

    async def close_attached(self, joined_id: int, at: datetime) -> None:
        """The report they joined closed (for an alert: it ended): from now on the attached reports
        are kept, and then purged, like a closed report."""
        await self._db.execute(
            "UPDATE reports SET closed_at = ? WHERE attached_to = ? AND status = 'merged' AND closed_at IS NULL",
            (to_text(at), joined_id),
        )

    async def first_media_message(self, report_id: int) -> int | None:
        """The group message of the report's first photo, video or voice note, if it arrived."""
        async with self._db.execute(
            "SELECT message_id FROM report_photos WHERE report_id = ? AND message_id IS NOT NULL"
            " ORDER BY position LIMIT 1",
            (report_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row["message_id"]) if row else None

    async def card_outbox_id(self, report_id: int) -> int | None:
        """The outbox row of the report's card (a reply to a card not sent yet waits for it)."""
        async with self._db.execute(
            "SELECT id FROM outbox WHERE report_id = ? AND kind = 'card' ORDER BY id DESC LIMIT 1", (report_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row["id"]) if row else None


def open_report(row: Row) -> OpenReport:
    """A row with a report's id, neighborhood_key, status, created_at and attached_to, and its
    alert's status as `alert`."""
    return OpenReport(
        report_id=int(row["id"]),
        neighborhood_key=row["neighborhood_key"],
        status=ReportStatus(row["status"]),
        alert=AlertStatus(row["alert"]) if row["alert"] is not None else None,
        created_at=cast(datetime, from_text(row["created_at"])),
        attached_to=row["attached_to"],
    )
