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


@pytest.fixture
async def database(tmp_path):
    """A real SQLite file with every migration, for the storage tests."""
    db = await Database.open(tmp_path / "vigil.sqlite3")
    yield db
    await db.close()
