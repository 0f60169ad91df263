"""The feed on Vigil's web server: GET /feed/alerts.atom and GET /feed/cap/<identifier>.xml.

Thin: parse, ask FeedService, answer; conditional requests (If-None-Match, If-Modified-Since) get
a 304 with no body. The feed is revalidated on every poll (`no-cache`): an alert must never wait in
a cache, and a 304 costs next to nothing. A CAP message never changes once recorded, so it may be
cached for a day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web

from bot.feed.service import Document, FeedService

FEED_CACHE_CONTROL = "public, no-cache"
MESSAGE_CACHE_CONTROL = "public, max-age=86400, immutable"


class FeedSurface:
    """A WebSurface (bot.web.server): the public feed's routes."""

    def __init__(self, service: FeedService, public_url: str | None) -> None:
        self._service = service
        self._public_url = public_url  # VIGIL_WEB_URL; without it, links use the address asked for

    def routes(self) -> Iterable[web.AbstractRouteDef]:
        return [
            web.get("/feed/alerts.atom", self._feed),
            web.get(r"/feed/cap/{identifier:[A-Za-z0-9-]{1,64}}.xml", self._message),
        ]

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        base = self._public_url or f"{request.scheme}://{request.host}"
        return _answer(request, await self._service.feed(base), FEED_CACHE_CONTROL)

    async def _message(self, request: web.Request) -> web.StreamResponse:
        document = await self._service.message(request.match_info["identifier"])
        if document is None:
            raise web.HTTPNotFound()  # never recorded, or older than the feed's window and deleted
        return _answer(request, document, MESSAGE_CACHE_CONTROL)


def _answer(request: web.Request, document: Document, cache_control: str) -> web.Response:
    headers = {
        "ETag": document.etag,
        "Last-Modified": _http_date(document.last_modified),
        "Cache-Control": cache_control,
    }
    if _unchanged(request, document):
        return web.Response(status=304, headers=headers)
    return web.Response(body=document.body, headers={**headers, "Content-Type": document.media_type})


def _unchanged(request: web.Request, document: Document) -> bool:
    """RFC 9110: If-None-Match decides when present; If-Modified-Since only without it."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or document.etag in tags
    since = request.if_modified_since
    return since is not None and document.last_modified.replace(microsecond=0) <= since


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)
