"""CAP 1.2 messages (OASIS Common Alerting Protocol), built with lxml from plain values.

Nothing here knows Telegram, SQL or the catalogs: `bot.feed.messages` decides what a message says,
this module only writes it the way CAP 1.2 and its XSD (`CAP-v1.2.xsd`, OASIS's own file, shipped
with Vigil) require: elements in the schema's order, times as `2026-12-01T14:05:00-07:00` (no
fractions, no `Z`), `references` as space-separated `sender,identifier,sent` triples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from lxml import etree

from bot.domain.cap_reference import Reference

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_MEDIA_TYPE = "application/cap+xml"
_CAP = f"{{{CAP_NAMESPACE}}}"

# Languages as CAP writes them (RFC 3066, with the region Vigil's networks are in).
CAP_LANGUAGES: dict[str, str] = {"en": "en-US", "es": "es-US"}

# Characters CAP forbids in `sender` and `identifier` (they separate the triples of `references`).
_FORBIDDEN = frozenset(" ,<&\t\n\r")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


class Status(StrEnum):
    ACTUAL = "Actual"
    EXERCISE = "Exercise"  # a drill: never shown to a consumer as a real alert


@dataclass(frozen=True)
class Circle:
    latitude: float
    longitude: float
    radius_km: float

    def __str__(self) -> str:
        return f"{self.latitude:.4f},{self.longitude:.4f} {self.radius_km:g}"


@dataclass(frozen=True)
class Info:
    """One <info> block: everything said in one language."""

    language: str  # "en-US"
    event: str
    urgency: str
    severity: str
    certainty: str
    expires: datetime
    headline: str
    description: str
    instruction: str
    contact: str
    area_description: str
    circle: Circle | None = None
    response_type: str | None = None
    web: str | None = None
    sender_name: str | None = None


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sender: str
    sent: datetime
    msg_type: MsgType
    infos: tuple[Info, ...]
    zone: ZoneInfo  # the network's: every time is written in it
    status: Status = Status.ACTUAL
    references: tuple[Reference, ...] = ()
    incidents: str | None = None  # the alert's key: every message of one alert names it

    @property
    def sent_text(self) -> str:
        return cap_time(self.sent, self.zone)

    def as_reference(self) -> Reference:
        return Reference(self.sender, self.identifier, self.sent_text)


def cap_time(moment: datetime, zone: ZoneInfo) -> str:
    """`2026-12-01T14:05:00-07:00`: the network's local time with its offset, whole seconds."""
    return moment.astimezone(zone).replace(microsecond=0).isoformat(timespec="seconds")


def check_token(value: str, what: str) -> str:
    """A sender or identifier CAP accepts: no spaces, commas, `<` or `&`."""
    if not value or any(character in _FORBIDDEN for character in value):
        raise ValueError(f"a CAP {what} may not be empty or contain spaces, commas, '<' or '&': {value!r}")
    return value


def build(message: CapMessage) -> bytes:
    """The message as a UTF-8 XML document."""
    check_token(message.sender, "sender")
    check_token(message.identifier, "identifier")
    alert = etree.Element(_CAP + "alert", nsmap={None: CAP_NAMESPACE})
    _add(alert, "identifier", message.identifier)
    _add(alert, "sender", message.sender)
    _add(alert, "sent", message.sent_text)
    _add(alert, "status", str(message.status))
    _add(alert, "msgType", str(message.msg_type))
    _add(alert, "scope", "Public")
    if message.references:
        _add(alert, "references", " ".join(str(reference) for reference in message.references))
    if message.incidents:
        _add(alert, "incidents", message.incidents)
    for info in message.infos:
        _add_info(alert, info, message.zone)
    return bytes(etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _add_info(alert: etree._Element, info: Info, zone: ZoneInfo) -> None:
    block = _add(alert, "info")
    _add(block, "language", info.language)
    _add(block, "category", "Safety")
    _add(block, "event", info.event)
    if info.response_type:
        _add(block, "responseType", info.response_type)
    _add(block, "urgency", info.urgency)
    _add(block, "severity", info.severity)
    _add(block, "certainty", info.certainty)
    _add(block, "expires", cap_time(info.expires, zone))
    if info.sender_name:
        _add(block, "senderName", info.sender_name)
    _add(block, "headline", info.headline)
    _add(block, "description", info.description)
    _add(block, "instruction", info.instruction)
    if info.web:
        _add(block, "web", info.web)
    _add(block, "contact", info.contact)
    area = _add(block, "area")
    _add(area, "areaDesc", info.area_description)
    if info.circle is not None:
        _add(area, "circle", str(info.circle))


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _CAP + name)
    if text is not None:
        child.text = xml_text(text)
    return child


def xml_text(text: str) -> str:
    """`text` without the control characters XML 1.0 cannot carry (a pasted note may hold one)."""
    return _NOT_XML.sub("", text)


@cache
def schema() -> etree.XMLSchema:
    """OASIS's CAP-v1.2.xsd as shipped in the package (loaded once)."""
    with files("bot.feed").joinpath("CAP-v1.2.xsd").open("rb") as source:
        return etree.XMLSchema(etree.parse(source))
