"""SQL for the public text of a report: its current version, and the one an alert posted.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.domain.indicators import parse_indicators
from bot.domain.public_text import CurrentText, PublicText
from bot.domain.reports import Report
from storage.codec import required_moment, to_text
from storage.dialect import Connection, Dialect


class PublicTextQueries:
    _db: Connection
    _sql: Dialect

    async def public_text(self, report: Report) -> CurrentText:
        """The report's public text now: the default (version 1) until a verifier changes it."""
        async with self._db.execute(
            "SELECT version, include_words, note, changed_by FROM public_texts WHERE report_id = ?", (report.id,)
        ) as cursor:
            row = await cursor.fetchone()
        default = PublicText.default_for(report)
        if row is None:
            return CurrentText(default)
        text = PublicText(
            default.neighborhood_key,
            default.indicators,
            default.reported_at,
            words=report.description if row["include_words"] else "",
            note=row["note"],
            version=int(row["version"]),
        )
        return CurrentText(text, row["changed_by"])

    async def save_public_text(self, report_id: int, text: PublicText, changed_by: str, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO public_texts (report_id, version, include_words, note, changed_by, changed_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO UPDATE SET version = excluded.version,"
            " include_words = excluded.include_words, note = excluded.note, changed_by = excluded.changed_by,"
            " changed_at = excluded.changed_at",
            (report_id, text.version, int(bool(text.words)), text.note, changed_by, to_text(at)),
        )

    async def remove_vote(self, report_id: int, verifier_pseudonym: str) -> None:
        """A confirmation of an earlier version of the text, replaced by this verifier's new vote."""
        await self._db.execute(
            "DELETE FROM votes WHERE report_id = ? AND verifier_pseudonym = ?", (report_id, verifier_pseudonym)
        )

    async def keep_alert_text(self, report_id: int, text: PublicText) -> None:
        """What the alert posted, so that the post's later edits say exactly the same."""
        await self._db.execute(
            "UPDATE alerts SET public_text = ? WHERE report_id = ?", (encode_public_text(text), report_id)
        )


def encode_public_text(text: PublicText) -> str:
    return json.dumps(
        {
            "neighborhood": text.neighborhood_key,
            "indicators": [str(i) for i in text.indicators],
            "reported_at": to_text(text.reported_at),
            "words": text.words,
            "note": text.note,
            "version": text.version,
        }
    )


def decode_public_text(stored: str | None) -> PublicText | None:
    if not stored:
        return None
    data = json.loads(stored)
    return PublicText(
        neighborhood_key=data["neighborhood"],
        indicators=parse_indicators(data["indicators"]),
        reported_at=required_moment(data["reported_at"]),
        words=data["words"],
        note=data["note"],
        version=int(data["version"]),
    )
