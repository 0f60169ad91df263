"""The Atom feed (RFC 4287) of recent CAP messages, as alert hubs read it (the OASIS "CAP feeds"
practice): one entry per message, newest first, each linking to the message itself."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from bot.feed.cap import CAP_MEDIA_TYPE, cap_time, xml_text
from storage.feed import StoredCapMessage

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml"
_ATOM = f"{{{ATOM_NAMESPACE}}}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class FeedHead:
    title: str
    author: str
    sender: str  # CAP's sender: the feed's and its entries' ids are made from it, so they never change
    language: str  # the feed's own text, e.g. "en-US"
    self_url: str
    zone: ZoneInfo


def entry_id(sender: str, identifier: str) -> str:
    """A permanent IRI for a message's entry, whatever address the feed is served at."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"cap:{sender},{identifier}").urn


def build_entry(message: StoredCapMessage, message_url: str) -> bytes:
    """One message's entry, serialized on its own: a message never changes, so neither does its
    entry, and the service keeps it instead of building a thousand of them for every new message.
    `message_url` has an `{identifier}` to fill in."""
    entry = etree.Element(_ATOM + "entry", nsmap={None: ATOM_NAMESPACE})
    entry.set(_XML_LANG, message.language)
    _add(entry, "id", entry_id(message.sender, message.identifier))
    _add(entry, "title", message.title)
    _add(entry, "updated", message.sent)
    _add(entry, "published", message.sent)
    for term in (message.msg_type, message.status):
        _add(entry, "category").set("term", term)
    _add(entry, "summary", message.summary)
    alternate = _add(entry, "link")
    alternate.set("rel", "alternate")
    alternate.set("type", CAP_MEDIA_TYPE)
    alternate.set("href", message_url.format(identifier=message.identifier))
    return bytes(etree.tostring(entry, encoding="UTF-8", xml_declaration=False))


def build_feed(head: FeedHead, entries: Sequence[bytes], updated: datetime) -> bytes:
    """The feed around `entries` (from build_entry, newest first); `updated`: when the feed last
    changed (its newest message, or a fixed moment when it has none)."""
    feed = etree.Element(_ATOM + "feed", nsmap={None: ATOM_NAMESPACE})
    feed.set(_XML_LANG, head.language)
    _add(feed, "id", uuid.uuid5(uuid.NAMESPACE_URL, f"cap-feed:{head.sender}").urn)
    _add(feed, "title", head.title)
    _add(feed, "updated", cap_time(updated, head.zone))
    author = _add(feed, "author")
    _add(author, "name", head.author)
    link = _add(feed, "link")
    link.set("rel", "self")
    link.set("type", ATOM_MEDIA_TYPE)
    link.set("href", head.self_url)
    _add(feed, "generator", "Vigil")  # never empty, so the closing tag below is always there
    document = bytes(etree.tostring(feed, xml_declaration=True, encoding="UTF-8"))
    closing = b"</feed>"
    if not document.endswith(closing):
        raise AssertionError("lxml wrote the feed element without a closing tag")
    return document[: -len(closing)] + b"".join(entries) + closing


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _ATOM + name)
    if text is not None:
        child.text = xml_text(text)
    return child
