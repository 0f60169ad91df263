"""The verification rules: who may vote, when a report is published or rejected.

Pure functions over plain values. Storage loads the ballots inside one transaction, these
rules decide, and storage writes the outcome in the same transaction, so two verifiers
pressing at the same instant can never publish twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Two people must agree before anything reaches the public. Configuration may raise it, never lower it.
MIN_QUORUM = 2


class ReportStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    EXPIRED = "expired"
    MERGED = "merged"

    @property
    def is_open(self) -> bool:
        return self is ReportStatus.PENDING


_LEGAL_TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    ReportStatus.PENDING: frozenset(
        {ReportStatus.PUBLISHED, ReportStatus.REJECTED, ReportStatus.EXPIRED, ReportStatus.MERGED}
    ),
    ReportStatus.PUBLISHED: frozenset(),
    ReportStatus.REJECTED: frozenset(),
    ReportStatus.EXPIRED: frozenset(),
    # A report attached to another one as corroboration, detached again by a verifier (issue 9).
    ReportStatus.MERGED: frozenset({ReportStatus.PENDING}),
}


class VoteKind(StrEnum):
    CONFIRM = "confirm"
    FALSE_ALARM = "false_alarm"


@dataclass(frozen=True)
class Ballot:
    verifier: str  # the verifier's keyed pseudonym, never their Telegram id
    kind: VoteKind


@dataclass(frozen=True)
class Voter:
    """Someone who pressed a button, known by the same keyed pseudonym as a reporter would be:
    the rules compare pseudonyms (one vote each, never on one's own report), never Telegram ids."""

    pseudonym: str
    is_verifier: bool


class VerificationError(Exception):
    """A vote that the rules refuse. Nothing is written."""


class NotAVerifier(VerificationError):
    pass


class ReporterCannotVote(VerificationError):
    pass


class AlreadyVoted(VerificationError):
    def __init__(self, previous: VoteKind) -> None:
        super().__init__(f"already voted {previous}")
        self.previous = previous


class ReportClosed(VerificationError):
    def __init__(self, status: ReportStatus) -> None:
        super().__init__(f"report is {status}")
        self.status = status


class IllegalTransition(VerificationError):
    def __init__(self, current: ReportStatus, target: ReportStatus) -> None:
        super().__init__(f"cannot go from {current} to {target}")
        self.current = current
        self.target = target


def validate_quorum(quorum: int) -> int:
    if quorum < MIN_QUORUM:
        raise ValueError(f"quorum must be at least {MIN_QUORUM}, got {quorum}")
    return quorum


def transition(current: ReportStatus, target: ReportStatus) -> ReportStatus:
    if target not in _LEGAL_TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    return target


@dataclass(frozen=True)
class Tally:
    confirmations: frozenset[str]
    false_alarms: frozenset[str]


def tally(ballots: Sequence[Ballot]) -> Tally:
    """Distinct verifiers per side. Storage's UNIQUE(report, verifier_pseudonym) already prevents
    duplicates; counting distinct ids here means the rule holds even if it did not."""
    return Tally(
        confirmations=frozenset(b.verifier for b in ballots if b.kind is VoteKind.CONFIRM),
        false_alarms=frozenset(b.verifier for b in ballots if b.kind is VoteKind.FALSE_ALARM),
    )


def outcome_of(ballots: Sequence[Ballot], quorum: int) -> ReportStatus:
    """The status a pending report should have, given its ballots."""
    counted = tally(ballots)
    if len(counted.confirmations) >= validate_quorum(quorum):
        return ReportStatus.PUBLISHED
    if len(counted.false_alarms) >= quorum:
        return ReportStatus.REJECTED
    return ReportStatus.PENDING


@dataclass(frozen=True)
class VoteDecision:
    ballot: Ballot
    status: ReportStatus
    # True only for the one vote that closed the report: that vote's caller publishes or rejects.
    closed_report: bool


def cast_vote(
    *,
    status: ReportStatus,
    ballots: Sequence[Ballot],
    reporter_pseudonym: str,
    voter: Voter,
    kind: VoteKind,
    quorum: int,
) -> VoteDecision:
    """Decide one vote. Raises a :class:`VerificationError` when the vote must not count."""
    if not voter.is_verifier:
        raise NotAVerifier()
    if voter.pseudonym == reporter_pseudonym:
        raise ReporterCannotVote()
    if not status.is_open:
        raise ReportClosed(status)
    previous = next((b for b in ballots if b.verifier == voter.pseudonym), None)
    if previous is not None:
        raise AlreadyVoted(previous.kind)
    ballot = Ballot(voter.pseudonym, kind)
    new_status = outcome_of([*ballots, ballot], quorum)
    if new_status is not status:
        transition(status, new_status)
    return VoteDecision(ballot=ballot, status=new_status, closed_report=new_status is not status)
