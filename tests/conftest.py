"""Shared test setup."""

from __future__ import annotations

import os

# The same opt-in as bot/__main__.py: python-telegram-bot reports RetryAfter.retry_after as a
# timedelta instead of warning that the int form is deprecated (warnings are errors here).
os.environ.setdefault("PTB_TIMEDELTA", "true")

from hypothesis import settings  # noqa: E402

# Property tests check rules, not speed: on a busy CI machine a per-example deadline only adds
# flaky failures. They stay fully deterministic in what they check.
settings.register_profile("vigil", deadline=None)
settings.load_profile("vigil")


import pytest  # noqa: E402

from storage.database import Database  # noqa: E402
from tests import postgresql  # noqa: E402


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
