"""The database's lock: a verifier's or the dispatcher's unit of work goes before residents' that
wait, first come first served among the others, residents' oldest update first, and cancellation
never leaves it stuck."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import update_scope
from bot.update_scope import UpdateTicket
from storage.database import PriorityLock


async def _run_in_order(arrivals: list[bool]) -> list[int]:
    """`arrivals[i]` says whether waiter i is a resident's; returns the order the lock served them."""
    lock = PriorityLock()
    served: list[int] = []
    await lock.acquire()  # held while everyone queues

    async def waiter(index: int, later: bool) -> None:
        async with lock.held(later=later):
            served.append(index)
            await asyncio.sleep(0)

    tasks = []
    for index, later in enumerate(arrivals):
        tasks.append(asyncio.create_task(waiter(index, later)))
        await asyncio.sleep(0)  # queued in this order
    lock.release()
    await asyncio.gather(*tasks)
    assert not lock.locked()
    return served


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), max_size=12))
def test_others_go_before_residents_and_each_class_keeps_its_order(arrivals):
    served = asyncio.run(_run_in_order(arrivals))
    first = [i for i, later in enumerate(arrivals) if not later]
    later = [i for i, later in enumerate(arrivals) if later]
    assert served == first + later


async def _residents_in_order(updates: list[int]) -> list[int]:
    """Residents' units of work for `updates[i]` queue in this order; returns the order served."""
    lock = PriorityLock()
    served: list[int] = []
    await lock.acquire()

    async def waiter(index: int, update_id: int) -> None:
        async with lock.held(later=True, rank=update_id):
            served.append(index)

    tasks = []
    for index, update_id in enumerate(updates):
        tasks.append(asyncio.create_task(waiter(index, update_id)))
        await asyncio.sleep(0)
    lock.release()
    await asyncio.gather(*tasks)
    assert not lock.locked()
    return served


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=6), max_size=12))
def test_residents_units_of_work_go_oldest_update_first_then_in_arrival_order(updates):
    """So the residents' updates finish in Telegram's order and its window of 100 moves on: a
    resident's next step does not wait behind every newer resident's first one."""
    served = asyncio.run(_residents_in_order(updates))
    assert served == sorted(range(len(updates)), key=lambda index: (updates[index], index))


async def test_a_cancelled_waiter_neither_holds_nor_blocks_the_lock():
    lock = PriorityLock()
    await lock.acquire()
    gone = asyncio.create_task(lock.acquire())
    kept = asyncio.create_task(lock.acquire(later=True))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    lock.release()
    await asyncio.wait_for(kept, 1)  # the cancelled one is skipped
    lock.release()
    assert not lock.locked()


async def test_a_waiter_cancelled_just_as_it_was_handed_the_lock_passes_it_on():
    lock = PriorityLock()
    await lock.acquire()
    handed = asyncio.create_task(lock.acquire())
    after = asyncio.create_task(lock.acquire(later=True))
    await asyncio.sleep(0)
    lock.release()  # the lock now belongs to `handed`, which has not run yet
    handed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handed
    await asyncio.wait_for(after, 1)
    lock.release()
    assert not lock.locked()


async def test_a_residents_unit_of_work_waits_behind_a_verifiers(database):
    order: list[str] = []
    holding = asyncio.Event()
    go_on = asyncio.Event()

    async def first() -> None:
        async with database.unit_of_work():
            holding.set()
            await go_on.wait()

    async def resident() -> None:
        update_scope.begin(UpdateTicket(1, lambda _: None, from_resident=True))
        async with database.unit_of_work():
            order.append("resident")

    async def verifier() -> None:
        update_scope.begin(UpdateTicket(2, lambda _: None, from_resident=False))
        async with database.unit_of_work():
            order.append("verifier")

    blocker = asyncio.create_task(first())
    await holding.wait()
    residents = asyncio.create_task(resident())
    await asyncio.sleep(0.01)
    verifiers = asyncio.create_task(verifier())
    await asyncio.sleep(0.01)
    go_on.set()
    await asyncio.gather(blocker, residents, verifiers)
    assert order == ["verifier", "resident"]  # the resident came first, and waited


async def test_a_residents_unit_of_work_for_an_older_update_goes_before_a_newer_updates(database):
    order: list[int] = []
    holding = asyncio.Event()
    go_on = asyncio.Event()

    async def first() -> None:
        async with database.unit_of_work():
            holding.set()
            await go_on.wait()

    async def resident(update_id: int) -> None:
        update_scope.begin(UpdateTicket(update_id, lambda _: None, from_resident=True))
        async with database.unit_of_work():
            order.append(update_id)

    blocker = asyncio.create_task(first())
    await holding.wait()
    newer = asyncio.create_task(resident(9))
    await asyncio.sleep(0.01)
    older = asyncio.create_task(resident(4))
    await asyncio.sleep(0.01)
    go_on.set()
    await asyncio.gather(blocker, newer, older)
    assert order == [4, 9]
