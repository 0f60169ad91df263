"""What residents are told about their data, with the network's own retention numbers."""

from __future__ import annotations

from bot.i18n import Html, Translator
from bot.network import Network


def privacy_text(tr: Translator, network: Network) -> Html:
    retention = network.retention
    return tr.gettext(
        "🔒 <b>What Vigil keeps about you</b>\n\n"
        "• <b>Not your identity.</b> Vigil never stores your name, username or phone number. "
        "Your reports are filed under a code computed with a secret key that is not in the database.\n"
        "• <b>Your report:</b> the place, what you ticked, your words and your cleaned photos, videos and voice notes. "
        "Photos are re-made from their pixels, and videos and voice notes rebuilt without their hidden data, "
        "so location (GPS), time and device data are gone before anyone sees them. "
        "A shared location only suggests the place and is not kept.\n"
        "• <b>How to reach you:</b> your chat is kept only while your report is open, to tell you the outcome, "
        "and erased at the latest {grace} after it closes.\n"
        "• <b>For how long:</b> {days} after a report closes, its words, photos and votes are deleted; "
        "only anonymous daily counts remain. How many of your reports were confirmed is kept "
        "{record_days} after your last report.\n"
        "• <b>If you subscribe</b> to alerts by direct message: only your chat, your neighborhoods and your "
        "language, nothing else, for as long as you stay subscribed. /unsubscribe deletes them at once.\n\n"
        "<b>Who sees what:</b> verifiers see the report, a code like #K4QZ and how many of that code's "
        "earlier reports were confirmed, never who you are. Public alerts say what was seen, where and when, "
        "nothing about who reported it.\n\n"
        "/forgetme erases everything linked to you now, your subscription included.",
        # Counted with their plural forms ("1 day", "1 día"): a network may set any of them to 1.
        grace=tr.ngettext("{n} minute", "{n} minutes", retention.contact_grace_minutes),
        days=tr.ngettext("{n} day", "{n} days", retention.closed_report_days),
        record_days=tr.ngettext("{n} day", "{n} days", retention.reporter_record_days),
    )


def forget_question(tr: Translator) -> Html:
    return tr.gettext(
        "Erase everything Vigil keeps about you? Reports still waiting for verifiers are withdrawn. "
        "Alerts that were already published stay public, but nothing links them to you any more."
    )


def forgotten(tr: Translator, withdrawn: int) -> Html:
    if withdrawn:
        return tr.ngettext(
            "🗑 Done. Everything linked to you is erased, and {n} report waiting for verifiers was withdrawn.",
            "🗑 Done. Everything linked to you is erased, and {n} reports waiting for verifiers were withdrawn.",
            withdrawn,
        )
    return tr.gettext("🗑 Done. Everything linked to you is erased.")
