"""SQL for residents' drafts: the unsent report, under the reporter's pseudonym.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from bot.domain.draft import Draft, DraftPhoto
from bot.domain.indicators import parse_indicators
from storage.codec import required_moment, to_text


class DraftQueries:
    _db: aiosqlite.Connection

    async def draft(self, pseudonym: str) -> Draft | None:
        async with self._db.execute("SELECT * FROM drafts WHERE reporter_pseudonym = ?", (pseudonym,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self._db.execute(
            "SELECT width, height FROM draft_photos WHERE reporter_pseudonym = ? ORDER BY position", (pseudonym,)
        ) as cursor:
            photos = [DraftPhoto(r["width"], r["height"]) for r in await cursor.fetchall()]
        return Draft(
            started_at=required_moment(row["started_at"]),
            neighborhood_key=row["neighborhood_key"],
            indicators=set(parse_indicators(json.loads(row["indicators"]))),
            photos=photos,
            description=row["description"],
            opened_by_message=row["opened_by_message"],
        )

    async def save_draft(self, pseudonym: str, draft: Draft, at: datetime, *, new_photo: bytes | None = None) -> None:
        """Store the draft; `new_photo` is the cleaned bytes of its last photo, just added."""
        await self._db.execute(
            "INSERT INTO drafts (reporter_pseudonym, started_at, updated_at, neighborhood_key, indicators, description,"
            " opened_by_message) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (reporter_pseudonym) DO UPDATE SET"
            " started_at = excluded.started_at, updated_at = excluded.updated_at,"
            " neighborhood_key = excluded.neighborhood_key, indicators = excluded.indicators,"
            " description = excluded.description, opened_by_message = excluded.opened_by_message",
            (pseudonym, to_text(draft.started_at), to_text(at), draft.neighborhood_key,
             json.dumps([str(i) for i in draft.ordered_indicators()]), draft.description, draft.opened_by_message),
        )
        if new_photo is not None:
            photo = draft.photos[-1]
            await self._db.execute(
                "INSERT INTO draft_photos (reporter_pseudonym, position, data, width, height) VALUES (?, ?, ?, ?, ?)",
                (pseudonym, len(draft.photos) - 1, new_photo, photo.width, photo.height),
            )

    async def delete_draft(self, pseudonym: str) -> None:
        await self._db.execute("DELETE FROM drafts WHERE reporter_pseudonym = ?", (pseudonym,))

    async def move_draft_photos_to_report(self, pseudonym: str, report_id: int) -> int:
        """The draft's cleaned photos become the report's, waiting for the album; returns how many."""
        cursor = await self._db.execute(
            "INSERT INTO report_media (report_id, position, data)"
            " SELECT ?, position, data FROM draft_photos WHERE reporter_pseudonym = ? ORDER BY position",
            (report_id, pseudonym),
        )
        return cursor.rowcount

    async def purge_drafts(self, started_before: datetime) -> int:
        cursor = await self._db.execute("DELETE FROM drafts WHERE started_at < ?", (to_text(started_before),))
        return cursor.rowcount
