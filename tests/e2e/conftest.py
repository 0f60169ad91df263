from __future__ import annotations

import pytest

from tests.e2e.harness import running_vigil


@pytest.fixture
async def vigil(fake, tmp_path):
    async with running_vigil(fake, tmp_path) as running:
        yield running


@pytest.fixture(autouse=True)
def handlers_commit_before_they_reply(caplog):
    """The update pipeline confirms an update once its handler starts replying to a resident
    (bot/update_scope.py). A handler that commits after that would fail only in the error log;
    make it fail the test."""
    yield
    broken = [r for r in caplog.records if r.exc_info and type(r.exc_info[1]).__name__ == "CommittedAfterConfirming"]
    assert broken == [], broken[0].getMessage() if broken else ""
