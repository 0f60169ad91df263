"""What the fake Telegram knows: people, chats, who is in them, messages, files and updates."""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
PRESENT_STATUSES = {"creator", "administrator", "member", "restricted"}


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    started_bot: bool = False  # a private chat exists only after the person writes to the bot
    blocked_bot: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass
class BotRights:
    """A channel administrator's rights that matter for posting (Telegram has more)."""

    is_admin: bool = True
    can_post_messages: bool = True
    can_edit_messages: bool = True
    can_delete_messages: bool = True


@dataclass
class Chat:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    username: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    bot_rights: BotRights = field(default_factory=BotRights)  # channels only
    migrated_to: int | None = None
    next_message_id: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def to_json(self, world: World) -> dict[str, Any]:
        if self.type == "private":
            return {
                "type": "private",
                **{
                    k: v
                    for k, v in world.users[self.id].to_json().items()
                    if k in ("id", "first_name", "last_name", "username")
                },
            }
        data: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    from_bot: bool
    data: dict[str, Any]  # the Message object exactly as the Bot API returns it


class World:
    def __init__(self, bot: User) -> None:
        self.bot = bot
        self.users: dict[int, User] = {bot.id: bot}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self.files: dict[str, StoredFile] = {}
        self.updates: list[dict[str, Any]] = []
        self.update_history: dict[int, dict[str, Any]] = {}  # every update ever offered, by id
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int, dict[str, Any]] = {}  # chat id (0: every private chat's default) -> button
        self.callback_answers: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._media_groups = itertools.count(1)
        self._changed = asyncio.Event()

    # --- notifications -----------------------------------------------------------------

    def changed(self) -> None:
        """Wake long polls and waiters; a fresh event serves the next round."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_change(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass

    # --- ids and clocks ----------------------------------------------------------------

    @staticmethod
    def now() -> int:
        return int(time.time())

    def new_query_id(self) -> str:
        return f"{self.bot.id}{next(self._query_ids):06d}"

    def new_media_group_id(self) -> str:
        return f"1{next(self._media_groups):017d}"

    # --- lookups -----------------------------------------------------------------------

    def chat(self, chat_id: int) -> Chat | None:
        chat = self.chats.get(chat_id)
        if chat is None and chat_id in self.users and chat_id != self.bot.id:
            chat = Chat(chat_id, "private")
            self.chats[chat_id] = chat
        return chat

    def chat_by_username(self, username: str) -> Chat | None:
        name = username.lstrip("@").lower()
        return next((c for c in self.chats.values() if c.username and c.username.lower() == name), None)

    def message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        return self.messages.get(chat_id, {}).get(message_id)

    def member_status(self, chat: Chat, user_id: int) -> str:
        if chat.type == "private":
            return "member" if user_id in (chat.id, self.bot.id) else "left"
        return chat.members.get(user_id, "left")

    # --- changes -----------------------------------------------------------------------

    def store_file(self, content: bytes, folder: str, extension: str) -> StoredFile:
        number = next(self._file_ids)
        stored = StoredFile(
            file_id=f"AgAC{number:08d}{folder[:3].upper()}",
            file_unique_id=f"AQAD{number:06d}",
            content=content,
            file_path=f"{folder}/file_{number}.{extension}",
        )
        self.files[stored.file_id] = stored
        return stored

    def add_message(
        self, chat: Chat, sender: dict[str, Any] | None, fields: dict[str, Any], *, from_bot: bool
    ) -> StoredMessage:
        message_id = next(chat.next_message_id)
        data: dict[str, Any] = {"message_id": message_id, "date": self.now(), "chat": chat.to_json(self)}
        if chat.type == "channel":
            data["sender_chat"] = chat.to_json(self)
        elif sender is not None:
            data["from"] = sender
        data.update(fields)
        stored = StoredMessage(chat.id, message_id, from_bot, data)
        self.messages.setdefault(chat.id, {})[message_id] = stored
        self.changed()
        return stored

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update: dict[str, Any] = {"update_id": next(self._update_ids), kind: copy.deepcopy(payload)}
        self.updates.append(update)
        self.update_history[update["update_id"]] = copy.deepcopy(update)
        self.changed()
        return update
