"""Deep links: `https://t.me/<bot>?start=<payload>` opens the bot and sends `/start <payload>`.

Telegram allows 64 characters from ``A-Za-z0-9_-`` in the payload. Vigil's payloads name an
action and, for two of them, a neighborhood key (at most 32 characters, see bot.network):

* ``report-<key>`` opens a report with the neighborhood already chosen (one tap less in an emergency);
* ``sub-<key>`` subscribes to the neighborhood's alerts by direct message;
* ``rights`` shows the know-your-rights card.

Pure functions: the bot's username comes from Telegram at start-up and is passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PAYLOAD = 64
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_KEYED = re.compile(r"^(?P<action>report|sub)-(?P<key>[a-z0-9][a-z0-9-]{0,31})$")
RIGHTS = "rights"


@dataclass(frozen=True)
class ReportIn:
    neighborhood_key: str


@dataclass(frozen=True)
class SubscribeTo:
    neighborhood_key: str


@dataclass(frozen=True)
class ShowRights:
    pass


StartLink = ReportIn | SubscribeTo | ShowRights


def parse_start(payload: str | None) -> StartLink | None:
    """What a `/start <payload>` asks for, or None (plain /start, or a payload Vigil never made)."""
    if not payload or not _PAYLOAD.match(payload):
        return None
    if payload == RIGHTS:
        return ShowRights()
    match = _KEYED.match(payload)
    if match is None:
        return None
    return ReportIn(match["key"]) if match["action"] == "report" else SubscribeTo(match["key"])


def payload_of(link: StartLink) -> str:
    match link:
        case ReportIn(key):
            payload = f"report-{key}"
        case SubscribeTo(key):
            payload = f"sub-{key}"
        case ShowRights():
            payload = RIGHTS
    if not _PAYLOAD.match(payload):
        raise ValueError(f"{payload!r} cannot be a start parameter")
    return payload


@dataclass(frozen=True)
class DeepLinks:
    """Links to this bot; `bot_username` is what Telegram's getMe answered at start-up."""

    bot_username: str

    def url(self, link: StartLink) -> str:
        return f"https://t.me/{self.bot_username}?start={payload_of(link)}"

    def report(self, neighborhood_key: str) -> str:
        return self.url(ReportIn(neighborhood_key))

    def subscribe(self, neighborhood_key: str) -> str:
        return self.url(SubscribeTo(neighborhood_key))

    def rights(self) -> str:
        return self.url(ShowRights())
