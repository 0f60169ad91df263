"""The dispatcher: decides when each outbox message goes, once, in order per chat.

Services write messages to the outbox in the same transaction as the state change that caused
them, then wake the dispatcher. It starts each message that is due; how one message is sent, and
what its outcome changes, is :mod:`bot.services.sending`.

Messages to one chat go out one at a time (a 429 in one chat pauses only that chat, every message
of it: bot.services.sending.Sender.paused_until), in outbox
order, except that in the verifier group new cards go before card edits and reminders
(:func:`bot.domain.delivery.next_in_chat`); a message never overtakes the one it replies to or
edits. Chats are independent: each has at most one request on its way, and a slow or throttled
chat (the verifier group at its 20 messages a minute) never holds back another chat's alert.
The rate limiter inside python-telegram-bot (:mod:`bot.rate_limits`) paces the requests
themselves, alerts first (:func:`bot.domain.delivery.priority_of`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.domain.delivery import BURST_AFTER, QueuedMessage, next_in_chat, priority_of, settling
from bot.ports import TelegramPort
from bot.services.cards import CardRenderer
from bot.services.drill_scope import DrillScope
from bot.services.sending import Sender
from bot.vitals import Vitals
from storage.database import Database

log = logging.getLogger(__name__)

IDLE_CHECK_SECONDS = 30.0  # look at the outbox at least this often, even without a wake-up
RESTART_PAUSE_SECONDS = 5.0
STOP_TIMEOUT_SECONDS = 15.0
# How many requests may be on their way at once (each is a task, a row read and two commits), and
# how many of them may be direct messages to subscribers. Telegram takes 30 messages a second, so
# 48 subscriber messages keep the rate limiter fed for over a second and a half, while thousands of
# waiting subscribers never become thousands of tasks; the rest of the places are for channels,
# the desk and residents, which are started first.
MAX_IN_FLIGHT = 128
MAX_SUBSCRIBERS_IN_FLIGHT = 48
BURST_WINDOW = timedelta(minutes=1)  # Telegram counts a group's 20 messages over any minute


def utc_now() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    def __init__(
        self,
        *,
        database: Database,
        telegram: TelegramPort,
        cards: CardRenderer,
        clock: Callable[[], datetime] = utc_now,
        drill_scope: DrillScope | None = None,
        vitals: Vitals | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._sender = Sender(
            database=database, telegram=telegram, cards=cards, clock=clock, drill_scope=drill_scope, vitals=vitals
        )
        self._wakeup = asyncio.Event()
        self._busy: set[int] = set()  # chats with a request on its way
        self._started: dict[int, deque[datetime]] = {}  # a group's messages started in the last minute
        self._in_flight: set[asyncio.Task[None]] = set()
        self._subscribers_in_flight = 0
        self._channel_messages_in_flight = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        await self.recover()
        self._stopping = False
        self._task = asyncio.create_task(self._supervise(), name="vigil-dispatcher")

    async def stop(self) -> None:
        """Start nothing new; let the requests on their way finish (so they are not left in
        doubt), then stop. What is still queued is sent after the next start."""
        self._stopping = True
        self._wakeup.set()
        tasks = [t for t in (self._task, *self._in_flight) if t is not None]
        self._task = None
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=STOP_TIMEOUT_SECONDS)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        """Something was committed to the outbox: look now instead of at the next idle check."""
        self._wakeup.set()

    async def drain(self) -> None:
        """Send everything that is due now, including what sending it queues (card refreshes)."""
        while True:
            started, _ = await self._start_due()
            if self._in_flight:
                await asyncio.gather(*list(self._in_flight))
            elif not started:
                return

    async def recover(self) -> None:
        """Messages left ``sending`` by a crash may have arrived: apply the policy, never resend blindly."""
        await self._sender.recover()

    # --- the loop ----------------------------------------------------------------------------

    async def _supervise(self) -> None:
        while not self._stopping:
            try:
                await self._run()
            except Exception:  # noqa: BLE001 - see below
                # A background task has no error handler to fall back on: if a bug or a database
                # error escaped, log it and start again rather than silently stop all delivery.
                log.exception("the dispatcher failed; restarting in %s s", RESTART_PAUSE_SECONDS)
                await asyncio.sleep(RESTART_PAUSE_SECONDS)

    async def _run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            _, next_due = await self._start_due()
            timeout = IDLE_CHECK_SECONDS
            if next_due is not None:
                timeout = min(max((next_due - self._clock()).total_seconds(), 0.01), IDLE_CHECK_SECONDS)
            # Woken by a commit, or by a finished request (its chat's next message may be due).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout)

    async def _start_due(self) -> tuple[int, datetime | None]:
        """Start the first message of every chat that is free and whose message is due, alerts
        first, within MAX_IN_FLIGHT; then direct messages to subscribers, oldest first, within
        MAX_SUBSCRIBERS_IN_FLIGHT, once no channel message is on its way (a subscriber hears an alert
        after its channels show it, never before: starting both at once let a direct message reach
        Telegram before a slower channel post). Returns how many were started and when the next
        waiting one is due (a message held back by the caps is started when a request finishes and
        wakes the loop)."""
        now = self._clock()
        async with self._database.unit_of_work() as repo:
            chats = await repo.outbox_waiting()
            room = min(MAX_SUBSCRIBERS_IN_FLIGHT - self._subscribers_in_flight, MAX_IN_FLIGHT - len(self._in_flight))
            # Some of the oldest may be for chats that are busy (their row is not "sending" yet).
            subscribers = await repo.subscriber_heads(now, limit=room + len(self._busy)) if room > 0 else []
            subscribers_later = await repo.next_subscriber_attempt(now)
        paused = {chat: until for chat in chats if (until := self._sender.paused_until(chat, now)) is not None}
        free = {chat: rows for chat, rows in chats.items() if chat not in self._busy | paused.keys()}
        bursts = {chat for chat in free if self._burst(chat, now)}
        heads = [next_in_chat(rows, now, burst=chat in bursts) for chat, rows in free.items()]
        ready = [h for h in heads if h is not None]
        # A card settling during a burst is looked at again when it may go.
        settle = [t for chat in bursts for row in free[chat] if (t := settling(row, now)) is not None]
        due = sorted(
            (h for h in ready if h.next_attempt_at <= now),
            key=lambda h: (priority_of(h.message.kind, drill=h.drill), h.id),
        )
        later = [h.next_attempt_at for h in ready if h.next_attempt_at > now] + list(paused.values()) + settle
        if subscribers_later is not None:
            later.append(subscribers_later)
        started = 0
        for head in due:
            if self._stopping or len(self._in_flight) >= MAX_IN_FLIGHT:
                break
            self._start(head)
            started += 1
        for head in subscribers if self._channel_messages_in_flight == 0 else ():
            if (
                self._stopping
                or self._subscribers_in_flight >= MAX_SUBSCRIBERS_IN_FLIGHT
                or len(self._in_flight) >= MAX_IN_FLIGHT
            ):
                break
            if head.message.chat_id in self._busy:
                continue
            self._start(head)
            started += 1
        return started, min(later, default=None)

    def _burst(self, chat: int, now: datetime) -> bool:
        """Whether the chat took BURST_AFTER messages in the last minute (a group's budget is 20)."""
        started = self._started.get(chat)
        if started is None:
            return False
        while started and now - started[0] >= BURST_WINDOW:
            started.popleft()
        return len(started) >= BURST_AFTER

    def _start(self, head: QueuedMessage) -> None:
        if head.message.chat_id < 0:  # groups and channels: what a burst is counted on
            self._started.setdefault(head.message.chat_id, deque()).append(self._clock())
        self._busy.add(head.message.chat_id)
        if head.message.kind.is_to_subscriber:
            self._subscribers_in_flight += 1
        if head.message.kind.is_channel:
            self._channel_messages_in_flight += 1
        task = asyncio.create_task(self._deliver_then_free(head), name=f"vigil-send-{head.id}")
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _deliver_then_free(self, head: QueuedMessage) -> None:
        try:
            await self._sender.deliver(head)
        except Exception:  # noqa: BLE001 - see below
            # Same reason as _supervise: nobody awaits this task. Log it, and keep the chat busy
            # a moment so a message that fails the same way every time cannot spin the loop.
            log.exception("sending outbox message %s failed unexpectedly", head.id)
            await asyncio.sleep(RESTART_PAUSE_SECONDS)
        finally:
            self._busy.discard(head.message.chat_id)
            if head.message.kind.is_to_subscriber:
                self._subscribers_in_flight -= 1
            if head.message.kind.is_channel:
                self._channel_messages_in_flight -= 1
            self._wakeup.set()
