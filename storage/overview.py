"""SQL for the desk at a glance: /queue (what is open now) and /stats (what happened lately).

/stats reads the reports still on record and, for older ones, what the purge folded before they
went (report_statistics, publication_delays, vote_delays: see migration 0016). A report is on one
side or the other, never both, so nothing is counted twice.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.domain.indicators import Indicator, parse_indicators
from bot.domain.stats import KEPT_DAYS, LiveAlert, Queue, QueueEntry, VoteTime, verifier_tag
from storage.codec import required_moment, to_text
from storage.dialect import Connection, Dialect, Row

_PENDING = """
SELECT r.id, r.public_ref, r.neighborhood_key, r.created_at, r.card_chat_id, r.card_message_id, r.indicators,
  (SELECT COUNT(*) FROM votes v WHERE v.report_id = r.id AND v.kind = 'confirm'
     -- as on the card: only confirmations of the public text's current version count (migration 0015)
     AND v.text_version = COALESCE((SELECT p.version FROM public_texts p WHERE p.report_id = r.id), 1)) AS confirms,
  (SELECT COUNT(*) FROM votes v WHERE v.report_id = r.id AND v.kind = 'false_alarm') AS false_alarms,
  (SELECT {claims} FROM
     (SELECT verifier_name, until FROM desk_claims d WHERE d.report_id = r.id AND d.until > :now
        AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.report_id = r.id AND v.verifier_pseudonym = d.verifier_pseudonym)
      ORDER BY d.until) c) AS claims,
  (SELECT COUNT(*) FROM desk_questions q WHERE q.report_id = r.id
     AND NOT EXISTS (SELECT 1 FROM desk_answers a WHERE a.question_id = q.id)) AS unanswered,
  -- as on the card: each resident once, its reporter and those of the reports attached to it
  (SELECT COUNT(DISTINCT o.reporter_pseudonym) FROM reports o WHERE o.id = r.id OR o.attached_to = r.id) AS residents
FROM reports r WHERE r.status = 'pending' ORDER BY r.is_drill, r.created_at, r.id LIMIT :limit
"""

_LIVE_ALERTS = """
SELECT r.id, r.public_ref, r.neighborhood_key, a.published_at, r.card_chat_id, r.card_message_id
FROM alerts a JOIN reports r ON r.id = a.report_id WHERE a.status = 'active' ORDER BY a.published_at, r.id
"""

# What the purge (or /forgetme) is about to delete, folded first. `{condition}` selects reports.
_FOLDED_PUBLICATIONS = """
SELECT r.created_at, a.published_at, r.neighborhood_key FROM reports r JOIN alerts a ON a.report_id = r.id
WHERE r.id IN (SELECT id FROM reports WHERE {condition})
"""
_FOLDED_VOTES = """
SELECT v.verifier_pseudonym, v.cast_at, r.created_at FROM votes v JOIN reports r ON r.id = v.report_id
WHERE v.verifier_pseudonym NOT LIKE 'unkeyed:%' AND r.id IN (SELECT id FROM reports WHERE {condition})
"""


def _card(row: Row) -> tuple[int, int] | None:
    if row["card_chat_id"] is None or row["card_message_id"] is None:
        return None
    return int(row["card_chat_id"]), int(row["card_message_id"])


def _seconds(start: str, end: str) -> float:
    return max(0.0, (required_moment(end) - required_moment(start)).total_seconds())


def _day(moment: datetime) -> str:
    return to_text(moment)[:10]


class OverviewQueries:
    _db: Connection
    _sql: Dialect

    # --- /queue ------------------------------------------------------------------------

    async def desk_queue(self, now: datetime, limit: int) -> Queue:
        claims = self._sql.json_array_of(self._sql.json_pair("c.verifier_name", "c.until"))
        async with self._db.execute(
            _PENDING.replace("{claims}", claims), {"now": to_text(now), "limit": limit}
        ) as cursor:
            pending = [
                QueueEntry(
                    public_ref=row["public_ref"],
                    neighborhood_key=row["neighborhood_key"],
                    created_at=required_moment(row["created_at"]),
                    confirms=int(row["confirms"]),
                    false_alarms=int(row["false_alarms"]),
                    claims=tuple((name, required_moment(until)) for name, until in json.loads(row["claims"])),
                    unanswered=int(row["unanswered"]),
                    residents=int(row["residents"]),
                    card=_card(row),
                    report_id=int(row["id"]),
                    urgent=Indicator.DETENTIONS in parse_indicators(json.loads(row["indicators"])),
                )
                for row in await cursor.fetchall()
            ]
        async with self._db.execute("SELECT COUNT(*) AS n FROM reports WHERE status = 'pending'") as cursor:
            row = await cursor.fetchone()
        total = int(row["n"]) if row else 0
        async with self._db.execute(_LIVE_ALERTS) as cursor:
            alerts = [
                LiveAlert(
                    row["public_ref"],
                    row["neighborhood_key"],
                    required_moment(row["published_at"]),
                    _card(row),
                    report_id=int(row["id"]),
                )
                for row in await cursor.fetchall()
            ]
        return Queue(tuple(pending), max(0, total - len(pending)), tuple(alerts), now)

    # --- /stats ------------------------------------------------------------------------

    async def outcomes_since(self, since: datetime) -> dict[str, int]:
        """Reports sent since `since` by status: those on record, and those the purge folded."""
        counts: dict[str, int] = {}
        async with self._db.execute(
            "SELECT status, COUNT(*) AS n FROM reports WHERE created_at >= ? AND is_drill = 0 GROUP BY status",
            (to_text(since),),
        ) as cursor:
            for row in await cursor.fetchall():
                counts[row["status"]] = counts.get(row["status"], 0) + int(row["n"])
        async with self._db.execute(
            "SELECT status, SUM(count) AS n FROM report_statistics WHERE day >= ? GROUP BY status", (_day(since),)
        ) as cursor:
            for row in await cursor.fetchall():
                counts[row["status"]] = counts.get(row["status"], 0) + int(row["n"])
        return counts

    async def publication_seconds_since(self, since: datetime) -> list[float]:
        """From Send to the channel post, for reports sent since `since` that were published."""
        async with self._db.execute(
            "SELECT r.created_at, a.published_at FROM reports r JOIN alerts a ON a.report_id = r.id"
            " WHERE r.created_at >= ? AND r.is_drill = 0",
            (to_text(since),),
        ) as cursor:
            seconds = [_seconds(row["created_at"], row["published_at"]) for row in await cursor.fetchall()]
        async with self._db.execute("SELECT seconds FROM publication_delays WHERE day >= ?", (_day(since),)) as cursor:
            seconds.extend(float(row["seconds"]) for row in await cursor.fetchall())
        return seconds

    async def vote_times_since(self, since: datetime) -> list[VoteTime]:
        """Votes cast since `since`, newest first (so a verifier's latest first name comes first)."""
        async with self._db.execute(
            "SELECT v.verifier_pseudonym, v.verifier_name, v.cast_at, r.created_at FROM votes v"
            " JOIN reports r ON r.id = v.report_id WHERE v.cast_at >= ? AND r.is_drill = 0 ORDER BY v.cast_at DESC",
            (to_text(since),),
        ) as cursor:
            votes = [
                VoteTime(
                    verifier_tag(row["verifier_pseudonym"]),
                    _seconds(row["created_at"], row["cast_at"]),
                    row["verifier_name"],
                )
                for row in await cursor.fetchall()
            ]
        async with self._db.execute(
            "SELECT verifier_tag, seconds FROM vote_delays WHERE day >= ?", (_day(since),)
        ) as cursor:
            votes.extend(VoteTime(row["verifier_tag"], float(row["seconds"])) for row in await cursor.fetchall())
        return votes

    # --- folding, before reports are deleted ---------------------------------------------

    async def fold_desk_statistics(self, condition: str, params: dict[str, str] | tuple[str, ...]) -> None:
        """Keep what /stats needs of the reports `condition` selects (a WHERE on `reports`), before they go."""
        async with self._db.execute(_FOLDED_PUBLICATIONS.format(condition=condition), params) as cursor:
            publications = [
                (
                    row["created_at"][:10],
                    round(_seconds(row["created_at"], row["published_at"])),
                    row["neighborhood_key"],
                )
                for row in await cursor.fetchall()
            ]
        await self._db.executemany(
            "INSERT INTO publication_delays (day, seconds, neighborhood_key) VALUES (?, ?, ?)", publications
        )
        async with self._db.execute(_FOLDED_VOTES.format(condition=condition), params) as cursor:
            votes = [
                (
                    row["cast_at"][:10],
                    verifier_tag(row["verifier_pseudonym"]),
                    round(_seconds(row["created_at"], row["cast_at"])),
                )
                for row in await cursor.fetchall()
            ]
        await self._db.executemany("INSERT INTO vote_delays (day, verifier_tag, seconds) VALUES (?, ?, ?)", votes)

    async def purge_desk_statistics(self, now: datetime) -> None:
        """Folded figures older than the longest /stats window are of no use: they go."""
        oldest = _day(now - timedelta(days=KEPT_DAYS + 1))
        await self._db.execute("DELETE FROM publication_delays WHERE day < ?", (oldest,))
        await self._db.execute("DELETE FROM vote_delays WHERE day < ?", (oldest,))
