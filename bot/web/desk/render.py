"""The web desk's JSON: the queue, a report's page and the page's own words, in the reader's language.

Everything a person reads comes from the translation catalogs, like every message: the queue lines
are /queue's, a report's page is its card's text and buttons, and the page's own labels are below.
Nothing here names a reporter (the card never does).
"""

from __future__ import annotations

from typing import Any

from bot import callback_data as cb
from bot.domain.public_text import TextChangeKind
from bot.domain.stats import Queue
from bot.domain.verification import VoteKind
from bot.i18n import N_, Translator
from bot.network import Network
from bot.rendering.desk import prompt_buttons
from bot.rendering.overview import live_alert_html, queue_entry_html
from bot.rendering.rejection import picker_buttons
from bot.services.web_desk import ReportPage

# The page's own words (the rest comes rendered from the server).
PAGE_STRINGS = {
    "title": N_("Verifier desk"),
    "queue": N_("Open reports, oldest first"),
    "empty": N_("No reports are waiting for verification."),
    "alerts": N_("Live alerts"),
    "map": N_("Map"),
    "urgent": N_("People detained"),
    "back": N_("Back to the queue"),
    "media": N_("Photos, videos and voice notes (cleaned: no location, no device)"),
    "send": N_("Send"),
    "cancel": N_("Cancel"),
    "own_question": N_("Or ask in your own words"),
    "note": N_("The public note"),
    "why": N_("Why is it a false alarm? Your reason casts your vote."),
    "done": N_("Done."),
    "repeated": N_("Already done: that request was applied once."),
    "offline": N_("Connection lost; trying again…"),
    "open_in_telegram": N_("Open the desk from Telegram: the verifier group's /queue or a card's button."),
    "expired": N_("This desk was opened too long ago. Close it and open it again from Telegram."),
    "not_member": N_("The web desk is only for current members of the verifier group."),
    "attached": N_("Reports added to this one (open one to detach it):"),
    "joined": N_("Added to another report: open it"),
}


def page_strings(tr: Translator) -> dict[str, str]:
    return {key: tr.gettext(message) for key, message in PAGE_STRINGS.items()}


def areas(network: Network, tr: Translator) -> list[dict[str, Any]]:
    """The neighborhoods with a center and radius, for the map."""
    return [
        {
            "key": n.key,
            "name": n.name(tr.language),
            "lat": area.center.latitude,
            "lon": area.center.longitude,
            "radius_km": area.radius_km,
        }
        for n in network.neighborhoods
        if (area := n.area) is not None
    ]


def queue_json(tr: Translator, queue: Queue, network: Network) -> dict[str, Any]:
    return {
        "title": tr.ngettext("{n} open report", "{n} open reports", len(queue.pending)),
        "pending": [
            {
                "id": entry.report_id,
                "ref": entry.public_ref,
                "area": entry.neighborhood_key,
                "urgent": entry.urgent,
                "residents": entry.residents,
                "html": queue_entry_html(tr, entry, network, queue.at),
            }
            for entry in queue.pending
        ],
        "alerts": [
            {
                "id": alert.report_id,
                "ref": alert.public_ref,
                "area": alert.neighborhood_key,
                "html": live_alert_html(tr, alert, network, queue.at),
            }
            for alert in queue.alerts
        ],
    }


def _options(rows: tuple[tuple[tuple[str, str], ...], ...]) -> list[dict[str, str]]:
    return [{"label": label, "data": data} for row in rows for label, data in row]


def report_json(tr: Translator, page: ReportPage, media_url: str) -> dict[str, Any]:
    """The card's text and its buttons as the page's actions. Buttons that open a prompt in the group
    (False alarm's reasons, Ask the reporter, the public note) open it on the page instead."""
    actions: list[dict[str, Any]] = []
    for row in page.keyboard:
        for button in row:
            if button.callback_data is None:
                continue  # a link (the card's own), not an action
            action = cb.decode(button.callback_data)
            entry: dict[str, Any] = {"label": button.text, "data": button.callback_data, "kind": "press"}
            match action:
                case cb.FalseAlarm(reason=None) | cb.Vote(kind=VoteKind.FALSE_ALARM):
                    entry |= {
                        "kind": "choose",
                        "prompt": tr.gettext(PAGE_STRINGS["why"]),
                        "options": _options(picker_buttons(tr, page.report_id, page.reasons)),
                    }
                case cb.Ask(question=None):
                    entry |= {
                        "kind": "ask",
                        "options": _options(prompt_buttons(tr, page.report_id)),
                        "prompt": tr.gettext(PAGE_STRINGS["own_question"]),
                    }
                case cb.EditText(change=TextChangeKind.SET_NOTE):
                    entry |= {"kind": "words", "prompt": tr.gettext(PAGE_STRINGS["note"])}
            actions.append(entry)
    return {
        "id": page.report_id,
        "ref": page.public_ref,
        "card": page.card,
        "actions": actions,
        "media": [{"kind": str(kind), "url": media_url.format(position=i)} for i, kind in enumerate(page.media)],
        "attached_to": page.attached_to,
        "attached": [{"id": report_id, "ref": ref} for report_id, ref in page.attached],
    }
