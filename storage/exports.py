"""SQL for `vigil export`: what /stats counts, by day and neighborhood, from the reports still on
record and from what the purge folded before they went (a report is on one side only).

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.stats import verifier_tag
from storage.codec import required_moment
from storage.dialect import Connection, Dialect, Row


def _seconds(start: str, end: str) -> float:
    return max(0.0, (required_moment(end) - required_moment(start)).total_seconds())


class ExportQueries:
    _db: Connection
    _sql: Dialect

    async def export_outcomes(self, first_day: str, last_day: str) -> list[tuple[str, str, str, int]]:
        """(day, neighborhood, status, count) of reports sent from `first_day` to `last_day` (UTC, inclusive)."""
        params = {"first": first_day, "last": last_day}
        async with self._db.execute(
            "SELECT substr(created_at, 1, 10) AS day, neighborhood_key, status, COUNT(*) AS n FROM reports"
            " WHERE substr(created_at, 1, 10) BETWEEN :first AND :last GROUP BY 1, 2, 3"
            " UNION ALL SELECT day, neighborhood_key, status, count FROM report_statistics"
            " WHERE day BETWEEN :first AND :last",
            params,
        ) as cursor:
            return [(r["day"], r["neighborhood_key"], r["status"], int(r["n"])) for r in await cursor.fetchall()]

    async def export_rejections(self, first_day: str, last_day: str) -> list[tuple[str, str, str | None, int, int]]:
        """(day, neighborhood, reason, count, rumor checks posted) of rejected reports."""
        params = {"first": first_day, "last": last_day}
        async with self._db.execute(
            "SELECT substr(r.created_at, 1, 10) AS day, r.neighborhood_key, j.reason, COUNT(*) AS n,"
            " COUNT(j.rumor_check_posted_at) AS rumors FROM rejections j JOIN reports r ON r.id = j.report_id"
            " WHERE substr(r.created_at, 1, 10) BETWEEN :first AND :last GROUP BY 1, 2, 3"
            " UNION ALL SELECT day, neighborhood_key, NULLIF(reason, ''), count, rumor_checks"
            " FROM rejection_statistics WHERE day BETWEEN :first AND :last",
            params,
        ) as cursor:
            return [
                (r["day"], r["neighborhood_key"], r["reason"], int(r["n"]), int(r["rumors"]))
                for r in await cursor.fetchall()
            ]

    async def export_publication_delays(self, first_day: str, last_day: str) -> list[tuple[str, str, float]]:
        """(day, neighborhood, seconds from the resident's Send to the channel post) of published reports."""
        return await self._live_and_folded(
            "SELECT r.created_at, r.neighborhood_key, a.published_at FROM reports r JOIN alerts a"
            " ON a.report_id = r.id WHERE substr(r.created_at, 1, 10) BETWEEN :first AND :last",
            lambda r: (r["created_at"][:10], r["neighborhood_key"], _seconds(r["created_at"], r["published_at"])),
            "SELECT day, COALESCE(neighborhood_key, '') AS neighborhood_key, seconds FROM publication_delays"
            " WHERE day BETWEEN :first AND :last",
            lambda r: (r["day"], r["neighborhood_key"], float(r["seconds"])),
            {"first": first_day, "last": last_day},
        )

    async def export_votes(self, first_day: str, last_day: str) -> list[tuple[str, str, float]]:
        """(day of the vote, verifier tag, seconds from the report's Send): tags only, never names."""
        return await self._live_and_folded(
            "SELECT v.verifier_pseudonym, v.cast_at, r.created_at FROM votes v JOIN reports r ON r.id = v.report_id"
            " WHERE v.verifier_pseudonym NOT LIKE 'unkeyed:%' AND substr(v.cast_at, 1, 10) BETWEEN :first AND :last",
            lambda r: (
                r["cast_at"][:10],
                verifier_tag(r["verifier_pseudonym"]),
                _seconds(r["created_at"], r["cast_at"]),
            ),
            "SELECT day, verifier_tag, seconds FROM vote_delays WHERE day BETWEEN :first AND :last",
            lambda r: (r["day"], r["verifier_tag"], float(r["seconds"])),
            {"first": first_day, "last": last_day},
        )

    async def _live_and_folded(
        self,
        live: str,
        from_live: Callable[[Row], tuple[str, str, float]],
        folded: str,
        from_folded: Callable[[Row], tuple[str, str, float]],
        params: dict[str, str],
    ) -> list[tuple[str, str, float]]:
        """Delays of the reports on record, then those the purge folded (a report is on one side only)."""
        async with self._db.execute(live, params) as cursor:
            found = [from_live(row) for row in await cursor.fetchall()]
        async with self._db.execute(folded, params) as cursor:
            found.extend(from_folded(row) for row in await cursor.fetchall())
        return found
