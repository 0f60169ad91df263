"""`vigil export`: the figures /stats shows, by day and neighborhood, for a spreadsheet or a grant report.

Pure rules over what storage read: counts by outcome, rejections by reason, rumor checks and the
median and 90th percentile time to publish (nearest rank, as /stats). Nothing here is about a
reporter; verifiers appear only by their tag (bot.domain.stats.verifier_tag), and only on request.
Days are UTC days, the way the database keeps them (and the purge folds them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.domain.rejection import RejectionReason
from bot.domain.stats import median, percentile

# A rejection stored without a reason (before reasons existed) is counted under this name.
NO_REASON = "none_given"
REASON_NAMES: tuple[str, ...] = (*(str(reason) for reason in RejectionReason), NO_REASON)


@dataclass(frozen=True)
class DayFigures:
    day: str  # YYYY-MM-DD (UTC)
    neighborhood: str  # its key in the network file ("" for a delay folded before neighborhoods were kept)
    reports: int = 0
    attached: int = 0  # added to an open report of the same place as corroboration
    published: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    rumor_checks: int = 0
    unconfirmed: int = 0  # closed without a decision
    withdrawn: int = 0
    publish_median_seconds: float | None = None
    publish_p90_seconds: float | None = None

    def as_row(self) -> dict[str, object]:
        row: dict[str, object] = {
            "day": self.day,
            "neighborhood": self.neighborhood,
            "reports": self.reports,
            "attached": self.attached,
            "published": self.published,
            "rejected": self.rejected,
        }
        row.update({f"rejected_{name}": self.rejected_by_reason.get(name, 0) for name in REASON_NAMES})
        row.update(
            {
                "rumor_checks": self.rumor_checks,
                "closed_unconfirmed": self.unconfirmed,
                "withdrawn": self.withdrawn,
                "publish_median_seconds": self.publish_median_seconds,
                "publish_p90_seconds": self.publish_p90_seconds,
            }
        )
        return row


COLUMNS: tuple[str, ...] = tuple(DayFigures("", "").as_row())


@dataclass(frozen=True)
class VerifierDay:
    day: str
    verifier: str  # their tag, never a name or an id
    votes: int
    median_seconds: float

    def as_row(self) -> dict[str, object]:
        return {"day": self.day, "verifier": self.verifier, "votes": self.votes, "median_seconds": self.median_seconds}


VERIFIER_COLUMNS: tuple[str, ...] = ("day", "verifier", "votes", "median_seconds")

Key = tuple[str, str]  # (day, neighborhood)


def day_figures(
    outcomes: Iterable[tuple[str, str, str, int]],
    rejections: Iterable[tuple[str, str, str | None, int, int]],
    delays: Iterable[tuple[str, str, float]],
) -> list[DayFigures]:
    """`outcomes`: (day, neighborhood, status, count); `rejections`: (day, neighborhood, reason or
    None, count, rumor checks); `delays`: (day, neighborhood, seconds from Send to the post).
    One row per day and neighborhood that had anything, in that order."""
    counts: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reasons: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rumors: dict[Key, int] = defaultdict(int)
    seconds: dict[Key, list[float]] = defaultdict(list)
    for day, neighborhood, status, count in outcomes:
        counts[day, neighborhood][status] += count
    for day, neighborhood, reason, count, rumor_checks in rejections:
        reasons[day, neighborhood][reason or NO_REASON] += count
        rumors[day, neighborhood] += rumor_checks
    for day, neighborhood, delay in delays:
        seconds[day, neighborhood].append(delay)
    rows = []
    for key in sorted({*counts, *reasons, *seconds}):
        by_status = counts.get(key, {})
        delays_here = seconds.get(key, [])
        rows.append(
            DayFigures(
                day=key[0],
                neighborhood=key[1],
                reports=sum(by_status.values()),
                attached=by_status.get("merged", 0),
                published=by_status.get("published", 0),
                rejected=by_status.get("rejected", 0),
                rejected_by_reason=dict(reasons.get(key, {})),
                rumor_checks=rumors.get(key, 0),
                unconfirmed=by_status.get("expired", 0),
                withdrawn=by_status.get("withdrawn", 0),
                publish_median_seconds=median(delays_here),
                publish_p90_seconds=percentile(delays_here, 0.9),
            )
        )
    return rows


def verifier_days(votes: Iterable[tuple[str, str, float]]) -> list[VerifierDay]:
    """`votes`: (day, verifier tag, seconds from the report's Send to the vote)."""
    seconds: dict[tuple[str, str], list[float]] = defaultdict(list)
    for day, tag, delay in votes:
        seconds[day, tag].append(delay)
    result = []
    for (day, tag), times in sorted(seconds.items()):
        middle = median(times)
        assert middle is not None
        result.append(VerifierDay(day, tag, len(times), middle))
    return result
