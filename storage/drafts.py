"""SQL for residents' drafts: the unsent report, under the reporter's pseudonym.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.domain.draft import Draft, DraftMedia, MediaKind
from bot.domain.indicators import parse_indicators
from storage.codec import required_moment, to_text
from storage.dialect import Connection, Dialect
from storage.evidence import evidence_from, evidence_values


class DraftQueries:
    _db: Connection
    _sql: Dialect

    async def draft(self, pseudonym: str) -> Draft | None:
        async with self._db.execute("SELECT * FROM drafts WHERE reporter_pseudonym = ?", (pseudonym,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self._db.execute(
            "SELECT kind, width, height, duration, fingerprint, taken_hint, place_hint, known_place FROM draft_media"
            " WHERE reporter_pseudonym = ? ORDER BY position",
            (pseudonym,),
        ) as cursor:
            media = [
                DraftMedia(
                    MediaKind(r["kind"]),
                    r["width"],
                    r["height"],
                    r["duration"],
                    evidence_from(r),
                )
                for r in await cursor.fetchall()
            ]
        return Draft(
            started_at=required_moment(row["started_at"]),
            neighborhood_key=row["neighborhood_key"],
            indicators=set(parse_indicators(json.loads(row["indicators"]))),
            media=media,
            description=row["description"],
            opened_by_message=row["opened_by_message"],
        )

    async def save_draft(self, pseudonym: str, draft: Draft, at: datetime, *, new_media: bytes | None = None) -> None:
        """Store the draft; `new_media` is the cleaned bytes of its last photo, video or voice note, just added."""
        await self._db.execute(
            "INSERT INTO drafts (reporter_pseudonym, started_at, updated_at, neighborhood_key, indicators, description,"
            " opened_by_message) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (reporter_pseudonym) DO UPDATE SET"
            " started_at = excluded.started_at, updated_at = excluded.updated_at,"
            " neighborhood_key = excluded.neighborhood_key, indicators = excluded.indicators,"
            " description = excluded.description, opened_by_message = excluded.opened_by_message",
            (
                pseudonym,
                to_text(draft.started_at),
                to_text(at),
                draft.neighborhood_key,
                json.dumps([str(i) for i in draft.ordered_indicators()]),
                draft.description,
                draft.opened_by_message,
            ),
        )
        if new_media is not None:
            item = draft.media[-1]
            await self._db.execute(
                "INSERT INTO draft_media (reporter_pseudonym, position, data, width, height, kind, duration,"
                " fingerprint, taken_hint, place_hint, known_place) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    pseudonym,
                    len(draft.media) - 1,
                    new_media,
                    item.width,
                    item.height,
                    str(item.kind),
                    item.duration,
                    *evidence_values(item.evidence),
                ),
            )

    async def delete_draft(self, pseudonym: str) -> None:
        await self._db.execute("DELETE FROM drafts WHERE reporter_pseudonym = ?", (pseudonym,))

    async def move_draft_media_to_report(self, pseudonym: str, report_id: int) -> list[MediaKind]:
        """The draft's cleaned media become the report's, waiting for their albums, and its photos'
        evidence the report's; returns the media's kinds, in order."""
        await self._db.execute(
            "INSERT INTO report_media (report_id, position, data, kind, width, height, duration)"
            " SELECT ?, position, data, kind, width, height, duration FROM draft_media"
            " WHERE reporter_pseudonym = ? ORDER BY position",
            (report_id, pseudonym),
        )
        # What the card says about each photo goes with the report; the pixels go once they are sent.
        await self._db.execute(
            "INSERT INTO photo_evidence (report_id, position, fingerprint, taken_hint, place_hint, known_place)"
            " SELECT ?, position, fingerprint, taken_hint, place_hint, known_place FROM draft_media"
            " WHERE reporter_pseudonym = ? AND kind = 'photo'",
            (report_id, pseudonym),
        )
        async with self._db.execute(
            "SELECT kind FROM report_media WHERE report_id = ? ORDER BY position", (report_id,)
        ) as cursor:
            return [MediaKind(r["kind"]) for r in await cursor.fetchall()]

    async def assign_media_to_album(
        self, report_id: int, outbox_id: int, kinds: tuple[MediaKind, ...], position: int | None = None
    ) -> None:
        """Which card_album message carries which of the report's media: every item of `kinds`, or
        the one at `position`."""
        if position is not None:
            await self._db.execute(
                "UPDATE report_media SET outbox_id = ? WHERE report_id = ? AND position = ?",
                (outbox_id, report_id, position),
            )
            return
        marks = ", ".join("?" for _ in kinds)
        await self._db.execute(
            f"UPDATE report_media SET outbox_id = ? WHERE report_id = ? AND kind IN ({marks})",  # marks only
            (outbox_id, report_id, *[str(k) for k in kinds]),
        )

    async def media_waiting(self, report_id: int) -> list[MediaKind]:
        """The kinds of the report's media not sent to the group yet, nor queued (issue 18: they go
        on demand, 📎 Show media), in the order the resident sent them."""
        async with self._db.execute(
            "SELECT kind FROM report_media WHERE report_id = ? AND outbox_id IS NULL ORDER BY position", (report_id,)
        ) as cursor:
            return [MediaKind(r["kind"]) for r in await cursor.fetchall()]

    async def voice_positions_waiting(self, report_id: int) -> list[int]:
        """The positions of the report's voice notes not sent nor queued yet (each goes on its own)."""
        async with self._db.execute(
            "SELECT position FROM report_media WHERE report_id = ? AND outbox_id IS NULL AND kind = 'voice'"
            " ORDER BY position",
            (report_id,),
        ) as cursor:
            return [int(r["position"]) for r in await cursor.fetchall()]

    async def purge_drafts(self, started_before: datetime) -> int:
        cursor = await self._db.execute("DELETE FROM drafts WHERE started_at < ?", (to_text(started_before),))
        return cursor.rowcount
