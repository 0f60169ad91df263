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

# How close in time another report must be for this one to be called a duplicate of it.
DUPLICATE_WINDOW = timedelta(hours=24)


class RejectionReason(StrEnum):
    """What the verifiers found, as the false-alarm voter chose it (stored, and counted by /stats)."""

    NOT_ENFORCEMENT = "not_enforcement"  # e.g. agents at lunch near their office
    OLD_PHOTO = "old_photo"  # an old or recycled photo
    WRONG_PLACE = "wrong_place"
    UNVERIFIED = "unverified"  # could not be verified
    DUPLICATE = "duplicate"  # another report already covers it
    OTHER = "other"


@dataclass(frozen=True)
class ReportHolds:
    """What a report holds, as far as a false alarm's reasons depend on it."""

    photos: int = 0
    videos: int = 0
    # Other reports, not attached to this one, sent within DUPLICATE_WINDOW of it: what it may duplicate.
    reports_around: int = 0


def reason_fits(reason: RejectionReason, holds: ReportHolds) -> bool:
    """Whether a verifier may give this reason for this report, so that the reporter's notice is true.

    An old or recycled photo needs a photo or a video in the report; a duplicate needs another
    report around the same time. The others fit every report: each report is a sighting of agents
    (not enforcement), at a place the resident chose (wrong place), and any report may go unverified.
    """
    match reason:
        case RejectionReason.OLD_PHOTO:
            return holds.photos + holds.videos > 0
        case RejectionReason.DUPLICATE:
            return holds.reports_around > 0
        case _:
            return True


def reasons_that_fit(holds: ReportHolds) -> tuple[RejectionReason, ...]:
    """The reasons offered under the card, in their usual order."""
    return tuple(reason for reason in RejectionReason if reason_fits(reason, holds))


class ReasonDoesNotFit(RuleRefusal):
    """A reason that is not true of the report (a stale or forged button): no vote is cast."""

    def __init__(self, reason: RejectionReason) -> None:
        super().__init__(f"{reason} does not fit this report")
        self.reason = reason


def check_reason(reason: RejectionReason, holds: ReportHolds) -> None:
    if not reason_fits(reason, holds):
        raise ReasonDoesNotFit(reason)


@dataclass(frozen=True)
class Finding:
    """What a resident is told the verifiers found, worded so it is true of their own report."""

    reason: RejectionReason
    photos: int = 0  # an old photo: how many photos and videos the report holds
    videos: int = 0
    # The resident's report was attached to the one the verifiers judged: the old photo was that one's.
    of_joined: bool = False


def finding(reason: RejectionReason | None, holds: ReportHolds, *, attached: bool = False) -> Finding | None:
    """What to tell about a rejected report. `holds`: what the judged report holds (for an attached
    report, the report it was added to). None: the plain "could not be confirmed", for no reason,
    "other", or a reason that does not fit (a vote cast before reasons were checked)."""
    if reason is None or reason is RejectionReason.OTHER or not reason_fits(reason, holds):
        return None
    if reason is RejectionReason.OLD_PHOTO:
        return Finding(reason, of_joined=True) if attached else Finding(reason, holds.photos, holds.videos)
    return Finding(reason)


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
