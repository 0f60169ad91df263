"""The one hand-written TelegramPort for service and dispatcher tests: it records what would be
sent and answers as a test tells it to, without a Bot API (the e2e tests have the real fake)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.domain.reports import ReportMedia
from bot.ports import ChatAccess, DeliveryError, Keyboard, TemporaryFailure
from tests.sample_network import VERIFIER_GROUP


class FakePort:
    """Records every message; a chat answers from its `script` first (an exception to raise, or None
    to deliver), waits while it has a closed `gate`, fails with a 5xx while `down`, and refuses
    while in `refuse`. `members` are the verifier group's."""

    reports_departure = False  # it sends at once: "sending" is recorded before each request

    def __init__(self, members: set[int] | None = None) -> None:
        self.members = members or set()
        self.script: dict[int, list[Exception | None]] = {}
        self.gates: dict[int, asyncio.Event] = {}
        self.refuse: set[int] = set()
        self.down: set[int] = set()  # chats that answer with a 5xx for now
        self.files: dict[str, bytes] = {}
        self.sent: list[tuple[int, str, Keyboard | None]] = []  # message id = its place in this list
        self.delivered: list[tuple[str, int, str, int | None]] = []  # (what, chat, text, target), in order
        self.edits: dict[tuple[int, int], tuple[str, Keyboard | None]] = {}
        self.photos: list[bytes] = []
        self.replies: dict[int, int | None] = {}  # message id -> the message it replied to

    async def _answer(self, chat_id: int) -> None:
        if chat_id in self.gates:
            await self.gates[chat_id].wait()
        queue = self.script.get(chat_id, [])
        if queue and (problem := queue.pop(0)) is not None:
            raise problem

    async def download(self, file_id: str, destination, *, max_bytes: int) -> None:
        destination.write_bytes(self.files[file_id])

    async def send_text(self, chat_id, html, keyboard=None, *, reply_to=None, priority=None) -> int:
        await self._answer(chat_id)
        if chat_id in self.down:
            raise TemporaryFailure(chat_id, "Internal Server Error")
        if chat_id in self.refuse:
            raise DeliveryError(chat_id, "Forbidden: bot is not a member of the channel chat")
        self.sent.append((chat_id, html, keyboard))
        self.delivered.append(("send", chat_id, html, reply_to))
        self.replies[len(self.sent)] = reply_to
        return len(self.sent)

    async def send_media(
        self, chat_id: int, items: Sequence[ReportMedia], *, caption=None, reply_to=None, priority=None
    ) -> tuple[list[int], list[str]]:
        await self._answer(chat_id)
        if chat_id in self.down:
            raise TemporaryFailure(chat_id, "Internal Server Error")
        self.photos.extend(item.data for item in items)
        return [100 + i for i in range(len(items))], [f"clean-{i}" for i in range(len(items))]

    async def edit_text(self, chat_id, message_id, html, keyboard=None, *, priority=None) -> None:
        await self._answer(chat_id)
        self.edits[(chat_id, message_id)] = (html, keyboard)
        self.delivered.append(("edit", chat_id, html, message_id))

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        return chat_id == VERIFIER_GROUP and user_id in self.members

    async def check_access(self, chat_id: int, *, channel: bool) -> ChatAccess:
        return ChatAccess(chat_id, None, None)

    def texts_to(self, chat_id: int) -> list[str]:
        return [html for chat, html, _ in self.sent if chat == chat_id]

    def to(self, chat_id: int) -> list[tuple[str, str, int | None]]:
        """(what, text, target) of everything sent to or edited in the chat, in order."""
        return [(what, text, target) for what, chat, text, target in self.delivered if chat == chat_id]
