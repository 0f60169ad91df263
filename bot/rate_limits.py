"""Telegram's flood limits, applied to what they are about (messages), in order of urgency; and the
one way out for a handler's own answers.

Telegram lets a bot send about 30 messages a second in all, 20 a minute into one group or
channel, and about one a second into one private chat (short bursts allowed). It counts them over
any stretch of time, not per fixed second: a leaky bucket that lets a full burst go and then
refills lets 30 + 30 through within one sliding second, and earns 429s. So every limit here is a
*sliding window*: at most `limit` messages left in any `period`, counted at the moment each
request leaves.

:class:`PriorityRateLimiter` serves the shared budget by urgency (:class:`Priority`, passed as
``rate_limit_args`` by :mod:`bot.telegram_gateway`): channel alerts and their edits first, then the
verifier desk, then residents. Waiting counts too: each message's turn is the moment it asked plus
a head start per level below alerts (``aging_seconds``), so a resident's panel that has waited
that long goes before a newer alert and no level starves.

Reads (getChatMember on every verifier press, answers to button presses) are not messages and go
straight through.

Two kinds of requests, two answers to a 429 or a 5xx:

- the outbox's (the gateway always passes a priority): not retried here. The dispatcher honours
  ``retry_after`` itself, pausing only that chat's queue, and its policy decides the rest;
- a handler's own answers (a draft panel, a receipt, "this button is no longer valid": no
  priority): retried here, so nothing a resident must see is dropped. A 429 waits ``retry_after``
  and asks again for a turn; a 5xx or a network error before the request left backs off (1 s, 2 s,
  4 s... for up to :data:`HANDLER_RETRY_SECONDS`). A handler awaits its answers one by one, so each
  chat keeps its order.

Side effects, both at moments only the limiter sees (see :class:`SideEffects`):

- when a handler's first answer to a resident asks for its turn, the update it handles may be
  confirmed to Telegram (bot/update_scope.py: everything durable is committed by then);
- when an outbox message's turn comes, the dispatcher's "on its way" mark is committed
  (bot/departure.py), so a message that only waited is never in doubt after a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import TelegramError
from telegram.ext import BaseRateLimiter

from bot import departure, update_scope
from bot.domain.delivery import Priority
from bot.ports import RateLimited, TemporaryFailure
from bot.telegram_errors import delivery_error

log = logging.getLogger(__name__)

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
# Not a message, but what a person sees: the answer to their button press.
SEEN_BY_PEOPLE = frozenset({"answerCallbackQuery"})
AGING_SECONDS = 2.0
# A request is counted as it leaves, and reaches Telegram a moment later (the HTTP client, a busy
# event loop): each window is counted this much longer than Telegram counts it.
WINDOW_GUARD_SECONDS = 0.1
# And one message of headroom in the shared second, for a request held up longer than that (measured
# in benchmarks/storm.py: without it, about one 429 in a storm of 100 residents on 2 busy cores).
OVERALL_MARGIN = 1
# And room kept for what verifiers and the public wait on: residents and subscribers leave this
# many of the shared second's places free, for an alert's two channel posts or a card that comes
# when the second is full. Else it waits for a place to come free, up to a whole window: a surge's
# answers leave in bursts, and free their places in bursts (benchmarks/surge.py: the alert during
# the text surge took 0.72 s, 0.41 s with the room; residents and subscribers lose 2 of 29 places).
URGENT_HEADROOM = 2
PENDING_POLL_SECONDS = 0.02
PRIVATE_CHAT_BURST = 5  # Telegram allows short bursts over "about one a second" into a private chat
PRIVATE_CHAT_PER_MINUTE = 55  # and about one a second over a minute (the fake: 6 and 60)
CHAT_WINDOWS_KEPT = 4096
HANDLER_RETRY_SECONDS = 120.0  # how long a handler's answer is retried through 5xx answers
HANDLER_BACKOFF_MAX_SECONDS = 16.0


class Slot:
    """One request's place in a window: pending (granted, not yet left) until `left` says when it left."""

    __slots__ = ("moment",)

    def __init__(self) -> None:
        self.moment: float | None = None


class SlidingWindow:
    """At most `limit` requests leave in any `period` seconds.

    A request granted a place counts from that moment until it has left and `period` has passed
    since: while it waits for another budget (the overall one, the outbox's commit) it is
    *pending*, and pending requests always count, because they will leave later than anything
    decided now. So however long a granted request takes to leave, no window of real departures
    holds more than `limit`.
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit = max(int(limit), 1)
        self.period = period + WINDOW_GUARD_SECONDS
        self._slots: list[Slot] = []

    def _live(self, now: float) -> tuple[int, list[float]]:
        """Pending requests, and the moments of those that left within the window (oldest first)."""
        horizon = now - self.period
        self._slots = [s for s in self._slots if s.moment is None or s.moment > horizon]
        moments = sorted(s.moment for s in self._slots if s.moment is not None)
        return len(self._slots) - len(moments), moments

    def wait(self, now: float, headroom: int = 0) -> float:
        """Seconds until one more request fits (0 when it fits now) leaving `headroom` places free, as
        far as a window of this size can (one place is always usable)."""
        pending, moments = self._live(now)
        excess = pending + len(moments) - max(self.limit - headroom, 1) + 1
        if excess <= 0:
            return 0.0
        if excess > len(moments):
            return PENDING_POLL_SECONDS  # full of requests that have not left yet: look again soon
        return moments[excess - 1] + self.period - now

    def take(self) -> Slot:
        slot = Slot()
        self._slots.append(slot)
        return slot

    def idle(self, now: float) -> bool:
        pending, moments = self._live(now)
        return not pending and not moments


class PriorityBudget:
    """Sliding windows shared by many requests, served by turn (urgency, then age), not arrival.
    Requests less urgent than the desk's leave `headroom` places free in every window."""

    def __init__(self, *windows: SlidingWindow, aging_seconds: float = AGING_SECONDS, headroom: int = 0) -> None:
        self._windows = windows
        self._aging = aging_seconds
        self._headroom = headroom
        self._waiting: list[tuple[float, int, Priority, asyncio.Future[list[Slot]]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _wait(self, now: float, priority: Priority) -> float:
        headroom = self._headroom if priority > Priority.DESK else 0
        return max(window.wait(now, headroom) for window in self._windows)

    def _take(self) -> list[Slot]:
        return [window.take() for window in self._windows]

    def idle(self, now: float) -> bool:
        return not self._waiting and all(window.idle(now) for window in self._windows)

    async def acquire(self, priority: Priority) -> list[Slot]:
        """Wait for this request's turn; mark the returned slots with :func:`leave` as it leaves."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not self._waiting and not self._wait(now, priority):
            return self._take()
        turn: asyncio.Future[list[Slot]] = loop.create_future()
        heapq.heappush(self._waiting, (now + int(priority) * self._aging, next(self._order), priority, turn))
        self._release()
        try:
            return await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                leave(turn.result(), loop.time())  # granted just before the cancel: counted as gone now
            raise

    def _release(self) -> None:
        loop = asyncio.get_running_loop()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        now = loop.time()
        while self._waiting:
            _, _, priority, turn = self._waiting[0]
            if turn.done():  # its request was cancelled while waiting
                heapq.heappop(self._waiting)
                continue
            wait = self._wait(now, priority)
            if wait > 0:
                self._timer = loop.call_later(max(wait, 0.001), self._release)
                return
            heapq.heappop(self._waiting)
            turn.set_result(self._take())


def leave(slots: list[Slot], now: float) -> None:
    for slot in slots:
        if slot.moment is None:
            slot.moment = now


Answer = bool | dict[str, Any] | list[dict[str, Any]]


@dataclass(frozen=True)
class _Call:
    """One Bot API request as python-telegram-bot hands it to the limiter."""

    callback: Callable[..., Coroutine[Any, Any, Answer]]
    args: Any
    kwargs: dict[str, Any]
    endpoint: str
    data: dict[str, Any]

    async def made(self) -> Answer:
        return await self.callback(*self.args, **self.kwargs)


@dataclass(frozen=True)
class SideEffects:
    """What the limiter does besides pacing (see the module's docstring)."""

    # A handler's answer to a resident asks for its turn: its update may be confirmed now.
    answering_a_resident: Callable[[], None] = update_scope.only_replies_left
    # An outbox message's turn came: commit the dispatcher's "on its way" mark, if one is waiting.
    request_leaves: Callable[[], Awaitable[None]] = departure.request_leaves


class PriorityRateLimiter(BaseRateLimiter[int]):
    """Telegram's limits, served by urgency. A rate of 0 turns that limit off (tests of Vigil's own limits)."""

    def __init__(
        self,
        *,
        overall_per_second: float = FloodLimit.MESSAGES_PER_SECOND,
        group_per_minute: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        private_chat_burst: int = PRIVATE_CHAT_BURST,
        aging_seconds: float = AGING_SECONDS,
        side_effects: SideEffects = SideEffects(),
    ) -> None:
        overall = SlidingWindow(max(int(overall_per_second) - OVERALL_MARGIN, 1), 1.0)
        budget = PriorityBudget(overall, aging_seconds=aging_seconds, headroom=URGENT_HEADROOM)
        self._overall = budget if overall_per_second else None
        self._group_per_minute = group_per_minute
        self._private_chat_burst = private_chat_burst
        self._aging = aging_seconds
        self._chats: dict[int | str, PriorityBudget] = {}
        self._effects = side_effects
        self._held = 0  # requests waiting for their turn or out a retry_after, or being made

    @property
    def holding(self) -> int:
        """How many requests wait here or are being made (for tests: the bot is not idle yet). Counted
        until the request is made, not only until it may leave: a request let go after a long wait
        reaches Telegram a moment later, and a bot that looked idle in between was not."""
        return self._held

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _chat_budget(self, chat: int | str) -> PriorityBudget | None:
        # Groups and channels have negative ids (or an @username); private chats positive ones.
        group = isinstance(chat, str) or chat < 0
        if (group and not self._group_per_minute) or (not group and not self._private_chat_burst):
            return None
        if len(self._chats) > CHAT_WINDOWS_KEPT:
            now = asyncio.get_running_loop().time()
            for key, budget in list(self._chats.items()):
                if key != chat and budget.idle(now):
                    del self._chats[key]
        if chat not in self._chats:
            windows = (
                (SlidingWindow(int(self._group_per_minute), 60.0),)
                if group
                else (
                    SlidingWindow(self._private_chat_burst, 1.0),
                    SlidingWindow(PRIVATE_CHAT_PER_MINUTE, 60.0),
                )
            )
            self._chats[chat] = PriorityBudget(*windows, aging_seconds=self._aging)
        return self._chats[chat]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        call = _Call(callback, args, kwargs, endpoint, data)
        if rate_limit_args is not None:  # the outbox's request: its policy handles 429 and 5xx
            return await self._paced(call, Priority(rate_limit_args))
        return await self._answer_of_a_handler(call)

    async def _answer_of_a_handler(self, call: _Call) -> Answer:
        """A handler's own request: paced at the residents' level, and sent again after a 429 (when
        Telegram says) or a 5xx (backing off), so an answer is never dropped for Telegram being busy."""
        endpoint = call.endpoint
        loop = asyncio.get_running_loop()
        give_up = loop.time() + HANDLER_RETRY_SECONDS
        backoff = 1.0
        while True:
            try:
                return await self._paced(call, Priority.RESIDENT)
            except TelegramError as error:
                problem = delivery_error(0, error)
                if endpoint not in SEEN_BY_PEOPLE and endpoint in NOT_MESSAGES:
                    raise  # a read (a file, a membership): the service decides what its failure means
                if isinstance(problem, RateLimited):
                    log.warning("Telegram asked to wait %s before %s; sending it then", problem.retry_after, endpoint)
                    await self._hold(problem.retry_after.total_seconds())
                    continue
                if not isinstance(problem, TemporaryFailure) or loop.time() + backoff > give_up:
                    raise
                log.warning("%s failed (%s); trying again in %.0f s", endpoint, problem.reason, backoff)
                await self._hold(backoff)
                backoff = min(backoff * 2, HANDLER_BACKOFF_MAX_SECONDS)

    async def _hold(self, seconds: float) -> None:
        self._held += 1
        try:
            await asyncio.sleep(seconds)
        finally:
            self._held -= 1

    async def _paced(self, call: _Call, priority: Priority) -> Answer:
        chat = call.data.get("chat_id")
        if call.endpoint in NOT_MESSAGES or chat is None:
            return await call.made()
        if priority is Priority.RESIDENT:
            self._effects.answering_a_resident()
        with contextlib.suppress(ValueError, TypeError):
            chat = int(chat)
        chat_budget = self._chat_budget(chat)
        slots: list[Slot] = []
        self._held += 1  # until the request is made, not only until its turn: see `holding`
        try:
            try:
                if chat_budget is not None:
                    slots += await chat_budget.acquire(priority)
                if self._overall is not None:
                    slots += await self._overall.acquire(priority)
                await self._effects.request_leaves()
            finally:
                leave(slots, asyncio.get_running_loop().time())  # it leaves now (or, cancelled, never will)
            return await call.made()
        finally:
            self._held -= 1
