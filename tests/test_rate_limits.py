"""Flood limits apply to messages; reads such as getChatMember are not queued behind them."""

from __future__ import annotations

import asyncio

from telegram.ext import AIORateLimiter

from bot.rate_limits import MessageRateLimiter

GROUP = -1001000000001


async def test_a_full_group_budget_delays_messages_but_not_reads():
    limiter = MessageRateLimiter(group_max_rate=2, group_time_period=60)
    assert isinstance(limiter, AIORateLimiter)
    made: list[str] = []

    async def request(endpoint: str) -> bool:
        made.append(endpoint)
        return True

    async def call(endpoint: str) -> bool:
        return await limiter.process_request(request, (endpoint,), {}, endpoint, {"chat_id": GROUP}, None)

    await call("sendMessage")
    await call("editMessageText")  # the group's budget (2 a minute) is spent
    third = asyncio.create_task(call("sendMessage"))
    await asyncio.wait_for(asyncio.gather(*(call("getChatMember") for _ in range(5))), 1.0)
    assert not third.done()  # the third message waits for the budget...
    assert made.count("getChatMember") == 5  # ...while reads went straight through
    third.cancel()
