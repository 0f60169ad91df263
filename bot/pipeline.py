"""The update pipeline: concurrent across chats, ordered within a chat, confirmed only when done.

python-telegram-bot's own Updater confirms a batch of updates to Telegram (by asking for the next
one with a higher ``offset``) as soon as it has fetched it, before any handler ran. A crash then
loses every update of the batch that was not finished: a verifier's Confirm press, a resident's
Send. And with its default processor, updates are handled one after another, so one resident's
photo download holds up every other resident and every verifier.

Vigil replaces both pieces, through the library's extension points:

* :class:`ChatOrderedProcessor` is a :class:`telegram.ext.BaseUpdateProcessor`. An update waits
  only for the earlier updates of its own chat and its own user (an album's photos, quickly typed
  words, a resident's Send after their last photo keep their order); everything else runs at
  once, at most ``max_running`` at a time. Waiting for an earlier update of the same chat does
  not take one of those places, so one flooding account cannot fill them.
* :class:`Poller` is the ``getUpdates`` loop. It tells Telegram that an update is done only when
  it and every update before it have been handled, which for Vigil means their effects are
  committed: when the handler returns, or earlier, when it starts its reply to a resident
  (handlers commit first and reply last; :mod:`bot.update_scope` checks it). After a crash, Telegram offers the
  unfinished updates again; the update ids that the services store with their effects make a
  second delivery of an already applied press harmless (see ``Repository.claim_update``).

A webhook, when Vigil gets one, must keep the same promise: answer Telegram's request only after
the update was handled, i.e. await the processor before returning the HTTP response.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseUpdateProcessor
from telegram.warnings import PTBUserWarning

from bot import update_scope
from bot.update_scope import UpdateTicket
from bot.vitals import Vitals

log = logging.getLogger(__name__)

# Handled at the same moment; the rest wait (in arrival order per chat). Most of a running update's
# time is spent waiting for Telegram, and image work has its own, smaller bound (services/images.py).
MAX_RUNNING_UPDATES = 256
HANDLER_TIMEOUT_SECONDS = 180.0  # an update that takes longer is abandoned (and logged)
BATCH_LIMIT = 100  # Telegram's maximum per getUpdates
BUSY_POLL_SECONDS = 0.05  # how often to look for new updates while earlier ones are still handled
POLL_ERROR_PAUSE_SECONDS = (0.5, 30.0)  # first and longest pause after a failed getUpdates

OrderingKey = tuple[str, int]


def ordering_keys(update: object) -> tuple[OrderingKey, ...]:
    """What an update must stay in order with: its chat and its user."""
    if not isinstance(update, Update):
        return ()
    keys: list[OrderingKey] = []
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    return tuple(keys)


class PendingUpdates:
    """Which fetched updates are still being handled, and the offset that confirms the rest.

    Pure bookkeeping, no I/O: Telegram forgets every update whose id is below the offset of the
    next getUpdates, so the offset may only pass an update once it is finished, and all before it.
    """

    def __init__(self) -> None:
        self._open: set[int] = set()
        self._highest: int | None = None
        self._idle = asyncio.Event()
        # A webhook's requests wait here for their update: True once its effects are committed,
        # False when its handling failed (Telegram must then deliver it again).
        self._waiters: dict[int, asyncio.Future[bool]] = {}
        self._failed: set[int] = set()

    def handled(self, update_id: int) -> tuple[asyncio.Future[bool], bool]:
        """The future of an update pushed by a webhook, and whether it is new (not already being
        handled for an earlier delivery of the same update)."""
        waiting = self._waiters.get(update_id)
        if waiting is not None and not waiting.done():
            return waiting, False
        waiting = asyncio.get_running_loop().create_future()
        self._waiters[update_id] = waiting
        return waiting, True

    def fail(self, update_id: int) -> None:
        self._failed.add(update_id)

    def receive(self, update_ids: Sequence[int]) -> list[int]:
        """The ids among these that are new (not already being handled, nor finished)."""
        fresh = []
        for update_id in update_ids:
            if update_id in self._open or (self._highest is not None and update_id <= self._highest):
                continue
            self._open.add(update_id)
            self._highest = update_id if self._highest is None else max(self._highest, update_id)
            fresh.append(update_id)
        return fresh

    def finish(self, update_id: int) -> None:
        waiting = self._waiters.pop(update_id, None)
        failed = update_id in self._failed
        self._failed.discard(update_id)
        if waiting is not None and not waiting.done():
            waiting.set_result(not failed)
        self._open.discard(update_id)
        if not self._open:
            self._idle.set()

    @property
    def busy(self) -> int:
        return len(self._open)

    @property
    def offset(self) -> int | None:
        """The offset for the next getUpdates: the first unfinished update, else past the last one."""
        if self._open:
            return min(self._open)
        return None if self._highest is None else self._highest + 1

    async def idle(self, timeout: float) -> None:
        """Return when every fetched update is finished (or after `timeout`)."""
        if not self._open:
            return
        self._idle.clear()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            pass


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat and a user; tells `pending` when each is done."""

    def __init__(
        self, pending: PendingUpdates, *, max_running: int = MAX_RUNNING_UPDATES, vitals: Vitals | None = None
    ) -> None:
        # PTB's own semaphore counts every update from its arrival, including those that only wait
        # for an earlier one of their chat; the real bound is `_running`, taken after that wait.
        super().__init__(max_concurrent_updates=10_000)
        self._pending = pending
        self._vitals = vitals or Vitals()  # health and metrics (bot/operations.py)
        self._running = asyncio.Semaphore(max_running)
        self._tails: dict[OrderingKey, asyncio.Event] = {}

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close: Application.stop waits for every update to be handled first."""

    @property
    def pending(self) -> PendingUpdates:
        return self._pending

    @property
    def vitals(self) -> Vitals:
        return self._vitals

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Runs in the task that handles the update (wait_for makes one), which the ticket names."""
        if not isinstance(update, Update):
            await coroutine
            return
        private = update.effective_chat is not None and update.effective_chat.type == "private"
        ticket = UpdateTicket(update.update_id, self._pending.finish, from_resident=private)
        scope = update_scope.begin(ticket)
        try:
            await coroutine
        finally:
            update_scope.end(scope)
            if ticket.failed and not ticket.released:
                self._pending.fail(update.update_id)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = ordering_keys(update)
        before = {self._tails[key] for key in keys if key in self._tails}
        done = asyncio.Event()
        for key in keys:
            self._tails[key] = done
        started = False
        try:
            for earlier in before:
                await earlier.wait()
            async with self._running:
                started = True
                try:
                    await asyncio.wait_for(self._handle(update, coroutine), HANDLER_TIMEOUT_SECONDS)
                except TimeoutError:
                    log.error("an update took longer than %s s and was abandoned", HANDLER_TIMEOUT_SECONDS)
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting its turn: it never ran
            done.set()
            for key in keys:
                if self._tails.get(key) is done:
                    del self._tails[key]
            if isinstance(update, Update):
                self._pending.finish(update.update_id)
                self._vitals.handled()


class Poller:
    """The getUpdates loop: fetches new updates and confirms only finished ones."""

    def __init__(
        self,
        bot: Bot,
        pending: PendingUpdates,
        enqueue: Callable[[Update], Awaitable[None]],
        *,
        poll_timeout: int,
        allowed_updates: Sequence[str] | None = None,
        vitals: Vitals | None = None,
    ) -> None:
        """(On PostgreSQL every getUpdates, which confirms what came before it, is fenced by the
        lease at the socket like any request: bot/fenced_http.py.)"""
        self._bot = bot
        self._vitals = vitals or Vitals()
        self._pending = pending
        self._enqueue = enqueue
        self._poll_timeout = poll_timeout
        self._allowed_updates = list(allowed_updates) if allowed_updates is not None else None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        await self._bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._loop(), name="vigil-poller")

    async def stop(self) -> None:
        """Stop fetching. Updates already fetched are still handled (Application.stop waits)."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def confirm(self) -> None:
        """After every fetched update was handled: tell Telegram, so a restart does not see them again."""
        offset = self._pending.offset
        if offset is None or self._pending.busy:
            return
        try:
            await self._bot.get_updates(offset=offset, limit=1, timeout=0, allowed_updates=self._allowed_updates)
        except TelegramError as error:
            # Harmless: the next start receives them again and finds them already applied.
            log.warning("could not confirm the last updates to Telegram: %s", error)

    async def _loop(self) -> None:
        pause = POLL_ERROR_PAUSE_SECONDS[0]
        while not self._stopping.is_set():
            try:
                fresh = await self._fetch()
            except InvalidToken:
                raise
            except RetryAfter as error:
                self._vitals.rate_limited(error.retry_after, source="polling")
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except (Conflict, NetworkError, TelegramError) as error:
                # TimedOut is a NetworkError: a long poll that Telegram held past our read timeout.
                if not isinstance(error, TimedOut):
                    log.warning("getUpdates failed (%s); trying again in %.1f s", error, pause)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, POLL_ERROR_PAUSE_SECONDS[1])
                continue
            pause = POLL_ERROR_PAUSE_SECONDS[0]
            if not fresh and self._pending.busy:
                # Telegram offered only updates that are still being handled. Ask again soon, for
                # new updates behind them, but not at once: every answer repeats the whole window
                # (up to 100 updates to parse), which would take the event loop from the handlers.
                # Once nothing is open, the next request is a long poll again.
                await self._pending.idle(BUSY_POLL_SECONDS)

    async def _fetch(self) -> bool:
        # While updates are being handled, Telegram answers at once anyway (it offers them again),
        # so a long poll only makes sense when nothing is open.
        timeout = 0 if self._pending.busy else self._poll_timeout
        updates: Sequence[Update]
        skipped: list[int] = []
        try:
            updates = await self._bot.get_updates(
                offset=self._pending.offset,
                limit=BATCH_LIMIT,
                timeout=timeout,
                allowed_updates=self._allowed_updates,
            )
        except (TypeError, ValueError, KeyError, AttributeError):
            # An update this version of python-telegram-bot cannot read (Telegram added a required
            # field, say) fails the whole batch, every time: without this the bot would stop
            # receiving anything. Read the batch update by update and skip only what cannot be read.
            updates, skipped = await self._readable_updates()
        self._vitals.polled(updates)  # the loop is alive (/healthz)
        fresh = set(self._pending.receive(sorted([u.update_id for u in updates] + skipped)))
        for update_id in skipped:
            if update_id in fresh:
                self._pending.finish(update_id)  # nothing to handle: the offset may pass it
        for update in updates:
            if update.update_id in fresh:
                await self._enqueue(update)
        return bool(fresh)

    async def _readable_updates(self) -> tuple[list[Update], list[int]]:
        """The batch parsed update by update: those python-telegram-bot can read, and the ids of
        those it cannot."""
        with warnings.catch_warnings():
            # python-telegram-bot would have us call get_updates, which is what cannot parse them.
            warnings.filterwarnings("ignore", "Please use 'Bot.getUpdates'", PTBUserWarning)
            raw = await self._bot.do_api_request(
                "getUpdates",
                api_kwargs={
                    "offset": self._pending.offset,
                    "limit": BATCH_LIMIT,
                    "timeout": 0,
                    "allowed_updates": self._allowed_updates,
                },
            )
        readable: list[Update] = []
        skipped: list[int] = []
        for data in raw if isinstance(raw, list) else []:
            try:
                readable.append(Update.de_json(data, self._bot))
            except (TypeError, ValueError, KeyError, AttributeError):
                update_id = data.get("update_id") if isinstance(data, dict) else None
                if isinstance(update_id, int):
                    skipped.append(update_id)
                # Not its content: it may hold a resident's words.
                log.error("update %s could not be read by python-telegram-bot and was skipped", update_id)
        return readable, skipped


def _seconds(value: object) -> float:
    total_seconds = getattr(value, "total_seconds", None)
    return float(total_seconds()) if callable(total_seconds) else float(value)  # type: ignore[arg-type]
