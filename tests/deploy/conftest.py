from __future__ import annotations

import pytest

from bot.fake_telegram import FakeTelegram
from tests.e2e.harness import build_world
from tests.sample_network import TOKEN


@pytest.fixture
async def fake():
    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as server:
        build_world(server)
        yield server
