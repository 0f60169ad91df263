"""`vigil chats`: learn the ids of the verifier group and the channels without any third-party bot.

The bot itself listens: when someone adds it to a group or makes it a channel administrator
(or writes in a chat it is in), Telegram tells it the chat's id, title and type, and this
prints them with the line to paste into the network file. Private chats are not shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, Chat, ChatMember, ChatMemberAdministrator, Update
from telegram.error import Conflict

from bot.errors import TelegramUnavailable
from bot.settings import TelegramSettings
from bot.telegram_client import bot_client

Echo = Callable[[str], None]
POLL_SECONDS = 10
# Everything that names a chat the bot is in.
_WANTED_UPDATES = ["my_chat_member", "message", "edited_message", "channel_post", "edited_channel_post"]


@dataclass(frozen=True)
class FoundChat:
    id: int
    type: str
    title: str
    bot_status: str | None  # from my_chat_member; None when only a message was seen
    can_post: bool | None = None
    can_edit: bool | None = None

    def describe(self) -> list[str]:
        lines = [f"{self.title} ({self.type}) id {self.id}{self._status()}"]
        if self.bot_status in (ChatMember.LEFT, ChatMember.BANNED):
            return lines
        if self.type == Chat.CHANNEL:
            lines.append(
                "  as a neighborhood channel, in its `channels` list (with the languages its subscribers read):"
            )
            lines.append(f'    {{ chat_id = {self.id}, languages = ["en"] }}')
            if self.can_post is False or self.can_edit is False:
                lines.append("  The bot needs the administrator rights Post messages and Edit messages here.")
        else:
            lines.append("  as the verifier group:")
            lines.append(f"    verifier_group_id = {self.id}")
            if self.type == Chat.GROUP:
                lines.append(
                    "  This is a basic group: Telegram gives it a new id when it becomes a supergroup "
                    "(public link, topics, many members). Vigil then reports the new id."
                )
        return lines

    def _status(self) -> str:
        return {
            ChatMember.LEFT: ": the bot was removed",
            ChatMember.BANNED: ": the bot was removed",
            ChatMember.ADMINISTRATOR: ": the bot is an administrator",
            ChatMember.MEMBER: ": the bot is a member",
        }.get(self.bot_status or "", "")


def found_chat(update: Update) -> FoundChat | None:
    """The group or channel an update tells about, if any."""
    change = update.my_chat_member
    if change is not None:
        member = change.new_chat_member
        admin = member if isinstance(member, ChatMemberAdministrator) else None
        return _found(
            change.chat,
            member.status,
            admin.can_post_messages if admin else None,
            admin.can_edit_messages if admin else None,
        )
    message = update.effective_message
    if message is not None:
        return _found(message.chat, None)
    return None


def _found(
    chat: Chat, status: str | None, can_post: bool | None = None, can_edit: bool | None = None
) -> FoundChat | None:
    if chat.type == Chat.PRIVATE:
        return None
    return FoundChat(chat.id, chat.type, chat.title or "(no title)", status, can_post, can_edit)


async def watch_chats(
    settings: TelegramSettings, echo: Echo, *, stop: asyncio.Event, timeout: float | None = None
) -> list[FoundChat]:
    """Print every group and channel as the bot learns of it, until `stop` is set or `timeout` passes."""
    async with bot_client(settings, read_timeout=settings.telegram_timeout_seconds + POLL_SECONDS) as bot:
        echo(
            f"Waiting for chats. In Telegram, add @{bot.username} to your verifier group, and to each "
            "neighborhood channel as an administrator who may post and edit messages; for a group the "
            f"bot is already in, send /start@{bot.username} there. Ctrl+C stops."
        )
        return await _listen(bot, echo, stop, timeout)


async def _listen(bot: Bot, echo: Echo, stop: asyncio.Event, timeout: float | None) -> list[FoundChat]:
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    shown: dict[int, FoundChat] = {}
    offset = 0
    while not stop.is_set():
        remaining = None if deadline is None else deadline - loop.time()
        if remaining is not None and remaining <= 0:
            break
        wait = POLL_SECONDS if remaining is None else max(0, min(POLL_SECONDS, int(remaining)))
        poll = asyncio.ensure_future(_updates(bot, offset, wait))
        stopped = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if poll not in done:
            poll.cancel()
            break
        for update in poll.result():
            offset = update.update_id + 1
            chat = found_chat(update)
            if chat is not None and shown.get(chat.id) != chat:
                shown[chat.id] = chat
                for line in chat.describe():
                    echo(line)
    if not shown:
        echo("No group or channel yet.")
    return list(shown.values())


async def _updates(bot: Bot, offset: int, wait: int) -> tuple[Update, ...]:
    try:
        return await bot.get_updates(offset=offset, timeout=wait, allowed_updates=_WANTED_UPDATES)
    except Conflict as conflict:
        if "webhook" in conflict.message.lower():
            raise TelegramUnavailable(
                "This bot has a webhook set, so another service receives its updates: remove the webhook "
                "(or use another bot), then run `vigil chats` again."
            ) from None
        raise TelegramUnavailable(
            "Another program is taking this bot's updates (is `vigil run` running?): stop it, then run "
            "`vigil chats` again."
        ) from None
