"""One active instance, one standby (bot/services/lease.py), on the real database engines: the
standby waits, takes over when the lease runs out, and the paused ex-leader can neither commit
nor send anything afterwards."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.lease import DURATION, MARGIN, LeaseLost
from bot.services.lease import LeaseKeeper
from storage.database import Database
from tests.clocks import SettableClock

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


@pytest.fixture
async def two_instances(database_target):
    first, second = await Database.open(database_target), await Database.open(database_target)
    yield first, second
    await first.close()
    await second.close()


def keeper(database: Database, name: str, clock: SettableClock, lost: list[str]) -> LeaseKeeper:
    return LeaseKeeper(database, name, clock=clock, on_lost=lambda: lost.append(name), renew_every=timedelta(0))


async def test_the_standby_takes_over_only_after_the_lease_ran_out_and_the_ex_leader_is_fenced(two_instances):
    first_db, second_db = two_instances
    clock, lost = SettableClock(T0), []
    active, standby = keeper(first_db, "east", clock, lost), keeper(second_db, "west", clock, lost)
    lease = await active.acquire()
    assert lease.epoch == 1

    async with first_db.unit_of_work() as repo:  # the active one works as usual
        assert await repo.claim_request("telegram:1", clock())
    # The standby asks while the lease is valid: it stays the standby, nothing changes.
    clock.advance(DURATION - timedelta(milliseconds=1))
    assert await standby.try_acquire() is None

    # The active instance is paused; its lease runs out; the standby takes it with a new epoch.
    clock.advance(timedelta(milliseconds=1))
    taken = await asyncio.wait_for(standby.acquire(), 10)
    assert (taken.holder, taken.epoch) == ("west", 2)
    async with second_db.unit_of_work() as repo:
        assert await repo.claim_request("telegram:2", clock())

    # The ex-leader wakes up: it commits nothing, sends nothing, and cannot renew.
    with pytest.raises(LeaseLost):
        async with first_db.unit_of_work() as repo:
            await repo.claim_request("telegram:3", clock())
    with pytest.raises(LeaseLost):
        active.check_before_sending()
    with pytest.raises(LeaseLost):
        await active.renew()
    assert lost == ["east"]
    async with second_db.unit_of_work() as repo:
        assert await repo.claim_request("telegram:3", clock())  # nothing of the ex-leader's was kept


async def test_the_holder_stops_sending_a_margin_before_its_own_lease_runs_out(two_instances):
    database, _ = two_instances
    clock, lost = SettableClock(T0), []
    active = keeper(database, "east", clock, lost)
    await active.acquire()
    clock.advance(DURATION - MARGIN - timedelta(milliseconds=10))
    active.check_before_sending()  # still within
    await active.renew()
    clock.advance(DURATION - MARGIN - timedelta(milliseconds=10))
    active.check_before_sending()  # the renewal moved it on
    clock.advance(timedelta(milliseconds=20))
    with pytest.raises(LeaseLost):
        active.check_before_sending()
    assert lost == ["east"]


async def test_status_names_the_active_instance_and_the_standby(two_instances):
    first_db, second_db = two_instances
    clock, lost = SettableClock(T0), []
    await keeper(first_db, "east", clock, lost).acquire()
    assert await keeper(second_db, "west", clock, lost).try_acquire() is None
    async with first_db.unit_of_work() as repo:
        lease = await repo.lease()
        seen = {i.name: i.role for i in await repo.instances_seen_since(T0 - timedelta(seconds=1))}
    assert lease is not None and lease.holder == "east"
    assert seen == {"east": "active", "west": "standby"}
