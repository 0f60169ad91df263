"""Telegram's flood limits, applied to what they are about (messages), in order of urgency.

Telegram lets a bot send about 30 messages a second in all, and 20 a minute into one group or
channel. During a raid the bot wants to send far more than that: draft panels for many residents,
cards for the verifiers, posts for the neighborhoods. python-telegram-bot's AIORateLimiter queues
them first come, first served, so an alert waited behind every resident's panel.

:class:`PriorityRateLimiter` keeps the same limits but serves the shared 30-a-second budget by
urgency (:class:`Priority`, passed as ``rate_limit_args`` by :mod:`bot.telegram_gateway`):
channel alerts and their edits first, then the verifier desk, then residents. Waiting counts too:
each message's turn is the moment it asked plus a head start per level below alerts
(``aging_seconds``), so a resident's panel that has waited that long goes before a newer alert and
no level starves.

Reads (getChatMember on every verifier press, answers to button presses) are not messages and go
straight through; Telegram's per-chat limit is about messages. A 429 is not retried here: the
dispatcher honours ``retry_after`` itself, pausing only that chat's queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.constants import FloodLimit
from telegram.ext import BaseRateLimiter

from bot import departure, update_scope
from bot.domain.delivery import Priority

# Requests that neither post nor change a message in a chat.
NOT_MESSAGES = frozenset(
    {
        "getMe",
        "getUpdates",
        "getChat",
        "getChatMember",
        "getChatAdministrators",
        "getFile",
        "answerCallbackQuery",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "deleteWebhook",
        "getWebhookInfo",
    }
)
AGING_SECONDS = 2.0
# Requests granted 1/30 s apart can reach Telegram closer together (the outbox's commit just before
# each, the network): with the full burst of 30, one such pair overflows Telegram's own bucket and
# earns a 429. Five messages of headroom absorb about 160 ms of that, at no cost to the long-run
# rate (measured in benchmarks/fanout.py against a fake that enforces Telegram's limits).
BURST_MARGIN = 5.0
GROUP_LIMITERS_KEPT = 512


class PriorityBudget:
    """A leaky bucket of `rate` messages a second (bursts up to `rate`), served by turn, not arrival."""

    def __init__(self, rate: float, *, aging_seconds: float = AGING_SECONDS, margin: float = 0.0) -> None:
        self._rate = rate
        # A burst `margin` messages smaller than the rate: the long-run rate is the same, and the
        # headroom absorbs requests that reach Telegram closer together than they were let go.
        self._capacity = max(rate - margin, 1.0)
        self._aging = aging_seconds
        self._level = 0.0
        self._updated: float | None = None
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _leak(self, now: float) -> None:
        if self._updated is not None:
            self._level = max(0.0, self._level - (now - self._updated) * self._rate)
        self._updated = now

    async def acquire(self, priority: Priority) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        self._leak(now)
        if not self._waiting and self._level + 1 <= self._capacity:
            self._level += 1
            return
        turn = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (now + int(priority) * self._aging, next(self._order), turn))
        self._release()
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._level = max(0.0, self._level - 1)  # granted just before the cancel: give it back
            raise

    def _release(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = None
        self._leak(loop.time())
        while self._waiting and self._level + 1 <= self._capacity:
            _, _, turn = heapq.heappop(self._waiting)
            if turn.done():  # its request was cancelled while waiting
                continue
            self._level += 1
            turn.set_result(None)
        if self._waiting and self._timer is None:
            wait = (self._level + 1 - self._capacity) / self._rate
            self._timer = loop.call_later(max(wait, 0.001), self._release)


class PriorityRateLimiter(BaseRateLimiter[int]):
    """Telegram's limits, served by urgency. A rate of 0 turns that limit off (tests of Vigil's own limits)."""

    def __init__(
        self,
        *,
        overall_per_second: float = FloodLimit.MESSAGES_PER_SECOND,
        group_per_minute: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        aging_seconds: float = AGING_SECONDS,
    ) -> None:
        self._overall = (
            PriorityBudget(overall_per_second, aging_seconds=aging_seconds, margin=BURST_MARGIN)
            if overall_per_second
            else None
        )
        self._group_per_minute = group_per_minute
        self._groups: dict[int | str, AsyncLimiter] = {}

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _group_limiter(self, chat: int | str) -> AsyncLimiter | None:
        if not self._group_per_minute:
            return None
        if len(self._groups) > GROUP_LIMITERS_KEPT:
            for key, limiter in list(self._groups.items()):
                if key != chat and limiter.has_capacity(limiter.max_rate):
                    del self._groups[key]
        if chat not in self._groups:
            self._groups[chat] = AsyncLimiter(self._group_per_minute, 60)
        return self._groups[chat]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = data.get("chat_id")
        if endpoint in NOT_MESSAGES or chat is None:
            return await callback(*args, **kwargs)
        priority = Priority(rate_limit_args) if rate_limit_args is not None else Priority.RESIDENT
        if priority is Priority.RESIDENT:
            # A handler replying to a resident has committed everything: its update may be confirmed
            # now rather than after the reply waited its turn (bot/update_scope.py).
            update_scope.only_replies_left()
        with contextlib.suppress(ValueError, TypeError):
            chat = int(chat)
        # Groups and channels have negative ids (or an @username); they share 20 a minute each.
        group = self._group_limiter(chat) if isinstance(chat, str) or chat < 0 else None
        async with group if group is not None else contextlib.nullcontext():
            if self._overall is not None:
                await self._overall.acquire(priority)
            # Its turn came: an outbox message is recorded as on its way only now (bot/departure.py).
            await departure.request_leaves()
            return await callback(*args, **kwargs)
