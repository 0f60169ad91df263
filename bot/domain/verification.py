"""The verification rules: who may vote, when a report is published or rejected.

Pure functions over plain values. Storage loads the ballots inside one transaction, these
rules decide, and storage writes the outcome in the same transaction, so two verifiers
pressing at the same instant can never publish twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.acting import RuleRefusal, Voter, check_may_act

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
    # The version of the public text a confirmation approved (bot.domain.public_text). A confirmation
    # counts only for that exact version: once the text changes, it no longer counts.
    text_version: int = 1

    def counts_for(self, text_version: int) -> bool:
        """A false alarm is about the sighting and always counts; a confirmation, for its version only."""
        return self.kind is VoteKind.FALSE_ALARM or self.text_version == text_version


class AlreadyVoted(RuleRefusal):
    def __init__(self, previous: VoteKind) -> None:
        super().__init__(f"already voted {previous}")
        self.previous = previous


class ReportClosed(RuleRefusal):
    def __init__(self, status: ReportStatus) -> None:
        super().__init__(f"report is {status}")
        self.status = status


class IllegalTransition(RuleRefusal):
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


def tally(ballots: Sequence[Ballot], *, text_version: int = 1) -> Tally:
    """Distinct verifiers per side. Storage's UNIQUE(report, verifier_pseudonym) already prevents
    duplicates; counting distinct ids here means the rule holds even if it did not. Confirmations
    count only when they approved `text_version`, the public text as it is now."""
    return Tally(
        confirmations=frozenset(
            b.verifier for b in ballots if b.kind is VoteKind.CONFIRM and b.text_version == text_version
        ),
        false_alarms=frozenset(b.verifier for b in ballots if b.kind is VoteKind.FALSE_ALARM),
    )


def outcome_of(ballots: Sequence[Ballot], quorum: int, *, text_version: int = 1) -> ReportStatus:
    """The status a pending report should have, given its ballots and the public text's version."""
    counted = tally(ballots, text_version=text_version)
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
    # This verifier's confirmation of an earlier version of the public text, which the new ballot
    # replaces (it no longer counted): storage removes it before writing the new one.
    replaces: Ballot | None = None


def cast_vote(
    *,
    status: ReportStatus,
    ballots: Sequence[Ballot],
    reporter_pseudonym: str,
    voter: Voter,
    kind: VoteKind,
    quorum: int,
    text_version: int = 1,
) -> VoteDecision:
    """Decide one vote. Raises a :class:`RuleRefusal` when the vote must not count.

    A confirmation approves `text_version`, the public text as the card shows it now. A verifier
    whose confirmation was for an earlier version (the text changed since) votes again."""
    check_may_act(voter, reporter_pseudonym)
    if not status.is_open:
        raise ReportClosed(status)
    mine = [b for b in ballots if b.verifier == voter.pseudonym]
    previous = next((b for b in mine if b.counts_for(text_version)), None)
    if previous is not None:
        raise AlreadyVoted(previous.kind)
    stale = next(iter(mine), None)
    ballot = Ballot(voter.pseudonym, kind, text_version)
    others = [b for b in ballots if b.verifier != voter.pseudonym]
    new_status = outcome_of([*others, ballot], quorum, text_version=text_version)
    if new_status is not status:
        transition(status, new_status)
    return VoteDecision(ballot=ballot, status=new_status, closed_report=new_status is not status, replaces=stale)
