"""SQL for the public CAP feed: the messages each alert event recorded, and what the feed reads.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.cap_reference import Reference
from storage.codec import required_moment, to_text
from storage.dialect import Connection, Dialect, Row


@dataclass(frozen=True)
class StoredCapMessage:
    """A CAP message as recorded; `xml` is served exactly as it was built."""

    identifier: str
    alert_key: str
    sender: str
    sent: str
    sent_at: datetime
    msg_type: str
    status: str
    language: str
    title: str
    summary: str
    xml: bytes


@dataclass(frozen=True)
class FeedSignature:
    """What the feed's window holds, cheaply: equal signatures mean the same feed."""

    count: int
    newest_id: int
    oldest_id: int
    newest_sent_at: datetime | None


_COLUMNS = "identifier, alert_key, sender, sent, sent_at, msg_type, status, language, title, summary, xml"


def _message(row: Row) -> StoredCapMessage:
    return StoredCapMessage(
        identifier=row["identifier"],
        alert_key=row["alert_key"],
        sender=row["sender"],
        sent=row["sent"],
        sent_at=required_moment(row["sent_at"]),
        msg_type=row["msg_type"],
        status=row["status"],
        language=row["language"],
        title=row["title"],
        summary=row["summary"],
        xml=bytes(row["xml"] or b""),
    )


class FeedQueries:
    _db: Connection
    _sql: Dialect

    async def cap_alert_key(self, report_id: int) -> str | None:
        async with self._db.execute("SELECT alert_key FROM cap_alerts WHERE report_id = ?", (report_id,)) as cursor:
            row = await cursor.fetchone()
        return str(row["alert_key"]) if row else None

    async def set_cap_alert_key(self, report_id: int, alert_key: str) -> None:
        await self._db.execute("INSERT INTO cap_alerts (report_id, alert_key) VALUES (?, ?)", (report_id, alert_key))

    async def cap_references(self, alert_key: str) -> list[Reference]:
        """The alert's earlier messages, oldest first."""
        async with self._db.execute(
            "SELECT sender, identifier, sent FROM cap_messages WHERE alert_key = ? ORDER BY id", (alert_key,)
        ) as cursor:
            return [Reference(r["sender"], r["identifier"], r["sent"]) for r in await cursor.fetchall()]

    async def add_cap_message(self, message: StoredCapMessage) -> None:
        await self._db.execute(
            f"INSERT INTO cap_messages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message.identifier,
                message.alert_key,
                message.sender,
                message.sent,
                to_text(message.sent_at),
                message.msg_type,
                message.status,
                message.language,
                message.title,
                message.summary,
                message.xml,
            ),
        )

    async def cap_message(self, identifier: str) -> StoredCapMessage | None:
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM cap_messages WHERE identifier = ?", (identifier,)
        ) as cursor:
            row = await cursor.fetchone()
        return _message(row) if row else None

    async def feed_signature(self, since: datetime) -> FeedSignature:
        async with self._db.execute(
            "SELECT COUNT(*) AS n, MAX(id) AS newest, MIN(id) AS oldest, MAX(sent_at) AS newest_at"
            " FROM cap_messages WHERE sent_at >= ?",
            (to_text(since),),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        newest_at = row["newest_at"]
        return FeedSignature(
            int(row["n"]),
            int(row["newest"] or 0),
            int(row["oldest"] or 0),
            required_moment(newest_at) if newest_at else None,
        )

    async def feed_messages(self, since: datetime) -> list[StoredCapMessage]:
        """The messages sent since `since`, newest first (without their XML: the feed links to it)."""
        async with self._db.execute(
            "SELECT identifier, alert_key, sender, sent, sent_at, msg_type, status, language, title, summary,"
            " NULL AS xml FROM cap_messages WHERE sent_at >= ? ORDER BY sent_at DESC, id DESC",
            (to_text(since),),
        ) as cursor:
            return [_message(row) for row in await cursor.fetchall()]

    async def purge_cap_messages(self, sent_before: datetime) -> int:
        """An alert's messages go together, once even its newest is older than the feed's window:
        a live alert's later messages still refer to its first."""
        cursor = await self._db.execute(
            "DELETE FROM cap_messages WHERE alert_key IN"
            " (SELECT alert_key FROM cap_messages GROUP BY alert_key HAVING MAX(sent_at) < ?)",
            (to_text(sent_before),),
        )
        return cursor.rowcount
