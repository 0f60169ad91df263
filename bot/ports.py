"""What the services need from Telegram, in plain values.

Services talk to this protocol, never to python-telegram-bot objects, so they can be read
(and tested) without knowing the Bot API; :mod:`bot.telegram_gateway` implements it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

# Defined with the domain (no Telegram import), re-exported here where the handlers look for them.
from bot.domain.buttons import Button as Button
from bot.domain.buttons import Keyboard as Keyboard
from bot.domain.delivery import Priority
from bot.domain.reports import ReportMedia


@dataclass(frozen=True)
class ChatAccess:
    chat_id: int
    title: str | None
    problem: str | None  # None when the bot can do what Vigil needs there


class DeliveryError(Exception):
    """Telegram refused or could not take a message. `reason` is Telegram's description.

    The base class means a refusal that trying again will not fix (403, 400); the subclasses
    below say when trying again is right, and whether the message may already have arrived.
    """

    def __init__(self, chat_id: int, reason: str, *, forbidden: bool = False) -> None:
        super().__init__(f"chat {chat_id}: {reason}")
        self.chat_id = chat_id
        self.reason = reason
        # 403: the bot may not write there (a person blocked it, or it was removed from the chat).
        self.forbidden = forbidden


class RateLimited(DeliveryError):
    """429: Telegram did not take the message and said how long to wait."""

    def __init__(self, chat_id: int, reason: str, retry_after: timedelta) -> None:
        super().__init__(chat_id, reason)
        self.retry_after = retry_after


class TemporaryFailure(DeliveryError):
    """A network error or a 5xx answer: the message certainly was not delivered; try again later."""


class DeliveryUncertain(DeliveryError):
    """The request left but no answer came back (timed out, connection dropped): it may have arrived."""


class FileTooLarge(DeliveryError):
    """A file a user sent is larger than Vigil accepts (or than Telegram lets a bot download)."""


class ChatMoved(DeliveryError):
    """The group became a supergroup with a new id; messages to the old id are refused."""

    def __init__(self, chat_id: int, reason: str, new_chat_id: int) -> None:
        super().__init__(chat_id, reason)
        self.new_chat_id = new_chat_id


class TelegramPort(Protocol):
    """Everything services and the dispatcher need from Telegram, and what each answer means.

    Contract of every method that sends or changes a message:

    - it returns only once Telegram has taken the request;
    - it raises a :class:`DeliveryError` saying what a failure means: :class:`RateLimited` (429:
      not taken; wait `retry_after`), :class:`TemporaryFailure` (a 5xx or a network error before
      the request left: certainly not delivered), :class:`DeliveryUncertain` (no answer after the
      request left: it *may* have arrived), :class:`ChatMoved`, or the base class for a refusal
      that trying again cannot fix (`forbidden` for a 403);
    - `priority` says whose turn it is when Telegram's budget is contended (bot/rate_limits.py);
    - it does not retry on its own: the caller's policy (bot/domain/delivery.py) decides;
    - it runs the departure mark (bot/departure.py) right before its request leaves, after any
      wait for its turn, when `reports_departure` is true.
    """

    # True when the port calls bot.departure.request_leaves() as each request leaves (after its wait
    # in the rate limiter). The dispatcher then records "sending" at that moment; otherwise before
    # the request, as a port that cannot tell must be assumed to send at once.
    reports_departure: bool

    async def download(self, file_id: str, destination: Path, *, max_bytes: int) -> None:
        """Stream a file a user sent to `destination`; a DeliveryError if it cannot (or is too large)."""
        ...

    async def send_text(
        self,
        chat_id: int,
        html: str,
        keyboard: Keyboard | None = None,
        *,
        reply_to: int | None = None,
        priority: Priority = Priority.RESIDENT,
    ) -> int:
        """Send and return the new message id."""
        ...

    async def send_media(
        self,
        chat_id: int,
        items: Sequence[ReportMedia],
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        priority: Priority = Priority.RESIDENT,
    ) -> tuple[list[int], list[str]]:
        """Upload cleaned media: photos and videos (an album when several), or one voice note
        (`caption`, HTML, goes on a single item). Return their message ids and file ids, in the order
        of `items`."""
        ...

    async def delete_message(self, chat_id: int, message_id: int, *, priority: Priority = Priority.RESIDENT) -> None:
        """Delete a message the bot sent; one that is already gone is not an error."""
        ...

    async def replace_photo(
        self, chat_id: int, message_id: int, photo: bytes, caption: str, *, priority: Priority = Priority.RESIDENT
    ) -> None:
        """Replace a photo (or video) the bot sent by a photo, with a caption."""
        ...

    async def edit_text(
        self,
        chat_id: int,
        message_id: int,
        html: str,
        keyboard: Keyboard | None = None,
        *,
        priority: Priority = Priority.RESIDENT,
    ) -> None:
        """Replace a message's text and buttons; an edit that changes nothing is not an error."""
        ...

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        """Whether the user is a current member of the chat (a read: never paced, never a message)."""
        ...

    async def check_access(self, chat_id: int, *, channel: bool) -> ChatAccess:
        """Whether the bot can do what Vigil needs in the chat; a problem is a sentence, not an error."""
        ...
