"""Corroboration instead of duplicates: which open report a new one joins, and what detaching does.

Pure functions over plain values, like :mod:`bot.domain.verification`. A second resident reporting
the same place while verifiers are already checking (or while its alert is live) is evidence for
that report, not a second card and not a vote: the quorum rule does not change, and nobody who sent
any of the joined reports may verify it ("never the reporter").
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.acting import RuleRefusal, Voter, check_may_act
from bot.domain.desk import open_for_the_desk
from bot.domain.lifecycle import AlertStatus
from bot.domain.verification import ReportClosed, ReportStatus, transition


@dataclass(frozen=True)
class OpenReport:
    """A report a new one might join, as storage sees it."""

    report_id: int
    neighborhood_key: str
    status: ReportStatus
    alert: AlertStatus | None  # its alert's status, once published
    created_at: datetime
    attached_to: int | None = None  # itself attached to another report


def is_joinable(candidate: OpenReport) -> bool:
    """Verifiers are checking it (pending) or its alert is live; and it has a card of its own."""
    return candidate.attached_to is None and open_for_the_desk(candidate.status, candidate.alert)


def report_to_join(neighborhood_key: str, candidates: Iterable[OpenReport]) -> int | None:
    """The report a new report for `neighborhood_key` is attached to, or None for a card of its own.

    Only an open report of the same neighborhood (pending, or published with its alert live) that is
    not itself attached. If there are several (a report detached as a different incident, say), the
    newest: it is the most likely to be what the resident sees now.
    """
    joinable = [c for c in candidates if c.neighborhood_key == neighborhood_key and is_joinable(c)]
    if not joinable:
        return None
    return max(joinable, key=lambda c: (c.created_at, c.report_id)).report_id


def residents_reporting(reporter_pseudonyms: Sequence[str]) -> int:
    """How many residents report it: distinct reporters (the same resident writing twice counts once)."""
    return len(set(reporter_pseudonyms))


class AddedReporterCannotVote(RuleRefusal):
    """The voter sent a report that was attached to this one: they are one of its reporters."""


def check_not_a_reporter(voter: Voter, own_reporter: str, added_reporters: Collection[str]) -> None:
    """Nobody who sent the report, or a report attached to it, acts on it as a verifier.
    Raises NotAVerifier for someone outside the group, ReporterCannotVote or AddedReporterCannotVote."""
    check_may_act(voter, own_reporter)
    if voter.pseudonym in added_reporters:
        raise AddedReporterCannotVote()


class NotAttached(RuleRefusal):
    """The report is not (or no longer) attached to another one: there is nothing to detach."""


def detach(
    *,
    status: ReportStatus,
    attached_to: int | None,
    joined_status: ReportStatus,
    joined_alert: AlertStatus | None,
) -> ReportStatus:
    """A verifier detaches a report that was attached wrongly: it becomes a pending report with a
    card of its own. Only while the report it joined is still open for the desk (once that closed,
    the attached report closed with it). Returns the new status. Who may press is judged first
    (:func:`check_not_a_reporter`)."""
    if status is not ReportStatus.MERGED or attached_to is None:
        raise NotAttached()
    if not open_for_the_desk(joined_status, joined_alert):
        raise ReportClosed(joined_status)
    return transition(status, ReportStatus.PENDING)
