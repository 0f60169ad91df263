"""What a python-telegram-bot error means for delivery, in the port's terms (bot/ports.py).

Used by the gateway (bot/telegram_gateway.py), whose callers decide by policy, and by the rate
limiter (bot/rate_limits.py), which retries a handler's own requests on a 429 or a 5xx.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.domain.lease import LeaseLost
from bot.ports import ChatMoved, DeliveryError, DeliveryUncertain, RateLimited, TemporaryFailure

# Transport errors raised before the request could reach Telegram: nothing was delivered. LeaseLost:
# the fence at the socket refused the request (bot/fenced_http.py) before all of it was written, and
# no server acts on an incomplete request.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol, LeaseLost)


def delivery_error(chat_id: int, error: TelegramError) -> DeliveryError:
    """Say what a failed request means for delivery: refused, try later, or may have arrived."""
    if isinstance(error, RetryAfter):
        # A timedelta because bot/__main__.py opts in to PTB_TIMEDELTA; an int otherwise.
        wait = error.retry_after
        return RateLimited(chat_id, error.message, wait if isinstance(wait, timedelta) else timedelta(seconds=wait))
    if isinstance(error, ChatMigrated):
        return ChatMoved(chat_id, error.message, error.new_chat_id)
    if isinstance(error, Forbidden):
        return DeliveryError(chat_id, error.message, forbidden=True)
    if isinstance(error, BadRequest):
        # A 400: Telegram refused the request itself. (PTB makes BadRequest a NetworkError, but
        # sending it again cannot help.)
        return DeliveryError(chat_id, error.message)
    if isinstance(error, NetworkError):  # TimedOut included
        cause = error.__cause__
        if isinstance(cause, _NOT_SENT):
            return TemporaryFailure(chat_id, error.message)
        if cause is None and not isinstance(error, TimedOut):
            return TemporaryFailure(chat_id, error.message)  # Telegram answered with a 5xx
        return DeliveryUncertain(chat_id, error.message)
    return DeliveryError(chat_id, error.message)
