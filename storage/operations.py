"""SQL for running Vigil: the health probe, and the figures /metrics shows.

Nothing here returns an id, a name, a pseudonym or a chat: only counts, ages and delays, and the
neighborhood of a count only when the caller asks (the network file's opt-in, bot/metrics.py).

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codec import required_moment, to_text
from storage.dialect import Connection, Dialect

_FIRST_ACTIONS = """
SELECT r.created_at, f.first FROM reports r JOIN (
  SELECT report_id, MIN(at) AS first FROM (
    SELECT report_id, cast_at AS at FROM votes UNION ALL SELECT report_id, claimed_at AS at FROM desk_claims
  ) GROUP BY report_id
) f ON f.report_id = r.id
WHERE f.first > :since AND f.first <= :until
"""

_PUBLICATIONS = """
SELECT r.created_at, a.published_at FROM alerts a JOIN reports r ON r.id = a.report_id
WHERE a.published_at > :since AND a.published_at <= :until
"""


@dataclass(frozen=True)
class OpenMessages:
    """Outbox messages of one kind not yet settled: how many, and when the oldest was written."""

    kind: str
    count: int
    oldest: datetime


def _seconds(start: str, end: str) -> float:
    return max(0.0, (required_moment(end) - required_moment(start)).total_seconds())


class OperationsQueries:
    _db: Connection
    _sql: Dialect

    # --- the health probe --------------------------------------------------------------------

    async def probe_write(self, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO health_probe (id, probed) VALUES (1, :now) ON CONFLICT (id) DO UPDATE SET probed = :now",
            {"now": to_text(now)},
        )

    # --- figures for /metrics ------------------------------------------------------------

    async def reports_by_status(self, *, by_neighborhood: bool) -> dict[tuple[str, str], int]:
        """(status, neighborhood key or "") -> reports on record."""
        place = "neighborhood_key" if by_neighborhood else "''"
        async with self._db.execute(
            f"SELECT status, {place} AS place, COUNT(*) AS n FROM reports GROUP BY status, place"
        ) as cursor:
            return {(str(row[0]), str(row[1])): int(row[2]) for row in await cursor.fetchall()}

    async def open_messages_by_kind(self) -> list[OpenMessages]:
        async with self._db.execute(
            "SELECT kind, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox"
            " WHERE status IN ('pending', 'sending') GROUP BY kind"
        ) as cursor:
            return [
                OpenMessages(row["kind"], int(row["n"]), required_moment(row["oldest"]))
                for row in await cursor.fetchall()
            ]

    async def subscriber_messages_by_status(self) -> dict[str, int]:
        """The fan-out's progress: direct messages to subscribers still in the outbox, by status."""
        async with self._db.execute(
            "SELECT status, COUNT(*) AS n FROM outbox WHERE kind IN ('subscriber_alert', 'subscriber_update')"
            " GROUP BY status"
        ) as cursor:
            return {row["status"]: int(row["n"]) for row in await cursor.fetchall()}

    async def subscriber_count(self) -> int:
        async with self._db.execute("SELECT COUNT(*) FROM subscribers") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def first_action_delays(self, since: datetime, until: datetime) -> list[float]:
        """Seconds from Send to a report's first verifier action (a claim or a vote), for the reports
        whose first action came after `since`, up to `until`."""
        async with self._db.execute(_FIRST_ACTIONS, {"since": to_text(since), "until": to_text(until)}) as cursor:
            return [_seconds(row["created_at"], row["first"]) for row in await cursor.fetchall()]

    async def publication_delays(self, since: datetime, until: datetime) -> list[float]:
        """Seconds from Send to publication, for the alerts published after `since`, up to `until`."""
        async with self._db.execute(_PUBLICATIONS, {"since": to_text(since), "until": to_text(until)}) as cursor:
            return [_seconds(row["created_at"], row["published_at"]) for row in await cursor.fetchall()]
