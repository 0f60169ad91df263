"""A fake Telegram with a small cast, and the real python-telegram-bot Bot pointed at it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from PIL import Image
from telegram import Bot

from bot.fake_telegram import FakeTelegram

TOKEN = "123456:TEST-TOKEN-vigil"
BOT_ID = 123456

ALICE = 1001  # has written to the bot
BOB = 1002  # never wrote to the bot
CAROL = 1003  # wrote to the bot, then blocked it
DAVE = 1004  # in groups only

BASIC_GROUP = -4001  # a basic group the bot is in
SUPERGROUP = -1001000000001  # the bot is a plain member; ALICE administers it
LONELY_GROUP = -1001000000002  # the bot is not a member
CHANNEL = -1002000000001  # public (@vigil_alerts); the bot may post and edit
PRIVATE_CHANNEL = -1002000000002  # the bot is not an administrator, no username
POST_ONLY_CHANNEL = -1002000000003  # administrator without the post right
PUBLIC_NO_ADMIN_CHANNEL = -1002000000004  # public (@other_news); the bot is not an administrator


@pytest.fixture
def fake_token() -> str:
    return TOKEN


@pytest.fixture
def fake_world() -> Callable[[FakeTelegram], None]:
    return small_cast


def small_cast(server: FakeTelegram) -> None:
    """A small cast for testing the fake itself: people, groups and channels in every state."""
    server.add_user(ALICE, "Alice", "Liddell", username="alice", language_code="en")
    server.add_user(BOB, "Bob")
    server.add_user(CAROL, "Carol", language_code="es")
    server.add_user(DAVE, "Dave")
    server.user_sends_text(ALICE, "/start")
    server.user_sends_text(CAROL, "/start")
    server.user_blocks_bot(CAROL)
    server.add_group(BASIC_GROUP, "Neighbours", member_ids=[DAVE])
    server.add_group(SUPERGROUP, "Verifiers", member_ids=[BOB, DAVE], admin_ids=[ALICE])
    server.add_group(LONELY_GROUP, "Not ours", member_ids=[DAVE], bot_is_member=False)
    server.add_channel(CHANNEL, "Vigil Alerts", username="vigil_alerts")
    server.add_channel(PRIVATE_CHANNEL, "Hidden", bot_is_admin=False)
    server.add_channel(POST_ONLY_CHANNEL, "Read only", bot_can_post=False)
    server.add_channel(PUBLIC_NO_ADMIN_CHANNEL, "Other news", username="other_news", bot_is_admin=False)
    server.world.updates.clear()  # the /start messages above are old news


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as client:
        yield client


def image_bytes(width: int = 64, height: int = 48, image_format: str = "JPEG", color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, image_format)
    return buffer.getvalue()


async def raw_request(
    fake: FakeTelegram, method: str, *, token: str = TOKEN, http_method: str = "POST", **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    """One plain HTTP request, for what python-telegram-bot never sends (JSON bodies, GET, bad JSON)."""
    url = f"{fake.base_url}{token}/{method}"
    async with aiohttp.ClientSession() as session:
        async with session.request(http_method, url, **kwargs) as response:
            return response.status, await response.json()
