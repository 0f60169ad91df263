"""A strict fake of the Telegram Bot API for end-to-end tests and a local sandbox.

It serves real HTTP on loopback, so the real python-telegram-bot Application talks to it exactly
as it talks to Telegram, and it refuses what Telegram refuses (see :mod:`.formatting`).
"""

from bot.fake_telegram.errors import ApiError
from bot.fake_telegram.server import AbortRequest, FakeTelegram

__all__ = ["AbortRequest", "ApiError", "FakeTelegram"]
