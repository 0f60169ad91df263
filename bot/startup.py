"""Why Telegram could not be used at start-up, in one sentence a volunteer can act on.

python-telegram-bot reports these as exceptions whose text may quote the token (InvalidToken
does) and whose tracebacks run to hundreds of lines; the command line prints the sentence and
exits with code 2, and the traceback goes to the log at DEBUG only.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

from bot.errors import TelegramUnavailable
from bot.settings import TelegramSettings

# getaddrinfo's answers: the name does not exist, versus no resolver could be asked at all.
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def explain(error: TelegramError, settings: TelegramSettings) -> TelegramUnavailable:
    """The sentence for a Telegram failure before Vigil could start (the error itself is not quoted
    when it might carry the token)."""
    host = urlsplit(settings.telegram_base_url).hostname or settings.telegram_base_url
    if isinstance(error, InvalidToken):
        return TelegramUnavailable(
            f"Telegram ({host}) refused the bot token: check TELEGRAM_BOT_TOKEN against the token "
            "@BotFather shows for this bot (/mybots, then API Token)."
        )
    if isinstance(error, TimedOut):
        return TelegramUnavailable(
            f"Telegram ({host}) did not answer in time "
            f"(TELEGRAM_TIMEOUT_SECONDS = {settings.telegram_timeout_seconds:g}): check "
            "this computer's internet connection (and any proxy or firewall), then try again."
        )
    if isinstance(error, NetworkError):
        lookup = _lookup_failure(error)
        if lookup is not None and lookup.errno in _NO_SUCH_NAME:
            return TelegramUnavailable(
                f"The name {host} could not be found (DNS): check TELEGRAM_BASE_URL and this computer's "
                "internet connection."
            )
        if lookup is not None:
            return TelegramUnavailable(
                f"Vigil could not look up {host}: this computer seems to have no internet connection "
                "(or no working DNS); connect it and try again."
            )
        if isinstance(error.__cause__, httpx.ConnectError):
            return TelegramUnavailable(
                f"Vigil could not connect to Telegram at {host}: check this computer's internet connection, "
                "any firewall or proxy, and TELEGRAM_BASE_URL."
            )
        return TelegramUnavailable(
            f"Telegram ({host}) could not be used right now (it answered: {_safe(error, settings)}); "
            "try again in a few minutes."
        )
    return TelegramUnavailable(
        f"Telegram ({host}) refused a start-up request ({_safe(error, settings)}); check TELEGRAM_BASE_URL "
        "and the bot's settings with @BotFather."
    )


def _lookup_failure(error: BaseException) -> socket.gaierror | None:
    """The DNS error somewhere down the chain of causes, if any."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return current
        current = current.__cause__ or current.__context__
    return None


def _safe(error: TelegramError, settings: TelegramSettings) -> str:
    token = settings.telegram_bot_token.get_secret_value()
    text = error.message
    for secret in (token, token.partition(":")[2]):
        if secret:
            text = text.replace(secret, "[redacted]")
    return text
