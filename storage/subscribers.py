"""SQL for subscribers: who gets alerts by direct message, and the fan-out of one alert to them.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.delivery import FanOutProgress, MessageKind, Outgoing, QueuedMessage
from storage.codec import from_text, to_text
from storage.dialect import Connection, Dialect

_TO_SUBSCRIBERS = ", ".join(f"'{kind}'" for kind in MessageKind if kind.is_to_subscriber)  # fixed names


@dataclass(frozen=True)
class Subscription:
    language: str
    neighborhoods: frozenset[str]


class SubscriberQueries:
    _db: Connection
    _sql: Dialect

    async def subscription(self, chat_id: int) -> Subscription | None:
        async with self._db.execute("SELECT language FROM subscribers WHERE chat_id = ?", (chat_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self._db.execute(
            "SELECT neighborhood_key FROM subscriptions WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            keys = frozenset(str(r[0]) for r in await cursor.fetchall())
        return Subscription(str(row["language"]), keys)

    async def subscribe(self, chat_id: int, neighborhood_key: str, language: str) -> None:
        await self._db.execute(
            "INSERT INTO subscribers (chat_id, language) VALUES (?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language",
            (chat_id, language),
        )
        await self._db.execute(
            "INSERT INTO subscriptions (neighborhood_key, chat_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (neighborhood_key, chat_id),
        )

    async def unsubscribe_from(self, chat_id: int, neighborhood_key: str) -> None:
        """One neighborhood less; with none left, the subscriber row goes too."""
        await self._db.execute(
            "DELETE FROM subscriptions WHERE chat_id = ? AND neighborhood_key = ?", (chat_id, neighborhood_key)
        )
        await self._db.execute(
            "DELETE FROM subscribers WHERE chat_id = ?"
            " AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE subscriptions.chat_id = subscribers.chat_id)",
            (chat_id,),
        )

    async def set_subscriber_language(self, chat_id: int, language: str) -> None:
        await self._db.execute("UPDATE subscribers SET language = ? WHERE chat_id = ?", (language, chat_id))

    async def forget_subscriber(self, chat_id: int) -> bool:
        """Delete the subscriber, their neighborhoods, and every direct message to them that the outbox
        still holds (waiting or sent): nothing keeps their chat id afterwards. Returns whether there was one."""
        cursor = await self._db.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,))
        await self._db.execute(
            f"DELETE FROM outbox WHERE chat_id = ? AND kind IN ({_TO_SUBSCRIBERS}) AND status != 'sending'",
            (chat_id,),
        )
        return cursor.rowcount > 0

    async def subscriber_count(self) -> int:
        async with self._db.execute("SELECT COUNT(*) FROM subscribers") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def enqueue_for_subscribers(
        self,
        report_id: int,
        neighborhood_key: str,
        messages: dict[str, Outgoing],
        fallback: str,
        at: datetime,
        *,
        reply_to_alert: bool = False,
    ) -> int:
        """One message per subscriber of the neighborhood, in their language (`messages` by language;
        a subscriber whose language has none gets `fallback`'s). With `reply_to_alert`, each replies
        to that subscriber's own copy of the alert when Telegram confirmed it. One statement, in the
        caller's transaction: thousands of rows in milliseconds. Returns how many were queued."""
        from storage.outbox import _encode  # the outbox's own payload format

        texts = [(language, str(message.kind), _encode(message)) for language, message in messages.items()]
        if not texts or fallback not in messages:
            raise ValueError("the fallback language needs a message")
        params = _named(texts, report=report_id, at=to_text(at), fallback=fallback, neighborhood=neighborhood_key)
        values = params.pop("_values")
        reply = (
            "CASE WHEN a.telegram_message_id IS NULL THEN t.payload"
            " ELSE " + self._sql.json_with("t.payload", "reply_to", "message_id", "a.telegram_message_id") + " END"
            if reply_to_alert
            else "t.payload"
        )
        cursor = await self._db.execute(
            f"WITH texts (language, kind, payload) AS (VALUES {values})"
            " INSERT INTO outbox (report_id, kind, chat_id, payload, next_attempt_at, created_at)"
            f" SELECT :report, t.kind, s.chat_id, {reply}, :at, :at"
            " FROM subscriptions n JOIN subscribers s ON s.chat_id = n.chat_id"
            " JOIN texts t ON t.language = CASE WHEN s.language IN (SELECT language FROM texts)"
            "   THEN s.language ELSE :fallback END"
            " LEFT JOIN outbox a ON a.report_id = :report AND a.kind = 'subscriber_alert'"
            "   AND a.chat_id = s.chat_id AND a.status = 'sent'"
            " WHERE n.neighborhood_key = :neighborhood ORDER BY s.chat_id",
            params,
        )
        return await self._sql.changes(self._db, cursor)

    async def subscriber_heads(self, now: datetime, *, limit: int) -> list[QueuedMessage]:
        """The oldest due direct messages to subscribers, at most `limit`, each the first open message
        of its chat (so a subscriber gets an alert before its update, one request at a time)."""
        from storage.outbox import _queued

        async with self._db.execute(
            f"SELECT * FROM outbox AS o {self._sql.indexed_by('outbox_subscribers_waiting')}"
            f" WHERE o.status = 'pending' AND o.kind IN ({_TO_SUBSCRIBERS}) AND o.next_attempt_at <= ?"
            " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat_id = o.chat_id"
            "   AND p.status IN ('pending', 'sending') AND p.id < o.id)"
            " ORDER BY o.id LIMIT ?",
            (to_text(now), limit),
        ) as cursor:
            return [_queued(row) for row in await cursor.fetchall()]

    async def next_subscriber_attempt(self, now: datetime) -> datetime | None:
        """When the next direct message that is waiting for a retry is due."""
        async with self._db.execute(
            f"SELECT MIN(next_attempt_at) FROM outbox AS o {self._sql.indexed_by('outbox_subscribers_waiting')}"
            f" WHERE o.status = 'pending' AND o.kind IN ({_TO_SUBSCRIBERS}) AND o.next_attempt_at > ?",
            (to_text(now),),
        ) as cursor:
            row = await cursor.fetchone()
        return from_text(row[0]) if row and row[0] else None

    async def fan_outs_in_progress(self) -> list[FanOutProgress]:
        async with self._db.execute(
            "SELECT o.report_id, r.public_ref, COUNT(*) FILTER (WHERE o.status IN ('pending', 'sending')) AS waiting,"
            " COUNT(*) FILTER (WHERE o.status = 'sent') AS sent, COUNT(*) AS total"
            f" FROM outbox o JOIN reports r ON r.id = o.report_id WHERE o.kind IN ({_TO_SUBSCRIBERS})"
            " GROUP BY o.report_id, r.public_ref HAVING COUNT(*) FILTER (WHERE o.status IN ('pending', 'sending')) > 0"
            " ORDER BY o.report_id"
        ) as cursor:
            rows = await cursor.fetchall()
        return [FanOutProgress(r["report_id"], r["public_ref"], r["waiting"], r["sent"], r["total"]) for r in rows]


def _named(texts: list[tuple[str, str, str]], **named: object) -> dict[str, object]:
    """The texts as named parameters, and under "_values" the VALUES rows that use them."""
    params: dict[str, object] = dict(named)
    parts = []
    for index, (language, kind, payload) in enumerate(texts):
        params.update({f"l{index}": language, f"k{index}": kind, f"p{index}": payload})
        parts.append(f"(:l{index}, :k{index}, :p{index})")
    params["_values"] = ", ".join(parts)
    return params
