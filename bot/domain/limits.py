"""Token buckets: how often a reporter (and the whole network) may send reports.

A bucket holds up to `capacity` tokens and regains them evenly over an hour; a report costs one.
Pure functions over plain values, so the limits can be proved without a clock or a database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
# Float refill can land a hair below a whole token at the promised retry time; honour the promise.
_ROUNDING = 1e-9


@dataclass(frozen=True)
class BucketRule:
    per_hour: int  # both the refill rate and the burst a full bucket allows

    def __post_init__(self) -> None:
        if self.per_hour < 1:
            raise ValueError("a bucket must allow at least one report per hour")

    @property
    def seconds_per_token(self) -> float:
        return HOUR.total_seconds() / self.per_hour


@dataclass(frozen=True)
class BucketState:
    tokens: float
    updated_at: datetime


@dataclass(frozen=True)
class Take:
    allowed: bool
    state: BucketState  # what to store, whether or not the take was allowed
    retry_at: datetime | None = None  # when the next token is there, if refused


def level(rule: BucketRule, state: BucketState | None, now: datetime) -> float:
    """Tokens in the bucket at `now` (a bucket never seen before is full)."""
    if state is None:
        return float(rule.per_hour)
    elapsed = max((now - state.updated_at).total_seconds(), 0.0)  # a clock step back never adds tokens
    return min(float(rule.per_hour), state.tokens + elapsed / rule.seconds_per_token)


def take(rule: BucketRule, state: BucketState | None, now: datetime) -> Take:
    tokens = level(rule, state, now)
    if tokens + _ROUNDING >= 1.0:
        return Take(True, BucketState(max(tokens - 1.0, 0.0), now))
    wait = math.ceil((1.0 - tokens) * rule.seconds_per_token)
    return Take(False, BucketState(tokens, now), now + timedelta(seconds=wait))


def give_back(rule: BucketRule, state: BucketState, now: datetime) -> BucketState:
    """Undo a take whose report could not be delivered: our failure must not cost the resident."""
    return BucketState(min(float(rule.per_hour), level(rule, state, now) + 1.0), now)


class AlreadyReportedHere(Exception):
    """The reporter's earlier report for this neighborhood is still waiting for verifiers."""

    def __init__(self, public_ref: str) -> None:
        super().__init__(public_ref)
        self.public_ref = public_ref


class TooManyReports(Exception):
    """This reporter's bucket is empty until `retry_at`."""

    def __init__(self, retry_at: datetime) -> None:
        super().__init__(retry_at.isoformat())
        self.retry_at = retry_at


class IntakeFull(TooManyReports):
    """The whole network's intake is at its cap until `retry_at`."""
