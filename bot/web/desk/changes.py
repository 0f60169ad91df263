"""A small in-process signal that something on the desk changed, for the open web desks.

Services call the application's after-commit hook once a change is committed; that hook also calls
:meth:`Changes.notify`. Every open desk waits on :meth:`Changes.wait` and reads the queue again,
so a vote, a new report or an answer shows within a second, and no Telegram message is spent.
"""

from __future__ import annotations

import asyncio


class Changes:
    def __init__(self) -> None:
        self._version = 0
        self._event: asyncio.Event | None = None
        self.closed = False

    def close(self) -> None:
        """Vigil is stopping: every open desk's live queue ends now (the web server waits for them)."""
        self.closed = True
        self.notify()

    @property
    def version(self) -> int:
        return self._version

    def notify(self) -> None:
        """Something was committed (called on the event loop, after the commit)."""
        self._version += 1
        event, self._event = self._event, None
        if event is not None:
            event.set()

    async def wait(self, seen: int, timeout: float) -> int:
        """The version after `seen`, once there is one, or `seen` again after `timeout` seconds."""
        if self._version != seen:
            return self._version
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        return self._version
