"""How Telegram opens the web desk, as the Bot API allows it where.

A ``web_app`` button opens a Mini App with the person's signed data, but Telegram accepts it only in
a private chat with the bot. In a group, the way in is a direct Mini App link,
``https://t.me/<bot>/<short name>?startapp=<param>``, on a plain URL button: it needs the Mini App
registered with @BotFather under that short name (``VIGIL_WEB_APP_NAME``). The ``startapp``
parameter comes back in the signed data as ``start_param`` and says which report to open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DESK_PATH = "/desk/"
QUEUE_PARAM = "queue"
_REPORT_PARAM = re.compile(r"^r(?P<id>[1-9][0-9]{0,17})$")


def report_param(report_id: int) -> str:
    return f"r{report_id}"


def report_of_param(param: str | None) -> int | None:
    """The report a ``startapp`` parameter names, if it names one."""
    match = _REPORT_PARAM.match(param or "")
    return int(match["id"]) if match else None


@dataclass(frozen=True)
class DeskLinks:
    web_url: str  # VIGIL_WEB_URL, without a trailing slash
    bot_username: str
    app_name: str | None  # the Mini App's short name at @BotFather; None: no link for groups

    @property
    def page(self) -> str:
        """The desk's own address, for a ``web_app`` button in a private chat (https only)."""
        return self.web_url + DESK_PATH

    def direct(self, param: str = QUEUE_PARAM) -> str | None:
        """The direct Mini App link for a URL button in the verifier group, when the app is registered."""
        if self.app_name is None:
            return None
        return f"https://t.me/{self.bot_username}/{self.app_name}?startapp={param}"

    def report(self, report_id: int) -> str:
        link = self.direct(report_param(report_id))
        if link is None:
            raise RuntimeError("a report's link needs VIGIL_WEB_APP_NAME")
        return link
