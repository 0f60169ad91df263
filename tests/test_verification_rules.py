"""The promises of the two-verifier rule, tested without Telegram or a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.acting import NotAVerifier, ReporterCannotVote, RuleRefusal, Voter
from bot.domain.verification import (
    MIN_QUORUM,
    AlreadyVoted,
    Ballot,
    IllegalTransition,
    ReportClosed,
    ReportStatus,
    VoteKind,
    cast_vote,
    outcome_of,
    transition,
    validate_quorum,
)

REPORTER = "pseudonym-of-reporter"


def p(user_id: int) -> str:
    """The pseudonym a verifier is known by (what storage keeps instead of the Telegram id)."""
    return f"pseudonym-{user_id}"


def verifier(user_id: int) -> Voter:
    return Voter(pseudonym=p(user_id), is_verifier=True)


def vote(status, ballots, voter, kind=VoteKind.CONFIRM, quorum=2):
    return cast_vote(status=status, ballots=ballots, reporter_pseudonym=REPORTER, voter=voter, kind=kind, quorum=quorum)


def test_first_confirmation_keeps_the_report_pending():
    decision = vote(ReportStatus.PENDING, [], verifier(1))
    assert decision.status is ReportStatus.PENDING
    assert not decision.closed_report


def test_second_distinct_confirmation_publishes():
    decision = vote(ReportStatus.PENDING, [Ballot(p(1), VoteKind.CONFIRM)], verifier(2))
    assert decision.status is ReportStatus.PUBLISHED
    assert decision.closed_report


def test_same_verifier_pressing_twice_counts_once():
    with pytest.raises(AlreadyVoted) as raised:
        vote(ReportStatus.PENDING, [Ballot(p(1), VoteKind.CONFIRM)], verifier(1))
    assert raised.value.previous is VoteKind.CONFIRM


def test_verifier_cannot_switch_sides_after_voting():
    with pytest.raises(AlreadyVoted):
        vote(ReportStatus.PENDING, [Ballot(p(1), VoteKind.CONFIRM)], verifier(1), VoteKind.FALSE_ALARM)


def test_reporter_cannot_confirm_own_report_even_as_a_verifier():
    reporter_who_verifies = Voter(pseudonym=REPORTER, is_verifier=True)
    with pytest.raises(ReporterCannotVote):
        vote(ReportStatus.PENDING, [Ballot(p(1), VoteKind.CONFIRM)], reporter_who_verifies)


def test_non_verifier_cannot_vote():
    with pytest.raises(NotAVerifier):
        vote(ReportStatus.PENDING, [], Voter(pseudonym="x", is_verifier=False))


def test_two_false_alarms_reject():
    decision = vote(ReportStatus.PENDING, [Ballot(p(1), VoteKind.FALSE_ALARM)], verifier(2), VoteKind.FALSE_ALARM)
    assert decision.status is ReportStatus.REJECTED
    assert decision.closed_report


def test_split_votes_wait_for_a_tiebreaker():
    decision = vote(ReportStatus.PENDING, [Ballot(p(1), VoteKind.FALSE_ALARM)], verifier(2))
    assert decision.status is ReportStatus.PENDING


@pytest.mark.parametrize("closed", [s for s in ReportStatus if not s.is_open])
def test_closed_reports_accept_no_votes(closed):
    with pytest.raises(ReportClosed):
        vote(closed, [], verifier(1))


def test_quorum_can_be_raised_but_never_below_two():
    assert validate_quorum(3) == 3
    with pytest.raises(ValueError):
        validate_quorum(1)
    with pytest.raises(ValueError):
        outcome_of([Ballot(p(1), VoteKind.CONFIRM)], quorum=1)


def test_quorum_of_three_needs_three_confirmations():
    ballots = [Ballot(p(1), VoteKind.CONFIRM), Ballot(p(2), VoteKind.CONFIRM)]
    assert outcome_of(ballots, quorum=3) is ReportStatus.PENDING
    assert vote(ReportStatus.PENDING, ballots, verifier(3), quorum=3).status is ReportStatus.PUBLISHED


def test_closed_states_are_final():
    for closed in (ReportStatus.PUBLISHED, ReportStatus.REJECTED, ReportStatus.EXPIRED):
        for target in ReportStatus:
            with pytest.raises(IllegalTransition):
                transition(closed, target)


def test_a_merged_report_can_only_be_detached_back_to_pending():
    # An attached report (issue 9: corroboration) becomes a pending report of its own when a verifier
    # detaches it; nothing else can happen to it on its own: it closes with the report it joined.
    assert transition(ReportStatus.MERGED, ReportStatus.PENDING) is ReportStatus.PENDING
    for target in ReportStatus:
        if target is not ReportStatus.PENDING:
            with pytest.raises(IllegalTransition):
                transition(ReportStatus.MERGED, target)


# --- properties ---------------------------------------------------------------------------

presses = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=6),  # who presses; 1 is also the reporter sometimes
        st.sampled_from(list(VoteKind)),
        st.booleans(),  # is a verifier
    ),
    max_size=25,
)


def replay(events, quorum, reporter_id=1):
    """Feed button presses through the rules the way storage does; return status, ballots, closes."""
    status, ballots, closes = ReportStatus.PENDING, [], 0
    for user_id, kind, is_verifier in events:
        voter = Voter(REPORTER if user_id == reporter_id else p(user_id), is_verifier)
        try:
            decision = vote(status, ballots, voter, kind, quorum)
        except RuleRefusal:
            continue
        ballots.append(decision.ballot)
        status = decision.status
        closes += decision.closed_report
    return status, ballots, closes


@given(presses, st.integers(min_value=MIN_QUORUM, max_value=4))
def test_never_published_without_quorum_of_distinct_verifiers_other_than_the_reporter(events, quorum):
    status, ballots, _ = replay(events, quorum)
    confirmers = {b.verifier for b in ballots if b.kind is VoteKind.CONFIRM}
    if status is ReportStatus.PUBLISHED:
        assert len(confirmers) >= quorum
        assert REPORTER not in confirmers  # the reporter never counts
        # every counted confirmer pressed as a verifier
        verifier_presses = {p(u) for u, k, v in events if v and k is VoteKind.CONFIRM}
        assert confirmers <= verifier_presses


@given(presses, st.integers(min_value=MIN_QUORUM, max_value=4))
def test_a_report_closes_at_most_once_and_then_takes_no_votes(events, quorum):
    status, ballots, closes = replay(events, quorum)
    assert closes == (0 if status.is_open else 1)
    voters = [b.verifier for b in ballots]
    assert len(voters) == len(set(voters))  # one ballot per verifier
    if not status.is_open:
        with pytest.raises(ReportClosed):
            vote(status, ballots, verifier(99))
