"""The fake answers 429 past Telegram's flood limits, only when asked to (benchmarks, not CI timing)."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import RetryAfter

from bot.fake_telegram.bot_api import FloodLimits
from bot.fake_telegram.errors import ApiError
from tests.fake_telegram.conftest import ALICE, CHANNEL, SUPERGROUP


async def test_no_limits_unless_asked(fake, bot):
    await asyncio.gather(*(bot.send_message(ALICE, f"{i}") for i in range(60)))
    assert fake.flood_refusals == 0


RESIDENTS = range(5001, 5041)


async def test_past_30_a_second_telegram_says_retry_after(fake, bot):
    for user_id in RESIDENTS:
        fake.add_user(user_id, f"Resident {user_id}")
        fake.user_sends_text(user_id, "/start")
    fake.enforce_flood_limits()
    sent = await asyncio.gather(*(bot.send_message(user_id, "hi") for user_id in RESIDENTS), return_exceptions=True)
    refused = [r for r in sent if isinstance(r, RetryAfter)]
    assert len(refused) == 10 and fake.flood_refusals == 10  # 40 at once, 30 in a second
    assert all(r.retry_after.total_seconds() >= 1 for r in refused)
    assert sum(len(fake.bot_messages(user_id)) for user_id in RESIDENTS) == 30  # a refused message is not stored
    await bot.get_chat(ALICE)  # reads are not messages: never refused
    assert fake.flood_refusals == 10


async def test_a_private_chat_takes_about_one_message_a_second(fake, bot):
    fake.enforce_flood_limits()
    for i in range(6):  # a short burst is allowed
        await bot.send_message(ALICE, f"{i}")
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "one too many this second")
    await bot.send_message(CHANNEL, "other chats are not held back by it")


def test_the_limits_count_every_sliding_window_not_fixed_seconds():
    limits = FloodLimits()
    for i in range(30):  # 30 messages to 30 chats in the second half of second 0
        limits.check(7000 + i, 0.5 + i / 100)
    # second 1 has begun, but the last second still holds 30: a fixed-window count would allow this
    with pytest.raises(ApiError) as raised:
        limits.check(8000, 1.1)
    assert raised.value.error_code == 429
    limits.check(8000, 1.51)  # the first of the 30 is more than a second old
    assert limits.refusals == 1


def test_a_group_takes_20_in_any_minute_not_per_fixed_minute():
    limits = FloodLimits()
    for i in range(20):
        limits.check(-100, 50 + i)  # 20 messages between 0:50 and 1:09
    with pytest.raises(ApiError):
        limits.check(-100, 75)  # in minute 1, but 20 within the last 60 seconds
    limits.check(-100, 110.5)  # the first is more than a minute old


async def test_a_group_or_channel_takes_20_a_minute(fake, bot):
    fake.enforce_flood_limits()
    for i in range(20):
        await bot.send_message(CHANNEL, f"{i}")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CHANNEL, "one too many")
    assert raised.value.retry_after.total_seconds() >= 1
    await bot.send_message(SUPERGROUP, "another group has its own minute")
    await bot.send_message(ALICE, "and private chats are not held back by it")
