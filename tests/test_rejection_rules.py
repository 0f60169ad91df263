"""A false alarm's reason, and the rumor check: tested without Telegram or a database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.acting import NotAVerifier, ReporterCannotVote, RuleRefusal, Voter
from bot.domain.rejection import (
    RUMOR_CHECK_WINDOW,
    AlreadySupported,
    NotRejected,
    ReasonDoesNotFit,
    RejectionReason,
    ReportHolds,
    RumorCheckPosted,
    RumorCheckTooLate,
    check_reason,
    decide_rumor_check,
    decided_reason,
    finding,
    reason_fits,
    reasons_that_fit,
)
from bot.domain.reporters import TrackRecord
from bot.domain.verification import ReportStatus

NOW = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
REPORTER = "pseudonym-of-reporter"
R = RejectionReason


def verifier(n: int) -> Voter:
    return Voter(f"pseudonym-{n}", is_verifier=True)


# --- the reason a rejected report keeps ----------------------------------------------------------


def test_the_most_common_reason_is_kept():
    assert decided_reason([R.OLD_PHOTO, R.NOT_ENFORCEMENT, R.OLD_PHOTO]) is R.OLD_PHOTO


def test_a_tie_goes_to_the_deciding_vote():
    assert decided_reason([R.OLD_PHOTO, R.NOT_ENFORCEMENT]) is R.NOT_ENFORCEMENT
    assert decided_reason([R.NOT_ENFORCEMENT, R.OLD_PHOTO]) is R.OLD_PHOTO


def test_votes_without_a_reason_do_not_count_and_none_given_keeps_none():
    assert decided_reason([R.WRONG_PLACE, None]) is R.WRONG_PLACE
    assert decided_reason([None, None]) is None
    assert decided_reason([]) is None


reasons_strategy = st.lists(st.one_of(st.none(), st.sampled_from(list(RejectionReason))), max_size=8)


@given(reasons_strategy)
def test_the_kept_reason_is_one_of_the_most_common_given(reasons):
    kept = decided_reason(reasons)
    given_reasons = [r for r in reasons if r is not None]
    if not given_reasons:
        assert kept is None
        return
    counts = Counter(given_reasons)
    assert counts[kept] == max(counts.values())


@given(reasons_strategy, st.sampled_from(list(RejectionReason)))
def test_the_deciding_vote_wins_whenever_its_reason_is_among_the_most_common(earlier, deciding):
    reasons = [*earlier, deciding]
    counts = Counter(r for r in reasons if r is not None)
    if counts[deciding] == max(counts.values()):
        assert decided_reason(reasons) is deciding


def test_a_track_record_without_the_cards_own_false_alarm():
    record = TrackRecord(1, 3, 0, {R.OLD_PHOTO: 2, R.NOT_ENFORCEMENT: 1})
    assert record.without_false_alarm(R.OLD_PHOTO) == TrackRecord(1, 2, 0, {R.OLD_PHOTO: 1, R.NOT_ENFORCEMENT: 1})
    assert record.without_false_alarm(R.NOT_ENFORCEMENT) == TrackRecord(1, 2, 0, {R.OLD_PHOTO: 2})
    assert record.without_false_alarm(None).false_alarm_reasons == {R.OLD_PHOTO: 2, R.NOT_ENFORCEMENT: 1}


# --- the rumor check -----------------------------------------------------------------------------


def press(voter: Voter, supporters=(), **overrides):
    values = dict(
        status=ReportStatus.REJECTED,
        rejected_at=NOW - timedelta(minutes=10),
        posted=False,
        supporters=list(supporters),
        reporter_pseudonym=REPORTER,
        voter=voter,
        quorum=2,
        now=NOW,
    )
    values.update(overrides)
    return decide_rumor_check(**values)


def test_one_press_counts_and_posts_nothing():
    decision = press(verifier(1))
    assert decision.supporters == {"pseudonym-1"} and not decision.post


def test_a_second_distinct_verifier_posts():
    decision = press(verifier(2), ["pseudonym-1"])
    assert decision.post and decision.supporters == {"pseudonym-1", "pseudonym-2"}


def test_the_same_verifier_twice_counts_once():
    with pytest.raises(AlreadySupported):
        press(verifier(1), ["pseudonym-1"])


def test_a_third_press_is_refused_as_already_posted():
    with pytest.raises(RumorCheckPosted):
        press(verifier(3), ["pseudonym-1", "pseudonym-2"], posted=True)


def test_the_reporter_and_non_members_are_refused():
    with pytest.raises(ReporterCannotVote):
        press(Voter(REPORTER, is_verifier=True))
    with pytest.raises(NotAVerifier):
        press(Voter("pseudonym-9", is_verifier=False))


@pytest.mark.parametrize(
    "status", [ReportStatus.PENDING, ReportStatus.PUBLISHED, ReportStatus.EXPIRED, ReportStatus.MERGED]
)
def test_only_a_rejected_report_can_be_denied(status):
    with pytest.raises(NotRejected):
        press(verifier(1), status=status)


def test_the_window_after_the_rejection():
    assert not press(verifier(1), rejected_at=NOW - RUMOR_CHECK_WINDOW).post  # the last moment still counts
    with pytest.raises(RumorCheckTooLate):
        press(verifier(1), rejected_at=NOW - RUMOR_CHECK_WINDOW - timedelta(seconds=1))
    with pytest.raises(RumorCheckTooLate):
        press(verifier(1), rejected_at=None)
    assert not press(verifier(1), rejected_at=NOW + timedelta(minutes=1)).post  # a clock that went back


@given(
    presses=st.lists(
        st.tuples(st.integers(min_value=0, max_value=5), st.booleans()),  # who (0: the reporter), a member?
        max_size=12,
    ),
    quorum=st.integers(min_value=2, max_value=4),
)
def test_a_rumor_check_is_posted_once_and_only_with_a_quorum_of_distinct_members_never_the_reporter(presses, quorum):
    supporters: list[str] = []
    posted_after: int | None = None
    for who, member in presses:
        voter = Voter(REPORTER if who == 0 else f"pseudonym-{who}", is_verifier=member)
        try:
            decision = press(voter, supporters, quorum=quorum, posted=posted_after is not None)
        except RuleRefusal:
            continue
        supporters = sorted(decision.supporters)
        if decision.post:
            assert posted_after is None  # never twice
            posted_after = len(supporters)
    assert REPORTER not in supporters
    assert len(set(supporters)) == len(supporters)
    if posted_after is not None:
        assert posted_after == quorum
    else:
        assert len(supporters) < quorum


# --- which reasons fit the report (issue 23) -----------------------------------------------------

holds_st = st.builds(
    ReportHolds,
    photos=st.integers(0, 10),
    videos=st.integers(0, 10),
    reports_around=st.integers(0, 5),
)
WORDS_ONLY = ReportHolds()


def test_a_report_in_words_only_is_never_offered_an_old_photo_nor_a_duplicate_of_nothing():
    assert reasons_that_fit(WORDS_ONLY) == (R.NOT_ENFORCEMENT, R.WRONG_PLACE, R.UNVERIFIED, R.OTHER)
    with pytest.raises(ReasonDoesNotFit):
        check_reason(R.OLD_PHOTO, WORDS_ONLY)
    with pytest.raises(ReasonDoesNotFit):
        check_reason(R.DUPLICATE, WORDS_ONLY)


def test_a_video_can_be_old_too_and_another_report_around_makes_a_duplicate_possible():
    assert R.OLD_PHOTO in reasons_that_fit(ReportHolds(videos=1))
    assert R.DUPLICATE in reasons_that_fit(ReportHolds(reports_around=1))


@given(holds_st)
def test_what_is_offered_is_exactly_what_the_service_accepts(holds):
    offered = reasons_that_fit(holds)
    assert list(offered) == [r for r in RejectionReason if r in offered]  # the usual order
    for reason in RejectionReason:
        if reason in offered:
            check_reason(reason, holds)
        else:
            with pytest.raises(ReasonDoesNotFit):
                check_reason(reason, holds)


@given(holds_st)
def test_an_old_photo_is_offered_exactly_when_the_report_holds_a_photo_or_a_video(holds):
    assert (R.OLD_PHOTO in reasons_that_fit(holds)) == (holds.photos + holds.videos > 0)
    assert (R.DUPLICATE in reasons_that_fit(holds)) == (holds.reports_around > 0)
    assert {R.NOT_ENFORCEMENT, R.WRONG_PLACE, R.UNVERIFIED, R.OTHER} <= set(reasons_that_fit(holds))


@given(st.sampled_from([*RejectionReason, None]), holds_st, st.booleans())
def test_a_finding_never_speaks_of_a_photo_the_report_does_not_hold(reason, holds, attached):
    found = finding(reason, holds, attached=attached)
    if reason is None or reason is R.OTHER or (reason is not None and not reason_fits(reason, holds)):
        assert found is None  # the plain "could not be confirmed"
        return
    assert found is not None and found.reason is reason
    if reason is R.OLD_PHOTO and not attached:
        assert (found.photos, found.videos) == (holds.photos, holds.videos) and found.photos + found.videos > 0
    if reason is R.OLD_PHOTO and attached:
        assert found.of_joined  # the photo was the joined report's, not theirs
