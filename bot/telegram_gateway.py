"""The TelegramPort over python-telegram-bot: the only place services' messages meet the Bot API."""

from __future__ import annotations

import asyncio
import http.client
import ssl
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from telegram import (
    Bot,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from bot import departure
from bot.domain.delivery import Priority
from bot.domain.draft import MediaKind
from bot.domain.reports import ReportMedia
from bot.ports import (
    ChatAccess,
    DeliveryError,
    FileTooLarge,
    Keyboard,
    TemporaryFailure,
)
from bot.rate_limits import PriorityRateLimiter
from bot.telegram_errors import delivery_error


def to_markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if keyboard is None:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.callback_data, url=b.url) for b in row] for row in keyboard]
    )


def _input_media(item: ReportMedia) -> InputMediaPhoto | InputMediaVideo:
    if item.kind is MediaKind.VIDEO:
        return InputMediaVideo(
            item.data,
            filename="video.mp4",
            width=item.width or None,
            height=item.height or None,
            duration=item.duration or None,
            supports_streaming=True,
        )
    if item.kind is MediaKind.PHOTO:
        return InputMediaPhoto(item.data)
    raise ValueError("a voice note cannot be part of an album")


def _file_id(message: Message) -> str:
    """The file Telegram keeps of what was sent (a video it could not read arrives as a document)."""
    if message.photo:
        return message.photo[-1].file_id
    for media in (message.video, message.voice, message.document):
        if media is not None:
            return media.file_id
    raise ValueError("Telegram answered with a message without a file")


def is_not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


_DOWNLOAD_TIMEOUT_SECONDS = 60.0  # for connecting and for each read
_DOWNLOAD_CHUNK = 1 << 20
# Downloads run on their own threads, so they never wait on the event loop. Eight is the image
# cleaner's slots on two cores (4 per core); on a larger machine a download beyond eight waits for
# a thread.
_DOWNLOAD_THREADS = 8


def _fetch(opener: urllib.request.OpenerDirector, url: str, destination: Path, max_bytes: int) -> None:
    """Blocking: stream `url` into `destination` through a reused buffer (on a download thread)."""
    buffer = bytearray(_DOWNLOAD_CHUNK)
    view = memoryview(buffer)
    written = 0
    try:
        with opener.open(url, timeout=_DOWNLOAD_TIMEOUT_SECONDS) as answer, destination.open("wb") as out:
            length = answer.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise FileTooLarge(0, f"the file is larger than {max_bytes} bytes")
            while count := answer.readinto(buffer):
                written += count
                if written > max_bytes:
                    raise FileTooLarge(0, f"the file is larger than {max_bytes} bytes")
                out.write(view[:count])
    # Never the error's text: it may carry the file URL, which holds the bot's token.
    except urllib.error.HTTPError as error:
        error.close()  # it holds the connection open
        raise DeliveryError(0, f"download answered {error.code}") from None
    except (OSError, http.client.HTTPException) as error:  # URLError, timeouts and resets are OSErrors
        raise TemporaryFailure(0, f"download failed ({type(error).__name__})") from None


_NOT_FOUND_HINT = (
    "Telegram says the chat does not exist for this bot: check the chat id, and that the bot was added "
    "(as an administrator who can post and edit messages, for a channel)"
)
_MEMBER_STATUSES = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


class TelegramGateway:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        # Downloads of residents' files: plain blocking reads on their own threads, straight into
        # the file through one buffer. On the event loop, httpx's async stream cost 7 ms of CPU
        # for a 4 MB photo, here 3 ms, and none of it holds up other updates. The TLS context
        # (the CA certificates) is loaded once: once per file would cost more than the cleaning.
        self._opener: urllib.request.OpenerDirector | None = None
        self._download_pool: ThreadPoolExecutor | None = None

    async def close(self) -> None:
        if self._download_pool is not None:
            self._download_pool.shutdown(wait=True, cancel_futures=True)
            self._download_pool = None

    def _downloads(self) -> tuple[urllib.request.OpenerDirector, ThreadPoolExecutor]:
        if self._opener is None:
            self._opener = urllib.request.build_opener(
                urllib.request.HTTPSHandler(context=ssl.create_default_context())
            )
        if self._download_pool is None:
            self._download_pool = ThreadPoolExecutor(_DOWNLOAD_THREADS, thread_name_prefix="vigil-download")
        return self._opener, self._download_pool

    # The dispatcher may record "sending" at the moment the request leaves (bot/departure.py).
    reports_departure = True

    def _priority(self, priority: Priority) -> dict[str, Any]:
        """The application's ExtBot hands rate_limit_args to the rate limiter; a plain Bot has none."""
        return {"rate_limit_args": int(priority)} if isinstance(self._bot, ExtBot) else {}

    async def _leaving(self) -> None:
        """Right before a message's request: Vigil's rate limiter reports the departure itself,
        after the request's wait for its turn; without it, the request leaves now."""
        if not isinstance(getattr(self._bot, "rate_limiter", None), PriorityRateLimiter):
            await departure.request_leaves()

    async def download(self, file_id: str, destination: Path, *, max_bytes: int) -> None:
        """Stream the file to `destination`, never holding it whole in memory (python-telegram-bot's
        own download reads it into memory first). Refuses a file larger than `max_bytes`."""
        try:
            file = await self._bot.get_file(file_id)
        except TelegramError as error:
            raise delivery_error(0, error) from error  # a network failure or a 5xx is worth another try
        if not file.file_path:
            raise DeliveryError(0, "Telegram gave no file path")
        opener, pool = self._downloads()
        await asyncio.get_running_loop().run_in_executor(pool, _fetch, opener, file.file_path, destination, max_bytes)

    async def send_text(
        self,
        chat_id: int,
        html: str,
        keyboard: Keyboard | None = None,
        *,
        reply_to: int | None = None,
        priority: Priority = Priority.RESIDENT,
    ) -> int:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        await self._leaving()
        try:
            message = await self._bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                reply_markup=to_markup(keyboard),
                reply_parameters=reply,
                **self._priority(priority),
            )
        except TelegramError as error:
            raise delivery_error(chat_id, error) from error
        return message.message_id

    async def send_media(
        self,
        chat_id: int,
        items: Sequence[ReportMedia],
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        priority: Priority = Priority.RESIDENT,
    ) -> tuple[list[int], list[str]]:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        rate = self._priority(priority)
        await self._leaving()
        try:
            messages: Sequence[Message]
            if len(items) == 1:
                messages = (await self._send_one(chat_id, items[0], caption, reply, rate),)
            else:
                messages = await self._bot.send_media_group(
                    chat_id, [_input_media(i) for i in items], reply_parameters=reply, **rate
                )
        except TelegramError as error:
            raise delivery_error(chat_id, error) from error
        # Re-using Telegram's copies means the original upload is the only time the bytes travel.
        return [m.message_id for m in messages], [_file_id(m) for m in messages]

    async def _send_one(
        self, chat_id: int, item: ReportMedia, caption: str | None, reply: ReplyParameters | None, rate: dict[str, Any]
    ) -> Message:
        mode = ParseMode.HTML if caption else None
        match item.kind:
            case MediaKind.PHOTO:
                return await self._bot.send_photo(
                    chat_id, item.data, caption=caption, parse_mode=mode, reply_parameters=reply, **rate
                )
            case MediaKind.VIDEO:
                return await self._bot.send_video(
                    chat_id,
                    item.data,
                    duration=item.duration or None,
                    width=item.width or None,
                    height=item.height or None,
                    supports_streaming=True,
                    filename="video.mp4",
                    caption=caption,
                    parse_mode=mode,
                    reply_parameters=reply,
                    **rate,
                )
            case MediaKind.VOICE:
                return await self._bot.send_voice(
                    chat_id,
                    item.data,
                    duration=item.duration or None,
                    filename="voice.ogg",
                    caption=caption,
                    parse_mode=mode,
                    reply_parameters=reply,
                    **rate,
                )

    async def delete_message(self, chat_id: int, message_id: int, *, priority: Priority = Priority.RESIDENT) -> None:
        await self._leaving()
        try:
            await self._bot.delete_message(chat_id, message_id, **self._priority(priority))
        except BadRequest as error:
            if "not found" not in error.message.lower():  # already gone: what was wanted
                raise delivery_error(chat_id, error) from error
        except TelegramError as error:
            raise delivery_error(chat_id, error) from error

    async def replace_photo(
        self, chat_id: int, message_id: int, photo: bytes, caption: str, *, priority: Priority = Priority.RESIDENT
    ) -> None:
        await self._leaving()
        try:
            await self._bot.edit_message_media(
                InputMediaPhoto(photo, caption=caption),
                chat_id=chat_id,
                message_id=message_id,
                **self._priority(priority),
            )
        except BadRequest as error:
            if not is_not_modified(error):
                raise delivery_error(chat_id, error) from error
        except TelegramError as error:
            raise delivery_error(chat_id, error) from error

    async def edit_text(
        self,
        chat_id: int,
        message_id: int,
        html: str,
        keyboard: Keyboard | None = None,
        *,
        priority: Priority = Priority.RESIDENT,
    ) -> None:
        await self._leaving()
        try:
            await self._bot.edit_message_text(
                html,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=to_markup(keyboard),
                **self._priority(priority),
            )
        except BadRequest as error:
            if not is_not_modified(error):
                raise delivery_error(chat_id, error) from error
        except TelegramError as error:
            raise delivery_error(chat_id, error) from error

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except BadRequest:
            return False  # Telegram answers "user not found" for people it cannot place in the chat
        if isinstance(member, ChatMemberRestricted):
            return member.is_member
        return member.status in _MEMBER_STATUSES

    async def check_access(self, chat_id: int, *, channel: bool) -> ChatAccess:
        try:
            chat = await self._bot.get_chat(chat_id)
            member = await self._bot.get_chat_member(chat_id, self._bot.id)
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                # Telegram hides private chats from bots that are not in them, so say what to do.
                return ChatAccess(chat_id, None, _NOT_FOUND_HINT)
            return ChatAccess(chat_id, None, error.message)
        except TelegramError as error:
            return ChatAccess(chat_id, None, error.message)
        title = chat.title
        if channel:
            if not isinstance(member, ChatMemberAdministrator):
                return ChatAccess(chat_id, title, "the bot is not an administrator of this channel")
            missing = [
                name
                for name, granted in (
                    ("post messages", member.can_post_messages),
                    ("edit messages", member.can_edit_messages),
                )
                if not granted
            ]
            if missing:
                return ChatAccess(chat_id, title, "the bot's admin rights lack: " + ", ".join(missing))
            return ChatAccess(chat_id, title, None)
        if isinstance(member, ChatMemberRestricted):
            ok = member.is_member and member.can_send_messages
        else:
            ok = member.status in _MEMBER_STATUSES
        return ChatAccess(chat_id, title, None if ok else "the bot is not a member who can send messages here")
