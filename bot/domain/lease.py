"""Who is the active instance: a lease with an expiry and a fencing token.

Two Vigils may share one PostgreSQL database; only one of them (the lease holder) polls Telegram,
sends the outbox and runs the alarm. The lease is a row with a holder, an expiry and an epoch that
grows by one each time the lease changes hands. Every state change the holder commits checks, in
its own transaction, that the row still names it with its epoch, so a holder that was paused (a
stopped process, a frozen VM) and lost the lease meanwhile cannot commit anything when it wakes;
and it sends nothing once its own clock says the lease may have run out (`may_act`'s margin).

Pure rules, no I/O: storage keeps the row, bot/services/lease.py acts on these decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

# How long a lease lasts without renewal, how often its holder renews it, and how long before its
# expiry the holder stops acting (covers the time a request's last bytes, written right after the
# check, take to reach Telegram, and a small difference between the instances' clocks). A standby
# takes over at most DURATION after the holder's last renewal: with these, within about 8 s of a
# kill -9.
DURATION = timedelta(seconds=6)
RENEW_EVERY = timedelta(seconds=2)
MARGIN = timedelta(seconds=1.5)


@dataclass(frozen=True)
class Lease:
    holder: str
    epoch: int  # the fencing token: strictly greater for every new holder
    taken_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


class Step(StrEnum):
    TAKE = "take"  # nobody holds a valid lease: a new epoch begins
    RENEW = "renew"  # the candidate holds it: same epoch, later expiry
    WAIT = "wait"  # someone else holds a valid lease


def step_for(current: Lease | None, candidate: str, now: datetime) -> Step:
    if current is None or current.expired(now):
        return Step.TAKE
    return Step.RENEW if current.holder == candidate else Step.WAIT


def next_lease(current: Lease | None, candidate: str, now: datetime, duration: timedelta = DURATION) -> Lease | None:
    """The lease after `candidate` asks for it at `now`; None when it must wait (the row is unchanged).

    An expired lease is taken with a new epoch even by its last holder: whatever it started under the
    old epoch must not be mistaken for what it does under the new one."""
    match step_for(current, candidate, now):
        case Step.TAKE:
            epoch = current.epoch + 1 if current is not None else 1
            return Lease(candidate, epoch, now, now + duration)
        case Step.RENEW:
            assert current is not None
            return replace(current, expires_at=max(current.expires_at, now + duration))
        case Step.WAIT:
            return None


def may_act(current: Lease | None, holder: str, epoch: int, now: datetime, margin: timedelta = MARGIN) -> bool:
    """Whether `holder`, which took the lease at `epoch`, may still commit or send at `now`."""
    return (
        current is not None
        and current.holder == holder
        and current.epoch == epoch
        and now < current.expires_at - margin
    )


class LeaseLost(Exception):
    """This instance no longer holds the lease (or cannot tell): it must not commit or send."""
