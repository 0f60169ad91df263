"""SQL for the lifecycle: handled updates, deadlines, and published alerts.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.lifecycle import (
    Alert,
    AlertAction,
    AlertStatus,
    Deadline,
    DeadlineKind,
    RecordedAlertVote,
)
from storage.codec import from_text, required_moment, to_text
from storage.dialect import Connection, Dialect, Row
from storage.public_text import decode_public_text


class AlertQueries:
    _db: Connection
    _sql: Dialect

    # --- requests handled once --------------------------------------------------------------

    async def claim_request(self, request_id: str, at: datetime) -> bool:
        """Record a request (a Telegram update, a web-desk request) as handled. False if it already
        was: its surface delivered it again."""
        cursor = await self._db.execute(
            "INSERT INTO handled_requests (request_id, handled_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (request_id, to_text(at)),
        )
        return cursor.rowcount == 1

    async def forget_requests_before(self, moment: datetime) -> int:
        """Telegram keeps undelivered updates for 24 hours; older ids can never come back."""
        cursor = await self._db.execute("DELETE FROM handled_requests WHERE handled_at < ?", (to_text(moment),))
        return cursor.rowcount

    # --- deadlines ---------------------------------------------------------------------------

    async def set_deadline(self, report_id: int, kind: DeadlineKind, due_at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO deadlines (report_id, kind, due_at) VALUES (?, ?, ?)"
            " ON CONFLICT (report_id, kind) DO UPDATE SET due_at = excluded.due_at",
            (report_id, str(kind), to_text(due_at)),
        )

    async def clear_deadlines(self, report_id: int, *kinds: DeadlineKind) -> None:
        await self._db.executemany(
            "DELETE FROM deadlines WHERE report_id = ? AND kind = ?", [(report_id, str(kind)) for kind in kinds]
        )

    async def deadline(self, report_id: int, kind: DeadlineKind) -> Deadline | None:
        async with self._db.execute(
            "SELECT report_id, kind, due_at FROM deadlines WHERE report_id = ? AND kind = ?", (report_id, str(kind))
        ) as cursor:
            row = await cursor.fetchone()
        return _deadline(row) if row else None

    async def due_deadlines(self, now: datetime) -> list[Deadline]:
        async with self._db.execute(
            "SELECT report_id, kind, due_at FROM deadlines WHERE due_at <= ? ORDER BY due_at, report_id",
            (to_text(now),),
        ) as cursor:
            return [_deadline(row) for row in await cursor.fetchall()]

    async def next_deadline(self) -> datetime | None:
        async with self._db.execute("SELECT MIN(due_at) AS due FROM deadlines") as cursor:
            row = await cursor.fetchone()
        return from_text(row["due"]) if row else None

    # --- alerts ------------------------------------------------------------------------------

    async def start_alert(self, report_id: int, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO alerts (report_id, published_at, last_active_at) VALUES (?, ?, ?)",
            (report_id, to_text(at), to_text(at)),
        )

    async def alert(self, report_id: int) -> Alert | None:
        async with self._db.execute(
            "SELECT a.*, d.due_at AS active_until FROM alerts a"
            " LEFT JOIN deadlines d ON d.report_id = a.report_id AND d.kind = 'expire_alert'"
            " WHERE a.report_id = ?",
            (report_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self._db.execute(
            "SELECT verifier_pseudonym, verifier_name, action, cast_at, notified FROM alert_votes WHERE report_id = ?"
            " ORDER BY id",
            (report_id,),
        ) as cursor:
            votes = tuple(
                RecordedAlertVote(
                    r["verifier_pseudonym"],
                    r["verifier_name"],
                    AlertAction(r["action"]),
                    required_moment(r["cast_at"]),
                    bool(r["notified"]),
                )
                for r in await cursor.fetchall()
            )
        return Alert(
            report_id=row["report_id"],
            status=AlertStatus(row["status"]),
            published_at=required_moment(row["published_at"]),
            last_active_at=required_moment(row["last_active_at"]),
            closed_at=from_text(row["closed_at"]),
            active_until=from_text(row["active_until"]),
            votes=votes,
            public_text=decode_public_text(row["public_text"]),
        )

    async def add_alert_vote(self, report_id: int, vote: RecordedAlertVote) -> None:
        await self._db.execute(
            "INSERT INTO alert_votes (report_id, verifier_pseudonym, verifier_name, action, cast_at, notified)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (report_id, vote.verifier, vote.verifier_name, str(vote.action), to_text(vote.cast_at), vote.notified),
        )

    async def mark_still_active(self, report_id: int, at: datetime) -> None:
        await self._db.execute("UPDATE alerts SET last_active_at = ? WHERE report_id = ?", (to_text(at), report_id))

    async def set_alert_status(self, report_id: int, status: AlertStatus, at: datetime) -> None:
        closed_at = None if status.is_active else to_text(at)
        await self._db.execute(
            "UPDATE alerts SET status = ?, closed_at = ? WHERE report_id = ?", (str(status), closed_at, report_id)
        )

    async def count_alerts_by_status(self) -> dict[AlertStatus, int]:
        async with self._db.execute("SELECT status, COUNT(*) AS n FROM alerts GROUP BY status") as cursor:
            return {AlertStatus(row["status"]): int(row["n"]) for row in await cursor.fetchall()}

    async def oldest_pending_report(self) -> datetime | None:
        async with self._db.execute("SELECT MIN(created_at) AS oldest FROM reports WHERE status = 'pending'") as cursor:
            row = await cursor.fetchone()
        return from_text(row["oldest"]) if row else None


def _deadline(row: Row) -> Deadline:
    return Deadline(row["report_id"], DeadlineKind(row["kind"]), required_moment(row["due_at"]))
