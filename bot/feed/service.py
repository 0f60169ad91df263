"""What the feed's web routes serve: the Atom feed of the last days and each CAP message, with the
validators (ETag, Last-Modified) that let hubs poll every minute for the price of a 304.

Hubs poll; a crowd of them must not queue for the database ahead of the verifiers. So the rendered
feed is kept in memory with a cheap signature of the window (how many messages, the newest and
oldest id), checked at most every FRESH_FOR seconds: a new message is served within that much of
its commit, and an unchanged feed costs one small query, or none.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.feed.atom import ATOM_MEDIA_TYPE, FeedHead, build_entry, build_feed
from bot.feed.cap import CAP_LANGUAGES, CAP_MEDIA_TYPE
from bot.feed.messages import plain
from bot.i18n import Catalogs
from bot.network import Network
from storage.database import Database
from storage.feed import FeedSignature, StoredCapMessage

FRESH_FOR = 0.5  # seconds


@dataclass(frozen=True)
class Document:
    body: bytes
    media_type: str
    etag: str  # quoted, as the header carries it
    last_modified: datetime


def _document(body: bytes, media_type: str, last_modified: datetime) -> Document:
    return Document(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"', last_modified)


@dataclass(frozen=True)
class _Cached:
    key: tuple[str, FeedSignature]
    document: Document
    checked: float  # time.monotonic() of the last look at the database


class FeedService:
    def __init__(
        self, *, database: Database, network: Network, catalogs: Catalogs, clock: Callable[[], datetime]
    ) -> None:
        self._database = database
        self._network = network
        self._catalogs = catalogs
        self._clock = clock
        self._started = clock().replace(microsecond=0)  # the empty feed's "updated": fixed, so it caches
        self._cached: _Cached | None = None
        self._entries: dict[tuple[str, str], bytes] = {}  # (base URL, identifier): its built entry
        self._lock = asyncio.Lock()  # one rendering at a time; the others wait and take its result

    async def feed(self, base_url: str) -> Document:
        """The Atom feed of the last `[feed] days`, its links under `base_url` (no trailing slash)."""
        async with self._lock:
            cached = self._cached
            if cached is not None and cached.key[0] == base_url and time.monotonic() - cached.checked < FRESH_FOR:
                return cached.document
            since = self._clock() - timedelta(days=self._network.feed.days)
            async with self._database.unit_of_work() as repo:
                signature = await repo.feed_signature(since)
                if cached is None or cached.key != (base_url, signature):
                    messages = await repo.feed_messages(since)
                else:
                    messages = None
            if messages is None and cached is not None:
                document = cached.document
            else:
                document = self._render(base_url, signature, messages or [])
            self._cached = _Cached((base_url, signature), document, time.monotonic())
            return document

    async def message(self, identifier: str) -> Document | None:
        async with self._database.unit_of_work() as repo:
            stored = await repo.cap_message(identifier)
        if stored is None:
            return None
        return _document(stored.xml, CAP_MEDIA_TYPE, stored.sent_at)

    def _render(self, base_url: str, signature: FeedSignature, messages: list[StoredCapMessage]) -> Document:
        network = self._network
        sender = network.feed.sender or ""
        tr = self._catalogs(network.default_language)
        name = network.feed.sender_name or sender
        head = FeedHead(
            title=plain(tr.gettext("Verified alerts: {network}", network=name)),
            author=name,
            sender=sender,
            language=CAP_LANGUAGES.get(network.default_language, network.default_language),
            self_url=f"{base_url}/feed/alerts.atom",
            zone=network.zone,
        )
        updated = signature.newest_sent_at or self._started
        url = f"{base_url}/feed/cap/{{identifier}}.xml"
        known, self._entries = self._entries, {}  # only the window's entries are kept
        for message in messages:
            key = (base_url, message.identifier)
            self._entries[key] = known.get(key) or build_entry(message, url)
        body = build_feed(head, [self._entries[base_url, m.identifier] for m in messages], updated)
        return _document(body, f"{ATOM_MEDIA_TYPE}; charset=utf-8", updated)
