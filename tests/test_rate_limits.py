"""Flood limits apply to messages, alerts first; reads such as getChatMember are not queued behind them."""

from __future__ import annotations

import asyncio

from bot.domain.delivery import Priority
from bot.rate_limits import URGENT_HEADROOM, PriorityBudget, PriorityRateLimiter, SlidingWindow, leave

GROUP = -1001000000001
CHANNEL = -1002000000001


def recorder(made: list[str]):
    async def request(name: str) -> bool:
        made.append(name)
        return True

    return request


async def test_a_full_group_budget_delays_messages_but_not_reads():
    limiter = PriorityRateLimiter(group_per_minute=2)
    made: list[str] = []

    async def call(endpoint: str) -> bool:
        return await limiter.process_request(recorder(made), (endpoint,), {}, endpoint, {"chat_id": GROUP}, None)

    await call("sendMessage")
    await call("editMessageText")  # the group's budget (2 a minute) is spent
    third = asyncio.create_task(call("sendMessage"))
    await asyncio.wait_for(asyncio.gather(*(call("getChatMember") for _ in range(5))), 1.0)
    assert not third.done()  # the third message waits for the budget...
    assert made.count("getChatMember") == 5  # ...while reads went straight through
    third.cancel()


async def test_an_alert_goes_before_residents_who_asked_earlier():
    limiter = PriorityRateLimiter(overall_per_second=20, group_per_minute=0)
    made: list[str] = []

    def call(name: str, chat: int, priority: Priority | None) -> asyncio.Task[bool]:
        rate_args = None if priority is None else int(priority)
        return asyncio.create_task(
            limiter.process_request(recorder(made), (name,), {}, "sendMessage", {"chat_id": chat}, rate_args)
        )

    residents = [call(f"panel {i}", 1000 + i, None) for i in range(60)]  # 3 s of budget
    await asyncio.sleep(0.1)
    alert = call("alert", CHANNEL, Priority.ALERT)
    card = call("card", GROUP, Priority.DESK)
    await asyncio.wait_for(alert, 1.0)
    await asyncio.wait_for(card, 1.0)
    # the first 20 panels took the burst; the alert, then the card, came right after
    assert made.index("alert") <= 22 and made.index("alert") < made.index("card") <= 23
    await asyncio.gather(*residents)


async def test_residents_leave_room_in_a_full_second_for_an_alert_and_a_card():
    budget = PriorityBudget(SlidingWindow(10, 1.0), headroom=URGENT_HEADROOM)
    taken = [await budget.acquire(Priority.RESIDENT) for _ in range(10 - URGENT_HEADROOM)]
    resident = asyncio.create_task(budget.acquire(Priority.RESIDENT))
    await asyncio.sleep(0)  # its first step: a place, or a wait
    assert not resident.done()  # the second is full for residents
    alert = await asyncio.wait_for(budget.acquire(Priority.ALERT), 1.0)  # goes at once
    card = await asyncio.wait_for(budget.acquire(Priority.DESK), 1.0)
    assert len(taken) + 2 == 10 and not resident.done()  # the window is full now
    now = asyncio.get_running_loop().time()
    for slots in (*taken, alert, card):
        leave(slots, now)
    resident.cancel()


async def test_a_resident_who_waited_long_enough_goes_before_a_newer_alert():
    limiter = PriorityRateLimiter(overall_per_second=10, group_per_minute=0, aging_seconds=0.2)
    made: list[str] = []

    def call(name: str, chat: int, priority: Priority) -> asyncio.Task[bool]:
        return asyncio.create_task(
            limiter.process_request(recorder(made), (name,), {}, "sendMessage", {"chat_id": chat}, int(priority))
        )

    burst = [call(f"burst {i}", 1000 + i, Priority.RESIDENT) for i in range(10)]
    waiting = call("waiting resident", 2000, Priority.RESIDENT)
    await asyncio.sleep(0.5)  # waited longer than two levels of aging (0.4 s)
    newer = [call(f"alert {i}", CHANNEL - i, Priority.ALERT) for i in range(3)]
    await asyncio.gather(*burst, waiting, *newer)
    assert made.index("waiting resident") < made.index("alert 0")


def test_every_priority_reaches_the_rate_limiter_through_extbot():
    """ExtBot drops a falsy rate_limit_args on its way to the limiter: no priority may be 0."""
    from telegram.ext import ExtBot

    for priority in Priority:
        assert ExtBot._merge_api_rl_kwargs(None, int(priority)), priority  # noqa: SLF001 - the library's own path


async def test_a_window_too_small_for_the_headroom_still_serves_residents():
    budget = PriorityBudget(SlidingWindow(1, 1.0), headroom=URGENT_HEADROOM)
    await asyncio.wait_for(budget.acquire(Priority.RESIDENT), 1.0)
