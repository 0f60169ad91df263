"""The desk's questions and answers against a real SQLite file: found again, and forgotten."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.delivery import MessageKind, Outgoing
from bot.domain.desk import AnswerKind, QuestionKind
from bot.domain.verification import ReportStatus
from storage.dialect import INTEGRITY_ERRORS
from tests.samples import DAY, NOW, add, purge_at


async def ask_and_answer(repo, report, words="6, with ICE vests"):
    question_id = await repo.add_question(report.id, QuestionKind.HOW_MANY, "", "Luis", NOW)
    outbox_id = await repo.enqueue(report.id, Outgoing(MessageKind.REPORTER_QUESTION, 777, "How many?"), NOW)
    await repo.question_sent_as(question_id, outbox_id)
    await repo.question_delivered(outbox_id, 42)
    question = await repo.question(question_id)
    await repo.add_answer(question, AnswerKind.WORDS, words, NOW)
    answer_id = await repo.enqueue(report.id, Outgoing(MessageKind.DESK_ANSWER_PHOTO, -100, "answered"), NOW)
    await repo.add_outbox_media(answer_id, b"clean pixels")
    return question_id, answer_id


async def test_a_reply_finds_its_question_only_in_the_reporters_own_chat(database):
    async with database.unit_of_work() as repo:
        report = await add(repo, pseudonym="pseudo-tom")
        question_id, _ = await ask_and_answer(repo, report)
        found = await repo.question_replied_to("pseudo-tom", 42)
        assert found is not None and found.id == question_id and found.answers == 1
        assert await repo.question_replied_to("pseudo-rosa", 42) is None  # message ids are per chat
        assert await repo.question_replied_to("pseudo-tom", 43) is None


async def test_forgetme_removes_questions_answers_and_their_messages_even_from_a_published_alert(database):
    async with database.unit_of_work() as repo:
        published = await add(repo, ReportStatus.PUBLISHED, pseudonym="pseudo-tom")
        await ask_and_answer(repo, published, words="they are at my door")
        await repo.forget_reporter("pseudo-tom")
        assert await repo.questions(published.id) == []
        async with repo._db.execute("SELECT COUNT(*) FROM desk_answers") as cursor:
            assert (await cursor.fetchone())[0] == 0
        async with repo._db.execute("SELECT COUNT(*) FROM outbox_media") as cursor:
            assert (await cursor.fetchone())[0] == 0
        async with repo._db.execute(
            "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%door%' OR kind LIKE 'desk_answer%'"
            " OR kind = 'reporter_question'"
        ) as cursor:
            assert (await cursor.fetchone())[0] == 0


async def test_questions_and_answers_go_with_the_report_when_it_is_purged(database):
    async with database.unit_of_work() as repo:
        report = await add(repo, ReportStatus.REJECTED)
        await ask_and_answer(repo, report)
        await purge_at(repo, NOW + 7 * DAY + timedelta(minutes=1))
        for table in ("desk_questions", "desk_answers", "outbox_media"):
            async with repo._db.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
                assert (await cursor.fetchone())[0] == 0, table


async def test_unanswered_questions_are_those_delivered_to_this_reporter_without_an_answer(database):
    async with database.unit_of_work() as repo:
        report = await add(repo, pseudonym="pseudo-tom")
        await ask_and_answer(repo, report)  # answered: not waiting
        waiting = await repo.add_question(report.id, QuestionKind.STILL_THERE, "", "Luis", NOW)
        outbox_id = await repo.enqueue(report.id, Outgoing(MessageKind.REPORTER_QUESTION, 777, "Still?"), NOW)
        await repo.question_sent_as(waiting, outbox_id)
        await repo.add_question(report.id, QuestionKind.PHOTO, "", "Luis", NOW)  # not delivered yet
        assert await repo.unanswered_questions_to("pseudo-tom") == []  # the waiting one has not arrived
        await repo.question_delivered(outbox_id, 43)
        assert [q.id for q in await repo.unanswered_questions_to("pseudo-tom")] == [waiting]
        assert await repo.unanswered_questions_to("pseudo-rosa") == []


async def test_a_question_keeps_one_tapped_answer_and_any_number_in_words(database):
    """Issue 23: the schema refuses a second quick answer, so the card's count cannot grow by a tap."""
    async with database.unit_of_work() as repo:
        report = await add(repo)
        question_id = await repo.add_question(report.id, QuestionKind.HOW_MANY, "", "Luis", NOW)
        question = await repo.question(question_id)
        assert await repo.tapped_answer(question_id) is None
        await repo.add_answer(question, AnswerKind.BUTTON, "some", NOW)
    # (a unit of its own: on PostgreSQL a refused statement ends its transaction)
    with pytest.raises(INTEGRITY_ERRORS):
        async with database.unit_of_work() as repo:
            await repo.add_answer(question, AnswerKind.BUTTON, "many", NOW)
    async with database.unit_of_work() as repo:
        await repo.add_answer(question, AnswerKind.WORDS, "Two more cars just arrived", NOW)
        assert await repo.tapped_answer(question_id) == "some"
        assert (await repo.question(question_id)).answers == 2
        assert await repo.question_message_id(question_id) is None  # not delivered yet
        outbox_id = await repo.enqueue(report.id, Outgoing(MessageKind.REPORTER_QUESTION, 777, "How many?"), NOW)
        await repo.question_sent_as(question_id, outbox_id)
        await repo.question_delivered(outbox_id, 41)
        assert await repo.question_message_id(question_id) == 41
