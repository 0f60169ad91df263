"""The promises of the lifecycle: reports expire, alerts end only by a quorum, and only once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.acting import NotAVerifier, ReporterCannotVote, RuleRefusal, Voter
from bot.domain.lifecycle import (
    AlertAction,
    AlertBallot,
    AlertClosed,
    AlertStatus,
    AlreadyAsked,
    DeadlineKind,
    IllegalAlertTransition,
    Timeouts,
    alert_expiry,
    deadlines_for_new_report,
    decide_alert_action,
    expire_alert,
    expire_report,
    should_remind,
    still_active_notifies,
    still_needed,
    transition_alert,
)
from bot.domain.verification import MIN_QUORUM, Ballot, ReportClosed, ReportStatus, VoteKind

REPORTER = "pseudonym-of-reporter"
NOON = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
DEFAULTS = Timeouts()


def p(user_id: int) -> str:
    """The pseudonym a verifier is known by (what storage keeps instead of the Telegram id)."""
    return f"pseudonym-{user_id}"


def verifier(user_id: int) -> Voter:
    return Voter(pseudonym=p(user_id), is_verifier=True)


def press(status, ballots, voter, action, quorum=2, now=NOON, announced_at=None):
    return decide_alert_action(
        status=status,
        ballots=ballots,
        reporter_pseudonym=REPORTER,
        voter=voter,
        action=action,
        quorum=quorum,
        now=now,
        timeouts=DEFAULTS,
        announced_at=announced_at,
    )


# --- timeouts and deadlines --------------------------------------------------------------------


def test_default_timeouts_are_ten_minutes_one_hour_and_four_hours():
    assert (DEFAULTS.reminder, DEFAULTS.report_expiry, DEFAULTS.alert_lifetime) == (
        timedelta(minutes=10),
        timedelta(minutes=60),
        timedelta(hours=4),
    )


def test_a_new_report_gets_a_reminder_and_an_expiry_deadline():
    deadlines = deadlines_for_new_report(NOON, DEFAULTS)
    assert deadlines == {
        DeadlineKind.REMIND: NOON + timedelta(minutes=10),
        DeadlineKind.EXPIRE_REPORT: NOON + timedelta(hours=1),
    }


def test_a_reminder_after_the_expiry_is_refused():
    with pytest.raises(ValueError, match="before the report expires"):
        Timeouts(reminder=timedelta(minutes=60), report_expiry=timedelta(minutes=60))
    with pytest.raises(ValueError, match="positive"):
        Timeouts(alert_lifetime=timedelta(0))


def test_pending_report_expires_but_a_closed_one_does_not():
    assert expire_report(ReportStatus.PENDING) is ReportStatus.EXPIRED
    for closed in (s for s in ReportStatus if not s.is_open):
        with pytest.raises(ReportClosed):
            expire_report(closed)


def test_no_reminder_for_a_closed_report_or_one_expiring_now():
    expires = NOON + timedelta(hours=1)
    assert should_remind(ReportStatus.PENDING, expires, NOON + timedelta(minutes=10))
    assert not should_remind(ReportStatus.PUBLISHED, expires, NOON + timedelta(minutes=10))
    assert not should_remind(ReportStatus.PENDING, expires, expires)  # back after an outage: expiry says it all


def test_reminder_names_what_is_still_needed():
    ballots = [Ballot(p(1), VoteKind.CONFIRM), Ballot(p(2), VoteKind.FALSE_ALARM)]
    needed = still_needed(ballots, quorum=3)
    assert (needed.confirmations, needed.false_alarms) == (2, 2)
    assert still_needed([], quorum=2).confirmations == 2


# --- still active ---------------------------------------------------------------------------


def test_still_active_by_any_verifier_extends_the_alert_from_now():
    later = NOON + timedelta(hours=3)
    decision = press(AlertStatus.ACTIVE, [], verifier(1), AlertAction.STILL_ACTIVE, now=later)
    assert decision.status is AlertStatus.ACTIVE and not decision.closed_alert
    assert decision.active_until == later + timedelta(hours=4) == alert_expiry(later, DEFAULTS)


def test_still_active_can_be_pressed_again_by_the_same_verifier():
    ballots = [AlertBallot(p(1), AlertAction.STILL_ACTIVE)]
    assert press(AlertStatus.ACTIVE, ballots, verifier(1), AlertAction.STILL_ACTIVE).active_until is not None


# --- one reply per action: still active within the quiet window -------------------------------

QUIET = timedelta(minutes=5)


def test_the_quiet_window_defaults_to_five_minutes_and_cannot_be_negative():
    assert DEFAULTS.still_active_quiet == QUIET
    assert Timeouts(still_active_quiet=timedelta(0)).still_active_quiet == timedelta(0)  # every press notifies
    with pytest.raises(ValueError):
        Timeouts(still_active_quiet=timedelta(minutes=-1))


def test_the_first_still_active_since_publication_notifies_the_channels():
    decision = press(AlertStatus.ACTIVE, [], verifier(1), AlertAction.STILL_ACTIVE, announced_at=None)
    assert decision.notify


def test_a_second_still_active_within_the_window_extends_the_alert_without_notifying():
    told = NOON
    soon = NOON + QUIET - timedelta(seconds=1)
    decision = press(
        AlertStatus.ACTIVE,
        [AlertBallot(p(1), AlertAction.STILL_ACTIVE)],
        verifier(2),
        AlertAction.STILL_ACTIVE,
        now=soon,
        announced_at=told,
    )
    assert not decision.notify
    assert decision.active_until == alert_expiry(soon, DEFAULTS)  # the lifetime is still extended


def test_two_presses_at_the_same_instant_notify_once():
    first = press(AlertStatus.ACTIVE, [], verifier(1), AlertAction.STILL_ACTIVE, announced_at=None)
    second = press(AlertStatus.ACTIVE, [first.ballot], verifier(2), AlertAction.STILL_ACTIVE, announced_at=NOON)
    assert (first.notify, second.notify) == (True, False)


def test_a_still_active_once_the_window_has_passed_notifies_again():
    assert still_active_notifies(NOON, NOON + QUIET, QUIET)
    assert not still_active_notifies(NOON, NOON + QUIET - timedelta(microseconds=1), QUIET)
    assert not still_active_notifies(NOON, NOON - timedelta(minutes=1), QUIET)  # clock went back: stay quiet
    assert still_active_notifies(NOON, NOON, timedelta(0))  # no window: every press notifies


press_times = st.lists(st.integers(min_value=0, max_value=6 * 60 * 60), max_size=40).map(sorted)


@given(press_times, st.integers(min_value=0, max_value=30))
def test_replies_are_a_window_apart_and_every_press_is_covered_by_one(seconds, quiet_minutes):
    quiet = timedelta(minutes=quiet_minutes)
    timeouts = Timeouts(still_active_quiet=quiet)
    announced, replies = None, []
    for second in seconds:
        now = NOON + timedelta(seconds=second)
        decision = decide_alert_action(
            status=AlertStatus.ACTIVE,
            ballots=[],
            reporter_pseudonym=REPORTER,
            voter=verifier(second % 3),
            action=AlertAction.STILL_ACTIVE,
            quorum=2,
            now=now,
            timeouts=timeouts,
            announced_at=announced,
        )
        assert decision.active_until == now + timeouts.alert_lifetime  # every press extends the alert
        if decision.notify:
            announced = now
            replies.append(now)
    # never two replies closer than the window...
    assert all(later - earlier >= quiet for earlier, later in zip(replies, replies[1:], strict=False))
    # ...and no press goes unannounced for longer than the window
    for second in seconds:
        now = NOON + timedelta(seconds=second)
        assert any(timedelta(0) <= now - reply < quiet or now == reply for reply in replies)


# --- all clear and retract need a quorum ---------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "ends_as"), [(AlertAction.ALL_CLEAR, AlertStatus.ENDED), (AlertAction.RETRACT, AlertStatus.RETRACTED)]
)
def test_ending_needs_two_distinct_verifiers(action, ends_as):
    first = press(AlertStatus.ACTIVE, [], verifier(1), action)
    assert first.status is AlertStatus.ACTIVE and not first.closed_alert
    second = press(AlertStatus.ACTIVE, [first.ballot], verifier(2), action)
    assert second.status is ends_as and second.closed_alert


def test_same_verifier_asking_twice_counts_once_and_cannot_switch_sides():
    ballots = [AlertBallot(p(1), AlertAction.ALL_CLEAR)]
    with pytest.raises(AlreadyAsked) as raised:
        press(AlertStatus.ACTIVE, ballots, verifier(1), AlertAction.ALL_CLEAR)
    assert raised.value.previous is AlertAction.ALL_CLEAR
    with pytest.raises(AlreadyAsked):
        press(AlertStatus.ACTIVE, ballots, verifier(1), AlertAction.RETRACT)


def test_one_all_clear_and_one_retract_do_not_end_the_alert():
    decision = press(AlertStatus.ACTIVE, [AlertBallot(p(1), AlertAction.ALL_CLEAR)], verifier(2), AlertAction.RETRACT)
    assert decision.status is AlertStatus.ACTIVE


def test_still_active_presses_do_not_count_towards_ending():
    ballots = [AlertBallot(p(1), AlertAction.STILL_ACTIVE), AlertBallot(p(2), AlertAction.STILL_ACTIVE)]
    assert press(AlertStatus.ACTIVE, ballots, verifier(1), AlertAction.ALL_CLEAR).status is AlertStatus.ACTIVE


def test_reporter_and_non_verifiers_cannot_touch_the_alert():
    with pytest.raises(ReporterCannotVote):
        press(AlertStatus.ACTIVE, [], Voter(REPORTER, True), AlertAction.STILL_ACTIVE)
    with pytest.raises(NotAVerifier):
        press(AlertStatus.ACTIVE, [], Voter("x", False), AlertAction.RETRACT)


@pytest.mark.parametrize("closed", [s for s in AlertStatus if not s.is_active])
def test_a_closed_alert_takes_no_presses_and_does_not_expire_again(closed):
    for action in AlertAction:
        with pytest.raises(AlertClosed):
            press(closed, [], verifier(1), action)
    with pytest.raises(AlertClosed):
        expire_alert(closed)


def test_an_active_alert_expires_and_closed_states_are_final():
    assert expire_alert(AlertStatus.ACTIVE) is AlertStatus.EXPIRED
    for closed in (AlertStatus.ENDED, AlertStatus.RETRACTED, AlertStatus.EXPIRED):
        for target in AlertStatus:
            with pytest.raises(IllegalAlertTransition):
                transition_alert(closed, target)


# --- properties -----------------------------------------------------------------------------

presses = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=6),  # who presses; 1 is also the reporter sometimes
        st.sampled_from(list(AlertAction)),
        st.booleans(),  # is a verifier
    ),
    max_size=25,
)


def replay(events, quorum):
    status, ballots, closes = AlertStatus.ACTIVE, [], 0
    for user_id, action, is_verifier in events:
        voter = Voter(REPORTER if user_id == 1 else p(user_id), is_verifier)
        try:
            decision = press(status, ballots, voter, action, quorum)
        except RuleRefusal:
            continue
        ballots.append(decision.ballot)
        status = decision.status
        closes += decision.closed_alert
    return status, ballots, closes


@given(presses, st.integers(min_value=MIN_QUORUM, max_value=4))
def test_never_ended_or_retracted_without_a_quorum_of_distinct_verifiers(events, quorum):
    status, ballots, _ = replay(events, quorum)
    for action, ends_as in ((AlertAction.ALL_CLEAR, AlertStatus.ENDED), (AlertAction.RETRACT, AlertStatus.RETRACTED)):
        supporters = {b.verifier for b in ballots if b.action is action}
        if status is ends_as:
            assert len(supporters) >= quorum
            assert REPORTER not in supporters  # the reporter never counts
            assert supporters <= {p(u) for u, a, v in events if v and a is action}


@given(presses, st.integers(min_value=MIN_QUORUM, max_value=4))
def test_an_alert_closes_at_most_once_and_each_verifier_asks_to_end_it_once(events, quorum):
    status, ballots, closes = replay(events, quorum)
    assert closes == (0 if status.is_active else 1)
    enders = [b.verifier for b in ballots if b.action.ends_alert]
    assert len(enders) == len(set(enders))
