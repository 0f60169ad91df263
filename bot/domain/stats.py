"""The desk at a glance: the rules behind /queue and /stats, with no Telegram and no SQL.

/stats looks back over fixed windows and reports medians and 90th percentiles by the nearest-rank
method (a value that actually occurred, never an interpolation between two reports). Verifiers are
counted by a tag cut from their keyed pseudonym, and shown by the first name of their latest vote
still on record, or else by that tag (first names go with the report). The tag is made differently
from a reporter's tag, so a verifier who also reported something cannot be matched to their reports.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.rejection import RejectionCounts

# The windows /stats shows, in days. The longest is how long the folded figures are kept.
WINDOWS: tuple[int, ...] = (7, 30)
KEPT_DAYS = max(WINDOWS)

# /queue shows at most this many reports (oldest first) and says how many more are waiting, so the
# message always fits Telegram's 4096 characters.
QUEUE_LIMIT = 25

_TAG_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_TAG_LENGTH = 4


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `fraction` of all at or below it."""
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 0.5)


def verifier_tag(pseudonym: str) -> str:
    """A short stable tag for a verifier whose name is no longer on record (never a reporter's tag)."""
    number = int.from_bytes(hashlib.sha256(f"verifier:{pseudonym}".encode()).digest()[:8], "big")
    letters = []
    for _ in range(_TAG_LENGTH):
        number, index = divmod(number, len(_TAG_ALPHABET))
        letters.append(_TAG_ALPHABET[index])
    return "V-" + "".join(letters)


def window_start(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


@dataclass(frozen=True)
class VoteTime:
    """One vote: by whom (their tag, and their first name while the report is on record), how long after the report."""

    verifier: str  # verifier_tag() of their pseudonym
    seconds: float
    name: str | None = None


@dataclass(frozen=True)
class VerifierFigures:
    label: str  # their first name, or their tag once no vote of theirs is on record
    votes: int
    median_seconds: float


def verifier_figures(votes: Iterable[VoteTime]) -> list[VerifierFigures]:
    """Per verifier: how many votes and the median time to vote; busiest first, then by label."""
    seconds: dict[str, list[float]] = defaultdict(list)
    names: dict[str, str] = {}
    for vote in votes:
        seconds[vote.verifier].append(vote.seconds)
        if vote.name:
            names.setdefault(vote.verifier, vote.name)
    figures = []
    for verifier, times in seconds.items():
        middle = median(times)
        assert middle is not None
        figures.append(VerifierFigures(names.get(verifier) or verifier, len(times), middle))
    return sorted(figures, key=lambda f: (-f.votes, f.label))


@dataclass(frozen=True)
class QueueEntry:
    """An open report as /queue lists it. `card` is (chat id, message id) once the card is posted."""

    public_ref: str
    neighborhood_key: str
    created_at: datetime
    confirms: int
    false_alarms: int
    # (first name, until) of claims that have not run out, by verifiers who have not voted yet (as on the card)
    claims: tuple[tuple[str, datetime], ...]
    unanswered: int  # questions to the reporter with no answer yet
    card: tuple[int, int] | None = None
    residents: int = 1  # distinct residents reporting it: its reporter and those of reports attached to it
    report_id: int = 0  # for the web desk's link to the report's page
    urgent: bool = False  # people are being detained (the web desk marks it)


@dataclass(frozen=True)
class LiveAlert:
    public_ref: str
    neighborhood_key: str
    published_at: datetime
    card: tuple[int, int] | None = None
    report_id: int = 0


@dataclass(frozen=True)
class Queue:
    pending: tuple[QueueEntry, ...]
    more: int  # open reports beyond QUEUE_LIMIT, not listed
    alerts: tuple[LiveAlert, ...]
    at: datetime  # when it was read: how long each report has waited is counted from here


@dataclass(frozen=True)
class WindowFigures:
    """What /stats shows for one window."""

    days: int
    reports: int
    published: int
    rejected: int
    unconfirmed: int  # closed without a decision (expired)
    withdrawn: int
    attached: int  # reports added to an open report of their neighborhood (corroboration), not judged on their own
    publication_median: float | None
    publication_p90: float | None
    verifiers: tuple[VerifierFigures, ...]
    # The rejected reports by the reason the verifiers found, and how many got a rumor check.
    rejections: RejectionCounts = RejectionCounts()


def window_figures(
    days: int,
    outcomes: dict[str, int],
    publication_seconds: Sequence[float],
    votes: Iterable[VoteTime],
    rejections: RejectionCounts | None = None,
) -> WindowFigures:
    """`outcomes`: reports of the window by status (pending ones count as reports only)."""
    return WindowFigures(
        days=days,
        reports=sum(outcomes.values()),
        published=outcomes.get("published", 0),
        rejected=outcomes.get("rejected", 0),
        unconfirmed=outcomes.get("expired", 0),
        withdrawn=outcomes.get("withdrawn", 0),
        attached=outcomes.get("merged", 0),
        publication_median=median(publication_seconds),
        publication_p90=percentile(publication_seconds, 0.9),
        verifiers=tuple(verifier_figures(votes)),
        rejections=rejections or RejectionCounts(),
    )


class NotAllowed(StrEnum):
    NOT_A_MEMBER = "not_a_member"  # /queue from someone who is not in the verifier group
    WRONG_CHAT = "wrong_chat"  # /queue outside the verifier group
    NOT_AN_ORGANIZER = "not_an_organizer"  # /stats from someone not in admin_user_ids, or in another chat


@dataclass(frozen=True)
class Stats:
    windows: tuple[WindowFigures, ...]
