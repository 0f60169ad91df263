"""Webhook delivery as Telegram does it: once setWebhook named a URL, updates are POSTed to it (with
the secret_token header), getUpdates answers 409, and an update leaves the queue only when the bot
answered its request with a 2xx. One chat's updates go one at a time, in order; other chats' go in
parallel (up to max_connections); a failed delivery (an error status, no answer) is tried again later."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.fake_telegram.world import World

RETRY_PAUSES = (0.2, 0.5, 1.0, 2.0)  # seconds before the 1st, 2nd, … retry (Telegram's are longer)
REQUEST_TIMEOUT = 60.0


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    allowed_updates: list[str]
    max_connections: int = 40
    deliveries: list[tuple[int, int]] = field(default_factory=list)  # (update id, HTTP status or 0)


def _chat_of(update: dict[str, Any]) -> int | None:
    for value in update.values():
        if isinstance(value, dict):
            if isinstance(value.get("chat"), dict):
                return int(value["chat"]["id"])
            message = value.get("message")
            if isinstance(message, dict) and isinstance(message.get("chat"), dict):
                return int(message["chat"]["id"])
            if isinstance(value.get("from"), dict):
                return int(value["from"]["id"])
    return None


class WebhookPusher:
    def __init__(self, world: World, webhook: Webhook) -> None:
        self.world = world
        self.webhook = webhook
        self._task: asyncio.Task[None] | None = None
        self._busy_chats: set[int | None] = set()
        self._in_flight: set[int] = set()
        self._retry_at: dict[int, float] = {}
        self._failures: dict[int, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # A flag as well as the cancel: World.wait_for_change's wait_for may turn a cancel that
        # coincides with its timeout into that timeout (Python 3.11), and the loop would go on.
        self._stopped = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="fake-telegram-webhook")

    async def stop(self) -> None:
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _loop(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
            while not self._stopped:
                now = asyncio.get_running_loop().time()
                for update in list(self.world.updates):
                    update_id = int(update["update_id"])
                    chat = _chat_of(update)
                    if update_id in self._in_flight or chat in self._busy_chats:
                        continue
                    if len(self._in_flight) >= self.webhook.max_connections:
                        break
                    # The chat's earliest waiting update goes first, even when it waits for a retry.
                    self._busy_chats.add(chat)
                    if self._retry_at.get(update_id, 0.0) > now:
                        continue
                    self._in_flight.add(update_id)
                    task = asyncio.create_task(self._deliver(session, update, chat))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                self._busy_chats = {_chat_of(u) for u in self.world.updates if int(u["update_id"]) in self._in_flight}
                await self.world.wait_for_change(0.05)

    async def _deliver(self, session: aiohttp.ClientSession, update: dict[str, Any], chat: int | None) -> None:
        update_id = int(update["update_id"])
        headers = {"Content-Type": "application/json"}
        if self.webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook.secret_token
        status = 0
        try:
            async with session.post(self.webhook.url, json=update, headers=headers) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        finally:
            self.webhook.deliveries.append((update_id, status))
            self._in_flight.discard(update_id)
            if 200 <= status < 300:
                self.world.updates[:] = [u for u in self.world.updates if u["update_id"] != update_id]
                self._retry_at.pop(update_id, None)
            else:
                failures = self._failures.get(update_id, 0)
                self._failures[update_id] = failures + 1
                pause = RETRY_PAUSES[min(failures, len(RETRY_PAUSES) - 1)]
                self._retry_at[update_id] = asyncio.get_running_loop().time() + pause
            self.world.changed()
