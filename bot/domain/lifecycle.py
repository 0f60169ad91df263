"""How long things wait, and what happens to an alert after it is published.

Pure rules over plain values, like :mod:`bot.domain.verification`: storage loads the state inside
one transaction, these functions decide, and storage writes the outcome in the same transaction.

A report waits for verification; if it has not reached the quorum after ``reminder`` the verifier
group is reminded once, and after ``report_expiry`` it closes as expired ("could not be
confirmed"). A published report carries an *alert* that stays active until two distinct verifiers
say "All clear" (it ended) or "Retract" (it should not stand), or until nobody has pressed
"Still active" for ``alert_lifetime``. Each "Still active" extends the alert; only one press in
``still_active_quiet`` notifies the channels, so two verifiers pressing at once give one reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.domain.acting import RuleRefusal, Voter, check_may_act
from bot.domain.verification import Ballot, ReportClosed, ReportStatus, tally, transition, validate_quorum

if TYPE_CHECKING:  # public_text's refusals come from the desk, which imports this module
    from bot.domain.public_text import PublicText


@dataclass(frozen=True)
class Timeouts:
    reminder: timedelta = timedelta(minutes=10)
    report_expiry: timedelta = timedelta(minutes=60)
    alert_lifetime: timedelta = timedelta(hours=4)
    # A "Still active" this soon after the channels were last told so extends the alert quietly.
    still_active_quiet: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if min(self.reminder, self.report_expiry, self.alert_lifetime) <= timedelta(0):
            raise ValueError("timeouts must be positive")
        if self.still_active_quiet < timedelta(0):
            raise ValueError("the quiet window after a Still active cannot be negative")
        if self.reminder >= self.report_expiry:
            # The reminder would never be sent: the report is gone by then.
            raise ValueError("the reminder must come before the report expires")


class DeadlineKind(StrEnum):
    REMIND = "remind"
    EXPIRE_REPORT = "expire_report"
    EXPIRE_ALERT = "expire_alert"
    CLAIM = "claim"  # a verifier's ETA for "I'm going to check" has come: remind them once


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


def still_needed(ballots: Sequence[Ballot], quorum: int, *, text_version: int = 1) -> StillNeeded:
    counted = tally(ballots, text_version=text_version)
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
    verifier: str  # keyed pseudonym
    action: AlertAction


class AlertClosed(RuleRefusal):
    def __init__(self, status: AlertStatus) -> None:
        super().__init__(f"alert is {status}")
        self.status = status


class AlreadyAsked(RuleRefusal):
    """A verifier asks to end an alert once, on one side, like a vote to publish."""

    def __init__(self, previous: AlertAction) -> None:
        super().__init__(f"already asked {previous}")
        self.previous = previous


class IllegalAlertTransition(RuleRefusal):
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


def still_active_notifies(announced_at: datetime | None, now: datetime, quiet: timedelta) -> bool:
    """Whether a "Still active" press tells the channels again (a reply under every post).

    One action, one reply: when the channels were told less than ``quiet`` ago (two verifiers
    pressing at the same moment, or one pressing twice), the press only extends the alert.
    ``announced_at`` is when they were last told; None if never since publication. A clock that
    went backwards (``now`` before ``announced_at``) counts as inside the window: no second reply.
    """
    return announced_at is None or now - announced_at >= quiet


@dataclass(frozen=True)
class AlertDecision:
    ballot: AlertBallot
    status: AlertStatus
    # True only for the one press that ended the alert: its caller edits the posts.
    closed_alert: bool
    # For "Still active": the alert now lasts until then...
    active_until: datetime | None = None
    # ...and whether the channels get a reply saying so (False: extended quietly, see still_active_notifies).
    notify: bool = False


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
    announced_at: datetime | None = None,
) -> AlertDecision:
    """Decide one press on a published alert. Raises a :class:`RuleRefusal` when it must not count.

    The same people who may publish may end: members of the verifier group, never the reporter.
    Ending takes the quorum of distinct verifiers on the same side, like publishing did, so one
    person can neither silence an alert nor withdraw it alone. "Still active" always extends the
    alert; it notifies the channels only outside the quiet window after ``announced_at``, the last
    time they were told.
    """
    check_may_act(voter, reporter_pseudonym)
    if not status.is_active:
        raise AlertClosed(status)
    ballot = AlertBallot(voter.pseudonym, action)
    if action is AlertAction.STILL_ACTIVE:
        return AlertDecision(
            ballot,
            status,
            closed_alert=False,
            active_until=alert_expiry(now, timeouts),
            notify=still_active_notifies(announced_at, now, timeouts.still_active_quiet),
        )
    previous = next((b for b in ballots if b.verifier == voter.pseudonym and b.action.ends_alert), None)
    if previous is not None:
        raise AlreadyAsked(previous.action)
    supporters = {b.verifier for b in (*ballots, ballot) if b.action is action}
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
    verifier: str  # keyed pseudonym
    verifier_name: str  # first name shown on the card; kept only as long as the report
    action: AlertAction
    cast_at: datetime
    notified: bool = False  # a "Still active" that told the channels (see still_active_notifies)

    def as_ballot(self) -> AlertBallot:
        return AlertBallot(self.verifier, self.action)


@dataclass(frozen=True)
class Alert:
    report_id: int
    status: AlertStatus
    published_at: datetime
    last_active_at: datetime
    closed_at: datetime | None
    active_until: datetime | None  # the expiry deadline while the alert is active
    votes: tuple[RecordedAlertVote, ...] = ()
    # Exactly what was posted (the version the quorum confirmed), kept so that later edits of the
    # post keep those words; None for an alert published before migration 0015.
    public_text: PublicText | None = None

    @property
    def announced_active_at(self) -> datetime | None:
        """When the channels were last told it is still active; None if not since publication."""
        return max((v.cast_at for v in self.votes if v.action is AlertAction.STILL_ACTIVE and v.notified), default=None)
