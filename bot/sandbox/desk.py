"""The web desk in the sandbox: opened as one of the sample verifiers, beside the group pane.

The sandbox page frames the desk, and the desk lets only its own origin (and Telegram's web client)
frame it, so the sandbox forwards /desk/ to Vigil's web server: the framed desk then comes from the
sandbox's own origin. A sample person "opens the Mini App" with launch data the fake Telegram signs
with the bot's token, exactly as a Telegram client would pass it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import aiohttp
from aiohttp import web

from bot.fake_telegram import FakeTelegram

# Hop-by-hop headers and those aiohttp sets itself: never forwarded.
_DROPPED = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


class SandboxDesk:
    def __init__(self, fake: FakeTelegram, web_port: Callable[[], int | None], people: Callable[[], set[int]]) -> None:
        self._fake = fake
        self._web_port = web_port
        self._people = people

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/desk", self._launch)
        app.router.add_route("*", "/desk/{tail:.*}", self._forward)

    async def _launch(self, request: web.Request) -> web.Response:
        """Where the desk opens for a sample person: the page, with Telegram's launch parameters."""
        try:
            user_id = int(request.query.get("user_id", ""))
        except ValueError:
            raise web.HTTPBadRequest(text="user_id") from None
        if user_id not in self._people():
            raise web.HTTPNotFound()
        init_data = self._fake.mini_app_init_data(user_id)
        return web.json_response({"url": f"/desk/#tgWebAppData={quote(init_data, safe='')}"})

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        port = self._web_port()
        if port is None:
            raise web.HTTPServiceUnavailable(text="Vigil's web server is starting")
        url = f"http://127.0.0.1:{port}{request.rel_url}"
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED}
        body = await request.read()
        timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
        async with (
            aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as http,
            http.request(request.method, url, headers=headers, data=body, allow_redirects=False) as upstream,
        ):
            response = web.StreamResponse(
                status=upstream.status,
                headers={k: v for k, v in upstream.headers.items() if k.lower() not in _DROPPED},
            )
            await response.prepare(request)
            try:
                async for chunk in upstream.content.iter_any():  # the live queue: each event at once
                    await response.write(chunk)
            except ConnectionResetError:
                pass  # the pane was closed
            return response
