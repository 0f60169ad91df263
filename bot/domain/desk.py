"""The verifier desk's rules: asking the reporter, and going to check.

Pure functions over plain values, like :mod:`bot.domain.verification`. None of them changes the
quorum: questions and claims help verifiers decide; only two distinct verifiers' confirmations,
never the reporter's, publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.acting import RuleRefusal, Voter, check_may_act
from bot.domain.lifecycle import AlertStatus
from bot.domain.verification import ReportClosed, ReportStatus

MAX_QUESTION_CHARS = 300  # a verifier's own question; a resident reads it on a phone
MAX_ANSWER_CHARS = 800  # the same limit as a report's words


class QuestionLimitReached(RuleRefusal):
    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} questions per report")
        self.limit = limit


class QuestionTooLong(RuleRefusal):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a question has at most {limit} characters")
        self.limit = limit


class EmptyQuestion(RuleRefusal):
    pass


class UnknownEta(RuleRefusal):
    pass


def open_for_the_desk(status: ReportStatus, alert: AlertStatus | None) -> bool:
    """A report the desk still works on: waiting for verification, or published with a live alert."""
    return status.is_open or (status is ReportStatus.PUBLISHED and alert is not None and alert.is_active)


# --- asking the reporter ----------------------------------------------------------------------


class QuestionKind(StrEnum):
    HOW_MANY = "many"
    DETAINING = "detain"
    MARKINGS = "marks"
    STILL_THERE = "still"
    PHOTO = "photo"
    OWN = "own"  # written by the verifier


# The quick answers a resident can tap, per question (codes; the words are in the catalogs).
QUICK_ANSWERS: dict[QuestionKind, tuple[str, ...]] = {
    QuestionKind.HOW_MANY: ("few", "some", "many", "unsure"),
    QuestionKind.DETAINING: ("yes", "no", "unsure"),
    QuestionKind.MARKINGS: ("ice", "cbp", "other", "none"),
    QuestionKind.STILL_THERE: ("yes", "no"),
    QuestionKind.PHOTO: (),
    QuestionKind.OWN: (),
}
QUICK_QUESTIONS = tuple(kind for kind in QuestionKind if kind is not QuestionKind.OWN)


def check_question(
    *,
    status: ReportStatus,
    alert: AlertStatus | None,
    reporter_pseudonym: str,
    voter: Voter,
    asked_before: int,
    limit: int,
    kind: QuestionKind,
    text: str = "",
) -> str:
    """Whether this verifier may ask the reporter this now. Returns the question's own words
    (stripped) for a written question, "" for a quick one. Raises a RuleRefusal otherwise."""
    check_may_act(voter, reporter_pseudonym)
    if not open_for_the_desk(status, alert):
        raise ReportClosed(status)
    if asked_before >= limit:
        raise QuestionLimitReached(limit)
    if kind is not QuestionKind.OWN:
        return ""
    words = text.strip()
    if not words:
        raise EmptyQuestion()
    if len(words) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(MAX_QUESTION_CHARS)
    return words


def is_quick_answer(kind: QuestionKind, code: str) -> bool:
    return code in QUICK_ANSWERS[kind]


# --- going to check ----------------------------------------------------------------------------

CLAIM_MINUTES = (15, 30, 60)


@dataclass(frozen=True)
class Claim:
    """ "I'm going to check": who (pseudonym, and first name for the card) and until when."""

    verifier: str
    verifier_name: str
    claimed_at: datetime
    until: datetime
    reminded: bool = False

    def is_expired(self, now: datetime) -> bool:
        return now >= self.until


def make_claim(
    *,
    status: ReportStatus,
    reporter_pseudonym: str,
    voter: Voter,
    name: str,
    minutes: int,
    now: datetime,
) -> Claim:
    """A verifier says they are on their way. Only while the report waits for verification; the
    same verifier pressing again replaces their claim (a new ETA)."""
    check_may_act(voter, reporter_pseudonym)
    if not status.is_open:
        raise ReportClosed(status)
    if minutes not in CLAIM_MINUTES:
        raise UnknownEta()
    return Claim(voter.pseudonym, name, now, now + timedelta(minutes=minutes))


def claims_to_remind(claims: list[Claim], now: datetime) -> list[Claim]:
    """Claims whose ETA has come and whose claimer has not been reminded: each gets one reminder."""
    return [c for c in claims if c.is_expired(now) and not c.reminded]


def next_claim_reminder(claims: list[Claim]) -> datetime | None:
    """When the next reminder is due (one deadline row per report covers every claim)."""
    return min((c.until for c in claims if not c.reminded), default=None)


# --- stored questions -------------------------------------------------------------------------


class AnswerKind(StrEnum):
    BUTTON = "button"  # a quick answer (its code)
    WORDS = "words"
    PHOTO = "photo"


@dataclass(frozen=True)
class Question:
    id: int
    report_id: int
    kind: QuestionKind
    text: str  # a verifier's own words; "" for a quick question
    asked_by_name: str  # first name, shown on the card while the report lives
    asked_at: datetime
    answers: int = 0


class ReporterUnreachable(RuleRefusal):
    """Vigil no longer keeps a way to reach the reporter (they erased their data, or it was purged)."""


# --- a question still waiting for its answer ------------------------------------------------

# How long a question waits for its answer before a plain message is no longer offered as one.
QUESTION_PENDING_FOR = timedelta(hours=2)


def is_pending(question: Question, *, open_for_desk: bool, delivered: bool, now: datetime) -> bool:
    """Whether a plain message from the reporter may be their answer: the question reached them,
    has no answer yet, its report is still open for the desk, and it was asked recently."""
    return delivered and open_for_desk and question.answers == 0 and now - question.asked_at < QUESTION_PENDING_FOR
