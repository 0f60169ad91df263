"""All of Vigil's SQL. A Repository is only handed out inside a unit of work, so it never
commits on its own: the caller's transaction decides."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import cast

from bot.domain.draft import MediaKind
from bot.domain.indicators import parse_indicators
from bot.domain.rejection import RejectionReason
from bot.domain.reports import ChannelPost, NewReport, RecordedVote, Report, ReportMedia
from bot.domain.verification import ReportStatus, VoteKind
from bot.languages import Language
from storage.alerts import AlertQueries
from storage.codec import from_text, to_text
from storage.corroboration import CorroborationQueries
from storage.desk import DeskQueries
from storage.dialect import Connection, Dialect
from storage.drafts import DraftQueries
from storage.evidence import EvidenceQueries
from storage.exports import ExportQueries
from storage.feed import FeedQueries
from storage.lease import LeaseQueries
from storage.operations import OperationsQueries
from storage.outbox import OutboxQueries
from storage.public_text import PublicTextQueries
from storage.rejections import RejectionQueries
from storage.reporters import ReporterQueries
from storage.retention import RetentionQueries
from storage.secret_key import SecretKeyQueries
from storage.subscribers import SubscriberQueries

_REF_ATTEMPTS = 20
# How migration 0004 marks a verifier id it could not turn into a pseudonym (see key_legacy_verifiers).
_UNKEYED = "unkeyed:"


class ReportNotFound(LookupError):
    pass


class Repository(
    AlertQueries,
    CorroborationQueries,
    DeskQueries,
    DraftQueries,
    EvidenceQueries,
    ExportQueries,
    FeedQueries,
    LeaseQueries,
    OperationsQueries,
    OutboxQueries,
    PublicTextQueries,
    RejectionQueries,
    ReporterQueries,
    RetentionQueries,  # with DrillQueries (the purge forgets drills first)
    SecretKeyQueries,
    SubscriberQueries,
):
    def __init__(self, connection: Connection, dialect: Dialect) -> None:
        self._db = connection
        self._sql = dialect

    # --- reports -----------------------------------------------------------------------

    async def add_report(self, new: NewReport, make_ref: Callable[[], str]) -> Report:
        for _ in range(_REF_ATTEMPTS):
            # Only a clash of the random reference is worth another try: it inserts nothing (an error
            # would end a PostgreSQL transaction), and any other constraint still raises.
            cursor = await self._db.execute(
                "INSERT INTO reports (public_ref, reporter_pseudonym, neighborhood_key, indicators,"
                " description, reporter_language, created_at, is_drill) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (public_ref) DO NOTHING RETURNING id",
                (
                    make_ref(),
                    new.reporter_pseudonym,
                    new.neighborhood_key,
                    json.dumps([str(i) for i in new.indicators]),
                    new.description,
                    new.reporter_language,
                    to_text(new.created_at),
                    int(new.is_drill),
                ),
            )
            inserted = await cursor.fetchone()
            if inserted is None:
                continue
            report_id = int(inserted[0])
            await self._db.execute(
                "INSERT INTO reporter_contacts (report_id, chat_id) VALUES (?, ?)",
                (report_id, new.reporter_chat_id),
            )
            return await self.report(report_id)
        raise RuntimeError("could not find a free public reference; the reference space is exhausted")

    async def delete_report(self, report_id: int) -> None:
        await self._db.execute("DELETE FROM reports WHERE id = ?", (report_id,))

    async def report(self, report_id: int) -> Report:
        async with self._db.execute("SELECT * FROM reports WHERE id = ?", (report_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise ReportNotFound(report_id)
        async with self._db.execute(
            "SELECT file_id, kind FROM report_photos WHERE report_id = ? ORDER BY position", (report_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        photos = tuple(str(r["file_id"]) for r in rows)
        kinds = tuple(MediaKind(r["kind"]) for r in rows)
        return Report(
            id=row["id"],
            public_ref=row["public_ref"],
            reporter_pseudonym=row["reporter_pseudonym"],
            neighborhood_key=row["neighborhood_key"],
            indicators=parse_indicators(json.loads(row["indicators"])),
            description=row["description"],
            reporter_language=cast(Language, row["reporter_language"]),
            status=ReportStatus(row["status"]),
            created_at=cast(datetime, from_text(row["created_at"])),
            closed_at=from_text(row["closed_at"]),
            card_chat_id=row["card_chat_id"],
            card_message_id=row["card_message_id"],
            photo_file_ids=photos,
            media_kinds=kinds,
            attached_to=row["attached_to"],
            is_drill=bool(row["is_drill"]),
        )

    async def attach_card(self, report_id: int, chat_id: int, message_id: int, photo_file_ids: list[str]) -> None:
        await self._db.execute(
            "UPDATE reports SET card_chat_id = ?, card_message_id = ? WHERE id = ?",
            (chat_id, message_id, report_id),
        )
        await self._db.executemany(
            "INSERT INTO report_photos (report_id, position, file_id) VALUES (?, ?, ?)",
            [(report_id, position, file_id) for position, file_id in enumerate(photo_file_ids)],
        )

    async def report_media(self, report_id: int, outbox_id: int | None = None) -> list[ReportMedia]:
        """The report's cleaned media still waiting; with `outbox_id`, those that album message carries
        (and any queued before albums were told apart, migration 0010)."""
        query = "SELECT * FROM report_media WHERE report_id = ?"
        values: tuple[int, ...] = (report_id,)
        if outbox_id is not None:
            query += " AND (outbox_id = ? OR outbox_id IS NULL)"
            values += (outbox_id,)
        async with self._db.execute(query + " ORDER BY position", values) as cursor:
            return [
                ReportMedia(
                    int(r["position"]), MediaKind(r["kind"]), bytes(r["data"]), r["width"], r["height"], r["duration"]
                )
                for r in await cursor.fetchall()
            ]

    async def settle_album(
        self, report_id: int, file_ids: list[str], message_ids: list[int], outbox_id: int | None = None
    ) -> None:
        """The album (`outbox_id`'s) was sent, or given up on (no ids): Telegram's copies replace the
        bytes, which go. The message ids let /forgetme remove them from the group later."""
        carried = await self.report_media(report_id, outbox_id)
        if file_ids:
            await self._db.executemany(
                "INSERT INTO report_photos (report_id, position, file_id, message_id, kind) VALUES (?, ?, ?, ?, ?)",
                [
                    (report_id, item.position, file_id, message_id, str(item.kind))
                    for item, file_id, message_id in zip(carried, file_ids, message_ids, strict=True)
                ],
            )
        await self._db.executemany(
            "DELETE FROM report_media WHERE report_id = ? AND position = ?",
            [(report_id, item.position) for item in carried],
        )

    async def set_status(self, report_id: int, status: ReportStatus, at: datetime) -> None:
        closed_at = None if status.is_open else to_text(at)
        await self._db.execute(
            "UPDATE reports SET status = ?, closed_at = ? WHERE id = ?", (str(status), closed_at, report_id)
        )

    async def count_by_status(self) -> dict[ReportStatus, int]:
        async with self._db.execute(
            "SELECT status, COUNT(*) AS n FROM reports WHERE is_drill = 0 GROUP BY status"
        ) as cursor:
            rows = await cursor.fetchall()
        return {ReportStatus(row["status"]): int(row["n"]) for row in rows}

    # --- votes -------------------------------------------------------------------------

    async def votes(self, report_id: int) -> list[RecordedVote]:
        async with self._db.execute(
            "SELECT verifier_pseudonym, verifier_name, kind, cast_at, in_person, text_version, reason FROM votes"
            " WHERE report_id = ? ORDER BY rowid",
            (report_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            RecordedVote(
                verifier=row["verifier_pseudonym"],
                verifier_name=row["verifier_name"],
                kind=VoteKind(row["kind"]),
                cast_at=cast(datetime, from_text(row["cast_at"])),
                in_person=bool(row["in_person"]),
                text_version=int(row["text_version"]),
                reason=RejectionReason(row["reason"]) if row["reason"] else None,
            )
            for row in rows
        ]

    async def add_vote(self, report_id: int, vote: RecordedVote) -> None:
        await self._db.execute(
            "INSERT INTO votes (report_id, verifier_pseudonym, verifier_name, kind, cast_at, in_person, text_version,"
            " reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report_id,
                vote.verifier,
                vote.verifier_name,
                str(vote.kind),
                to_text(vote.cast_at),
                int(vote.in_person),
                vote.text_version,
                str(vote.reason) if vote.reason else None,
            ),
        )

    async def key_legacy_verifiers(self, pseudonym_of: Callable[[int], str]) -> int:
        """Replace the Telegram ids that migration 0004 carried over as 'unkeyed:<id>' with keyed
        pseudonyms. SQL cannot do it (the key is not in the database), so Vigil does it at start-up,
        before it handles any press. Returns how many rows changed; the caller checkpoints the WAL."""
        changed = 0
        for table in ("votes", "alert_votes"):  # fixed names, not input
            async with self._db.execute(
                f"SELECT DISTINCT verifier_pseudonym FROM {table} WHERE verifier_pseudonym LIKE '{_UNKEYED}%'"
            ) as cursor:
                legacy = [str(row[0]) for row in await cursor.fetchall()]
            for marker in legacy:
                cursor = await self._db.execute(
                    f"UPDATE {table} SET verifier_pseudonym = ? WHERE verifier_pseudonym = ?",
                    (pseudonym_of(int(marker.removeprefix(_UNKEYED))), marker),
                )
                changed += cursor.rowcount
        return changed

    # --- reporter contact --------------------------------------------------------------

    async def reporter_chat_id(self, report_id: int) -> int | None:
        async with self._db.execute(
            "SELECT chat_id FROM reporter_contacts WHERE report_id = ?", (report_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row["chat_id"]) if row else None

    async def forget_reporter_contact(self, report_id: int) -> None:
        await self._db.execute("DELETE FROM reporter_contacts WHERE report_id = ?", (report_id,))

    # --- channel posts -----------------------------------------------------------------

    async def record_channel_post(self, report_id: int, post: ChannelPost, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO channel_posts (report_id, channel_id, message_id, error, posted_at, maybe_twice)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (report_id, channel_id) DO UPDATE SET message_id = excluded.message_id,"
            " error = excluded.error, posted_at = excluded.posted_at, maybe_twice = excluded.maybe_twice",
            (report_id, post.channel_id, post.message_id, post.error, to_text(at), int(post.maybe_twice)),
        )

    async def channel_posts(self, report_id: int) -> list[ChannelPost]:
        async with self._db.execute(
            "SELECT channel_id, message_id, error, maybe_twice FROM channel_posts WHERE report_id = ?"
            " ORDER BY channel_id",
            (report_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            ChannelPost(row["channel_id"], row["message_id"], row["error"], bool(row["maybe_twice"])) for row in rows
        ]

    # --- resident settings -------------------------------------------------------------

    async def resident_language(self, pseudonym: str) -> Language | None:
        async with self._db.execute(
            "SELECT language FROM resident_settings WHERE pseudonym = ?", (pseudonym,)
        ) as cursor:
            row = await cursor.fetchone()
        return cast(Language, row["language"]) if row else None

    async def set_resident_language(self, pseudonym: str, language: Language) -> None:
        await self._db.execute(
            "INSERT INTO resident_settings (pseudonym, language) VALUES (?, ?)"
            " ON CONFLICT (pseudonym) DO UPDATE SET language = excluded.language",
            (pseudonym, language),
        )
