from __future__ import annotations

import pytest

from bot.fake_telegram import FakeTelegram
from tests.e2e.harness import TOKEN, build_world, running_vigil


@pytest.fixture
async def fake():
    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as server:
        build_world(server)
        yield server


@pytest.fixture
async def vigil(fake, tmp_path):
    async with running_vigil(fake, tmp_path) as running:
        yield running
