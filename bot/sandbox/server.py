"""The sandbox: the fake Telegram, the real bot, and a page on 127.0.0.1 that acts through them.

The page (static files in ``static/``) gets the whole state as JSON over server-sent events
whenever the fake Telegram's world changes, and acts through a few JSON endpoints: a resident
or a verifier sends a message, a photo or a file, presses an inline button; time moves on.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import mimetypes
import secrets
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web
from babel import Locale, UnknownLocaleError
from PIL import Image, ImageDraw

from bot.app import build_application
from bot.context import VigilApplication
from bot.domain.drills import LanguageMix, Pace
from bot.fake_telegram import ApiError, FakeTelegram
from bot.network import Network
from bot.runner import running
from bot.sandbox.cast import BOT_ID, Cast, Person, populate, sample_network, sample_photo
from bot.sandbox.desk import SandboxDesk
from bot.services.drills import DrillChoice, Started
from bot.settings import Settings

HOST = "127.0.0.1"
HEARTBEAT_SECONDS = 15.0
# An observer may look just before a change and then wait: it looks again at least this often.
LOOK_AGAIN_SECONDS = 0.5
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
TIME_STEPS_MINUTES = (10, 60)
# How much of a replied-to message the page quotes above the reply (Telegram shows one line).
QUOTE_CHARACTERS = 80
ELLIPSIS = "…"


class SandboxClock:
    """Vigil's clock in the sandbox: real time plus what the page's time control added."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, minutes: int) -> None:
        self.offset += timedelta(minutes=minutes)


async def serve(
    *,
    port: int,
    database: Path | None,
    announce: Callable[[str], None],
    stop: asyncio.Event,
    any_port_if_busy: bool = False,
) -> None:
    """Run the sandbox until `stop` is set; `announce` gets the page's address once all is ready.

    A busy `port` is an :class:`OSError` (the caller says so in one sentence), unless
    `any_port_if_busy`: then any free port is taken, and the address announced shows which."""
    network = sample_network()
    clock = SandboxClock()
    with tempfile.TemporaryDirectory(prefix="vigil-sandbox-") as scratch:
        async with FakeTelegram(f"{BOT_ID}:sandbox-{secrets.token_urlsafe(12)}", "vigil_sandbox_bot") as fake:
            cast = populate(fake, network)
            settings = Settings(
                TELEGRAM_BOT_TOKEN=fake.token,
                TELEGRAM_BASE_URL=fake.base_url,
                TELEGRAM_BASE_FILE_URL=fake.base_file_url,
                TELEGRAM_TIMEOUT_SECONDS=10,
                VIGIL_DATABASE=database or Path(scratch) / "vigil.sqlite3",
                VIGIL_NETWORK_FILE=Path(scratch) / "network.toml",  # not read: the network is given
                VIGIL_SECRET_KEY=_sandbox_key(database),
                VIGIL_WEB_LISTEN=f"{HOST}:0",  # the web desk, framed beside the group pane (bot/sandbox/desk.py)
                _env_file=None,
            )
            page = SandboxPage(fake, network, cast, clock)
            async with page.listening(port, any_port_if_busy=any_port_if_busy) as address:
                application = build_application(settings, network, clock=clock)
                async with running(application, poll_timeout=1):
                    page.application = application
                    announce(address)
                    await stop.wait()
                    page.closing.set()


def _sandbox_key(database: Path | None) -> str:
    """A fresh key for a fresh database; a kept one (--database) keeps its key beside it, because
    Vigil refuses to start a database with another key than the one it was made with."""
    if database is None:
        return secrets.token_urlsafe(48)
    key_file = database.with_name(database.name + ".key")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return key_file.read_text(encoding="utf-8").strip()


class SandboxPage:
    def __init__(self, fake: FakeTelegram, network: Network, cast: Cast, clock: SandboxClock) -> None:
        self.fake = fake
        self.network = network
        self.cast = cast
        self.clock = clock
        self.application: VigilApplication | None = None
        self.closing = asyncio.Event()
        self._photo = sample_photo()
        self._static = resources.files(__package__).joinpath("static")

    # --- serving -----------------------------------------------------------------------------

    @asynccontextmanager
    async def listening(self, port: int, *, any_port_if_busy: bool = False) -> AsyncIterator[str]:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 64 * 1024, middlewares=[_same_origin_only])
        app.router.add_get("/", self._index)
        app.router.add_get("/favicon.ico", self._favicon)
        app.router.add_get("/static/{name}", self._static_file)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/settled", self._settled)
        app.router.add_get("/api/events", self._events)
        app.router.add_get("/files/{file_id}", self._file)
        app.router.add_post("/api/send", self._send)
        app.router.add_post("/api/photo", self._send_sample_photo)
        app.router.add_post("/api/upload", self._upload)
        app.router.add_post("/api/press", self._press)
        app.router.add_post("/api/time", self._advance_time)
        app.router.add_post("/api/drill", self._start_drill)
        SandboxDesk(self.fake, self._web_port, lambda: {p.id for p in self.cast.actors}).add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        try:
            await _bind(runner, port, any_port_if_busy)
            bound = int(runner.addresses[0][1])
            yield f"http://{HOST}:{bound}/"
        finally:
            self.closing.set()
            await runner.cleanup()

    def _web_port(self) -> int | None:
        services = self.application.bot_data.installed() if self.application is not None else None
        return services.web.port if services is not None and services.web is not None else None

    async def _index(self, request: web.Request) -> web.Response:
        return web.Response(
            text=self._static.joinpath("index.html").read_text(encoding="utf-8"),
            content_type="text/html",
            charset="utf-8",
        )

    async def _favicon(self, request: web.Request) -> web.Response:
        return web.Response(body=_favicon(), content_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})

    async def _static_file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in {"sandbox.js", "sandbox.css", "desk-pane.js"}:
            raise web.HTTPNotFound()
        content_type = "text/javascript" if name.endswith(".js") else "text/css"
        return web.Response(
            text=self._static.joinpath(name).read_text(encoding="utf-8"), content_type=content_type, charset="utf-8"
        )

    async def _file(self, request: web.Request) -> web.Response:
        try:
            content = self.fake.file_bytes(request.match_info["file_id"])
        except KeyError:
            raise web.HTTPNotFound() from None
        return web.Response(body=content, content_type=_image_type(content))

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(self.state())

    async def _settled(self, request: web.Request) -> web.Response:
        """Answers once the bot has finished reacting (no request for a moment, none held back): what a
        script driving the sandbox waits for before it looks at what did not happen."""
        try:
            await self.fake.settled()
        except AssertionError as busy:
            return _refuse(str(busy))
        return web.json_response({"ok": True})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the whole state each time it changes, a comment now and then."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        loop = asyncio.get_running_loop()
        last, last_write = "", loop.time()
        try:
            while not self.closing.is_set():
                snapshot = json.dumps(self.state(), ensure_ascii=False)
                if snapshot != last:
                    await response.write(f"data: {snapshot}\n\n".encode())
                    last, last_write = snapshot, loop.time()
                elif loop.time() - last_write > HEARTBEAT_SECONDS:
                    await response.write(b": still here\n\n")
                    last_write = loop.time()
                await self.fake.wait_for_change(LOOK_AGAIN_SECONDS)
        except ConnectionResetError:
            pass  # the page was closed or reloaded
        return response

    # --- acting ------------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        body = await _json(request)
        person, chat_id = self._who_where(body)
        text = str(body.get("text", "")).strip()
        if not text:
            return _refuse("Type something first.")
        refusal = self._may_post(person, chat_id)
        if refusal:
            return _refuse(refusal)
        reply_to = self._reply_target(body.get("reply_to"), chat_id)
        self.fake.user_sends_text(person.id, text, chat_id=chat_id, reply_to=reply_to)
        return web.json_response({"ok": True})

    async def _send_sample_photo(self, request: web.Request) -> web.Response:
        body = await _json(request)
        person, chat_id = self._who_where(body, residents_only=True)
        reply_to = self._reply_target(body.get("reply_to"), chat_id)
        self.fake.user_sends_photo(person.id, self._photo, reply_to=reply_to)
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        """A file from disk, sent as a photo (Telegram's default for images) or as a file."""
        form = await request.post()
        person, chat_id = self._who_where({"user_id": form.get("user_id")}, residents_only=True)
        reply_to = self._reply_target(form.get("reply_to") or None, chat_id)
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return _refuse("Choose a file first.")
        content = upload.file.read()
        name = upload.filename or "file"
        if form.get("as_photo") == "true":
            try:
                self.fake.user_sends_photo(person.id, content, reply_to=reply_to)
            except ApiError:
                return _refuse("Telegram takes only images as photos: untick “as a photo” to send this as a file.")
        else:
            mime_type = upload.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.fake.user_sends_document(person.id, content, file_name=name, mime_type=mime_type, reply_to=reply_to)
        return web.json_response({"ok": True})

    async def _press(self, request: web.Request) -> web.Response:
        body = await _json(request)
        person, chat_id = self._who_where(body)
        try:
            query = self.fake.user_presses_button(person.id, chat_id, int(body["message_id"]), str(body["data"]))
        except (AssertionError, KeyError, TypeError, ValueError):
            return _refuse("That button is gone (the message changed). Try the one shown now.")
        try:
            answer = await self.fake.wait_for_callback_answer(query, timeout=10.0)
        except AssertionError:
            return web.json_response({"ok": True, "answer": None})
        return web.json_response({"ok": True, "answer": answer.get("text"), "alert": bool(answer.get("show_alert"))})

    async def _advance_time(self, request: web.Request) -> web.Response:
        body = await _json(request)
        minutes = body.get("minutes")
        if minutes not in TIME_STEPS_MINUTES:
            return _refuse(f"Time moves on by one of {TIME_STEPS_MINUTES} minutes.")
        self.clock.advance(int(minutes))
        if self.application is not None:
            # What the JobQueue would do when the wall clock reached the next deadline.
            self.application.bot_data.services.alarm.wake()
        self.fake.world.changed()  # the page shows the new time
        return web.json_response({"ok": True, "clock": self._clock_view()})

    def _may_post(self, person: Person, chat_id: int) -> str | None:
        """Telegram lets only a group's members write in it: Mallory may press a copied button, not post."""
        if chat_id == person.id:
            return None
        group = self.fake.world.chat(chat_id)
        if group is not None and self.fake.world.member_status(group, person.id) in {"left", "kicked"}:
            return f"{person.name} is not a member of the verifier group: Telegram lets only members post there."
        return None

    def _reply_target(self, value: object, chat_id: int) -> int | None:
        """The message a reply answers: one of the same chat, as in Telegram."""
        if value is None:
            return None
        if isinstance(value, bool) or not str(value).isdigit():
            raise web.HTTPBadRequest(text="reply_to is not a message id")
        message_id = int(str(value))
        if self.fake.world.message(chat_id, message_id) is None:
            raise web.HTTPBadRequest(text="there is no such message to reply to in that chat")
        return message_id

    async def _start_drill(self, request: web.Request) -> web.Response:
        """ "Start a drill": every built-in scenario, one at a time, both languages, as the organizer
        would start it from /drill in the group; where a new verifier learns the desk."""
        if self.application is None:
            return _refuse("The bot is still starting.")
        drills = self.application.bot_data.services.drills
        choice = DrillChoice(tuple(s.key for s in drills.library), Pace.ONE_AT_A_TIME, LanguageMix.MIX)
        organizer = self.network.admin_user_ids[0]
        started = await drills.start(
            choice, user_id=organizer, chat_id=self.network.verifier_group_id, private=False, confirmed=True
        )
        if not isinstance(started, Started):
            return _refuse("A drill is already running: send /drill stop in the group to end it.")
        return web.json_response({"ok": True})

    def _who_where(self, body: dict[str, Any], *, residents_only: bool = False) -> tuple[Person, int]:
        """The person acting (only the sample people) and the chat: their own, or the verifier group."""
        try:
            user_id = int(body.get("user_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="user_id is missing") from None
        people = self.cast.residents if residents_only else (*self.cast.residents, *self.cast.actors)
        person = next((p for p in people if p.id == user_id), None)
        if person is None:
            raise web.HTTPBadRequest(text="not one of the sandbox's people")
        chat_id = body.get("chat_id")
        if chat_id is None or int(chat_id) == person.id:
            return person, person.id
        if int(chat_id) != self.network.verifier_group_id:
            raise web.HTTPBadRequest(text="the sandbox acts in private chats and the verifier group only")
        return person, int(chat_id)

    # --- what the page shows -----------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        group_id = self.network.verifier_group_id
        return {
            "clock": self._clock_view(),
            "time_steps": list(TIME_STEPS_MINUTES),
            "residents": [_person(p) for p in self.cast.residents],
            "actors": [_person(p) for p in self.cast.actors],
            "chats": {str(p.id): self._messages(p.id) for p in self.cast.residents},
            "group": {"id": group_id, "title": self.cast.verifier_group_title, "messages": self._messages(group_id)},
            "channels": [
                {
                    "id": chat_id,
                    "title": title,
                    "languages": list(self._languages(chat_id)),
                    "messages": self._messages(chat_id),
                }
                for chat_id, title in self.cast.channel_titles.items()
            ],
        }

    def _clock_view(self) -> dict[str, Any]:
        local = self.clock().astimezone(self.network.zone)
        return {"local": local.strftime("%a %H:%M %Z"), "offset_minutes": int(self.clock.offset.total_seconds() // 60)}

    def _languages(self, chat_id: int) -> tuple[str, ...]:
        return next(c.languages for n in self.network.neighborhoods for c in n.channels if c.chat_id == chat_id)

    def _messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [
            _message_view(
                m, from_bot=m.get("from", {}).get("id") == self.fake.bot_user_id or (m.get("sender_chat") is not None)
            )
            for m in self.fake.messages(chat_id)
        ]


def _message_view(message: dict[str, Any], *, from_bot: bool) -> dict[str, Any]:
    """What the page draws: text with Telegram's entities, photos, a file name, buttons, reply, edit."""
    sender = message.get("from") or message.get("sender_chat") or {}
    view: dict[str, Any] = {
        "id": message["message_id"],
        "from_bot": from_bot,
        "author": sender.get("first_name") or sender.get("title") or "",
        "text": message.get("text") or message.get("caption") or "",
        "entities": message.get("entities") or message.get("caption_entities") or [],
        "edited": "edit_date" in message,
        "buttons": [
            [{"text": b["text"], "data": b.get("callback_data"), "url": b.get("url")} for b in row]
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        ],
    }
    if message.get("photo"):
        view["photo"] = f"/files/{message['photo'][-1]['file_id']}"
    if message.get("document"):
        view["document"] = message["document"].get("file_name") or "file"
    if message.get("location"):
        view["text"] = "📍 a shared location"
    replied = message.get("reply_to_message")
    if replied:
        quoted = replied.get("text") or replied.get("caption") or ""
        if not quoted:
            quoted = "📷 photo" if replied.get("photo") else "a message"
        view["reply_to"] = {"id": replied["message_id"], "text": quote(quoted)}
    if not from_bot and message.get("from", {}).get("language_code"):
        view["author_language"] = message["from"]["language_code"]
    return view


def quote(text: str, limit: int = QUOTE_CHARACTERS) -> str:
    """The first line of `text`, at most `limit` characters; ending in "…" wherever it was cut."""
    first_line, more = text.split("\n", 1)[0].rstrip(), "\n" in text.strip()
    if len(first_line) > limit:
        return first_line[: limit - 1].rstrip() + ELLIPSIS
    return first_line + ELLIPSIS if more else first_line


def _person(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "role": person.role,
        "language": person.language_code,
        "language_name": language_name(person.language_code),
    }


def language_name(code: str) -> str:
    """The language of a person's Telegram app, in words ("Spanish (Mexico)"), as the page shows it."""
    try:
        return str(Locale.parse(code, sep="-").get_display_name("en"))
    except (ValueError, UnknownLocaleError):
        return code


@functools.cache
def _favicon() -> bytes:
    """The tab's icon, drawn (no image file to ship): a white check mark on the page's blue."""
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 31, 31), radius=7, fill=(31, 59, 87, 255))
    draw.line((8, 17, 14, 23, 24, 9), fill=(255, 255, 255, 255), width=4)
    out = io.BytesIO()
    image.save(out, "ICO", sizes=[(32, 32), (16, 16)])
    return out.getvalue()


def _image_type(content: bytes) -> str:
    for signature, kind in ((b"\xff\xd8", "image/jpeg"), (b"\x89PNG", "image/png"), (b"GIF8", "image/gif")):
        if content.startswith(signature):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body is not a JSON object")
    return body


def _refuse(message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=400)


async def _bind(runner: web.AppRunner, port: int, any_port_if_busy: bool) -> web.TCPSite:
    site = web.TCPSite(runner, HOST, port)
    try:
        await site.start()
    except OSError:
        if not any_port_if_busy or port == 0:
            raise
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
    return site


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _same_origin_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only the sandbox's own page may act: another web site open in the browser may not post here."""
    origin = request.headers.get("Origin")
    if request.method == "POST" and origin is not None and origin != f"http://{request.host}":
        raise web.HTTPForbidden(text="the sandbox only takes requests from its own page")
    return await handler(request)
