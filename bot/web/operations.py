"""`/healthz` and `/metrics` as a web surface (bot/operations.py decides what they say).

On Vigil's public web server only `/healthz` is served; `/metrics` goes on the internal address of
`VIGIL_METRICS_LISTEN`, which serves both (the container's HEALTHCHECK asks it there).
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.operations import Operations


class OperationsSurface:
    def __init__(self, operations: Operations, *, metrics: bool) -> None:
        self._operations = operations
        self._metrics = metrics

    def routes(self) -> Iterable[web.AbstractRouteDef]:
        yield web.get("/healthz", self._health)
        if self._metrics:
            yield web.get("/metrics", self._serve_metrics)

    async def _health(self, request: web.Request) -> web.Response:
        problem = await self._operations.problem()
        headers = {"Cache-Control": "no-store"}
        if problem is None:
            active = self._operations.active_instance
            return web.Response(text="ok\n" if active is None else f"ok\nactive instance: {active}\n", headers=headers)
        return web.Response(status=503, text=f"{problem}\n", headers=headers)

    async def _serve_metrics(self, request: web.Request) -> web.Response:
        body = await self._operations.metrics()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
