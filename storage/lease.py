"""The lease row and the instances seen lately (bot/domain/lease.py has the rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.lease import Lease
from storage.codec import required_moment, to_text
from storage.dialect import Connection, Dialect, Row

# The fence of every unit of work reads it; Database.unit_of_work sends it with BEGIN (one round trip).
LEASE_QUERY = "SELECT holder, epoch, taken_at, expires_at FROM leader_lease WHERE id = 1"


@dataclass(frozen=True)
class SeenInstance:
    name: str
    role: str
    seen_at: datetime


class LeaseQueries:
    _db: Connection
    _sql: Dialect
    # The lease row as the unit of work read it right after taking the write lock (LEASE_QUERY),
    # for the next lease() to use instead of asking again: under the write lock nobody else can
    # change it, and save_lease forgets it.
    _lease_read: tuple[Row | None] | None = None

    def lease_was_read(self, row: Row | None) -> None:
        self._lease_read = (row,)

    async def lease(self) -> Lease | None:
        if self._lease_read is not None:
            (row,) = self._lease_read
            self._lease_read = None
        else:
            async with self._db.execute(LEASE_QUERY) as cursor:
                row = await cursor.fetchone()
        if row is None:
            return None
        return Lease(
            str(row["holder"]),
            int(row["epoch"]),
            required_moment(row["taken_at"]),
            required_moment(row["expires_at"]),
        )

    async def save_lease(self, lease: Lease) -> None:
        self._lease_read = None
        await self._db.execute(
            "INSERT INTO leader_lease (id, holder, epoch, taken_at, expires_at) VALUES (1, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch,"
            " taken_at = excluded.taken_at, expires_at = excluded.expires_at",
            (lease.holder, lease.epoch, to_text(lease.taken_at), to_text(lease.expires_at)),
        )

    async def instance_seen(self, name: str, role: str, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO instances (name, role, seen_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET role = excluded.role, seen_at = excluded.seen_at",
            (name, role, to_text(at)),
        )

    async def instances_seen_since(self, since: datetime) -> list[SeenInstance]:
        async with self._db.execute(
            "SELECT name, role, seen_at FROM instances WHERE seen_at >= ? ORDER BY role, name", (to_text(since),)
        ) as cursor:
            return [
                SeenInstance(str(r["name"]), str(r["role"]), required_moment(r["seen_at"]))
                for r in await cursor.fetchall()
            ]

    async def forget_instances_before(self, moment: datetime) -> None:
        await self._db.execute("DELETE FROM instances WHERE seen_at < ?", (to_text(moment),))
