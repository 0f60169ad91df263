"""The Bot API methods Vigil uses, answered from the World the way Telegram answers them."""

from __future__ import annotations

import asyncio
import io
import math
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse, urlsplit

from PIL import Image, UnidentifiedImageError

from bot.fake_telegram import errors
from bot.fake_telegram.errors import ApiError, bad_request, forbidden
from bot.fake_telegram.formatting import caption_text, check_callback_answer, inline_keyboard, message_text
from bot.fake_telegram.media import is_voice, probe
from bot.fake_telegram.params import Params
from bot.fake_telegram.webhook import Webhook, WebhookPusher
from bot.fake_telegram.world import PRESENT_STATUSES, Chat, StoredFile, StoredMessage, World

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # what a bot may upload as a video, voice, audio or document
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


@dataclass
class InjectedFailure:
    method: str
    chat_id: int | None
    error: ApiError
    times: int


@dataclass
class InjectedDelay:
    """Do the work (store the message), then answer only after `seconds`: the client times out
    although Telegram did what it asked, which is the case a careful bot must not resend blindly."""

    method: str
    chat_id: int | None
    seconds: float
    times: int


@dataclass
class SlidingLimit:
    """At most `limit` messages in any `period` seconds, counted over every sliding window (as
    Telegram counts), not per fixed second: the arrival moments of the messages it let through."""

    limit: int
    period: float
    moments: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        """0 if one more message fits now, else the seconds until it would."""
        while self.moments and self.moments[0] <= now - self.period:
            self.moments.popleft()
        if len(self.moments) < self.limit:
            return 0.0
        return self.moments[len(self.moments) - self.limit] + self.period - now

    def take(self, now: float) -> None:
        self.moments.append(now)


@dataclass
class FloodLimits:
    """Telegram's flood limits, enforced only when a test or benchmark asks (FakeTelegram(flood_limits=True)),
    each over any sliding window: `per_second` messages in all; `per_minute_per_group` into one group
    or channel; into one private chat about one a second, as at most `private_burst` in any second
    and `private_per_minute` in any minute. Past any of them, 429 with the wait it needs."""

    per_second: float = 30.0
    per_minute_per_group: float = 20.0
    private_burst: int = 6
    private_per_minute: int = 60
    refusals: int = 0
    _overall: SlidingLimit | None = None
    _chats: dict[int, tuple[SlidingLimit, ...]] = field(default_factory=dict)

    def _limits_of(self, chat_id: int | None) -> tuple[SlidingLimit, ...]:
        if self._overall is None:
            self._overall = SlidingLimit(int(self.per_second), 1.0)
        if chat_id is None:
            return (self._overall,)
        if chat_id not in self._chats:
            self._chats[chat_id] = (
                (SlidingLimit(int(self.per_minute_per_group), 60.0),)
                if chat_id < 0
                else (SlidingLimit(self.private_burst, 1.0), SlidingLimit(self.private_per_minute, 60.0))
            )
        return (self._overall, *self._chats[chat_id])

    def check(self, chat_id: int | None, now: float) -> None:
        limits = self._limits_of(chat_id)
        wait = max(limit.wait(now) for limit in limits)
        if wait:
            self.refusals += 1
            seconds = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        for limit in limits:
            limit.take(now)


# Requests that post or change a message: what Telegram's flood limits count.
MESSAGE_METHODS = frozenset(
    name.lower()
    for name in (
        "sendMessage",
        "sendPhoto",
        "sendVideo",
        "sendVoice",
        "sendAudio",
        "sendDocument",
        "sendAnimation",
        "sendMediaGroup",
        "editMessageMedia",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "deleteMessage",
    )
)

Method = Callable[[Params], Awaitable[Any]]


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class BotApi:
    def __init__(self, world: World) -> None:
        self.world = world
        self.failures: list[InjectedFailure] = []
        self.delays: list[InjectedDelay] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.request_times: list[float] = []  # loop time of each request, parallel to `requests`
        self.flood: FloodLimits | None = None  # off unless asked for
        self.stopping = False
        self._poll_generation = 0
        self.webhook: WebhookPusher | None = None  # set by setWebhook: updates are pushed, not polled
        self._methods: dict[str, Method] = {
            name.lower(): getattr(self, "_" + _snake(name))
            for name in (
                "getMe",
                "getUpdates",
                "setWebhook",
                "deleteWebhook",
                "getWebhookInfo",
                "sendMessage",
                "sendPhoto",
                "sendVideo",
                "sendVoice",
                "sendAudio",
                "sendDocument",
                "sendMediaGroup",
                "editMessageText",
                "editMessageCaption",
                "editMessageMedia",
                "editMessageReplyMarkup",
                "deleteMessage",
                "answerCallbackQuery",
                "getFile",
                "getChat",
                "getChatMember",
                "setMyCommands",
                "setChatMenuButton",
                "getMyCommands",
                "deleteMyCommands",
                "sendChatAction",
            )
        }

    async def call(self, method: str, params: Params) -> Any:
        implementation = self._methods.get(method.lower())
        if implementation is None:
            raise errors.NOT_FOUND
        self.requests.append((method, params.as_dict()))
        self.request_times.append(asyncio.get_running_loop().time())
        self._raise_injected_failure(method, params)
        if self.flood is not None and method.lower() in MESSAGE_METHODS:
            self.flood.check(_target_chat(params), asyncio.get_running_loop().time())
        return await implementation(params)

    def _raise_injected_failure(self, method: str, params: Params) -> None:
        chat_id = _target_chat(params)
        for failure in self.failures:
            if failure.method.lower() == method.lower() and failure.chat_id in (None, chat_id):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                raise failure.error

    def take_response_delay(self, method: str, params: Params) -> float:
        """Seconds to hold the answer to a request that already succeeded (0 for none)."""
        chat_id = _target_chat(params)
        for delay in self.delays:
            if delay.method.lower() == method.lower() and delay.chat_id in (None, chat_id):
                delay.times -= 1
                if delay.times <= 0:
                    self.delays.remove(delay)
                return delay.seconds
        return 0.0

    # --- identity and updates ------------------------------------------------------------

    async def _get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self.world.bot.to_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_webhook(self, params: Params) -> bool:
        url = params.string("url") or ""
        if not url:
            return await self._delete_webhook(params)
        parsed = urlsplit(url)
        loopback = parsed.hostname in ("127.0.0.1", "localhost", "::1")
        if parsed.scheme != "https" and not (parsed.scheme == "http" and loopback):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.string("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if params.boolean("drop_pending_updates"):
            self.world.updates.clear()
        if self.webhook is not None:
            await self.webhook.stop()
        webhook = Webhook(url, secret, params.json("allowed_updates") or [], params.integer("max_connections") or 40)
        self.webhook = WebhookPusher(self.world, webhook)
        self.webhook.start()
        self._poll_generation += 1
        self.world.changed()  # a long poll still waiting ends with 409
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if params.boolean("drop_pending_updates"):
            self.world.updates.clear()
        return True

    async def _get_webhook_info(self, params: Params) -> dict[str, Any]:
        url = self.webhook.webhook.url if self.webhook is not None else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self.world.updates)}

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self.world.changed()  # an older long poll ends now with 409, as on Telegram
        offset = params.integer("offset") or 0
        limit = min(max(params.integer("limit") or 100, 1), 100)
        timeout = max(params.integer("timeout") or 0, 0)
        allowed = params.json("allowed_updates") or []
        if offset > 0:
            # Telegram forgets every update below the offset: that is how a bot confirms them.
            self.world.updates[:] = [u for u in self.world.updates if u["update_id"] >= offset]
        elif offset < 0:
            # -N: only the last N updates of the queue; all previous ones are forgotten.
            self.world.updates[:] = self.world.updates[offset:]
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
                    if self.webhook is None
                    else "Conflict: terminated by setWebhook request",
                )
            pending = [u for u in self.world.updates if u["update_id"] >= offset and _wanted(u, allowed)]
            remaining = deadline - asyncio.get_running_loop().time()
            if pending or remaining <= 0 or self.stopping:
                return pending[:limit]
            await self.world.wait_for_change(min(remaining, 0.5))

    # --- sending -------------------------------------------------------------------------

    def _chat_for_sending(self, params: Params, what: str = "text messages") -> Chat:
        chat = self._resolve_chat(params.chat_reference())
        self._check_can_send(chat, what)
        return chat

    def _resolve_chat(self, reference: int | str) -> Chat:
        chat = self.world.chat_by_username(reference) if isinstance(reference, str) else self.world.chat(reference)
        if chat is None:
            raise bad_request(errors.CHAT_NOT_FOUND)
        if chat.migrated_to is not None:
            raise bad_request("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to})
        return chat

    def _check_can_send(self, chat: Chat, what: str) -> None:
        if chat.type == "private":
            user = self.world.users[chat.id]
            if user.is_bot:
                raise forbidden("bot can't send messages to bots")
            if user.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if not user.started_bot:
                raise forbidden("bot can't initiate conversation with a user")
            return
        status = self.world.member_status(chat, self.world.bot.id)
        if chat.type == "channel":
            if not chat.bot_rights.is_admin:
                raise forbidden("bot is not a member of the channel chat")
            if not chat.bot_rights.can_post_messages:
                raise bad_request("need administrator rights in the channel chat")
            return
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if status not in PRESENT_STATUSES:
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        if status == "restricted":
            raise bad_request(f"not enough rights to send {what} to the chat")

    def _reply_target(self, chat: Chat, params: Params) -> dict[str, Any] | None:
        reply = params.json("reply_parameters")
        if reply is None and params.has("reply_to_message_id"):
            reply = {
                "message_id": params.integer("reply_to_message_id"),
                "allow_sending_without_reply": params.boolean("allow_sending_without_reply"),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise bad_request("can't parse reply parameters JSON object")
        target = self.world.message(chat.id, int(reply["message_id"]))
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        replied = dict(target.data)
        replied.pop("reply_to_message", None)
        return replied

    def _post(
        self, chat: Chat, fields: dict[str, Any], params: Params, reply_to: dict[str, Any] | None
    ) -> StoredMessage:
        markup = inline_keyboard(params, private=chat.type == "private")
        if markup is not None:
            fields["reply_markup"] = markup
        if reply_to is not None:
            fields["reply_to_message"] = reply_to
        return self.world.add_message(chat, self.world.bot.to_json(), fields, from_bot=True)

    async def _send_message(self, params: Params) -> dict[str, Any]:
        chat = self._chat_for_sending(params)
        text, entities = message_text(params)
        entities = self._with_mentioned_users(entities)
        fields: dict[str, Any] = {"text": text}
        if entities:
            fields["entities"] = entities
        reply_to = self._reply_target(chat, params)
        return self._post(chat, fields, params, reply_to).data

    async def _send_photo(self, params: Params) -> dict[str, Any]:
        return self._send_captioned(params, "photos", lambda: {"photo": self._photo_sizes(params, "photo")})

    async def _send_video(self, params: Params) -> dict[str, Any]:
        return await self._send_file(params, "video", "videos")

    async def _send_voice(self, params: Params) -> dict[str, Any]:
        return await self._send_file(params, "voice", "voice notes")

    async def _send_audio(self, params: Params) -> dict[str, Any]:
        return await self._send_file(params, "audio", "audio files")

    async def _send_document(self, params: Params) -> dict[str, Any]:
        return await self._send_file(params, "document", "documents")

    async def _send_file(self, params: Params, kind: str, what: str) -> dict[str, Any]:
        return self._send_captioned(params, what, lambda: self._file_fields(params, kind, kind))

    def _send_captioned(self, params: Params, what: str, media: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """A photo, video, voice note, audio file or document, with its caption, as one message.
        The chat and its rights are checked first, then the caption, then the file."""
        chat = self._chat_for_sending(params, what)
        caption, caption_entities = caption_text(params)
        caption_entities = self._with_mentioned_users(caption_entities)
        fields = media()
        if caption:
            fields["caption"] = caption
        if caption_entities:
            fields["caption_entities"] = caption_entities
        reply_to = self._reply_target(chat, params)
        return self._post(chat, fields, params, reply_to).data

    def _upload_or_stored(
        self, params: Params, name: str, reference: str | None = None
    ) -> tuple[bytes, StoredFile | None, str]:
        """The bytes of an uploaded file (or of the file a file_id names), and the upload's name."""
        reference = reference if reference is not None else (params.string(name) or "")
        upload = params.upload(name)
        if reference.startswith("attach://"):
            upload = params.upload(reference.removeprefix("attach://"))
            if upload is None:
                raise bad_request(errors.WRONG_FILE)
        if upload is None:
            stored = self.world.files.get(reference)
            if stored is None:
                raise bad_request(errors.WRONG_FILE)
            return stored.content, stored, stored.file_path.rsplit("/", 1)[-1]
        return upload.content, None, upload.filename or "file"

    def _file_fields(self, params: Params, name: str, kind: str, *, reference: str | None = None) -> dict[str, Any]:
        """A video, voice, audio or document as Telegram describes it. Like Telegram, a "video" FFmpeg
        cannot read, or a "voice" that is not OGG/Opus, MP3 or M4A, arrives as a document."""
        content, stored, filename = self._upload_or_stored(params, name, reference)
        if len(content) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        info = probe(content)
        if kind == "video" and (info is None or info.video_codec is None):
            kind = "document"
        if kind == "voice" and not is_voice(info):
            kind = "document"
        if kind == "audio" and (info is None or info.audio_codec is None):
            kind = "document"
        if stored is None:
            extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
            stored = self.world.store_file(content, kind + "s", extension)
        described: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(content),
        }
        if kind == "video" and info is not None:
            described.update(width=info.width, height=info.height, duration=info.duration, mime_type="video/mp4")
        elif kind == "voice" and info is not None:
            mime_type = "audio/ogg" if info.format_name == "ogg" else "audio/mpeg"
            described.update(duration=info.duration, mime_type=mime_type)
        elif kind == "audio" and info is not None:
            described.update(duration=info.duration, file_name=filename)
        else:
            described.update(file_name=filename)
        return {kind: described}

    async def _send_media_group(self, params: Params) -> list[dict[str, Any]]:
        chat = self._chat_for_sending(params, "media")
        media = params.json("media")
        if not isinstance(media, list):
            raise bad_request("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the group: from 2 to 10 expected")
        types = [item.get("type") if isinstance(item, dict) else None for item in media]
        # Photos and videos may share an album; audio files and documents only go with their own kind.
        if not (set(types) <= {"photo", "video"} or set(types) == {"audio"} or set(types) == {"document"}):
            raise bad_request(
                "MEDIA_INVALID"
                if set(types) - {"photo", "video", "audio", "document"}
                else "wrong type of the media in the group"
            )
        items: list[dict[str, Any]] = []
        for item in media:
            item_params = Params({k: v for k, v in item.items() if k != "media"}, {})
            caption, caption_entities = caption_text(item_params)
            caption_entities = self._with_mentioned_users(caption_entities)
            reference = str(item.get("media", ""))
            if item["type"] == "photo":
                fields: dict[str, Any] = {"photo": self._photo_sizes(params, "media", reference=reference)}
            else:
                fields = self._file_fields(params, "media", item["type"], reference=reference)
            if caption:
                fields["caption"] = caption
            if caption_entities:
                fields["caption_entities"] = caption_entities
            items.append(fields)
        reply_to = self._reply_target(chat, params)
        group_id = self.world.new_media_group_id()
        sent = []
        for index, fields in enumerate(items):
            fields["media_group_id"] = group_id
            if index == 0 and reply_to is not None:
                fields["reply_to_message"] = reply_to
            sent.append(self.world.add_message(chat, self.world.bot.to_json(), fields, from_bot=True).data)
        return sent

    def _with_mentioned_users(self, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A text_mention (tg://user?id=...) names the whole user; one the bot cannot know is refused."""
        out = []
        for entity in entities:
            if entity["type"] == "text_mention":
                user = self.world.users.get(int(entity.get("user", {}).get("id", 0)))
                if user is None:
                    raise bad_request("ENTITY_MENTION_USER_INVALID")
                entity = {**entity, "user": user.to_json()}
            out.append(entity)
        return out

    def _photo_sizes(self, params: Params, name: str, *, reference: str | None = None) -> list[dict[str, Any]]:
        """Store an uploaded photo (or re-use a file_id) and describe it as Telegram's PhotoSize list."""
        content, stored, _ = self._upload_or_stored(params, name, reference)
        return photo_sizes(self.world, content, stored=stored)

    # --- editing -------------------------------------------------------------------------

    def _message_to_edit(self, params: Params) -> tuple[Chat, StoredMessage]:
        if params.has("inline_message_id"):
            raise bad_request("the fake Bot API does not implement inline messages")
        chat = self._resolve_chat(params.chat_reference())
        message_id = params.integer("message_id", required=True)
        assert message_id is not None
        stored = self.world.message(chat.id, message_id)
        if stored is None:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        rights = chat.bot_rights
        # can_edit_messages is the right to edit messages of others; a poster may edit its own posts.
        if chat.type == "channel" and not (rights.is_admin and (rights.can_edit_messages or rights.can_post_messages)):
            raise bad_request("need administrator rights in the channel chat")
        return chat, stored

    def _apply_edit(
        self, stored: StoredMessage, changes: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        current = stored.data
        new = dict(current)
        for key, value in changes.items():
            if value:
                new[key] = value
            else:
                new.pop(key, None)
        if markup is None:
            new.pop("reply_markup", None)
        else:
            new["reply_markup"] = markup
        if _content(new) == _content(current):
            raise bad_request(errors.MESSAGE_NOT_MODIFIED)
        new["edit_date"] = self.world.now()
        stored.data = new
        self.world.changed()
        return new

    async def _edit_message_text(self, params: Params) -> dict[str, Any]:
        chat, stored = self._message_to_edit(params)
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        text, entities = message_text(params, editing=True)
        entities = self._with_mentioned_users(entities)
        markup = inline_keyboard(params, private=chat.type == "private")
        return self._apply_edit(stored, {"text": text, "entities": entities}, markup)

    async def _edit_message_caption(self, params: Params) -> dict[str, Any]:
        chat, stored = self._message_to_edit(params)
        if "text" in stored.data:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = caption_text(params)
        entities = self._with_mentioned_users(entities)
        markup = inline_keyboard(params, private=chat.type == "private")
        return self._apply_edit(stored, {"caption": caption, "caption_entities": entities}, markup)

    async def _edit_message_media(self, params: Params) -> dict[str, Any]:
        """Replace a photo or a video by a photo; text messages have no media, and Telegram lets a voice
        note become only another voice note (which the fake does not implement)."""
        chat, stored = self._message_to_edit(params)
        if "photo" not in stored.data and "video" not in stored.data:
            raise bad_request("there is no media in the message to edit" if "text" in stored.data else "MEDIA_INVALID")
        media = params.json("media")
        if not isinstance(media, dict) or media.get("type") != "photo":
            raise bad_request("the fake Bot API only implements editing a photo into a photo")
        item_params = Params({k: v for k, v in media.items() if k != "media"}, {})
        caption, caption_entities = caption_text(item_params)
        caption_entities = self._with_mentioned_users(caption_entities)
        photo = self._photo_sizes(params, "media", reference=str(media.get("media", "")))
        changes = {"photo": photo, "video": None, "caption": caption, "caption_entities": caption_entities}
        return self._apply_edit(stored, changes, inline_keyboard(params, private=chat.type == "private"))

    async def _edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        chat, stored = self._message_to_edit(params)
        return self._apply_edit(stored, {}, inline_keyboard(params, private=chat.type == "private"))

    async def _delete_message(self, params: Params) -> bool:
        chat = self._resolve_chat(params.chat_reference())
        message_id = params.integer("message_id", required=True)
        stored = self.world.message(chat.id, message_id or 0)
        if stored is None:
            raise bad_request("message to delete not found")
        if chat.type == "channel" and not chat.bot_rights.can_delete_messages:
            raise bad_request("message can't be deleted")
        if chat.type != "private" and not stored.from_bot:
            if self.world.member_status(chat, self.world.bot.id) not in ("administrator", "creator"):
                raise bad_request("message can't be deleted")
        del self.world.messages[chat.id][stored.message_id]
        self.world.changed()
        return True

    # --- buttons -------------------------------------------------------------------------

    async def _answer_callback_query(self, params: Params) -> bool:
        query_id = params.string("callback_query_id", required=True)
        assert query_id is not None
        answer = self.world.callback_answers.get(query_id)
        if answer is None or answer.done():
            raise bad_request(errors.QUERY_TOO_OLD)
        text = params.string("text")
        check_callback_answer(text)
        answer.set_result({"text": text or "", "show_alert": params.boolean("show_alert"), "url": params.string("url")})
        self.world.changed()
        return True

    # --- files and chats ---------------------------------------------------------------------

    async def _get_file(self, params: Params) -> dict[str, Any]:
        file_id = params.string("file_id", required=True)
        stored = self.world.files.get(file_id or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _chat_visible_to_bot(self, params: Params) -> Chat:
        chat = self._resolve_chat(params.chat_reference())
        if chat.type == "private":
            if not self.world.users[chat.id].started_bot:
                raise bad_request(errors.CHAT_NOT_FOUND)
        elif chat.type == "channel":
            if not chat.bot_rights.is_admin and not chat.username:
                raise bad_request(errors.CHAT_NOT_FOUND)
        else:
            status = self.world.member_status(chat, self.world.bot.id)
            if status == "kicked":
                raise forbidden(f"bot was kicked from the {chat.type} chat")
            if status not in PRESENT_STATUSES:
                raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    async def _get_chat(self, params: Params) -> dict[str, Any]:
        chat = self._chat_visible_to_bot(params)
        return {
            **chat.to_json(self.world),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, params: Params) -> dict[str, Any]:
        chat = self._chat_visible_to_bot(params)
        user_id = params.integer("user_id", required=True)
        user = self.world.users.get(user_id or 0)
        if user is None:
            raise bad_request("user not found")
        if chat.type == "channel":
            if user.id != self.world.bot.id and not chat.bot_rights.is_admin:
                raise bad_request("member list is inaccessible")
            if user.id == self.world.bot.id:
                return self.bot_membership(chat)
        return chat_member_json(self.world.member_status(chat, user.id), user.to_json(), chat)

    def bot_membership(self, chat: Chat) -> dict[str, Any]:
        """The bot's ChatMember in a group or channel, as getChatMember and my_chat_member show it."""
        if chat.type != "channel":
            return chat_member_json(self.world.member_status(chat, self.world.bot.id), self.world.bot.to_json(), chat)
        rights = chat.bot_rights
        if not rights.is_admin:
            return {"status": "left", "user": self.world.bot.to_json()}
        member = chat_member_json("administrator", self.world.bot.to_json(), chat)
        member.update(
            can_post_messages=rights.can_post_messages,
            can_edit_messages=rights.can_edit_messages,
            can_delete_messages=rights.can_delete_messages,
        )
        return member

    async def _send_chat_action(self, params: Params) -> bool:
        self._chat_for_sending(params)
        return True

    # --- commands ------------------------------------------------------------------------

    def _command_key(self, params: Params) -> tuple[str, str]:
        scope = params.json("scope") or {"type": "default"}
        if not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        key = str(scope.get("type", "default"))
        for part in ("chat_id", "user_id"):
            if part in scope:
                key += f":{scope[part]}"  # e.g. "chat:-100123" or "chat_member:-100123:42"
        return key, params.string("language_code") or ""

    async def _set_chat_menu_button(self, params: Params) -> bool:
        """The menu button of one private chat (or, without chat_id, every private chat's default).
        A web_app button opens a Mini App, over https only, as on an inline keyboard."""
        chat_id = params.integer("chat_id")
        if chat_id is not None:
            chat = self._resolve_chat(params.chat_reference())
            if chat.type != "private":
                raise bad_request("chat_id must be a private chat")
        button = params.json("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
            raise bad_request("can't parse menu button JSON object")
        if button["type"] == "web_app":
            web_app = button.get("web_app")
            url = web_app.get("url") if isinstance(web_app, dict) else None
            if not str(button.get("text", "")).strip():
                raise bad_request("menu button text must be non-empty")
            if not isinstance(url, str) or urlparse(url).scheme != "https" or not urlparse(url).netloc:
                raise bad_request(f"menu button Web App URL '{url}' is invalid: Only HTTPS links are allowed")
        self.world.menu_buttons[chat_id or 0] = button
        return True

    async def _set_my_commands(self, params: Params) -> bool:
        commands = params.json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        language = params.string("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("LANG_CODE_INVALID")
        self.world.commands[self._command_key(params)] = commands
        return True

    async def _get_my_commands(self, params: Params) -> list[dict[str, Any]]:
        return self.world.commands.get(self._command_key(params), [])

    async def _delete_my_commands(self, params: Params) -> bool:
        self.world.commands.pop(self._command_key(params), None)
        return True


def _target_chat(params: Params) -> int | None:
    if not params.has("chat_id"):
        return None
    reference = params.chat_reference()
    return reference if isinstance(reference, int) else None


def photo_sizes(world: World, content: bytes, *, stored: StoredFile | None = None) -> list[dict[str, Any]]:
    """Telegram refuses what it cannot decode as a photo; the largest size keeps the uploaded bytes."""
    if len(content) > MAX_PHOTO_BYTES:
        raise ApiError(413, "Request Entity Too Large")
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise bad_request("IMAGE_PROCESS_FAILED") from None
    if width + height > 10000 or max(width, height) > 20 * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    if stored is None:
        stored = world.store_file(content, "photos", "jpg")
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(content),
            "width": width,
            "height": height,
        }
    ]


def chat_member_json(status: str, user: dict[str, Any], chat: Chat) -> dict[str, Any]:
    if status == "creator":
        return {"status": status, "user": user, "is_anonymous": False}
    if status == "administrator":
        rights = dict.fromkeys(
            (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            ),
            True,
        )
        return {
            "status": status,
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
            **rights,
        }
    if status == "restricted":
        rights = dict.fromkeys(
            (
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_send_messages",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_manage_topics",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
                "can_edit_tag",
                "can_react_to_messages",
            ),
            False,
        )
        return {"status": status, "user": user, "is_member": True, "until_date": 0, **rights}
    if status == "kicked":
        return {"status": status, "user": user, "until_date": 0}
    return {"status": status, "user": user}


def _content(message: dict[str, Any]) -> tuple[Any, ...]:
    return (
        message.get("text"),
        message.get("entities") or [],
        message.get("caption"),
        message.get("video"),
        message.get("caption_entities") or [],
        message.get("reply_markup"),
    )


def _wanted(update: dict[str, Any], allowed: list[str]) -> bool:
    return not allowed or any(kind in update for kind in allowed)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
