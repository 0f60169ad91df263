"""SQL for the verifier desk: questions to the reporter and their answers.

A mixin of :class:`storage.repository.Repository`, so it is only used inside a unit of work.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.desk import AnswerKind, Claim, Question, QuestionKind
from storage.codec import required_moment, to_text
from storage.dialect import Connection, Dialect, Row, new_id

_QUESTION = (
    "SELECT q.id, q.report_id, q.kind, q.text, q.asked_by_name, q.asked_at,"
    " (SELECT COUNT(*) FROM desk_answers a WHERE a.question_id = q.id) AS answers FROM desk_questions q"
)


class DeskQueries:
    _db: Connection
    _sql: Dialect

    async def add_question(
        self, report_id: int, kind: QuestionKind, text: str, asked_by_name: str, at: datetime
    ) -> int:
        cursor = await self._db.execute(
            "INSERT INTO desk_questions (report_id, kind, text, asked_by_name, asked_at) VALUES (?, ?, ?, ?, ?)"
            " RETURNING id",
            (report_id, str(kind), text, asked_by_name, to_text(at)),
        )
        return await new_id(cursor)

    async def question_sent_as(self, question_id: int, outbox_id: int) -> None:
        await self._db.execute("UPDATE desk_questions SET outbox_id = ? WHERE id = ?", (outbox_id, question_id))

    async def question_delivered(self, outbox_id: int, message_id: int) -> None:
        """The question reached the reporter as `message_id` in their chat: a reply to it is an answer."""
        await self._db.execute("UPDATE desk_questions SET message_id = ? WHERE outbox_id = ?", (message_id, outbox_id))

    async def questions(self, report_id: int) -> list[Question]:
        async with self._db.execute(f"{_QUESTION} WHERE q.report_id = ? ORDER BY q.id", (report_id,)) as cursor:
            return [_question(row) for row in await cursor.fetchall()]

    async def question(self, question_id: int) -> Question | None:
        async with self._db.execute(f"{_QUESTION} WHERE q.id = ?", (question_id,)) as cursor:
            row = await cursor.fetchone()
        return _question(row) if row else None

    async def question_replied_to(self, reporter_pseudonym: str, message_id: int) -> Question | None:
        """The question a reporter answers by replying to its message in their chat (message ids
        are per chat, so the reporter's pseudonym picks their chat)."""
        async with self._db.execute(
            f"{_QUESTION} JOIN reports r ON r.id = q.report_id WHERE q.message_id = ? AND r.reporter_pseudonym = ?"
            " ORDER BY q.id DESC LIMIT 1",
            (message_id, reporter_pseudonym),
        ) as cursor:
            row = await cursor.fetchone()
        return _question(row) if row else None

    async def unanswered_questions_to(self, reporter_pseudonym: str, *, limit: int = 3) -> list[Question]:
        """The newest questions that reached this reporter and have no answer yet."""
        async with self._db.execute(
            f"{_QUESTION} JOIN reports r ON r.id = q.report_id WHERE r.reporter_pseudonym = ?"
            " AND q.message_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM desk_answers a WHERE a.question_id = q.id)"
            " ORDER BY q.id DESC LIMIT ?",
            (reporter_pseudonym, limit),
        ) as cursor:
            return [_question(row) for row in await cursor.fetchall()]

    async def tapped_answer(self, question_id: int) -> str | None:
        """The quick answer the reporter tapped (its code): one per question (the schema says so too)."""
        async with self._db.execute(
            "SELECT text FROM desk_answers WHERE question_id = ? AND kind = 'button' ORDER BY id LIMIT 1",
            (question_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return str(row["text"]) if row else None

    async def question_message_id(self, question_id: int) -> int | None:
        """The question's message in the reporter's chat, once Telegram confirmed it."""
        async with self._db.execute("SELECT message_id FROM desk_questions WHERE id = ?", (question_id,)) as cursor:
            row = await cursor.fetchone()
        return int(row["message_id"]) if row and row["message_id"] is not None else None

    async def add_answer(self, question: Question, kind: AnswerKind, text: str, at: datetime) -> int:
        cursor = await self._db.execute(
            "INSERT INTO desk_answers (question_id, report_id, kind, text, answered_at) VALUES (?, ?, ?, ?, ?)"
            " RETURNING id",
            (question.id, question.report_id, str(kind), text, to_text(at)),
        )
        return await new_id(cursor)

    # --- claims -----------------------------------------------------------------------------

    async def save_claim(self, report_id: int, claim: Claim) -> None:
        await self._db.execute(
            "INSERT INTO desk_claims (report_id, verifier_pseudonym, verifier_name, claimed_at, until, reminded)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (report_id, verifier_pseudonym) DO UPDATE SET"
            " verifier_name = excluded.verifier_name, claimed_at = excluded.claimed_at, until = excluded.until,"
            " reminded = excluded.reminded",
            (
                report_id,
                claim.verifier,
                claim.verifier_name,
                to_text(claim.claimed_at),
                to_text(claim.until),
                int(claim.reminded),
            ),
        )

    async def claims(self, report_id: int) -> list[Claim]:
        async with self._db.execute(
            "SELECT * FROM desk_claims WHERE report_id = ? ORDER BY claimed_at, verifier_pseudonym", (report_id,)
        ) as cursor:
            return [
                Claim(
                    row["verifier_pseudonym"],
                    row["verifier_name"],
                    required_moment(row["claimed_at"]),
                    required_moment(row["until"]),
                    bool(row["reminded"]),
                )
                for row in await cursor.fetchall()
            ]


def _question(row: Row) -> Question:
    return Question(
        id=row["id"],
        report_id=row["report_id"],
        kind=QuestionKind(row["kind"]),
        text=row["text"],
        asked_by_name=row["asked_by_name"],
        asked_at=required_moment(row["asked_at"]),
        answers=int(row["answers"]),
    )
