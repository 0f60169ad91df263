"""SQL about reporters as pseudonyms: track records, mutes and flood buckets."""

from __future__ import annotations

from datetime import datetime

from bot.domain.limits import BucketState
from bot.domain.rejection import RejectionReason
from bot.domain.reporters import TrackRecord
from bot.domain.verification import ReportStatus
from storage.codec import from_text, to_text
from storage.dialect import Connection, Dialect

_OUTCOME_COLUMN = {
    ReportStatus.PUBLISHED: "confirmed",
    ReportStatus.REJECTED: "false_alarms",
    ReportStatus.EXPIRED: "unconfirmed",
}


class ReporterQueries:
    _db: Connection
    _sql: Dialect

    async def note_report_sent(self, pseudonym: str, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO reporter_records (pseudonym, last_report_at) VALUES (?, ?)"
            " ON CONFLICT (pseudonym) DO UPDATE SET last_report_at = excluded.last_report_at",
            (pseudonym, to_text(at)),
        )

    async def note_outcome(self, pseudonym: str, status: ReportStatus) -> None:
        column = _OUTCOME_COLUMN.get(status)
        if column is None:
            return
        await self._db.execute(
            f"UPDATE reporter_records SET {column} = {column} + 1 WHERE pseudonym = ?",  # column from the fixed map
            (pseudonym,),
        )

    async def track_record(self, pseudonym: str) -> TrackRecord:
        async with self._db.execute(
            "SELECT confirmed, false_alarms, unconfirmed FROM reporter_records WHERE pseudonym = ?", (pseudonym,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return TrackRecord()
        async with self._db.execute(
            "SELECT reason, count FROM reporter_false_alarms WHERE pseudonym = ? AND count > 0", (pseudonym,)
        ) as cursor:
            reasons = {RejectionReason(r["reason"]): int(r["count"]) for r in await cursor.fetchall()}
        return TrackRecord(row["confirmed"], row["false_alarms"], row["unconfirmed"], reasons)

    async def mute(self, pseudonym: str, until: datetime, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO reporter_mutes (pseudonym, until, muted_at) VALUES (?, ?, ?)"
            " ON CONFLICT (pseudonym) DO UPDATE SET until = excluded.until, muted_at = excluded.muted_at",
            (pseudonym, to_text(until), to_text(at)),
        )

    async def unmute(self, pseudonym: str) -> None:
        await self._db.execute("DELETE FROM reporter_mutes WHERE pseudonym = ?", (pseudonym,))

    async def muted_until(self, pseudonym: str) -> datetime | None:
        async with self._db.execute("SELECT until FROM reporter_mutes WHERE pseudonym = ?", (pseudonym,)) as cursor:
            row = await cursor.fetchone()
        return from_text(row["until"]) if row else None

    async def bucket(self, key: str) -> BucketState | None:
        async with self._db.execute("SELECT tokens, updated_at FROM intake_buckets WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        updated_at = from_text(row["updated_at"])
        assert updated_at is not None
        return BucketState(float(row["tokens"]), updated_at)

    async def save_bucket(self, key: str, state: BucketState) -> None:
        await self._db.execute(
            "INSERT INTO intake_buckets (key, tokens, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
            (key, state.tokens, to_text(state.updated_at)),
        )

    async def open_report_in(self, pseudonym: str, neighborhood_key: str) -> str | None:
        """The public reference of the reporter's report still waiting for verifiers there, if any."""
        async with self._db.execute(
            "SELECT public_ref FROM reports"
            " WHERE reporter_pseudonym = ? AND neighborhood_key = ? AND status = 'pending'",
            (pseudonym, neighborhood_key),
        ) as cursor:
            row = await cursor.fetchone()
        return str(row["public_ref"]) if row else None

    async def note_given(self, pseudonym: str, notice: str) -> bool:
        """Remember that the resident was given a one-time note; True if this is the first time."""
        cursor = await self._db.execute(
            "INSERT INTO resident_notices (pseudonym, notice) VALUES (?, ?) ON CONFLICT DO NOTHING", (pseudonym, notice)
        )
        return cursor.rowcount == 1
