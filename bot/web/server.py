"""One aiohttp server for every web surface Vigil offers, started only when `VIGIL_WEB_LISTEN` is set.

Each surface (the web desk, the CAP feed, health and metrics) contributes its routes; the server
adds what every response needs: a strict Content-Security-Policy (the pages load nothing from
outside Vigil), no sniffing, no referrer, and no access log (it would record who asked, and when).
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol

from aiohttp import web

from bot.errors import ConfigurationError
from bot.web.address import ListenAddress

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors https://web.telegram.org 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class WebSurface(Protocol):
    """Something served on Vigil's web server."""

    def routes(self) -> Iterable[web.AbstractRouteDef]: ...


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update({k: v for k, v in SECURITY_HEADERS.items() if k not in error.headers})
        raise
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class WebServer:
    def __init__(
        self, listen: ListenAddress, surfaces: Sequence[WebSurface], *, setting: str = "VIGIL_WEB_LISTEN"
    ) -> None:
        self._listen = listen
        self._setting = setting  # named when the address cannot be used
        self.app = web.Application(middlewares=[_security_headers])
        for surface in surfaces:
            self.app.add_routes(list(surface.routes()))
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The port actually bound (the configured one, or the free one picked for port 0)."""
        if self._port is None:
            raise RuntimeError("the web server is not started")
        return self._port

    async def start(self) -> None:
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self._listen.host, self._listen.port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            reason = "the port is already in use" if error.errno == errno.EADDRINUSE else error.strerror
            raise ConfigurationError(
                f"Vigil's web server cannot listen on {self._listen} ({self._setting}): {reason}."
            ) from None
        self._runner = runner
        self._port = int(runner.addresses[0][1]) if runner.addresses else self._listen.port
        log.info("Vigil's web server listens on %s:%s", self._listen.host, self._port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
