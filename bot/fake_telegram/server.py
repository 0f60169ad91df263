"""FakeTelegram: a strict Bot API server on 127.0.0.1 plus the people who use it.

Tests (and the local sandbox) act as residents and verifiers through this object: people send
messages and press buttons, which become updates the bot polls for; what the bot sends is kept
per chat, exactly as the Bot API would return it.
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from aiohttp import web
from PIL import Image

from bot.domain.web_auth import init_data_for
from bot.fake_telegram import errors
from bot.fake_telegram.bot_api import BotApi, FloodLimits, InjectedDelay, InjectedFailure, photo_sizes
from bot.fake_telegram.errors import ApiError
from bot.fake_telegram.media import probe
from bot.fake_telegram.params import Params, Upload, error_for_unreadable_body
from bot.fake_telegram.world import MEMBER_STATUSES, BotRights, Chat, User, World

MessagePredicate = Callable[[dict[str, Any]], bool]
# Called with the method name and the request's parameters; used by tests to act at exact
# moments (for example to kill the bot while Telegram holds a request).
CallHook = Callable[[str, dict[str, Any]], Awaitable[None]]
MAX_REQUEST_BYTES = 50 * 1024 * 1024
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    403: "Forbidden: injected failure",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class AbortRequest(Exception):
    """Raised by a before-hook: the request is dropped unprocessed, as if it never arrived."""


class FakeTelegram:
    def __init__(
        self,
        token: str,
        bot_username: str = "vigil_bot",
        *,
        bot_name: str = "Vigil",
        host: str = "127.0.0.1",
        port: int = 0,
        flood_limits: bool = False,
    ) -> None:
        self.token = token
        self.bot_user_id = int(token.split(":", 1)[0])
        self.world = World(User(self.bot_user_id, bot_name, username=bot_username, is_bot=True))
        self.api = BotApi(self.world)
        if flood_limits:
            self.enforce_flood_limits()
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._site_port: int | None = None
        self._in_flight = 0
        self._last_activity = 0.0
        # The client may also say it is busy without a request on the wire (waiting for its turn in
        # its own rate limiter, or out a retry_after): settled() waits for that too.
        self._client_busy: list[Callable[[], bool]] = []
        # Every request answered with an error (method, code, description): a bot that Telegram
        # refuses something is one that would fail in production too.
        self.refused_calls: list[tuple[str, int, str]] = []
        self._before_hooks: list[CallHook] = []
        # (source, method, wall-clock time it was fully received, its chat_id or None) of every request;
        # source "" unless it came through via_url
        self.request_sources: list[tuple[str, str, float, int | str | None]] = []
        self._after_hooks: list[CallHook] = []

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        # The same API under /via/<name>/: a test that runs two bots on one token (an active instance
        # and its standby) tells their requests apart (`request_sources`); Telegram itself cannot.
        app.router.add_route("*", "/via/{source}/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._site_port = int(self._runner.addresses[0][1])  # the port the system gave, if 0 was asked

    async def stop(self) -> None:
        self.api.stopping = True
        self.world.changed()
        if self.api.webhook is not None:
            await self.api.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._site_port is None:
            raise RuntimeError("the fake Telegram server is not started")
        return self._site_port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}/bot"

    def via_url(self, source: str) -> str:
        """A base URL whose requests are recorded as coming from `source` (request_sources)."""
        return f"http://{self._host}:{self.port}/via/{source}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self.port}/file/bot"

    # --- HTTP ----------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _reply(errors.UNAUTHORIZED.to_json(), 401)
        polling = request.match_info["method"].lower() == "getupdates"
        if not polling:
            self._in_flight += 1
        method = request.match_info["method"]
        try:
            params = await _read_params(request)
            received = time.time()  # the whole request, body included: only now could Telegram act on it
            chat = params.as_dict().get("chat_id")
            self.request_sources.append((request.match_info.get("source", ""), method, received, chat))
            for hook in self._before_hooks:
                await hook(method, params.as_dict())
            result = await self.api.call(method, params)
            for hook in self._after_hooks:
                await hook(method, params.as_dict())
            delay = self.api.take_response_delay(method, params)
            if delay:
                await asyncio.sleep(delay)
        except ApiError as error:
            self.refused_calls.append((method, error.error_code, error.description))
            return _reply(error.to_json(), error.error_code)
        except AbortRequest:
            return _reply({"ok": False, "error_code": 500, "description": "Internal Server Error: aborted"}, 500)
        finally:
            if not polling:
                self._in_flight -= 1
                self._last_activity = asyncio.get_running_loop().time()
        return _reply({"ok": True, "result": result}, 200)

    async def _handle_download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _reply(errors.UNAUTHORIZED.to_json(), 401)
        path = request.match_info["path"]
        stored = next((f for f in self.world.files.values() if f.file_path == path), None)
        if stored is None:
            return _reply(errors.NOT_FOUND.to_json(), 404)
        return web.Response(body=stored.content, content_type="application/octet-stream")

    # --- the world: people and chats -------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        *,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        self.world.users[user_id] = User(user_id, first_name, last_name, username, language_code)

    def mini_app_init_data(self, user_id: int, *, start_param: str = "", age: timedelta = timedelta(0)) -> str:
        """The signed launch data a Telegram client passes when `user_id` opens the bot's Mini App
        (``tgWebAppData``), signed with this bot's token as Telegram does; `age` makes it older."""
        user = self.world.users[user_id]
        return init_data_for(
            user_id,
            user.first_name,
            self.token,
            at=datetime.now(UTC) - age,
            language_code=user.language_code or "en",
            start_param=start_param,
        )

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        member_ids: Sequence[int] = (),
        admin_ids: Sequence[int] = (),
        bot_is_member: bool = True,
        username: str | None = None,
    ) -> None:
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        chat = Chat(chat_id, kind, title=title, username=username)
        for user_id in member_ids:
            chat.members[user_id] = "member"
        for user_id in admin_ids:
            chat.members[user_id] = "administrator"
        if bot_is_member:
            chat.members[self.bot_user_id] = "member"
        self.world.chats[chat_id] = chat

    def add_channel(
        self,
        chat_id: int,
        title: str,
        *,
        username: str | None = None,
        bot_is_admin: bool = True,
        bot_can_post: bool = True,
        bot_can_edit: bool = True,
    ) -> None:
        rights = BotRights(is_admin=bot_is_admin, can_post_messages=bot_can_post, can_edit_messages=bot_can_edit)
        self.world.chats[chat_id] = Chat(chat_id, "channel", title=title, username=username, bot_rights=rights)

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}; Telegram has {MEMBER_STATUSES}")
        self._group(chat_id).members[user_id] = status

    def set_bot_rights(
        self, chat_id: int, *, is_admin: bool = True, can_post: bool = True, can_edit: bool = True
    ) -> None:
        chat = self.world.chats[chat_id]
        chat.bot_rights = BotRights(is_admin=is_admin, can_post_messages=can_post, can_edit_messages=can_edit)

    def add_bot_to_chat(self, chat_id: int, *, by_user_id: int) -> dict[str, Any]:
        """Someone adds the bot to a group (as a member), or to a channel as an administrator who may
        post and edit. As on Telegram, the bot gets a my_chat_member update; returns its payload."""
        chat = self._group(chat_id)
        before = self.api.bot_membership(chat)
        if chat.type == "channel":
            chat.bot_rights = BotRights()
        else:
            chat.members[self.bot_user_id] = "member"
        change = {
            "chat": chat.to_json(self.world),
            "from": self.world.users[by_user_id].to_json(),
            "date": self.world.now(),
            "old_chat_member": before,
            "new_chat_member": self.api.bot_membership(chat),
        }
        self.world.push_update("my_chat_member", change)
        return copy.deepcopy(change)

    def channel_posts_text(self, chat_id: int, text: str) -> dict[str, Any]:
        """An administrator posts in a channel; a bot that administers it gets a channel_post update."""
        chat = self._group(chat_id)
        if chat.type != "channel":
            raise ValueError(f"chat {chat_id} is a {chat.type}, not a channel")
        stored = self.world.add_message(chat, None, {"text": text}, from_bot=False)
        if chat.bot_rights.is_admin:
            self.world.push_update("channel_post", stored.data)
        return copy.deepcopy(stored.data)

    def user_blocks_bot(self, user_id: int) -> None:
        self.world.users[user_id].blocked_bot = True

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group upgraded to a supergroup: the old id answers with migrate_to_chat_id."""
        old = self._group(old_chat_id)
        old.migrated_to = new_chat_id
        self.world.chats[new_chat_id] = Chat(new_chat_id, "supergroup", title=old.title, members=dict(old.members))

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail as Telegram would,
        before doing anything: a 429 with retry_after, a 5xx, a 403 or a 400."""
        if retry_after is not None:
            error = ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        else:
            text = description or _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}: injected failure")
            error = ApiError(error_code, text)
        self.api.failures.append(InjectedFailure(method, chat_id, error, times))

    def time_out_after_storing(
        self, method: str, *, seconds: float, chat_id: int | None = None, times: int = 1
    ) -> None:
        """Make the next `times` calls of `method` succeed (the message is stored and shown) but
        answer only after `seconds`, past the client's read timeout."""
        self.api.delays.append(InjectedDelay(method, chat_id, seconds, times))

    def enforce_flood_limits(
        self, *, per_second: float = 30.0, per_minute_per_group: float = 20.0, private_burst: int = 6
    ) -> None:
        """Answer 429 (with retry_after) past Telegram's flood limits, counted over any sliding window:
        `per_second` messages in all, `per_minute_per_group` into one group or channel, and about one
        a second into a private chat (`private_burst` in any second, 60 in any minute). Off by
        default, because most tests turn the bot's own pacing off to run fast."""
        self.api.flood = FloodLimits(per_second, per_minute_per_group, private_burst)

    @property
    def flood_refusals(self) -> int:
        """How many requests were answered 429 because of the flood limits (not injected failures)."""
        return self.api.flood.refusals if self.api.flood is not None else 0

    def before_call(self, hook: CallHook) -> None:
        """Run `hook` when a request arrives, before Telegram acts on it (it may raise AbortRequest)."""
        self._before_hooks.append(hook)

    def after_call(self, hook: CallHook) -> None:
        """Run `hook` after Telegram acted on a request, before the answer is written."""
        self._after_hooks.append(hook)

    def _group(self, chat_id: int) -> Chat:
        chat = self.world.chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise KeyError(f"no group or channel {chat_id} in the fake world")
        return chat

    # --- people act ----------------------------------------------------------------------

    def _from_user(
        self, user_id: int, chat_id: int | None, fields: dict[str, Any], reply_to: int | None = None
    ) -> dict[str, Any]:
        user = self.world.users[user_id]
        chat_id = user_id if chat_id is None else chat_id
        chat = self.world.chat(chat_id)
        if chat is None:
            raise KeyError(f"no chat {chat_id} in the fake world")
        if reply_to is not None:
            # As in Telegram: a reply names a message of the same chat, which arrives with it
            # (without its own reply_to_message: Telegram does not nest them).
            target = self.world.message(chat_id, reply_to)
            if target is None:
                raise AssertionError(f"no message {reply_to} in chat {chat_id} to reply to")
            replied = copy.deepcopy(target.data)
            replied.pop("reply_to_message", None)
            fields = {**fields, "reply_to_message": replied}
        if chat.type == "private":
            if user.blocked_bot:
                raise AssertionError(f"user {user_id} blocked the bot and cannot write to it")
            user.started_bot = True
        stored = self.world.add_message(chat, user.to_json(), fields, from_bot=False)
        self.world.push_update("message", stored.data)
        return copy.deepcopy(stored.data)

    def user_sends_text(
        self, user_id: int, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            fields["entities"] = [{"offset": 0, "length": len(command.encode("utf-16-le")) // 2, "type": "bot_command"}]
        return self._from_user(user_id, chat_id, fields, reply_to)

    def user_sends_photo(
        self,
        user_id: int,
        image: bytes,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {"photo": photo_sizes(self.world, image)}
        if caption:
            fields["caption"] = caption
        if media_group_id:
            fields["media_group_id"] = media_group_id
        return self._from_user(user_id, chat_id, fields, reply_to)

    def user_sends_document(
        self,
        user_id: int,
        content: bytes,
        *,
        file_name: str,
        mime_type: str,
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self.world.store_file(content, "documents", extension)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._from_user(user_id, chat_id, {"document": document}, reply_to)

    def user_sends_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        return self._from_user(user_id, chat_id, {"location": {"latitude": latitude, "longitude": longitude}})

    def _user_file(self, content: bytes, folder: str, extension: str) -> dict[str, Any]:
        stored = self.world.store_file(content, folder, extension)
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(content)}

    def user_sends_video(
        self,
        user_id: int,
        content: bytes,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """A video from the camera or the gallery (Telegram's clients send MP4)."""
        info = probe(content)
        video = self._user_file(content, "videos", "mp4") | {
            "width": info.width if info else 0,
            "height": info.height if info else 0,
            "duration": info.duration if info else 0,
            "mime_type": "video/mp4",
        }
        fields: dict[str, Any] = {"video": video}
        if caption:
            fields["caption"] = caption
        if media_group_id:
            fields["media_group_id"] = media_group_id
        return self._from_user(user_id, chat_id, fields)

    def user_sends_video_note(self, user_id: int, content: bytes, *, chat_id: int | None = None) -> dict[str, Any]:
        """A round video message."""
        info = probe(content)
        note = self._user_file(content, "video_notes", "mp4") | {
            "length": info.width if info else 0,
            "duration": info.duration if info else 0,
        }
        return self._from_user(user_id, chat_id, {"video_note": note})

    def user_sends_animation(self, user_id: int, content: bytes, *, chat_id: int | None = None) -> dict[str, Any]:
        """A GIF-style animation (an MP4 without sound); Telegram fills in `document` too."""
        info = probe(content)
        described = self._user_file(content, "animations", "mp4") | {
            "width": info.width if info else 0,
            "height": info.height if info else 0,
            "duration": info.duration if info else 0,
            "file_name": "animation.mp4",
            "mime_type": "video/mp4",
        }
        document = {k: v for k, v in described.items() if k not in ("width", "height", "duration")}
        return self._from_user(user_id, chat_id, {"animation": described, "document": document})

    def user_sends_voice(self, user_id: int, content: bytes, *, chat_id: int | None = None) -> dict[str, Any]:
        """A voice note recorded in the app (OGG with Opus)."""
        info = probe(content)
        voice = self._user_file(content, "voice", "oga") | {
            "duration": info.duration if info else 0,
            "mime_type": "audio/ogg",
        }
        return self._from_user(user_id, chat_id, {"voice": voice})

    def user_sends_audio(
        self, user_id: int, content: bytes, *, file_name: str, mime_type: str, chat_id: int | None = None
    ) -> dict[str, Any]:
        """A music or recording file shared as audio (MP3, M4A...)."""
        info = probe(content)
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        audio = self._user_file(content, "music", extension) | {
            "duration": info.duration if info else 0,
            "file_name": file_name,
            "mime_type": mime_type,
        }
        return self._from_user(user_id, chat_id, {"audio": audio})

    def user_sends_sticker(self, user_id: int, *, emoji: str = "👍", chat_id: int | None = None) -> dict[str, Any]:
        sticker = self._user_file(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "stickers", "webp") | {
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "HotCherry",
        }
        return self._from_user(user_id, chat_id, {"sticker": sticker})

    def user_sends_dice(
        self, user_id: int, *, emoji: str = "🎲", value: int = 4, chat_id: int | None = None
    ) -> dict[str, Any]:
        return self._from_user(user_id, chat_id, {"dice": {"emoji": emoji, "value": value}})

    def user_sends_poll(
        self, user_id: int, question: str, options: list[str], *, chat_id: int | None = None
    ) -> dict[str, Any]:
        poll = {
            "id": f"5{self.world.new_query_id()}",
            "question": question,
            "options": [
                {"text": text, "voter_count": 0, "persistent_id": str(index)} for index, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
        return self._from_user(user_id, chat_id, {"poll": poll})

    def user_sends_game(self, user_id: int, title: str, *, chat_id: int | None = None) -> dict[str, Any]:
        """A game shared from an inline game bot (a person cannot send a game of their own)."""
        picture = photo_sizes(self.world, _tiny_png())
        game = {"title": title, "description": f"Play {title}", "photo": picture}
        via = {"id": 5550001, "is_bot": True, "first_name": "Games", "username": "gamebot"}
        return self._from_user(user_id, chat_id, {"game": game, "via_bot": via})

    def user_sends_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str,
        *,
        contact_user_id: int | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """A contact card: someone's phone number and name, as the sender's address book holds them."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self._from_user(user_id, chat_id, {"contact": contact})

    def user_sends_venue(
        self, user_id: int, latitude: float, longitude: float, title: str, address: str, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """A place picked from the map; Telegram sends its `location` alongside the `venue`."""
        location = {"latitude": latitude, "longitude": longitude}
        venue = {"location": location, "title": title, "address": address}
        return self._from_user(user_id, chat_id, {"venue": venue, "location": location})

    def user_edits_message(
        self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The person edits a text (or a caption) they sent; the bot gets an edited_message update."""
        chat_id = user_id if chat_id is None else chat_id
        stored = self.world.message(chat_id, message_id)
        if stored is None or stored.from_bot or stored.data.get("from", {}).get("id") != user_id:
            raise AssertionError(f"user {user_id} sent no message {message_id} in chat {chat_id}")
        field = "text" if "text" in stored.data else "caption"
        media = ("photo", "video", "document", "audio", "animation")
        if field == "caption" and not any(k in stored.data for k in media):
            raise AssertionError(f"message {message_id} has neither text nor a caption to edit")
        stored.data = {**stored.data, field: text, "edit_date": self.world.now()}
        stored.data.pop("entities" if field == "text" else "caption_entities", None)
        self.world.push_update("edited_message", stored.data)
        return copy.deepcopy(stored.data)

    def user_sends_message(
        self, user_id: int, fields: dict[str, Any], *, chat_id: int | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        """A message with any content (a test's own, e.g. generated): stored, and delivered as an update."""
        return self._from_user(user_id, chat_id, fields, reply_to)

    def channel_posts(self, chat_id: int, fields: dict[str, Any], *, edited: bool = False) -> dict[str, Any]:
        """Someone posts in a channel the bot is in (a `channel_post` update), or edits that post."""
        chat = self._group(chat_id)
        stored = self.world.add_message(chat, None, fields, from_bot=False)
        if edited:
            stored.data = {**stored.data, "edit_date": self.world.now()}
        self.world.push_update("edited_channel_post" if edited else "channel_post", stored.data)
        return copy.deepcopy(stored.data)

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """An update that refers to no stored message (an inline query, a poll's new state, a member
        change, a reaction...), as Telegram would deliver it. A callback query's id is registered so
        that it can be answered."""
        if kind == "callback_query":
            self.world.callback_answers[payload["id"]] = asyncio.get_running_loop().create_future()
        return copy.deepcopy(self.world.push_update(kind, payload))

    def tampered_client_presses(self, user_id: int, chat_id: int, message_id: int, callback_data: str) -> str:
        """A modified client sends callback data no button of the message carries (at most 64 bytes,
        as Telegram allows); returns the callback query id."""
        stored = self.world.message(chat_id, message_id)
        if stored is None:
            raise AssertionError(f"no message {message_id} in chat {chat_id}")
        if len(callback_data.encode()) > 64:
            raise AssertionError("Telegram carries at most 64 bytes of callback data")
        query_id = self.world.new_query_id()
        self.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": self.world.users[user_id].to_json(),
                "message": stored.data,
                "chat_instance": str(abs(chat_id) * 7919 % 10**12),
                "data": callback_data,
            },
        )
        return query_id

    def unanswered_callback_queries(self) -> list[str]:
        return [query_id for query_id, answer in self.world.callback_answers.items() if not answer.done()]

    def user_presses_button(self, user_id: int, chat_id: int, message_id: int, callback_data: str) -> str:
        """Press an inline button that the message really shows; returns the callback query id."""
        stored = self.world.message(chat_id, message_id)
        if stored is None:
            raise AssertionError(f"no message {message_id} in chat {chat_id}")
        markup = stored.data.get("reply_markup") or {}
        datas = [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]
        if callback_data not in datas:
            raise AssertionError(f"message {message_id} in chat {chat_id} has no button {callback_data!r}: {datas}")
        query_id = self.world.new_query_id()
        self.world.callback_answers[query_id] = asyncio.get_running_loop().create_future()
        query = {
            "id": query_id,
            "from": self.world.users[user_id].to_json(),
            "message": stored.data,
            "chat_instance": str(abs(chat_id) * 7919 % 10**12),
            "data": callback_data,
        }
        self.world.push_update("callback_query", query)
        return query_id

    def redeliver(self, update_id: int) -> None:
        """Offer an update again, as Telegram does after a bot crashed before confirming it.
        A running bot has moved its offset past it; a restarted one fetches it again."""
        update = copy.deepcopy(self.world.update_history[update_id])
        self.world.updates.append(update)
        self.world.updates.sort(key=lambda u: u["update_id"])
        self.world.changed()

    def update_id_of_query(self, query_id: str) -> int:
        return next(
            uid for uid, u in self.world.update_history.items() if u.get("callback_query", {}).get("id") == query_id
        )

    # --- what happened -------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Every message in the chat as it is now (edits applied), oldest first."""
        return [copy.deepcopy(m.data) for m in self.world.messages.get(chat_id, {}).values()]

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [copy.deepcopy(m.data) for m in self.world.messages.get(chat_id, {}).values() if m.from_bot]

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every request of `method` the bot made, in order."""
        return [params for name, params in self.api.requests if name.lower() == method.lower()]

    def call_times(self, method: str) -> list[float]:
        """Loop time (asyncio's clock) of every request of `method`, in order."""
        return [
            at
            for (name, _), at in zip(self.api.requests, self.api.request_times, strict=True)
            if name.lower() == method.lower()
        ]

    @property
    def requests(self) -> list[tuple[str, dict[str, Any]]]:
        return list(self.api.requests)

    def file_bytes(self, file_id: str) -> bytes:
        return self.world.files[file_id].content

    def commands(self, *, scope: str = "default", language_code: str = "") -> list[dict[str, Any]]:
        """The bot's commands for a scope type.

        Chat scopes are named "chat:<chat_id>" (and ":<user_id>" after it for chat_member)."""
        return copy.deepcopy(self.world.commands.get((scope, language_code), []))

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            await self.world.wait_for_change(min(remaining, 0.05))

    async def wait_for_change(self, timeout: float) -> None:
        """Return when anything changes (a message, an edit, an update, a callback answer) or after
        `timeout` seconds; for observers such as the sandbox page, which then look again."""
        await self.world.wait_for_change(timeout)

    def watch_client(self, busy: Callable[[], bool]) -> Callable[[], None]:
        """Count the client as busy while `busy()` says so (a request held back before it is made).
        Returns the function that stops watching."""
        self._client_busy.append(busy)
        return lambda: self._client_busy.remove(busy)

    async def settled(self, quiet: float = 0.1, timeout: float = 5.0) -> None:
        """Wait until the bot has made no request for `quiet` seconds and holds none back (its
        reaction is complete)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._in_flight or any(busy() for busy in self._client_busy) or loop.time() - self._last_activity < quiet:
            if loop.time() > deadline:
                raise AssertionError(f"the bot was still busy after {timeout}s")
            await asyncio.sleep(quiet / 4)

    async def wait_for_bot_message(
        self, chat_id: int, predicate: MessagePredicate | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The first bot message in the chat (as it is now) that satisfies the predicate."""

        def found() -> dict[str, Any] | None:
            return next((m for m in self.bot_messages(chat_id) if predicate is None or predicate(m)), None)

        try:
            await self.wait_until(lambda: found() is not None, timeout)
        except AssertionError:
            seen = [m.get("text") or m.get("caption") or "<media>" for m in self.bot_messages(chat_id)]
            raise AssertionError(
                f"no matching bot message in chat {chat_id} after {timeout}s; it has: {seen}"
            ) from None
        message = found()
        assert message is not None
        return message

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 5.0) -> dict[str, Any]:
        try:
            return dict(await asyncio.wait_for(asyncio.shield(self.world.callback_answers[query_id]), timeout))
        except TimeoutError:
            raise AssertionError(f"the bot did not answer callback query {query_id} within {timeout}s") from None


async def _read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise error_for_unreadable_body() from None
            if not isinstance(body, dict):
                raise error_for_unreadable_body()
            values.update(body)
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[name] = Upload(value.filename, value.file.read())
                else:
                    values[name] = value
    return Params(values, uploads)


def _tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def _reply(body: dict[str, Any], status: int) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")
