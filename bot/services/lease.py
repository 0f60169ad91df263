"""One active instance, one standby (bot/domain/lease.py has the rules).

On PostgreSQL, before Vigil polls Telegram, sends its outbox or arms its alarm, it takes the lease:
a standby waits here, renewing its "seen" mark, until the active instance's lease runs out. The
holder then renews it every RENEW_EVERY, and fences everything it does:

* every unit of work checks, in its own transaction, that the lease row still names this instance
  with its epoch and has not run out (Database.fence_with), so a paused ex-leader commits nothing:
  no outbox departure, no update claimed, no vote;
* every request to Telegram is fenced at the socket (bot/fenced_http.py): right before its bytes
  are handed to the kernel, with no await in between, `check_before_sending` checks on this
  instance's own clock that the lease it last renewed has not run out (minus a margin), so a paused
  ex-leader that wakes up sends nothing, not even the getUpdates that would confirm updates, even
  when it was paused in the middle of a request.

An instance that finds it lost the lease stops at once (`on_lost`: exit code 75 for `vigil run`),
as if it had been killed: what it had in flight is recovered by the new holder as after a crash,
and its supervisor starts it again, now as the standby.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.domain.lease import DURATION, MARGIN, RENEW_EVERY, Lease, LeaseLost, may_act, next_lease
from storage.database import Database
from storage.dialect import DATABASE_ERRORS
from storage.repository import Repository

log = logging.getLogger(__name__)

_UNREACHABLE: tuple[type[Exception], ...] = (OSError, *DATABASE_ERRORS)
LOST_EXIT_CODE = 75  # EX_TEMPFAIL: start me again (as the standby)
SEEN_WITHIN = timedelta(seconds=30)  # /status lists the instances seen this recently


def default_instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def wall_clock() -> datetime:
    # The lease runs on real time, never on Vigil's (time-travelling) domain clock.
    return datetime.now(UTC)


def stop_at_once() -> None:
    log.critical("This instance lost the lease: it stops now and leaves the work to the active instance")
    logging.shutdown()
    os._exit(LOST_EXIT_CODE)


class LeaseKeeper:
    def __init__(
        self,
        database: Database,
        name: str,
        *,
        clock: Callable[[], datetime] = wall_clock,
        on_lost: Callable[[], None] = stop_at_once,
        duration: timedelta = DURATION,
        renew_every: timedelta = RENEW_EVERY,
        margin: timedelta = MARGIN,
    ) -> None:
        self._database = database
        self.name = name
        self._clock = clock
        self._on_lost = on_lost
        self._duration = duration
        self._renew_every = renew_every
        self._margin = margin
        self.epoch: int | None = None
        self._valid_until: datetime | None = None  # by this instance's clock, margin included
        self._renewing: asyncio.Task[None] | None = None

    async def acquire(self) -> Lease:
        """Wait (as the standby) until this instance holds the lease, then fence the database."""
        announced = False
        while True:
            taken = await self.try_acquire()
            if taken is not None:
                log.info("Instance %s is now the active one (lease epoch %d)", self.name, taken.epoch)
                return taken
            if not announced:
                log.info("Instance %s waits as the standby", self.name)
                announced = True
            await asyncio.sleep(self._renew_every.total_seconds())

    async def try_acquire(self) -> Lease | None:
        """One request for the lease: the lease if this instance now holds it, else None (standby)."""
        asked = self._clock()
        async with self._database.unit_of_work(unfenced=True) as repo:
            taken = next_lease(await repo.lease(), self.name, asked, self._duration)
            if taken is not None:
                await repo.save_lease(taken)
            await repo.instance_seen(self.name, "active" if taken else "standby", asked)
        if taken is not None:
            self.epoch = taken.epoch
            self._valid_until = taken.expires_at - self._margin
            self._database.fence_with(self.check_in_transaction)
        return taken

    def start_renewing(self) -> None:
        self._renewing = asyncio.create_task(self._renew_until_lost(), name="vigil-lease")

    async def stop(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            try:
                await self._renewing
            except asyncio.CancelledError:
                pass
            self._renewing = None

    async def _renew_until_lost(self) -> None:
        while True:
            await asyncio.sleep(self._renew_every.total_seconds())
            try:
                await self.renew()
            except LeaseLost:
                self._on_lost()
                return
            except _UNREACHABLE:  # unreachable: the lease will run out; stop before it does
                log.exception("The lease could not be renewed")
                self._on_lost()
                return

    async def renew(self) -> None:
        asked = self._clock()
        async with self._database.unit_of_work(unfenced=True) as repo:
            current = await repo.lease()
            if self.epoch is None or not may_act(current, self.name, self.epoch, asked, timedelta(0)):
                raise LeaseLost(f"the lease is held by {current.holder if current else 'nobody'}")
            renewed = next_lease(current, self.name, asked, self._duration)
            assert renewed is not None and renewed.epoch == self.epoch
            await repo.save_lease(renewed)
            await repo.instance_seen(self.name, "active", asked)
        # Counted from when it was asked, not committed: never later than the row says.
        self._valid_until = asked + self._duration - self._margin

    async def check_in_transaction(self, repo: Repository) -> None:
        """The fence of every unit of work: the row still names this instance, with its epoch."""
        if self.epoch is None or not may_act(await repo.lease(), self.name, self.epoch, self._clock(), self._margin):
            raise LeaseLost("the lease moved to another instance or ran out")

    def check_before_sending(self) -> None:
        """Right before bytes of a request to Telegram are written to the socket (bot/fenced_http.py):
        the lease has not run out by this instance's clock. Synchronous: nothing may come between
        this check and the write."""
        if self._valid_until is None or self._clock() >= self._valid_until:
            self._on_lost()
            raise LeaseLost("the lease ran out before this request")

    @property
    def valid_until(self) -> datetime | None:
        return self._valid_until
