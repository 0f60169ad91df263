"""The verifier desk: ask the reporter, anonymously, and pass their answers to the group.

A question is written in one transaction with the message that carries it to the reporter (through
their stored chat id, never shown to anyone) and the card's refresh; an answer, in one transaction
with the message that shows it in the group as a reply to the card. Neither side learns who the
other is: the reporter reads "the network's verifiers", the verifiers read "the reporter of R-XXXX",
and nothing is forwarded (forwarding would show the sender).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.delivery import MessageKind, MessageRef, Outgoing
from bot.domain.desk import (
    MAX_ANSWER_CHARS,
    AnswerKind,
    Question,
    QuestionKind,
    ReporterUnreachable,
    check_question,
    is_pending,
    is_quick_answer,
    make_claim,
    next_claim_reminder,
    open_for_the_desk,
)
from bot.domain.lifecycle import DeadlineKind
from bot.domain.reports import Report
from bot.i18n import Html
from bot.rendering import desk as text
from bot.services.deps import ServiceDeps
from bot.services.images import ImageCleaner
from bot.services.presses import Press, Pressed, Presses, Refused
from bot.services.public_text import PublicTextService, TextChanged
from bot.services.requests import RequestId
from storage.outbox import PROMPTS
from storage.repository import ReportNotFound, Repository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asked:
    public_ref: str
    asked: int  # questions on this report so far, this one included
    limit: int


@dataclass(frozen=True)
class Prompted:
    public_ref: str


@dataclass(frozen=True)
class Claimed:
    public_ref: str
    until: datetime


class AnswerOutcome(StrEnum):
    PASSED_ON = "passed_on"
    CLOSED = "closed"  # the report is closed (or its alert ended): nothing is passed on
    NOT_YOURS = "not_yours"  # a stale or someone else's button
    TOO_LONG = "too_long"
    DUPLICATE = "duplicate"  # Telegram redelivered an update that was already handled
    # A second tap on the same question (its buttons were still on screen): the first answer stands.
    ALREADY_ANSWERED = "already_answered"


@dataclass(frozen=True)
class Answered:
    outcome: AnswerOutcome
    public_ref: str | None = None
    # ALREADY_ANSWERED: the question and the quick answer that counted, for the resident's toast.
    kind: QuestionKind | None = None
    answer: str | None = None


@dataclass(frozen=True)
class PendingQuestion:
    """A question from the verifiers still waiting for this reporter's answer."""

    question: Question
    public_ref: str


class DeskService:
    def __init__(
        self, deps: ServiceDeps, *, images: ImageCleaner, public_text: PublicTextService | None = None
    ) -> None:
        self._deps = deps
        self._network = deps.network
        self._catalogs = deps.catalogs
        self._presses = Presses(deps)
        self._images = images
        self._public_text = public_text or PublicTextService(deps)

    # --- verifiers ask -----------------------------------------------------------------------

    async def open_prompt(self, press: Press) -> Prompted | Refused:
        """❓ on a card: a prompt with the quick questions, replying to the card."""
        return await self._presses.handle(press, self._prompt)

    async def ask(self, press: Press, kind: QuestionKind, own_words: str = "") -> Asked | Refused:
        return await self._presses.handle(press, lambda pressed: self._ask(pressed, kind, own_words))

    async def reply_to_prompt(
        self,
        *,
        chat_id: int,
        user_id: int,
        first_name: str,
        replied_to: int,
        words: str,
        request_id: RequestId | None,
    ) -> Asked | TextChanged | Refused | None:
        """A verifier replied to one of the bot's prompts: to "ask the reporter" with their own
        question, or to "write the public note" with the note. None when the message they replied to
        is not a prompt (people talk in the group too): that message is not for the desk."""
        if chat_id != self._network.verifier_group_id:
            return None
        async with self._deps.database.unit_of_work() as repo:
            prompt = await repo.sent_message_of(chat_id, PROMPTS, replied_to)
        if prompt is None or prompt.report_id is None:
            return None
        press = Press(prompt.report_id, user_id, first_name, request_id, chat_id=chat_id)
        if prompt.message.kind is MessageKind.NOTE_PROMPT:
            return await self._public_text.write_note(press, words)
        return await self.ask(press, QuestionKind.OWN, words)

    async def _prompt(self, pressed: Pressed) -> Prompted:
        repo, report = pressed.repo, pressed.report
        await self._check(pressed, QuestionKind.HOW_MANY)
        tr = self._catalogs(self._network.card_language)
        await repo.enqueue(
            report.id,
            Outgoing(
                MessageKind.DESK_PROMPT,
                self._network.verifier_group_id,
                text.prompt(tr, report.public_ref),
                reply_to=_card(report),
                buttons=text.prompt_buttons(tr, report.id),
            ),
            pressed.now,
        )
        return Prompted(report.public_ref)

    async def _check(self, pressed: Pressed, kind: QuestionKind, own_words: str = "") -> str:
        repo, report = pressed.repo, pressed.report
        alert = await repo.alert(report.id)
        words = check_question(
            status=report.status,
            alert=alert.status if alert else None,
            reporter_pseudonym=report.reporter_pseudonym,
            voter=pressed.voter,
            asked_before=len(await repo.questions(report.id)),
            limit=self._network.desk.max_questions,
            kind=kind,
            text=own_words,
        )
        return words

    async def _ask(self, pressed: Pressed, kind: QuestionKind, own_words: str) -> Asked:
        repo, report, now = pressed.repo, pressed.report, pressed.now
        words = await self._check(pressed, kind, own_words)
        chat_id = await repo.reporter_chat_id(report.id)
        if chat_id is None:
            raise ReporterUnreachable()
        question_id = await repo.add_question(report.id, kind, words, pressed.press.first_name, now)
        tr = self._catalogs(report.reporter_language)
        buttons = text.answer_buttons(tr, question_id, kind)
        message = text.to_reporter(
            tr, report.public_ref, text.question_text(tr, kind, words), has_buttons=bool(buttons)
        )
        outbox_id = await repo.enqueue(
            report.id, Outgoing(MessageKind.REPORTER_QUESTION, chat_id, message, buttons=buttons), now
        )
        await repo.question_sent_as(question_id, outbox_id)
        await repo.enqueue_card_refresh(report.id, now)
        log.info("the verifiers asked the reporter of %s a question", report.public_ref)
        return Asked(report.public_ref, len(await repo.questions(report.id)), self._network.desk.max_questions)

    # --- going to check ----------------------------------------------------------------------

    async def go_check(self, press: Press, minutes: int) -> Claimed | Refused:
        """🚶 I'm going to check: the card shows who is on the way until when; at the ETA they get
        one reminder (a deadline row, re-armed from the database after a restart)."""
        return await self._presses.handle(press, lambda pressed: self._claim(pressed, minutes))

    async def _claim(self, pressed: Pressed, minutes: int) -> Claimed:
        repo, report, now = pressed.repo, pressed.report, pressed.now
        claim = make_claim(
            status=report.status,
            reporter_pseudonym=report.reporter_pseudonym,
            voter=pressed.voter,
            name=pressed.press.first_name,
            minutes=minutes,
            now=now,
        )
        await repo.save_claim(report.id, claim)
        due = next_claim_reminder(await repo.claims(report.id))
        if due is not None:
            await repo.set_deadline(report.id, DeadlineKind.CLAIM, due)
        await repo.enqueue_card_refresh(report.id, now)
        return Claimed(report.public_ref, claim.until)

    # --- the reporter answers ----------------------------------------------------------------

    async def answer_with_button(
        self, *, user_id: int, question_id: int, code: str, request_id: RequestId | None
    ) -> Answered:
        return await self._answer_button(self._deps.pseudonyms.of_user(user_id), question_id, code, request_id)

    async def answer_as_simulated(self, pseudonym: str, question_id: int, *, code: str | None, words: str) -> Answered:
        """A drill's simulated resident answers (bot.services.drills), by the same path as a person:
        a quick answer's `code`, else `words`."""
        question = Question(question_id, 0, QuestionKind.OWN, "", "", self._deps.clock())
        if code is not None:
            return await self._answer_button(pseudonym, question_id, code, None)
        return await self._answer(pseudonym, question, AnswerKind.WORDS, words, None, None)

    async def _answer_button(
        self, pseudonym: str, question_id: int, code: str, request_id: RequestId | None
    ) -> Answered:
        now = self._deps.clock()
        async with self._deps.database.unit_of_work() as repo:
            if request_id is not None and not await repo.claim_request(request_id, now):
                return Answered(AnswerOutcome.DUPLICATE)
            question = await repo.question(question_id)
            report = await _reporters_report(repo, question, pseudonym)
            if question is None or report is None or not is_quick_answer(question.kind, code):
                return Answered(AnswerOutcome.NOT_YOURS)
            # One tap counts: a second one (a button still on screen) changes nothing, so the card's
            # count and the group's answers stay true.
            tapped = await repo.tapped_answer(question.id)
            if tapped is not None:
                return Answered(AnswerOutcome.ALREADY_ANSWERED, report.public_ref, question.kind, tapped)
            if not await _open(repo, report):
                return Answered(AnswerOutcome.CLOSED, report.public_ref)
            await repo.add_answer(question, AnswerKind.BUTTON, code, now)
            tr = self._catalogs(self._network.card_language)
            shown = Html(f"<b>{text.answer_label(tr, question.kind, code)}</b>")
            await self._show_answer(repo, report, question, shown, now)
            await self._keep_the_tap(repo, report, question, code, now)
        self._deps.after_commit()
        return Answered(AnswerOutcome.PASSED_ON, report.public_ref)

    async def _keep_the_tap(
        self, repo: Repository, report: Report, question: Question, code: str, now: datetime
    ) -> None:
        """The question in the reporter's chat shows what they answered, and loses its buttons: their
        chat keeps the record, and nothing invites a second tap. Edited through the outbox."""
        chat_id = await repo.reporter_chat_id(report.id)
        message_id = await repo.question_message_id(question.id)
        if chat_id is None or message_id is None:
            return
        tr = self._catalogs(report.reporter_language)
        edited = text.to_reporter(
            tr,
            report.public_ref,
            text.question_text(tr, question.kind, question.text),
            has_buttons=False,
            chosen=text.answer_label(tr, question.kind, code),
        )
        await repo.enqueue(
            report.id,
            Outgoing(MessageKind.QUESTION_ANSWERED, chat_id, edited, edit=MessageRef(message_id=message_id)),
            now,
        )

    async def question_replied_to(self, *, user_id: int, message_id: int) -> Question | None:
        """The question a resident's reply answers, if the message they replied to is one."""
        async with self._deps.database.unit_of_work() as repo:
            return await repo.question_replied_to(self._deps.pseudonyms.of_user(user_id), message_id)

    async def pending_question(self, *, user_id: int) -> PendingQuestion | None:
        """The newest question a plain message from this resident may be answering (bot.domain.desk.is_pending)."""
        pseudonym = self._deps.pseudonyms.of_user(user_id)
        now = self._deps.clock()
        async with self._deps.database.unit_of_work() as repo:
            for question in await repo.unanswered_questions_to(pseudonym):
                report = await _reporters_report(repo, question, pseudonym)
                if report is None:
                    continue
                if is_pending(question, open_for_desk=await _open(repo, report), delivered=True, now=now):
                    return PendingQuestion(question, report.public_ref)
        return None

    async def question_of(self, *, user_id: int, question_id: int) -> Question | None:
        """A question to this resident (None for anyone else's, or one that is gone)."""
        pseudonym = self._deps.pseudonyms.of_user(user_id)
        async with self._deps.database.unit_of_work() as repo:
            question = await repo.question(question_id)
            return question if await _reporters_report(repo, question, pseudonym) is not None else None

    async def answer_in_words(
        self, *, user_id: int, question: Question, words: str, request_id: RequestId | None
    ) -> Answered:
        if len(words) > MAX_ANSWER_CHARS:
            return Answered(AnswerOutcome.TOO_LONG)
        return await self._answer(
            self._deps.pseudonyms.of_user(user_id), question, AnswerKind.WORDS, words, None, request_id
        )

    async def answer_with_photo(
        self, *, user_id: int, question: Question, file_id: str, request_id: RequestId | None
    ) -> Answered:
        """Raises PhotoRefused (nothing stored) when the image cannot be cleaned."""
        clean = await self._images.clean(file_id)  # before the transaction: cleaning takes a while
        return await self._answer(
            self._deps.pseudonyms.of_user(user_id), question, AnswerKind.PHOTO, "", clean.data, request_id
        )

    async def _answer(
        self,
        pseudonym: str,
        asked: Question,
        kind: AnswerKind,
        words: str,
        photo: bytes | None,
        request_id: RequestId | None,
    ) -> Answered:
        now = self._deps.clock()
        async with self._deps.database.unit_of_work() as repo:
            if request_id is not None and not await repo.claim_request(request_id, now):
                return Answered(AnswerOutcome.DUPLICATE)
            question = await repo.question(asked.id)
            report = await _reporters_report(repo, question, pseudonym)
            if question is None or report is None:
                return Answered(AnswerOutcome.NOT_YOURS)
            if not await _open(repo, report):
                return Answered(AnswerOutcome.CLOSED, report.public_ref)
            await repo.add_answer(question, kind, words, now)
            await self._show_answer(
                repo, report, question, text.answer_words(words) if photo is None else None, now, photo=photo
            )
        self._deps.after_commit()
        return Answered(AnswerOutcome.PASSED_ON, report.public_ref)

    async def _show_answer(
        self,
        repo: Repository,
        report: Report,
        question: Question,
        answer: Html | None,
        now: datetime,
        *,
        photo: bytes | None = None,
    ) -> None:
        tr = self._catalogs(self._network.card_language)
        shown = text.answer_in_group(
            tr, report.public_ref, text.question_text(tr, question.kind, question.text), answer
        )
        group = self._network.verifier_group_id
        if photo is None:
            await repo.enqueue(report.id, Outgoing(MessageKind.DESK_ANSWER, group, shown, reply_to=_card(report)), now)
        else:
            outbox_id = await repo.enqueue(
                report.id, Outgoing(MessageKind.DESK_ANSWER_PHOTO, group, shown, reply_to=_card(report)), now
            )
            await repo.add_outbox_media(outbox_id, photo)
        await repo.enqueue_card_refresh(report.id, now)
        log.info("the reporter of %s answered a question", report.public_ref)


def _card(report: Report) -> MessageRef | None:
    return MessageRef(message_id=report.card_message_id) if report.card_message_id is not None else None


async def _reporters_report(repo: Repository, question: Question | None, pseudonym: str) -> Report | None:
    """The question's report, only if the person answering is its reporter."""
    if question is None:
        return None
    try:
        report = await repo.report(question.report_id)
    except ReportNotFound:
        return None
    return report if report.reporter_pseudonym == pseudonym else None


async def _open(repo: Repository, report: Report) -> bool:
    alert = await repo.alert(report.id)
    return open_for_the_desk(report.status, alert.status if alert else None)
