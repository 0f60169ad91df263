"""The web desk's routes: the page at /desk/, its JSON, its live queue, its media, its actions.

Thin, like the handlers: each route checks who is asking, calls one service, and renders. Sign-in is
Telegram's signed launch data (bot.domain.web_auth), traded for a short session that names nobody
(bot.web.desk.sessions); every other request carries that session (the live queue and the media in
the query string: the server keeps no access log, and the token says nothing about who holds it).
Anyone Telegram does not vouch for gets 401 and nothing changes; anyone who is not a current member
of the verifier group gets 403.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.context import Services
from bot.domain.web_auth import DeskUser, InvalidInitData, verify_init_data
from bot.i18n import Translator
from bot.languages import match_language
from bot.services.presses import Refused
from bot.settings import Settings
from bot.web.desk import actions
from bot.web.desk.links import DESK_PATH, report_of_param
from bot.web.desk.render import PAGE_STRINGS, areas, page_strings, queue_json, report_json
from bot.web.desk.sessions import DeskSessions
from handlers.presses import refusal_text

STATIC = {"index.html": "text/html", "desk.js": "text/javascript", "desk.css": "text/css", "icon.svg": "image/svg+xml"}
HEARTBEAT_SECONDS = 15.0
MEDIA_TYPES = {"photo": "image/jpeg", "video": "video/mp4", "voice": "audio/ogg"}
NO_STORE = {"Cache-Control": "no-store"}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DeskSurface:
    def __init__(self, services: Services, settings: Settings) -> None:
        self._services = services
        if services.web_desk is None:
            raise RuntimeError("the web desk surface needs the web desk service")
        self._desk = services.web_desk
        self._token = settings.telegram_bot_token.get_secret_value()
        self._sessions = DeskSessions()
        self._events_cache: dict[str, tuple[int, bytes]] = {}  # language -> (change version, queue event)
        self._tiles = settings.web_map_tiles  # an organizer's tile server for the map, if any

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/desk", self._to_desk),
            web.get(DESK_PATH, self._page),
            web.get(DESK_PATH + "static/{name}", self._static),
            web.post(DESK_PATH + "api/session", self._session),
            web.get(DESK_PATH + "api/strings", self._strings),
            web.get(DESK_PATH + "api/queue", self._queue),
            web.get(DESK_PATH + "api/events", self._events),
            web.get(DESK_PATH + "api/reports/{report_id:[0-9]{1,18}}", self._report),
            web.get(DESK_PATH + "api/reports/{report_id:[0-9]{1,18}}/media/{position:[0-9]{1,3}}", self._media),
            web.post(DESK_PATH + "api/act", self._act),
        ]

    # --- the page ------------------------------------------------------------------------------

    async def _to_desk(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect(DESK_PATH)

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return await self._static_file("index.html")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        return await self._static_file(request.match_info["name"])

    async def _static_file(self, name: str) -> web.StreamResponse:
        if name not in STATIC:
            raise web.HTTPNotFound()
        body = resources.files("bot.web").joinpath("static", "desk", name).read_bytes()
        response = web.Response(body=body, content_type=STATIC[name], charset="utf-8")
        if self._tiles and name == "index.html":
            # An organizer's tile server is the one place the page may load images from besides Vigil.
            response.headers["Content-Security-Policy"] = (
                f"default-src 'self'; img-src 'self' {_origin(self._tiles)}; "
                "frame-ancestors https://web.telegram.org 'self'"
            )
        return response

    async def _strings(self, request: web.Request) -> web.StreamResponse:
        """The page's words before sign-in (to say "open it from Telegram"): nothing about the desk."""
        services = self._services
        language = match_language(request.query.get("language")) or services.network.card_language
        return web.json_response(page_strings(services.catalogs(language)))

    # --- who is asking ---------------------------------------------------------------------------

    def _translator(self, user: DeskUser) -> Translator:
        services = self._services
        return services.catalogs(match_language(user.language_code) or services.network.card_language)

    async def _member(self, user: DeskUser) -> DeskUser:
        if not await self._desk.is_member(user.user_id):
            text = self._translator(user).gettext(PAGE_STRINGS["not_member"])
            raise web.HTTPForbidden(text=json.dumps({"refusal": text}), content_type="application/json")
        return user

    def _session_of(self, request: web.Request) -> DeskUser:
        token = request.headers.get("X-Desk-Session") or request.query.get("session", "")
        try:
            return self._sessions.read(token)
        except InvalidInitData:
            raise web.HTTPUnauthorized(
                text=json.dumps({"refusal": "sign in again"}), content_type="application/json"
            ) from None

    async def _user(self, request: web.Request) -> DeskUser:
        return await self._member(self._session_of(request))

    async def _session(self, request: web.Request) -> web.StreamResponse:
        """Trade Telegram's launch data (or a session still running) for a fresh session."""
        body = await _json_body(request)
        init_data = body.get("init_data")
        if isinstance(init_data, str) and init_data:
            try:
                user = verify_init_data(init_data, self._token, now=_utc_now())
            except InvalidInitData:
                raise web.HTTPUnauthorized(
                    text=json.dumps({"refusal": "not signed by Telegram for this bot, or too old"}),
                    content_type="application/json",
                ) from None
        else:
            user = self._session_of(request)
        await self._member(user)
        tr = self._translator(user)
        network = self._services.network
        return web.json_response(
            {
                "session": self._sessions.issue(user),
                "name": user.first_name,
                "language": tr.language,
                "strings": page_strings(tr),
                "open": report_of_param(user.start_param),
                "areas": areas(network, tr),
                "tiles": self._tiles,
            },
            headers=NO_STORE,
        )

    # --- reading -----------------------------------------------------------------------------------

    async def _queue_body(self, user: DeskUser) -> dict[str, Any]:
        return queue_json(self._translator(user), await self._desk.queue(), self._services.network)

    async def _queue_event(self, user: DeskUser, version: int) -> bytes:
        """The queue as an event, read and rendered once per change and language for every open desk."""
        language = self._translator(user).language
        cached = self._events_cache.get(language)
        if cached is not None and cached[0] == version:
            return cached[1]
        body = json.dumps(await self._queue_body(user), separators=(",", ":"))
        event = f"event: queue\ndata: {body}\n\n".encode()
        self._events_cache[language] = (version, event)
        return event

    async def _queue(self, request: web.Request) -> web.StreamResponse:
        user = await self._user(request)
        return web.json_response(await self._queue_body(user), headers=NO_STORE)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """The live queue: the whole queue again after every change, as server-sent events."""
        user = await self._user(request)
        changes = self._services.changes
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **NO_STORE})
        await response.prepare(request)
        seen = -1
        try:
            while not changes.closed:
                version = changes.version
                if version != seen:
                    seen = version
                    # Membership is asked again (a minute's cache at most) before each update is shown.
                    await self._member(user)
                    await response.write(await self._queue_event(user, version))
                elif await changes.wait(seen, HEARTBEAT_SECONDS) == seen:
                    await response.write(b": still here\n\n")
        except (ConnectionResetError, asyncio.CancelledError, web.HTTPForbidden):
            pass
        return response

    async def _report(self, request: web.Request) -> web.StreamResponse:
        user = await self._user(request)
        report_id = int(request.match_info["report_id"])
        tr = self._translator(user)
        page = await self._desk.report(report_id, tr.language)
        if page is None:
            raise web.HTTPNotFound()
        media_url = f"{DESK_PATH}api/reports/{report_id}/media/{{position}}"
        return web.json_response(report_json(tr, page, media_url), headers=NO_STORE)

    async def _media(self, request: web.Request) -> web.StreamResponse:
        """A report's media: the cleaned copy only, never kept by the browser."""
        await self._user(request)
        found = await self._desk.media(int(request.match_info["report_id"]), int(request.match_info["position"]))
        if found is None:
            raise web.HTTPNotFound()
        kind, data = found
        return web.Response(body=data, content_type=MEDIA_TYPES[str(kind)], headers=NO_STORE)

    # --- acting ----------------------------------------------------------------------------------

    async def _act(self, request: web.Request) -> web.StreamResponse:
        user = await self._user(request)
        body = await _json_body(request)
        tr = self._translator(user)
        try:
            result = await actions.act(
                self._services,
                actions.DeskRequest(
                    user_id=user.user_id,
                    first_name=user.first_name,
                    data=str(body.get("data", "")),
                    request_id=str(body.get("request_id", "")),
                    words=str(body.get("words", ""))[:2000],
                ),
            )
        except actions.BadAction:
            raise web.HTTPBadRequest(
                text=json.dumps({"refusal": "not a desk action"}), content_type="application/json"
            ) from None
        if isinstance(result, Refused):
            return web.json_response({"ok": False, "message": refusal_text(tr, result)}, status=409)
        if isinstance(result, actions.NotAnAdmin):
            return web.json_response(
                {"ok": False, "message": tr.gettext("Only the network's admins can mute a reporter.")}, status=403
            )
        key = "repeated" if result.repeated else "done"
        return web.json_response({"ok": True, "repeated": result.repeated, "message": page_strings(tr)[key]})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="a JSON body is expected") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object is expected")
    return body
