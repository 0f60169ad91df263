"""SQL for what a card says about a report's photos: fingerprints and hints (bot.domain.evidence).

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work. The rows
come from the draft's photos on Send (storage.drafts) and go with the report (ON DELETE CASCADE) or
with /forgetme (storage.retention).
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.evidence import PhotoEvidence, PlaceHint, RecycledFrom, StoredEvidence, TakenHint
from storage.codec import required_moment, to_text
from storage.dialect import Connection, Dialect, Row


def evidence_values(evidence: PhotoEvidence | None) -> tuple[int | None, str | None, str | None, str | None]:
    """The four columns that draft_media and photo_evidence share."""
    if evidence is None:
        return (None, None, None, None)
    return (
        evidence.fingerprint,
        evidence.taken.code() if evidence.taken else None,
        evidence.place.code() if evidence.place else None,
        evidence.known_place,
    )


def evidence_from(row: Row) -> PhotoEvidence | None:
    """None when the row holds no evidence at all (a flat picture sent as a photo, say)."""
    if all(row[column] is None for column in ("fingerprint", "taken_hint", "place_hint", "known_place")):
        return None
    return PhotoEvidence(
        row["fingerprint"],
        TakenHint.parse(row["taken_hint"]) if row["taken_hint"] else None,
        PlaceHint.parse(row["place_hint"]) if row["place_hint"] else None,
        row["known_place"],
    )


class EvidenceQueries:
    _db: Connection
    _sql: Dialect

    async def photo_evidence(self, report_id: int) -> list[StoredEvidence]:
        """The report's photos in order, each with its hints and the earlier report it was sent with."""
        async with self._db.execute(
            "SELECT e.*, r.public_ref AS earlier_ref, r.created_at AS earlier_at FROM photo_evidence e"
            " LEFT JOIN reports r ON r.id = e.recycled_from WHERE e.report_id = ? ORDER BY e.position",
            (report_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            StoredEvidence(
                number,
                evidence_from(row) or PhotoEvidence(),
                RecycledFrom(row["earlier_ref"], required_moment(row["earlier_at"])) if row["earlier_ref"] else None,
            )
            for number, row in enumerate(rows, start=1)
        ]

    async def report_fingerprints(self, report_id: int) -> list[tuple[int, int]]:
        """(position, fingerprint) of the report's photos that have one."""
        async with self._db.execute(
            "SELECT position, fingerprint FROM photo_evidence WHERE report_id = ? AND fingerprint IS NOT NULL"
            " ORDER BY position",
            (report_id,),
        ) as cursor:
            return [(int(r["position"]), int(r["fingerprint"])) for r in await cursor.fetchall()]

    async def fingerprints_since(
        self, since: datetime, *, excluding: int, drill: bool = False
    ) -> list[tuple[int, datetime, int]]:
        """(report id, report created at, fingerprint) of the photos of other reports made since `since`;
        a drill's photos are only compared with other drills' (`drill`), real ones with real ones."""
        async with self._db.execute(
            "SELECT r.id, r.created_at, e.fingerprint FROM reports r JOIN photo_evidence e ON e.report_id = r.id"
            " WHERE r.created_at >= ? AND r.id != ? AND e.fingerprint IS NOT NULL AND r.is_drill = ?",
            (to_text(since), excluding, int(drill)),
        ) as cursor:
            return [
                (int(r["id"]), required_moment(r["created_at"]), int(r["fingerprint"])) for r in await cursor.fetchall()
            ]

    async def mark_recycled(self, report_id: int, position: int, earlier_report_id: int) -> None:
        await self._db.execute(
            "UPDATE photo_evidence SET recycled_from = ? WHERE report_id = ? AND position = ?",
            (earlier_report_id, report_id, position),
        )
