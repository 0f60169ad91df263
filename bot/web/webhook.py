"""Webhook mode (`vigil run --webhook`): Telegram pushes updates to POST /telegram/webhook.

* The request must carry the secret token Vigil gave setWebhook (X-Telegram-Bot-Api-Secret-Token),
  derived from VIGIL_SECRET_KEY: anyone else who finds the address is refused.
* An update goes through the same pipeline as a polled one (bot/pipeline.py: in order within its
  chat, concurrent across chats), and Telegram's request is answered only once the update's effects
  are committed. A failure is answered with 500, so Telegram delivers the update again; the request
  id claimed with its effects makes a second delivery of an applied update harmless.
* Telegram sends one chat's updates one at a time (it waits for each answer), so their order is kept.
* Only the lease holder sets the webhook (bot/runner.py, after the lease is taken); a standby has no
  web server yet, so it cannot answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from json import JSONDecodeError

from aiohttp import web
from telegram import Bot, Update

from bot.pipeline import HANDLER_TIMEOUT_SECONDS, PendingUpdates

log = logging.getLogger(__name__)

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_token(secret_key: str) -> str:
    """The webhook's secret token: a keyed hash of a fixed label (64 hex characters, which Telegram
    allows), so it needs no setting of its own and says nothing about the key."""
    return hmac.new(secret_key.encode(), b"vigil telegram webhook", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookTarget:
    """What setWebhook is told: where Telegram pushes updates, and the token it sends with each;
    and the surface that receives them."""

    url: str
    secret_token: str
    surface: WebhookSurface

    def stop_accepting(self) -> None:
        self.surface.stop_accepting()


class WebhookSurface:
    """A WebSurface (bot.web.server): Telegram's pushed updates."""

    def __init__(
        self, bot: Bot, pending: PendingUpdates, enqueue: Callable[[Update], Awaitable[None]], secret: str
    ) -> None:
        self._bot = bot
        self._pending = pending
        self._enqueue = enqueue
        self._secret = secret
        self._accepting = True

    def stop_accepting(self) -> None:
        """Vigil is stopping: updates pushed from now on are refused at once (Telegram tries again
        later, at this instance or the standby) instead of waiting for a pipeline that has stopped."""
        self._accepting = False

    def routes(self) -> Iterable[web.AbstractRouteDef]:
        return [web.post(PATH, self._receive)]

    async def _receive(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self._secret):
            raise web.HTTPUnauthorized()
        if not self._accepting:
            raise web.HTTPServiceUnavailable()
        try:
            update = Update.de_json(await request.json(), self._bot)
        except (JSONDecodeError, TypeError, KeyError, ValueError):
            raise web.HTTPBadRequest() from None
        handled, fresh = self._pending.handled(update.update_id)
        if fresh:
            await self._enqueue(update)
        try:
            committed = await asyncio.wait_for(asyncio.shield(handled), HANDLER_TIMEOUT_SECONDS)
        except TimeoutError:
            committed = False
        if not committed:
            log.warning("an update pushed by Telegram was not handled; Telegram will deliver it again")
            raise web.HTTPInternalServerError()
        return web.json_response({})
