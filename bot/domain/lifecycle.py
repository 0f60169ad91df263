"""How long things wait, and what happens to an alert after it is published.

Pure rules over plain values, like :mod:`bot.domain.verification`: storage loads the state inside
one transaction, these functions decide, and storage writes the outcome in the same transaction.

A report waits for verification; if it has not reached the quorum after ``reminder`` the verifier
group is reminded once, and after ``report_expiry`` it closes as expired ("could not be
confirmed"). A published report carries an *alert* that stays active until two distinct verifiers
say "All clear" (it ended) or "Retract" (it should not stand), or until nobody has pressed
"Still active" for ``alert_lifetime``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.verification import (
    Ballot,
    NotAVerifier,
    ReportClosed,
    ReporterCannotVote,
    ReportStatus,
    VerificationError,
    Voter,
    tally,
    transition,
    validate_quorum,
)


@dataclass(frozen=True)
class Timeouts:
    reminder: timedelta = timedelta(minutes=10)
    report_expiry: timedelta = timedelta(minutes=60)
    alert_lifetime: timedelta = timedelta(hours=4)

    def __post_init__(self) -> None:
        if min(self.reminder, self.report_expiry, self.alert_lifetime) <= timedelta(0):
            raise ValueError("timeouts must be positive")
        if self.reminder >= self.report_expiry:
            # The reminder would never be sent: the report is gone by then.
            raise ValueError("the reminder must come before the report expires")


class DeadlineKind(StrEnum):
    REMIND = "remind"
    EXPIRE_REPORT = "expire_report"
    EXPIRE_ALERT = "expire_alert"


@dataclass(frozen=True)
class Deadline:
    report_id: int
    kind: DeadlineKind
    due_at: datetime


def deadlines_for_new_report(created_at: datetime, timeouts: Timeouts) -> dict[DeadlineKind, datetime]:
    return {
        DeadlineKind.REMIND: created_at + timeouts.reminder,
        DeadlineKind.EXPIRE_REPORT: created_at + timeouts.report_expiry,
    }


def is_due(deadline: Deadline, now: datetime) -> bool:
    return deadline.due_at <= now


# --- reports that wait ------------------------------------------------------------------------


@dataclass(frozen=True)
class StillNeeded:
    """What a pending report lacks: confirmations to publish, or false-alarm votes to close."""

    confirmations: int
    false_alarms: int


def still_needed(ballots: Sequence[Ballot], quorum: int) -> StillNeeded:
    counted = tally(ballots)
    quorum = validate_quorum(quorum)
    return StillNeeded(
        confirmations=max(quorum - len(counted.confirmations), 0),
        false_alarms=max(quorum - len(counted.false_alarms), 0),
    )


def should_remind(status: ReportStatus, expires_at: datetime | None, now: datetime) -> bool:
    """Remind only about a report that is still open and not about to close this very moment
    (after a long outage both deadlines come due together: the expiry says all there is)."""
    return status.is_open and (expires_at is None or now < expires_at)


def expire_report(status: ReportStatus) -> ReportStatus:
    """A pending report that nobody confirmed in time closes; a closed one is left alone."""
    if not status.is_open:
        raise ReportClosed(status)
    return transition(status, ReportStatus.EXPIRED)


# --- published alerts ---------------------------------------------------------------------------


class AlertStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"  # all clear
    RETRACTED = "retracted"
    EXPIRED = "expired"  # nobody said it was still active

    @property
    def is_active(self) -> bool:
        return self is AlertStatus.ACTIVE


_ALERT_TRANSITIONS: dict[AlertStatus, frozenset[AlertStatus]] = {
    AlertStatus.ACTIVE: frozenset({AlertStatus.ENDED, AlertStatus.RETRACTED, AlertStatus.EXPIRED}),
    AlertStatus.ENDED: frozenset(),
    AlertStatus.RETRACTED: frozenset(),
    AlertStatus.EXPIRED: frozenset(),
}


class AlertAction(StrEnum):
    STILL_ACTIVE = "still_active"
    ALL_CLEAR = "all_clear"
    RETRACT = "retract"

    @property
    def ends_alert(self) -> bool:
        return self is not AlertAction.STILL_ACTIVE


_ENDS_AS = {AlertAction.ALL_CLEAR: AlertStatus.ENDED, AlertAction.RETRACT: AlertStatus.RETRACTED}


@dataclass(frozen=True)
class AlertBallot:
    verifier_id: int
    action: AlertAction


class AlertClosed(VerificationError):
    def __init__(self, status: AlertStatus) -> None:
        super().__init__(f"alert is {status}")
        self.status = status


class AlreadyAsked(VerificationError):
    """A verifier asks to end an alert once, on one side, like a vote to publish."""

    def __init__(self, previous: AlertAction) -> None:
        super().__init__(f"already asked {previous}")
        self.previous = previous


class IllegalAlertTransition(VerificationError):
    def __init__(self, current: AlertStatus, target: AlertStatus) -> None:
        super().__init__(f"cannot go from {current} to {target}")
        self.current = current
        self.target = target


def transition_alert(current: AlertStatus, target: AlertStatus) -> AlertStatus:
    if target not in _ALERT_TRANSITIONS[current]:
        raise IllegalAlertTransition(current, target)
    return target


def alert_expiry(last_active_at: datetime, timeouts: Timeouts) -> datetime:
    return last_active_at + timeouts.alert_lifetime


@dataclass(frozen=True)
class AlertDecision:
    ballot: AlertBallot
    status: AlertStatus
    # True only for the one press that ended the alert: its caller edits the posts.
    closed_alert: bool
    # For "Still active": the alert now lasts until then.
    active_until: datetime | None = None


def decide_alert_action(
    *,
    status: AlertStatus,
    ballots: Sequence[AlertBallot],
    reporter_pseudonym: str,
    voter: Voter,
    action: AlertAction,
    quorum: int,
    now: datetime,
    timeouts: Timeouts,
) -> AlertDecision:
    """Decide one press on a published alert. Raises a :class:`VerificationError` when it must not count.

    The same people who may publish may end: members of the verifier group, never the reporter.
    Ending takes the quorum of distinct verifiers on the same side, like publishing did, so one
    person can neither silence an alert nor withdraw it alone.
    """
    if not voter.is_verifier:
        raise NotAVerifier()
    if voter.pseudonym == reporter_pseudonym:
        raise ReporterCannotVote()
    if not status.is_active:
        raise AlertClosed(status)
    ballot = AlertBallot(voter.user_id, action)
    if action is AlertAction.STILL_ACTIVE:
        return AlertDecision(ballot, status, closed_alert=False, active_until=alert_expiry(now, timeouts))
    previous = next((b for b in ballots if b.verifier_id == voter.user_id and b.action.ends_alert), None)
    if previous is not None:
        raise AlreadyAsked(previous.action)
    supporters = {b.verifier_id for b in (*ballots, ballot) if b.action is action}
    if len(supporters) >= validate_quorum(quorum):
        return AlertDecision(ballot, transition_alert(status, _ENDS_AS[action]), closed_alert=True)
    return AlertDecision(ballot, status, closed_alert=False)


def expire_alert(status: AlertStatus) -> AlertStatus:
    if not status.is_active:
        raise AlertClosed(status)
    return transition_alert(status, AlertStatus.EXPIRED)


# --- stored alerts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedAlertVote:
    verifier_id: int
    verifier_name: str
    action: AlertAction
    cast_at: datetime

    def as_ballot(self) -> AlertBallot:
        return AlertBallot(self.verifier_id, self.action)


@dataclass(frozen=True)
class Alert:
    report_id: int
    status: AlertStatus
    published_at: datetime
    last_active_at: datetime
    closed_at: datetime | None
    active_until: datetime | None  # the expiry deadline while the alert is active
    votes: tuple[RecordedAlertVote, ...] = ()
