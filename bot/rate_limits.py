"""Telegram's flood limits, applied to what they are about: messages.

python-telegram-bot's AIORateLimiter charges every request that names a group or channel to
that chat's budget (20 a minute), including reads such as getChatMember. Vigil asks
getChatMember on every verifier press, so in a busy verifier group the reads would queue behind
the card edits and every button answer would wait seconds. Telegram's per-chat limit is about
messages; reads go straight through. Everything else is AIORateLimiter's own behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

# Requests that neither post nor change a message in a chat.
NOT_MESSAGES = frozenset({
    "getMe", "getUpdates", "getChat", "getChatMember", "getChatAdministrators", "getFile",
    "answerCallbackQuery", "setMyCommands", "getMyCommands", "deleteMyCommands", "deleteWebhook", "getWebhookInfo",
})


class MessageRateLimiter(AIORateLimiter):
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in NOT_MESSAGES:
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
