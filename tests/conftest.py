"""Shared test setup."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

# The same opt-in as bot/__main__.py: python-telegram-bot reports RetryAfter.retry_after as a
# timedelta instead of warning that the int form is deprecated (warnings are errors here).
os.environ.setdefault("PTB_TIMEDELTA", "true")

from hypothesis import settings  # noqa: E402

# Property tests check rules, not speed: on a busy CI machine a per-example deadline only adds
# flaky failures. They stay fully deterministic in what they check.
settings.register_profile("vigil", deadline=None)
settings.load_profile("vigil")


import pytest  # noqa: E402

from bot.fake_telegram import FakeTelegram  # noqa: E402
from storage.database import Database  # noqa: E402
from tests import postgresql  # noqa: E402
from tests.e2e.harness import build_world  # noqa: E402
from tests.sample_network import TOKEN  # noqa: E402


@pytest.fixture(scope="session")
def postgres_databases():
    """A throwaway PostgreSQL server for the session (tests/postgresql.py), or a skip saying why."""
    server = postgresql.start_server()
    if server is None:
        if postgresql.required():
            pytest.fail(f"VIGIL_REQUIRE_POSTGRESQL=1 but {postgresql.MISSING}")
        pytest.skip(postgresql.MISSING)
    try:
        yield postgresql.PostgresDatabases(server)
    finally:
        postgresql.remove(server)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_target(request, tmp_path) -> str:
    """Where a test's database lives: a fresh SQLite file, or a fresh database on the test server.
    Storage and end-to-end tests that take it run once on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "vigil.sqlite3")
    return request.getfixturevalue("postgres_databases").fresh_url()


@pytest.fixture
async def database(database_target):
    """A real database with every migration, for the storage tests: SQLite and PostgreSQL."""
    db = await Database.open(database_target)
    yield db
    await db.close()


@pytest.fixture
def fake_token() -> str:
    """The token the fake Bot API answers to (tests/fake_telegram has its own)."""
    return TOKEN


@pytest.fixture
def fake_world() -> Callable[[FakeTelegram], None]:
    """Who is in the fake Telegram before a test starts: the sample network's people, groups and
    channels. A directory or module that needs another cast overrides this fixture, not `fake`."""
    return build_world


@pytest.fixture
async def fake(fake_token: str, fake_world: Callable[[FakeTelegram], None]) -> AsyncIterator[FakeTelegram]:
    """The one fake Bot API server of the test suite, on 127.0.0.1."""
    async with FakeTelegram(token=fake_token, bot_username="vigil_test_bot") as server:
        fake_world(server)
        yield server


# Markers by where a test lives (registered in pyproject.toml), so a module never forgets its own.
_MARKER_OF_DIRECTORY = {"e2e": "e2e", "crash": "crash"}
_MARKER_OF_MODULE = {
    "test_browser.py": "browser",
    "test_desk_pane.py": "browser",
    "test_web_desk_browser.py": "browser",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        try:
            parts = item.path.relative_to(tests).parts
        except ValueError:
            continue
        marker = _MARKER_OF_DIRECTORY.get(parts[0]) if len(parts) > 1 else None
        marker = _MARKER_OF_MODULE.get(parts[-1], marker)
        if marker is not None:
            item.add_marker(marker)
