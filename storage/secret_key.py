"""SQL about the secret key: which key the stored pseudonyms were made with, and what a new key
leaves unreachable."""

from __future__ import annotations

from datetime import datetime

from storage.codec import to_text
from storage.dialect import Connection, Dialect

# Every table whose rows belong to one person through their pseudonym alone. The other tables with
# a pseudonym belong to a report (its reporter, its votes, claims and rumor checks) and go with it
# when the purge deletes the report. tests/test_secret_key.py fails when a table of neither kind
# appears.
PER_PERSON = (
    "reporter_false_alarms",
    "reporter_records",
    "reporter_mutes",
    "resident_settings",
    "resident_notices",
    "draft_media",
    "drafts",
)


class SecretKeyQueries:
    _db: Connection
    _sql: Dialect

    async def secret_key_check(self) -> str | None:
        async with self._db.execute("SELECT key_check FROM secret_key_check WHERE id = 1") as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row["key_check"])

    async def record_secret_key_check(self, key_check: str, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO secret_key_check (id, key_check, recorded_at) VALUES (1, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET key_check = excluded.key_check, recorded_at = excluded.recorded_at",
            (key_check, to_text(at)),
        )

    async def forget_every_pseudonym(self) -> int:
        """Delete what only a pseudonym points to (track records, mutes, buckets, settings, drafts):
        under a new key nobody can be matched to it again, nor ask for it to be erased."""
        removed = 0
        for table in PER_PERSON:
            cursor = await self._db.execute(f"DELETE FROM {table}")  # table names from the fixed tuple
            removed += max(cursor.rowcount, 0)
        cursor = await self._db.execute("DELETE FROM intake_buckets WHERE key LIKE 'reporter:%'")
        return removed + max(cursor.rowcount, 0)
