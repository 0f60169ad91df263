"""The rules of a drill: whom its messages may reach, when its simulated residents write, and how
the after-action report compares what was expected with what the desk did.

A drill runs the real desk on made-up reports, so nothing here changes how a report is verified;
it only keeps a drill inside (the verifier group, the organizer who started it, and a drill channel
if the network has one) and grades decisions, never people. Pure functions, no Telegram.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.delivery import MessageKind
from bot.domain.rejection import RejectionReason
from bot.domain.verification import ReportStatus

SURGE_REPORTS = 10  # a surge: this many reports ...
SURGE_SPAN = timedelta(minutes=2)  # ... within this long
PSEUDONYM_PREFIX = "drill:"  # a simulated resident's pseudonym; a real one is an HMAC in hex


class Pace(StrEnum):
    ONE_AT_A_TIME = "one"  # the next scenario arrives once the previous one is settled
    SURGE = "surge"  # SURGE_REPORTS reports within SURGE_SPAN


class LanguageMix(StrEnum):
    ENGLISH = "en"
    SPANISH = "es"
    MIX = "mix"  # English and Spanish in turn

    def language_of(self, position: int) -> str:
        if self is LanguageMix.MIX:
            return "en" if position % 2 == 0 else "es"
        return str(self)


class Decision(StrEnum):
    """What the desk did with a scenario's report, as the after-action report names it."""

    PUBLISHED = "published"
    REJECTED = "rejected"
    EXPIRED = "expired"  # nobody settled it in time
    OPEN = "open"  # still open when the drill stopped


def decision_of(status: ReportStatus) -> Decision:
    """The decision a report's status stands for (a report attached to another one is still open)."""
    match status:
        case ReportStatus.PUBLISHED:
            return Decision.PUBLISHED
        case ReportStatus.REJECTED:
            return Decision.REJECTED
        case ReportStatus.EXPIRED:
            return Decision.EXPIRED
        case _:
            return Decision.OPEN


@dataclass(frozen=True)
class Expected:
    """A scenario's expected outcome."""

    decision: Decision
    reason: RejectionReason | None = None  # for a false alarm: what the verifiers should find
    rumor_check: bool = False  # a false alarm that should be followed by a rumor check
    in_person: bool = False  # someone should go and look
    address: str = ""  # words of the report that must never be public (a home address)

    def __post_init__(self) -> None:
        if self.decision not in (Decision.PUBLISHED, Decision.REJECTED):
            raise ValueError("a scenario expects a report to be published or rejected")
        if (self.reason is not None or self.rumor_check) and self.decision is not Decision.REJECTED:
            raise ValueError("a reason or a rumor check belongs to a false alarm")


@dataclass(frozen=True)
class Actual:
    """What happened to a scenario's report, read from storage before the drill's data goes."""

    decision: Decision
    reason: RejectionReason | None = None
    rumor_check: bool = False
    in_person: bool = False  # a confirmation in person, or someone said they were going
    public_words: str = ""  # what the post says (or would have said)
    sent_at: datetime | None = None
    first_action_at: datetime | None = None  # the first press of anyone on the desk
    decided_at: datetime | None = None
    questions: int = 0


class Miss(StrEnum):
    """Where a scenario's actual outcome differs from the expected one."""

    DECISION = "decision"
    REASON = "reason"
    RUMOR_CHECK = "rumor_check"
    IN_PERSON = "in_person"
    ADDRESS_PUBLIC = "address_public"


def address_kept_out(address: str, public_words: str) -> bool:
    """Whether the public words leave out an address (case and spacing do not hide it)."""
    if not address.strip():
        return True
    return _squeeze(address) not in _squeeze(public_words)


def _squeeze(text: str) -> str:
    return " ".join(text.casefold().split())


def misses(expected: Expected, actual: Actual) -> tuple[Miss, ...]:
    """Every way the desk's handling differs from the expectation; empty when it matched."""
    found: list[Miss] = []
    if actual.decision is not expected.decision:
        found.append(Miss.DECISION)
    elif expected.reason is not None and actual.reason is not expected.reason:
        found.append(Miss.REASON)
    if expected.rumor_check and not actual.rumor_check:
        found.append(Miss.RUMOR_CHECK)
    if expected.in_person and not actual.in_person:
        found.append(Miss.IN_PERSON)
    if actual.decision is Decision.PUBLISHED and not address_kept_out(expected.address, actual.public_words):
        found.append(Miss.ADDRESS_PUBLIC)
    return tuple(found)


def is_settled(expected: Expected, actual: Actual) -> bool:
    """A scenario is settled once the desk decided (or the report expired), and, where a rumor
    check is expected after a false alarm, once that is posted too."""
    if actual.decision is Decision.OPEN:
        return False
    if expected.rumor_check and actual.decision is Decision.REJECTED:
        return actual.rumor_check
    return True


@dataclass(frozen=True)
class ScenarioResult:
    key: str
    expected: Expected
    actual: Actual

    @property
    def misses(self) -> tuple[Miss, ...]:
        return misses(self.expected, self.actual)

    @property
    def right(self) -> bool:
        return Miss.DECISION not in self.misses and Miss.REASON not in self.misses

    @property
    def to_first_action(self) -> timedelta | None:
        return _between(self.actual.sent_at, self.actual.first_action_at)

    @property
    def to_decision(self) -> timedelta | None:
        return _between(self.actual.sent_at, self.actual.decided_at)


def _between(start: datetime | None, end: datetime | None) -> timedelta | None:
    if start is None or end is None:
        return None
    return max(end - start, timedelta(0))


@dataclass(frozen=True)
class Summary:
    right: int
    total: int
    median_to_decision: timedelta | None
    missed: tuple[tuple[str, Miss], ...]  # (scenario key, what was missed), in scenario order

    @property
    def differed(self) -> int:
        return self.total - self.right


def summarize(results: Sequence[ScenarioResult]) -> Summary:
    """Right decisions out of the total, the median time to a decision, and what was missed.
    Nothing in it names a verifier."""
    times = [t.total_seconds() for r in results if (t := r.to_decision) is not None]
    median = timedelta(seconds=statistics.median(times)) if times else None
    missed = tuple((r.key, miss) for r in results for miss in r.misses)
    return Summary(sum(r.right for r in results), len(results), median, missed)


# --- when the simulated residents write ----------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One simulated resident's report: the scenario's first resident (0) or one corroborating it."""

    position: int
    scenario: str
    resident: int
    language: str
    due_at: datetime | None  # None: after the previous scenario is settled


def plan(
    scenarios: Sequence[tuple[str, int]],
    pace: Pace,
    mix: LanguageMix,
    start: datetime,
    *,
    span: timedelta = SURGE_SPAN,
) -> tuple[Planned, ...]:
    """The drill's reports, in order. `scenarios`: (key, how many residents report it).

    A surge spreads every report evenly over `span` from `start`, a scenario's residents one after
    the other. One at a time, the first scenario's residents write at `start` and each later
    scenario waits for the previous one to be settled (due_at None)."""
    rows: list[Planned] = []
    total = sum(residents for _, residents in scenarios)
    for index, (key, residents) in enumerate(scenarios):
        if residents < 1:
            raise ValueError("a scenario has at least one resident")
        for resident in range(residents):
            position = len(rows)
            if pace is Pace.SURGE:
                due: datetime | None = start + span * position / max(total - 1, 1)
            else:
                due = start if index == 0 else None
            rows.append(Planned(position, key, resident, mix.language_of(position), due))
    return tuple(rows)


def due_now(
    planned: Iterable[Planned], sent: set[int], settled_scenarios: set[str], now: datetime
) -> tuple[Planned, ...]:
    """The reports to send now: due ones not yet sent, and, one at a time, every resident of the
    first unsent scenario once every scenario before it is settled."""
    rows = sorted(planned, key=lambda p: p.position)
    ready: list[Planned] = []
    earlier_settled = True
    previous: str | None = None
    for row in rows:
        if row.scenario != previous and previous is not None:
            earlier_settled = earlier_settled and previous in settled_scenarios
        previous = row.scenario
        if row.position in sent:
            continue
        if row.due_at is not None:
            if row.due_at <= now:
                ready.append(row)
        elif earlier_settled:
            ready.append(row)
    return tuple(ready)


def next_wakeup(planned: Iterable[Planned], sent: set[int]) -> datetime | None:
    return min((p.due_at for p in planned if p.position not in sent and p.due_at is not None), default=None)


# --- whom a drill's message may reach ------------------------------------------------------------


class Route(StrEnum):
    SEND = "send"  # to the verifier group or the organizer's chat, as it is
    TO_DRILL_CHANNEL = "drill_channel"  # a public post, to the drill channel instead
    SIMULATE = "simulate"  # to the simulated resident: never Telegram
    WITHHOLD = "withhold"  # would have gone outside: shown on the card instead


def route(kind: MessageKind, chat_id: int, *, inside: frozenset[int], drill_channel: int | None) -> Route:
    """Where a drill's message goes. `inside`: the chats a drill may write to (the verifier group
    and the chat the drill was started from). Anything for a channel goes to the drill channel or
    nowhere; anything for a subscriber nowhere; anything for the resident to the simulation."""
    if kind.is_to_reporter:
        return Route.SIMULATE
    if kind.is_to_subscriber:
        return Route.WITHHOLD
    if kind.is_channel:
        return Route.TO_DRILL_CHANNEL if drill_channel is not None else Route.WITHHOLD
    if chat_id in inside:
        return Route.SEND
    return Route.WITHHOLD


def destination(route_taken: Route, chat_id: int, drill_channel: int | None) -> int | None:
    """The chat a routed message is sent to, None when it is not sent to Telegram at all."""
    match route_taken:
        case Route.SEND:
            return chat_id
        case Route.TO_DRILL_CHANNEL:
            return drill_channel
        case _:
            return None


def simulated_pseudonym(drill_id: int, position: int) -> str:
    return f"{PSEUDONYM_PREFIX}{drill_id}:{position}"


def is_simulated(pseudonym: str) -> bool:
    return pseudonym.startswith(PSEUDONYM_PREFIX)
