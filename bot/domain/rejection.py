"""A false alarm's reason, and the rumor check that tells the public a report was NOT confirmed.

Pure rules over plain values, like :mod:`bot.domain.verification`. A reason never changes the
quorum: each false-alarm vote carries the reason its verifier chose, and the report, once
rejected, keeps the reason most of those votes gave (see :func:`decided_reason`).

A rumor check is the network's public denial: "we checked reports of agents in Clovis at 14:05:
not confirmed". It goes to the neighborhood's channels, so it takes what publishing takes: two
distinct members of the verifier group, never the reporter; and only once, only for a report
closed as a false alarm, and only while the rumor may still be going round
(:data:`RUMOR_CHECK_WINDOW` after the rejection).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.acting import RuleRefusal, Voter, check_may_act
from bot.domain.verification import ReportStatus, validate_quorum


class RejectionReason(StrEnum):
    """What the verifiers found, as the false-alarm voter chose it (stored, and counted by /stats)."""

    NOT_ENFORCEMENT = "not_enforcement"  # e.g. agents at lunch near their office
    OLD_PHOTO = "old_photo"  # an old or recycled photo
    WRONG_PLACE = "wrong_place"
    UNVERIFIED = "unverified"  # could not be verified
    DUPLICATE = "duplicate"  # another report already covers it
    OTHER = "other"


def decided_reason(reasons: Sequence[RejectionReason | None]) -> RejectionReason | None:
    """The reason a rejected report keeps, from its false-alarm votes' reasons in the order they
    were cast (the deciding vote last): the most common one; a tie goes to the reason voted most
    recently, so to the deciding vote when it is among the tied. Votes without a reason (cast
    before reasons existed) do not count; None when no vote gave one."""
    given = [reason for reason in reasons if reason is not None]
    if not given:
        return None
    counts = Counter(given)
    top = max(counts.values())
    return next(reason for reason in reversed(given) if counts[reason] == top)


# --- the rumor check -----------------------------------------------------------------------------

# Long enough for a false "ICE is here!" to be going round the same day, short enough that a
# denial never resurfaces a forgotten rumor.
RUMOR_CHECK_WINDOW = timedelta(hours=24)


class RumorCheckRefused(RuleRefusal):
    """A rumor-check press the rules refuse (beyond who may press)."""


class NotRejected(RumorCheckRefused):
    """Only a report closed as a false alarm can be publicly denied."""

    def __init__(self, status: ReportStatus) -> None:
        super().__init__(f"report is {status}, not rejected")
        self.status = status


class RumorCheckTooLate(RumorCheckRefused):
    def __init__(self, window: timedelta) -> None:
        super().__init__(f"a rumor check can be posted only within {window} of the rejection")
        self.window = window


class RumorCheckPosted(RumorCheckRefused):
    """Already posted: a third press (or any later one) posts nothing."""


class AlreadySupported(RumorCheckRefused):
    """This verifier already pressed; each verifier counts once."""


@dataclass(frozen=True)
class RumorCheckDecision:
    supporters: frozenset[str]  # pseudonyms, this press included
    # True only for the press that reached the quorum: its caller posts to the channels.
    post: bool


def decide_rumor_check(
    *,
    status: ReportStatus,
    rejected_at: datetime | None,
    posted: bool,
    supporters: Sequence[str],
    reporter_pseudonym: str,
    voter: Voter,
    quorum: int,
    now: datetime,
) -> RumorCheckDecision:
    """Decide one 📣 press. Raises a :class:`RuleRefusal` when it must not count."""
    check_may_act(voter, reporter_pseudonym)
    if status is not ReportStatus.REJECTED:
        raise NotRejected(status)
    if posted:
        raise RumorCheckPosted()
    if voter.pseudonym in supporters:
        raise AlreadySupported()
    # A clock that went backwards counts as inside the window; no rejection time, as outside it.
    if rejected_at is None or now - rejected_at > RUMOR_CHECK_WINDOW:
        raise RumorCheckTooLate(RUMOR_CHECK_WINDOW)
    together = frozenset({*supporters, voter.pseudonym})
    return RumorCheckDecision(together, post=len(together) >= validate_quorum(quorum))


@dataclass(frozen=True)
class RumorSupport:
    """A verifier's 📣 press, as stored: first name for the card, kept as long as the report."""

    verifier: str  # keyed pseudonym
    verifier_name: str
    pressed_at: datetime


@dataclass(frozen=True)
class Rejection:
    """How a rejected report was closed, and whether a rumor check was posted (for the card and /stats)."""

    report_id: int
    reason: RejectionReason | None
    rejected_at: datetime
    rumor_check_posted_at: datetime | None = None
    supporters: tuple[RumorSupport, ...] = ()


@dataclass(frozen=True)
class RejectionCounts:
    """For /stats: rejected reports made since a moment, by reason (None: none given), and how many
    of them had a rumor check posted. Purged reports count by their day (rejection_statistics)."""

    by_reason: dict[RejectionReason | None, int] = field(default_factory=dict)
    rumor_checks: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_reason.values())
