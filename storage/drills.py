"""SQL for drills (issue 19): the drill, its planned reports, what the after-action report reads,
and forgetting it all. A mixin of :class:`storage.repository.Repository`, used inside a unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.corroboration import OpenReport
from bot.domain.desk import QuestionKind
from bot.domain.drills import PSEUDONYM_PREFIX, Actual, Decision, LanguageMix, Pace, Planned, decision_of
from bot.domain.rejection import RejectionReason
from bot.domain.verification import ReportStatus
from storage.codec import from_text, required_moment, to_text
from storage.corroboration import open_report
from storage.dialect import Connection, Dialect, Row, new_id


@dataclass(frozen=True)
class DrillRecord:
    id: int
    chat_id: int
    pace: Pace
    mix: LanguageMix
    show_tags: bool
    started_at: datetime
    stopped_at: datetime | None
    reported_at: datetime | None
    report_text: str | None


@dataclass(frozen=True)
class PlannedReport:
    planned: Planned
    report_id: int | None  # None until the simulated resident has sent it (or once it is gone)
    sent: bool


class DrillQueries:
    _db: Connection
    _sql: Dialect

    async def create_drill(
        self, chat_id: int, pace: Pace, mix: LanguageMix, show_tags: bool, planned: tuple[Planned, ...], at: datetime
    ) -> int:
        cursor = await self._db.execute(
            "INSERT INTO drills (chat_id, pace, languages, show_tags, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (chat_id, str(pace), str(mix), int(show_tags), to_text(at)),
        )
        drill_id = await new_id(cursor)
        await self._db.executemany(
            "INSERT INTO drill_reports (drill_id, position, scenario, resident, language, due_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (drill_id, p.position, p.scenario, p.resident, p.language, to_text(p.due_at) if p.due_at else None)
                for p in planned
            ],
        )
        return drill_id

    async def running_drill(self) -> DrillRecord | None:
        """The drill whose after-action report is not written yet (there is at most one)."""
        async with self._db.execute("SELECT * FROM drills WHERE reported_at IS NULL ORDER BY id DESC LIMIT 1") as c:
            row = await c.fetchone()
        return _drill(row) if row else None

    async def latest_drill(self) -> DrillRecord | None:
        async with self._db.execute("SELECT * FROM drills ORDER BY id DESC LIMIT 1") as cursor:
            row = await cursor.fetchone()
        return _drill(row) if row else None

    async def planned_reports(self, drill_id: int) -> list[PlannedReport]:
        async with self._db.execute(
            "SELECT * FROM drill_reports WHERE drill_id = ? ORDER BY position", (drill_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            PlannedReport(
                Planned(
                    int(row["position"]),
                    row["scenario"],
                    int(row["resident"]),
                    row["language"],
                    from_text(row["due_at"]),
                ),
                row["report_id"],
                row["report_id"] is not None,
            )
            for row in rows
        ]

    async def claim_drill_position(self, drill_id: int, position: int) -> bool:
        """Whether the simulated resident at `position` has yet to send their report (in the
        submitting transaction, so two alarms cannot both send it)."""
        async with self._db.execute(
            "SELECT 1 FROM drill_reports WHERE drill_id = ? AND position = ? AND report_id IS NULL",
            (drill_id, position),
        ) as cursor:
            return await cursor.fetchone() is not None

    async def drill_report_sent(self, drill_id: int, position: int, report_id: int) -> None:
        await self._db.execute(
            "UPDATE drill_reports SET report_id = ? WHERE drill_id = ? AND position = ?",
            (report_id, drill_id, position),
        )

    async def drill_reports_to_join(self, drill_id: int, position: int) -> list[OpenReport]:
        """The open reports a simulated resident's report may join: only those of their own scenario
        in their own drill (a drill plays several scenarios in one neighborhood at once)."""
        async with self._db.execute(
            "SELECT r.id, r.neighborhood_key, r.status, r.created_at, r.attached_to, a.status AS alert"
            " FROM drill_reports d JOIN drill_reports mine ON mine.drill_id = d.drill_id AND mine.scenario = d.scenario"
            " JOIN reports r ON r.id = d.report_id LEFT JOIN alerts a ON a.report_id = r.id"
            " WHERE mine.drill_id = ? AND mine.position = ? AND r.attached_to IS NULL AND r.is_drill = 1"
            " AND (r.status = 'pending' OR (r.status = 'published' AND a.status = 'active'))",
            (drill_id, position),
        ) as cursor:
            return [open_report(row) for row in await cursor.fetchall()]

    async def seed_earlier_drill_photo(
        self, public_ref: str, neighborhood_key: str, fingerprint: int, created_at: datetime
    ) -> int:
        """A closed drill report from days ago holding only a photo's fingerprint: what a scenario's
        old photo "going round again" matches. It goes with the drill like its other reports."""
        cursor = await self._db.execute(
            "INSERT INTO reports (public_ref, reporter_pseudonym, neighborhood_key, reporter_language, status,"
            " created_at, closed_at, is_drill) VALUES (?, ?, ?, 'en', 'expired', ?, ?, 1) RETURNING id",
            (public_ref, f"{PSEUDONYM_PREFIX}earlier", neighborhood_key, to_text(created_at), to_text(created_at)),
        )
        report_id = await new_id(cursor)
        await self._db.execute(
            "INSERT INTO photo_evidence (report_id, position, fingerprint) VALUES (?, 0, ?)", (report_id, fingerprint)
        )
        return report_id

    async def stop_drill(self, drill_id: int, at: datetime) -> None:
        await self._db.execute(
            "UPDATE drills SET stopped_at = COALESCE(stopped_at, ?) WHERE id = ?", (to_text(at), drill_id)
        )

    async def open_real_reports(self) -> int:
        """Real reports still waiting for the desk (a drill asks the organizer to confirm then)."""
        async with self._db.execute(
            "SELECT COUNT(*) AS n FROM reports WHERE status = 'pending' AND is_drill = 0"
        ) as cursor:
            row = await cursor.fetchone()
        return int(row["n"]) if row else 0

    async def drill_outcome(self, report_id: int) -> Actual:
        """What happened to a drill's report, for the after-action report."""
        async with self._db.execute(
            "SELECT r.status, r.created_at, r.closed_at, r.description, a.status AS alert,"
            " j.reason, j.rumor_check_posted_at, p.include_words, p.note,"
            " (SELECT MIN(t) FROM (SELECT cast_at AS t FROM votes WHERE report_id = r.id"
            "   UNION ALL SELECT asked_at FROM desk_questions WHERE report_id = r.id"
            "   UNION ALL SELECT claimed_at FROM desk_claims WHERE report_id = r.id"
            "   UNION ALL SELECT changed_at FROM public_texts WHERE report_id = r.id)) AS first_action,"
            " (SELECT COUNT(*) FROM desk_questions WHERE report_id = r.id) AS questions,"
            " (EXISTS (SELECT 1 FROM votes WHERE report_id = r.id AND in_person = 1)"
            "   OR EXISTS (SELECT 1 FROM desk_claims WHERE report_id = r.id)) AS in_person,"
            " (SELECT MAX(cast_at) FROM votes WHERE report_id = r.id) AS last_vote"
            " FROM reports r LEFT JOIN alerts a ON a.report_id = r.id"
            " LEFT JOIN rejections j ON j.report_id = r.id LEFT JOIN public_texts p ON p.report_id = r.id"
            " WHERE r.id = ?",
            (report_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return Actual(Decision.OPEN)
        status = ReportStatus(row["status"])
        decision = decision_of(status)
        words = (row["description"] if row["include_words"] else "") + " " + (row["note"] or "")
        decided = from_text(row["closed_at"]) if status in (ReportStatus.PUBLISHED, ReportStatus.REJECTED) else None
        if status is ReportStatus.PUBLISHED:
            decided = from_text(row["last_vote"]) or decided
        return Actual(
            decision=decision,
            reason=RejectionReason(row["reason"]) if row["reason"] else None,
            rumor_check=row["rumor_check_posted_at"] is not None,
            in_person=bool(row["in_person"]),
            public_words=words.strip(),
            sent_at=required_moment(row["created_at"]),
            first_action_at=from_text(row["first_action"]),
            decided_at=decided,
            questions=int(row["questions"]),
        )

    async def verifier_tags_of(self, report_ids: list[int]) -> list[tuple[str, str]]:
        """(verifier pseudonym, vote kind) on the drill's reports, for the tags an organizer may ask for."""
        if not report_ids:
            return []
        marks = ", ".join("?" for _ in report_ids)
        async with self._db.execute(
            f"SELECT verifier_pseudonym, kind FROM votes WHERE report_id IN ({marks}) ORDER BY cast_at", report_ids
        ) as cursor:
            return [(row["verifier_pseudonym"], row["kind"]) for row in await cursor.fetchall()]

    async def drill_reported(self, drill_id: int, text: str, outbox_id: int, at: datetime) -> None:
        await self._db.execute(
            "UPDATE drills SET reported_at = ?, report_text = ?, report_outbox_id = ?,"
            " stopped_at = COALESCE(stopped_at, ?) WHERE id = ?",
            (to_text(at), text, outbox_id, to_text(at), drill_id),
        )

    async def drill_report_waiting(self, drill_id: int) -> bool:
        """Whether the drill's after-action report is still on its way."""
        async with self._db.execute(
            "SELECT 1 FROM drills d JOIN outbox o ON o.id = d.report_outbox_id"
            " WHERE d.id = ? AND o.status IN ('pending', 'sending')",
            (drill_id,),
        ) as cursor:
            return await cursor.fetchone() is not None

    async def drill_question(self, outbox_id: int) -> tuple[int, QuestionKind, str, str, str] | None:
        """The question a message to a simulated resident carries: (question id, its kind, the
        scenario, the resident's pseudonym, their language)."""
        async with self._db.execute(
            "SELECT q.id, q.kind, d.scenario, r.reporter_pseudonym, r.reporter_language FROM desk_questions q"
            " JOIN reports r ON r.id = q.report_id JOIN drill_reports d ON d.report_id = r.id"
            " WHERE q.outbox_id = ? AND r.is_drill = 1",
            (outbox_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return (
            int(row["id"]),
            QuestionKind(row["kind"]),
            row["scenario"],
            row["reporter_pseudonym"],
            row["reporter_language"],
        )

    async def forget_drill_reports(self, *, created_before: datetime | None = None) -> int:
        """Delete drills' reports (with their votes, questions, photos and messages, by cascade) and
        what their simulated residents left: every one whose drill has its after-action report, and,
        with `created_before`, every one made before it whatever its state (the retention limit).
        Returns how many reports went."""
        condition = (
            "is_drill = 1 AND (id IN (SELECT d.report_id FROM drill_reports d JOIN drills x ON x.id = d.drill_id"
            " WHERE x.reported_at IS NOT NULL AND d.report_id IS NOT NULL)"
        )
        params: tuple[str, ...] = ()
        if created_before is not None:
            condition += " OR created_at < ?"
            params = (to_text(created_before),)
        condition += ")"
        await self._db.execute(
            f"DELETE FROM reporter_contacts WHERE report_id IN (SELECT id FROM reports WHERE {condition})", params
        )
        cursor = await self._db.execute(f"DELETE FROM reports WHERE {condition}", params)
        # An "earlier" report seeded for an old photo belongs to no plan: it goes once no drill runs.
        await self._db.execute(
            "DELETE FROM reports WHERE is_drill = 1 AND reporter_pseudonym = ?"
            " AND NOT EXISTS (SELECT 1 FROM drills WHERE reported_at IS NULL)",
            (f"{PSEUDONYM_PREFIX}earlier",),
        )
        for table in ("reporter_records", "reporter_false_alarms", "resident_settings", "drafts"):
            column = "reporter_pseudonym" if table == "drafts" else "pseudonym"
            await self._db.execute(
                f"DELETE FROM {table} WHERE {column} LIKE ? AND NOT EXISTS (SELECT 1 FROM reports r"
                f" WHERE r.reporter_pseudonym = {table}.{column})",
                (f"{PSEUDONYM_PREFIX}%",),
            )
        await self._db.execute(
            "DELETE FROM drill_reports WHERE drill_id IN (SELECT id FROM drills WHERE reported_at IS NOT NULL)"
        )
        if created_before is not None:
            await self._db.execute("DELETE FROM drills WHERE started_at < ?", params)
        return cursor.rowcount

    async def drill_reports_left(self) -> int:
        async with self._db.execute("SELECT COUNT(*) AS n FROM reports WHERE is_drill = 1") as cursor:
            row = await cursor.fetchone()
        return int(row["n"]) if row else 0


def _drill(row: Row) -> DrillRecord:
    return DrillRecord(
        id=int(row["id"]),
        chat_id=int(row["chat_id"]),
        pace=Pace(row["pace"]),
        mix=LanguageMix(row["languages"]),
        show_tags=bool(row["show_tags"]),
        started_at=required_moment(row["started_at"]),
        stopped_at=from_text(row["stopped_at"]),
        reported_at=from_text(row["reported_at"]),
        report_text=row["report_text"],
    )
