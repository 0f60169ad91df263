"""A plain Bot API client from the settings, for the commands that do not run the bot."""

from __future__ import annotations

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.settings import TelegramSettings


def bot_client(settings: TelegramSettings, *, read_timeout: float | None = None) -> Bot:
    """Not initialized: `async with` it, which asks Telegram who the bot is (getMe)."""
    timeout = settings.telegram_timeout_seconds
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        request=HTTPXRequest(connect_timeout=timeout, read_timeout=read_timeout or timeout, write_timeout=timeout),
    )
