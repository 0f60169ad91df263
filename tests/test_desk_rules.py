"""The desk's rules: questions to the reporter and claims never change who may publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.acting import NotAVerifier, ReporterCannotVote, Voter
from bot.domain.desk import (
    CLAIM_MINUTES,
    QUESTION_PENDING_FOR,
    Claim,
    EmptyQuestion,
    Question,
    QuestionKind,
    QuestionLimitReached,
    QuestionTooLong,
    UnknownEta,
    check_question,
    claims_to_remind,
    is_pending,
    is_quick_answer,
    make_claim,
    next_claim_reminder,
    open_for_the_desk,
)
from bot.domain.lifecycle import AlertStatus
from bot.domain.verification import ReportClosed, ReportStatus

NOW = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
ANA = Voter("ana", is_verifier=True)
REPORTER = "reporter"


def ask(**overrides):
    values = dict(
        status=ReportStatus.PENDING,
        alert=None,
        reporter_pseudonym=REPORTER,
        voter=ANA,
        asked_before=0,
        limit=3,
        kind=QuestionKind.HOW_MANY,
    )
    values.update(overrides)
    return check_question(**values)


def test_a_verifier_may_ask_a_quick_question_while_the_report_waits():
    assert ask() == ""


def test_a_written_question_is_kept_in_the_verifiers_own_words():
    assert ask(kind=QuestionKind.OWN, text="  Which street exactly?  ") == "Which street exactly?"


def test_an_empty_or_overlong_written_question_is_refused():
    with pytest.raises(EmptyQuestion):
        ask(kind=QuestionKind.OWN, text="   ")
    with pytest.raises(QuestionTooLong):
        ask(kind=QuestionKind.OWN, text="x" * 301)


def test_a_non_member_cannot_ask_and_the_reporter_cannot_question_their_own_report():
    with pytest.raises(NotAVerifier):
        ask(voter=Voter("mallory", is_verifier=False))
    with pytest.raises(ReporterCannotVote):
        ask(voter=Voter(REPORTER, is_verifier=True))


@given(asked=st.integers(min_value=0, max_value=20), limit=st.integers(min_value=1, max_value=10))
def test_never_more_questions_than_the_limit(asked, limit):
    if asked < limit:
        ask(asked_before=asked, limit=limit)
    else:
        with pytest.raises(QuestionLimitReached):
            ask(asked_before=asked, limit=limit)


@given(status=st.sampled_from(ReportStatus), alert=st.sampled_from([None, *AlertStatus]))
def test_questions_only_while_the_report_is_open_or_its_alert_is_live(status, alert):
    open_ = status is ReportStatus.PENDING or (status is ReportStatus.PUBLISHED and alert is AlertStatus.ACTIVE)
    assert open_for_the_desk(status, alert) is open_
    if open_:
        ask(status=status, alert=alert)
    else:
        with pytest.raises(ReportClosed):
            ask(status=status, alert=alert)


def test_quick_answers_belong_to_their_question():
    assert is_quick_answer(QuestionKind.HOW_MANY, "many")
    assert not is_quick_answer(QuestionKind.STILL_THERE, "many")
    assert not is_quick_answer(QuestionKind.OWN, "yes")


@given(minutes=st.sampled_from(CLAIM_MINUTES))
def test_a_claim_lasts_the_eta_the_verifier_chose(minutes):
    claim = make_claim(
        status=ReportStatus.PENDING, reporter_pseudonym=REPORTER, voter=ANA, name="Ana", minutes=minutes, now=NOW
    )
    assert claim.until == NOW + timedelta(minutes=minutes)
    assert not claim.is_expired(NOW + timedelta(minutes=minutes) - timedelta(seconds=1))
    assert claim.is_expired(NOW + timedelta(minutes=minutes))


def test_claims_are_refused_for_closed_reports_other_etas_and_the_reporter():
    with pytest.raises(ReportClosed):
        make_claim(
            status=ReportStatus.PUBLISHED, reporter_pseudonym=REPORTER, voter=ANA, name="Ana", minutes=15, now=NOW
        )
    with pytest.raises(UnknownEta):
        make_claim(status=ReportStatus.PENDING, reporter_pseudonym=REPORTER, voter=ANA, name="Ana", minutes=45, now=NOW)
    with pytest.raises(ReporterCannotVote):
        make_claim(
            status=ReportStatus.PENDING,
            reporter_pseudonym=REPORTER,
            voter=Voter(REPORTER, True),
            name="R",
            minutes=15,
            now=NOW,
        )


@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=120), st.booleans()), max_size=6),
    st.integers(min_value=0, max_value=150),
)
def test_each_claim_is_reminded_once_when_its_eta_comes(specs, elapsed):
    claims = [Claim(f"v{i}", f"V{i}", NOW, NOW + timedelta(minutes=m), reminded=r) for i, (m, r) in enumerate(specs)]
    now = NOW + timedelta(minutes=elapsed)
    due = claims_to_remind(claims, now)
    assert all(c.is_expired(now) and not c.reminded for c in due)
    assert {c.verifier for c in claims if c.is_expired(now) and not c.reminded} == {c.verifier for c in due}
    following = next_claim_reminder(claims)
    unreminded = [c.until for c in claims if not c.reminded]
    assert following == (min(unreminded) if unreminded else None)


@given(
    answers=st.integers(min_value=0, max_value=3),
    open_for_desk=st.booleans(),
    delivered=st.booleans(),
    age_minutes=st.integers(min_value=0, max_value=600),
)
def test_a_question_is_pending_only_while_delivered_unanswered_open_and_recent(
    answers: int, open_for_desk: bool, delivered: bool, age_minutes: int
) -> None:
    asked = datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
    question = Question(1, 1, QuestionKind.OWN, "Which street?", "Luis", asked, answers)
    now = asked + timedelta(minutes=age_minutes)
    pending = is_pending(question, open_for_desk=open_for_desk, delivered=delivered, now=now)
    recent = timedelta(minutes=age_minutes) < QUESTION_PENDING_FOR
    assert pending == (answers == 0 and open_for_desk and delivered and recent)
