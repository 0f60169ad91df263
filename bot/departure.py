"""The moment a message's request leaves for Telegram, which the outbox must record just before.

The dispatcher commits "sending" before a request, so that a crash mid-request is known to have
left the message in doubt (bot.domain.delivery). But a request first waits for its turn in the
rate limiter: during a fan-out to thousands of subscribers, dozens wait there at once, for a second
or two. Committed at the start of that wait, a crash would put every one of them in doubt although
none had left, and the policy would send each of them once more (or, the second time, never).

So the dispatcher hands over its commit as a callback (:func:`departing`), and whoever makes the
request calls :func:`request_leaves` at the last moment: the rate limiter right after granting the
turn (bot/rate_limits.py), or the Telegram gateway itself when no such limiter is in the way. A
context variable carries it there, because python-telegram-bot sits in between.

No Telegram import: the dispatcher and the rate limiter both use this.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Departure = Callable[[], Awaitable[None]]

_pending: ContextVar[list[Departure] | None] = ContextVar("vigil_departure", default=None)


@contextmanager
def departing(mark: Departure) -> Iterator[None]:
    """Within the block, the first request that leaves calls `mark` first (once)."""
    token = _pending.set([mark])
    try:
        yield
    finally:
        _pending.reset(token)


async def request_leaves() -> None:
    """Called right before a message's request goes out; runs the waiting mark, if any, once."""
    waiting = _pending.get()
    if waiting:
        mark = waiting.pop()
        await mark()
