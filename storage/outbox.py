"""SQL for the outbox: messages written with the state change that caused them, sent later.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.domain.buttons import Button, Keyboard
from bot.domain.delivery import (
    Backlog,
    DeliveryProblem,
    DeliveryStatus,
    MessageKind,
    MessageRef,
    Outgoing,
    Progress,
    QueuedMessage,
)
from bot.domain.indicators import is_urgent, parse_indicators
from storage.codec import from_text, required_moment, to_text
from storage.dialect import Connection, Dialect, Row, new_id

_OPEN = "('pending', 'sending')"
_TO_SUBSCRIBERS = ", ".join(f"'{kind}'" for kind in MessageKind if kind.is_to_subscriber)  # fixed names
_SETTLED = "('sent', 'failed', 'unknown', 'skipped')"
# A row with whether it is a drill's (its report's is_drill), for the dispatcher's guard and order.
# And its report's signs, for the group's order: an urgent report's messages first (issue 18).
_WITH_DRILL = (
    "outbox.*, COALESCE(r.is_drill, 0) AS drill, r.indicators AS indicators"
    " FROM outbox LEFT JOIN reports r ON r.id = outbox.report_id"
)
# Messages that later messages point at by outbox id (MessageRef(outbox_id=...)) when they are
# created, possibly long after this one was sent: a channel post is replied to ("Still active") and
# edited (ENDED, RETRACTED, EXPIRED) for as long as its report lives. A new kind of message that
# later ones refer to this way (a card sent through the outbox, say) belongs here too.
# A desk prompt is found again when a verifier replies to it with their own question (or note). A
# rumor check's posts are linked from the card for as long as the report lives.
PROMPTS: tuple[MessageKind, ...] = (MessageKind.DESK_PROMPT, MessageKind.NOTE_PROMPT)
KEPT_WHILE_REPORT_LIVES: tuple[MessageKind, ...] = (
    MessageKind.CHANNEL_POST,
    *PROMPTS,
    MessageKind.CHANNEL_RUMOR_CHECK,
)


class OutboxQueries:
    _db: Connection
    _sql: Dialect

    async def enqueue(self, report_id: int | None, message: Outgoing, at: datetime) -> int:
        cursor = await self._db.execute(
            "INSERT INTO outbox (report_id, kind, chat_id, payload, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (report_id, str(message.kind), message.chat_id, _encode(message), to_text(at), to_text(at)),
        )
        return await new_id(cursor)

    async def enqueue_card_refresh(self, report_id: int, at: datetime) -> int | None:
        """Queue a re-render of the report's card, unless one is already waiting (it will show
        the newest state anyway, because cards are rendered when they are sent).

        A card still waiting to be sent needs none: it is rendered as it leaves. But a card on its
        way ('sending') was rendered already, before this change: the edit is queued for the chat
        it goes to, and follows it (one request at a time per chat; skipped if the card never
        arrives, and not sent if the card, sent again after a 429, already shows it)."""
        async with self._db.execute(
            "SELECT id FROM outbox WHERE report_id = ? AND kind = 'card_edit' AND status = 'pending'", (report_id,)
        ) as cursor:
            waiting = await cursor.fetchone()
        if waiting is not None:
            return int(waiting["id"])
        async with self._db.execute(
            "SELECT COALESCE(r.card_chat_id, (SELECT o.chat_id FROM outbox o WHERE o.report_id = r.id"
            " AND o.kind = 'card' AND o.status = 'sending' ORDER BY o.id DESC LIMIT 1)) AS chat_id"
            " FROM reports r WHERE r.id = ?",
            (report_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row["chat_id"] is None:
            return None
        return await self.enqueue(report_id, Outgoing(MessageKind.CARD_EDIT, int(row["chat_id"])), at)

    async def card_shown(self, report_id: int) -> str | None:
        """What the report's card shows now, as set_card_shown stored it (None: unknown)."""
        async with self._db.execute("SELECT card_shown FROM reports WHERE id = ?", (report_id,)) as cursor:
            row = await cursor.fetchone()
        return str(row["card_shown"]) if row is not None and row["card_shown"] is not None else None

    async def set_card_shown(self, report_id: int, shown: str | None) -> None:
        """Telegram confirmed the card shows `shown` (a digest of its message, text and buttons), or
        None when that is no longer known."""
        await self._db.execute("UPDATE reports SET card_shown = ? WHERE id = ?", (shown, report_id))

    async def outbox_waiting(self) -> dict[int, list[QueuedMessage]]:
        """Every unfinished message, by chat, in the order they were queued, except direct messages
        to subscribers: there may be thousands, and the dispatcher takes them a few at a time
        (SubscriberQueries.subscriber_heads)."""
        chats: dict[int, list[QueuedMessage]] = {}
        async with self._db.execute(
            f"SELECT {_WITH_DRILL} WHERE outbox.status IN {_OPEN}"
            f" AND outbox.kind NOT IN ({_TO_SUBSCRIBERS}) ORDER BY outbox.id"
        ) as cursor:
            for row in await cursor.fetchall():
                message = _queued(row)
                chats.setdefault(message.message.chat_id, []).append(message)
        return chats

    async def queued(self, outbox_id: int) -> QueuedMessage | None:
        async with self._db.execute(f"SELECT {_WITH_DRILL} WHERE outbox.id = ?", (outbox_id,)) as cursor:
            row = await cursor.fetchone()
        return _queued(row) if row else None

    async def in_doubt(self) -> list[QueuedMessage]:
        """Messages whose request was on its way when the bot stopped without finishing."""
        async with self._db.execute("SELECT * FROM outbox WHERE status = 'sending' ORDER BY id") as cursor:
            return [_queued(row) for row in await cursor.fetchall()]

    async def save_progress(
        self,
        outbox_id: int,
        progress: Progress,
        at: datetime,
        *,
        telegram_message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = ?, attempts = ?, uncertain_attempts = ?,"
            " next_attempt_at = COALESCE(?, next_attempt_at), finished_at = ?,"
            " telegram_message_id = COALESCE(?, telegram_message_id),"
            " last_error = COALESCE(?, last_error),"
            " last_error_at = CASE WHEN CAST(? AS TEXT) IS NULL THEN last_error_at ELSE ? END"
            " WHERE id = ?",
            (
                str(progress.status),
                progress.attempts,
                progress.uncertain_attempts,
                to_text(progress.retry_at) if progress.retry_at else None,
                to_text(at) if progress.status.is_final else None,
                telegram_message_id,
                error,
                error,
                to_text(at),
                outbox_id,
            ),
        )

    async def forget_notice_chat(self, outbox_id: int) -> None:
        """A reporter's chat id is kept only until their notice (or a question to them) is done with."""
        await self._db.execute(
            "UPDATE outbox SET chat_id = NULL WHERE id = ?"
            " AND kind IN ('reporter_notice', 'reporter_question', 'question_answered')",
            (outbox_id,),
        )

    async def add_outbox_media(self, outbox_id: int, data: bytes) -> None:
        """A cleaned photo a queued message will upload; it goes once the message settles."""
        await self._db.execute("INSERT INTO outbox_media (outbox_id, data) VALUES (?, ?)", (outbox_id, data))

    async def outbox_media(self, outbox_id: int) -> bytes | None:
        async with self._db.execute("SELECT data FROM outbox_media WHERE outbox_id = ?", (outbox_id,)) as cursor:
            row = await cursor.fetchone()
        return bytes(row["data"]) if row else None

    async def drop_outbox_media(self, outbox_id: int) -> None:
        await self._db.execute("DELETE FROM outbox_media WHERE outbox_id = ?", (outbox_id,))

    async def sent_message_of(
        self, chat_id: int, kinds: tuple[MessageKind, ...], message_id: int
    ) -> QueuedMessage | None:
        """The queued message of one of `kinds` that became Telegram message `message_id` in a chat
        (e.g. a desk prompt)."""
        marks = ", ".join("?" for _ in kinds)
        async with self._db.execute(
            f"SELECT * FROM outbox WHERE chat_id = ? AND kind IN ({marks}) AND telegram_message_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (chat_id, *(str(kind) for kind in kinds), message_id),
        ) as cursor:
            row = await cursor.fetchone()
        return _queued(row) if row else None

    async def channel_post_messages(self, report_id: int) -> list[QueuedMessage]:
        async with self._db.execute(
            "SELECT * FROM outbox WHERE report_id = ? AND kind = 'channel_post' ORDER BY id", (report_id,)
        ) as cursor:
            return [_queued(row) for row in await cursor.fetchall()]

    async def report_messages(self, report_id: int, kind: MessageKind) -> list[QueuedMessage]:
        """A report's messages of one kind, in the order they were queued (e.g. a rumor check's posts)."""
        async with self._db.execute(
            "SELECT * FROM outbox WHERE report_id = ? AND kind = ? ORDER BY id", (report_id, str(kind))
        ) as cursor:
            return [_queued(row) for row in await cursor.fetchall()]

    async def delivery_problems(self, report_id: int | None = None, *, limit: int = 20) -> list[DeliveryProblem]:
        """Edits and replies that failed or were never confirmed, and every message that is still
        being retried after an error (a post's own failure is also kept in channel_posts)."""
        where = "last_error IS NOT NULL AND status IN ('failed', 'unknown', 'pending')"
        params: tuple[Any, ...] = ()
        if report_id is not None:
            # The card lists what failed in its channels; a subscriber's blocked chat is no news there.
            where += f" AND report_id = ? AND kind NOT IN ({_TO_SUBSCRIBERS})"
            params = (report_id,)
        async with self._db.execute(
            f"SELECT * FROM outbox WHERE {where} ORDER BY last_error_at DESC, id DESC LIMIT ?", (*params, limit)
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            DeliveryProblem(
                outbox_id=row["id"],
                report_id=row["report_id"],
                kind=MessageKind(row["kind"]),
                chat_id=None if MessageKind(row["kind"]).is_personal else row["chat_id"],
                status=DeliveryStatus(row["status"]),
                error=row["last_error"],
                at=from_text(row["last_error_at"]),
            )
            for row in rows
        ]

    async def purge_outbox(self, *, settled_before: datetime) -> int:
        """Delete messages that settled (sent, failed, unknown, skipped) before the moment, except
        what a later decision still needs:

        - a message of a kind in KEPT_WHILE_REPORT_LIVES, while its report exists (the report's own
          purge takes it, by cascade);
        - a message that a message still waiting to be sent refers to (its reply or edit target);
        - a failed or unconfirmed message of a report that still exists: the card lists it.
        Messages still on their way are never touched. Returns how many were deleted.
        """
        kept_kinds = ", ".join(f"'{kind}'" for kind in KEPT_WHILE_REPORT_LIVES)  # fixed names, not input
        reply_to, edit = (
            self._sql.json_int("payload", "reply_to", "outbox_id"),
            self._sql.json_int("payload", "edit", "outbox_id"),
        )
        cursor = await self._db.execute(
            f"DELETE FROM outbox WHERE status IN {_SETTLED} AND finished_at < :cutoff"
            f" AND NOT (report_id IS NOT NULL AND (kind IN ({kept_kinds}) OR status IN ('failed', 'unknown')))"
            " AND id NOT IN ("
            f"   SELECT {reply_to} FROM outbox WHERE status IN {_OPEN} AND {reply_to} IS NOT NULL"
            f"   UNION SELECT {edit} FROM outbox WHERE status IN {_OPEN} AND {edit} IS NOT NULL)",
            {"cutoff": to_text(settled_before)},
        )
        return cursor.rowcount

    async def outbox_backlog(self) -> Backlog:
        async with self._db.execute(
            f"SELECT COUNT(*) FILTER (WHERE status IN {_OPEN}) AS waiting,"
            f" MIN(CASE WHEN status IN {_OPEN} THEN created_at END) AS oldest,"
            " COUNT(*) FILTER (WHERE status = 'failed') AS failed,"
            " COUNT(*) FILTER (WHERE status = 'unknown') AS unknown FROM outbox"
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return Backlog(
            int(row["waiting"] or 0), from_text(row["oldest"]), int(row["failed"] or 0), int(row["unknown"] or 0)
        )


def _encode(message: Outgoing) -> str:
    data: dict[str, Any] = {}
    if message.text:
        data["text"] = message.text
    if message.reply_to is not None:
        data["reply_to"] = _encode_ref(message.reply_to)
    if message.edit is not None:
        data["edit"] = _encode_ref(message.edit)
    if message.buttons:
        data["buttons"] = [[list(button) for button in row] for row in message.buttons]
    if message.keyboard:
        data["keyboard"] = [
            [
                {
                    k: v
                    for k, v in (("text", b.text), ("callback_data", b.callback_data), ("url", b.url))
                    if v is not None
                }
                for b in row
            ]
            for row in message.keyboard
        ]
    return json.dumps(data, ensure_ascii=False)


def _decode_keyboard(rows: list[list[dict[str, str]]] | None) -> Keyboard | None:
    if not rows:
        return None
    return tuple(tuple(Button(b["text"], b.get("callback_data"), b.get("url")) for b in row) for row in rows)


def _encode_ref(ref: MessageRef) -> dict[str, int]:
    return {"message_id": ref.message_id} if ref.message_id is not None else {"outbox_id": ref.outbox_id or 0}


def _decode_ref(data: dict[str, int] | None) -> MessageRef | None:
    if data is None:
        return None
    return MessageRef(message_id=data.get("message_id"), outbox_id=data.get("outbox_id"))


def _queued(row: Row) -> QueuedMessage:
    data = json.loads(row["payload"])
    message = Outgoing(
        kind=MessageKind(row["kind"]),
        # 0 stands for a reporter's chat that was already forgotten; such a row is finished.
        chat_id=row["chat_id"] if row["chat_id"] is not None else 0,
        text=data.get("text", ""),
        reply_to=_decode_ref(data.get("reply_to")),
        edit=_decode_ref(data.get("edit")),
        buttons=tuple(tuple((str(label), str(payload)) for label, payload in row) for row in data.get("buttons", ())),
        keyboard=_decode_keyboard(data.get("keyboard")),
    )
    progress = Progress(
        DeliveryStatus(row["status"]), row["attempts"], row["uncertain_attempts"], from_text(row["next_attempt_at"])
    )
    return QueuedMessage(
        id=row["id"],
        report_id=row["report_id"],
        message=message,
        progress=progress,
        next_attempt_at=required_moment(row["next_attempt_at"]),
        telegram_message_id=row["telegram_message_id"],
        last_error=row["last_error"],
        created_at=required_moment(row["created_at"]),
        drill="drill" in row.keys() and bool(row["drill"]),
        urgent="indicators" in row.keys() and _urgent(row["indicators"]),
    )


def _urgent(indicators: str | None) -> bool:
    if not indicators:
        return False
    return is_urgent(parse_indicators(json.loads(indicators)))
