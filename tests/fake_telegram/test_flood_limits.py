"""The fake answers 429 past Telegram's flood limits, only when asked to (benchmarks, not CI timing)."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import RetryAfter

from tests.fake_telegram.conftest import ALICE, CHANNEL, SUPERGROUP


async def test_no_limits_unless_asked(fake, bot):
    await asyncio.gather(*(bot.send_message(ALICE, f"{i}") for i in range(60)))
    assert fake.flood_refusals == 0


async def test_past_30_a_second_telegram_says_retry_after(fake, bot):
    fake.enforce_flood_limits()
    sent = await asyncio.gather(*(bot.send_message(ALICE, f"{i}") for i in range(40)), return_exceptions=True)
    refused = [r for r in sent if isinstance(r, RetryAfter)]
    assert 5 <= len(refused) <= 10 and fake.flood_refusals == len(refused)
    assert all(r.retry_after.total_seconds() >= 1 for r in refused)
    assert len(fake.bot_messages(ALICE)) == 40 - len(refused)  # a refused message is not stored
    await bot.get_chat(ALICE)  # reads are not messages: never refused
    assert fake.flood_refusals == len(refused)


async def test_a_group_or_channel_takes_20_a_minute(fake, bot):
    fake.enforce_flood_limits()
    for i in range(20):
        await bot.send_message(CHANNEL, f"{i}")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CHANNEL, "one too many")
    assert raised.value.retry_after.total_seconds() >= 1
    await bot.send_message(SUPERGROUP, "another group has its own minute")
    await bot.send_message(ALICE, "and private chats are not held back by it")
