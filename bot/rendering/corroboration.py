"""Corroboration's words: what a resident whose report was attached is told, and the reply's text
once a verifier detached it. The reply itself is rendered with the cards (bot.rendering.card)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.reports import ChannelPost
from bot.i18n import Html, Translator
from bot.languages import LANGUAGE_NAMES
from bot.network import Network
from bot.rendering.links import message_link


def added_receipt(
    tr: Translator, public_ref: str, *, live_alert: bool, posts: Sequence[ChannelPost], network: Network, key: str
) -> Html:
    """After Send, when the report was attached to an open report of the same place: plainly, that
    verifiers are already checking it and this one was added; for a live alert, that it was
    confirmed, and where it was published."""
    if not live_alert:
        return tr.gettext(
            "✅ <b>Sent to the verifiers.</b> Your reference is <b>{ref}</b>.\n"
            "Verifiers are already checking a report from this area, and yours was added to it: "
            "what you sent helps them confirm it. We will tell you here when it is confirmed or not.\n"
            "Stay safe: keep your distance from the agents.",
            ref=public_ref,
        )
    where = _post_links(posts, network, key)
    if where:
        published = tr.gettext(
            "Verifiers already confirmed a report from this area and published an alert: {where}.", where=where
        )
    else:
        published = tr.gettext("Verifiers already confirmed a report from this area and published an alert.")
    return Html(
        "\n".join(
            (
                tr.gettext("✅ <b>Sent to the verifiers.</b> Your reference is <b>{ref}</b>.", ref=public_ref),
                published,
                tr.gettext(
                    "Your report was added to it, so the verifiers see what you sent. "
                    "We will tell you here when the alert ends.\n"
                    "Stay safe: keep your distance from the agents."
                ),
            )
        )
    )


def _post_links(posts: Sequence[ChannelPost], network: Network, key: str) -> Html:
    neighborhood = network.neighborhood(key)
    languages_of = {c.chat_id: c.languages for c in (neighborhood.channels if neighborhood else ())}
    links = []
    for post in posts:
        link = message_link(post.channel_id, post.message_id) if post.message_id is not None else None
        if link is None:
            continue
        label = " · ".join(LANGUAGE_NAMES[lang] for lang in languages_of.get(post.channel_id, ())) or "📣"
        links.append(f'<a href="{link}">{label}</a>')
    return Html(", ".join(links))


def detached_reply(tr: Translator, public_ref: str, joined_ref: str) -> Html:
    """What an attached report's reply says once a verifier detached it."""
    return tr.gettext(
        "🔗 <b>Report {ref}</b> was detached from {joined}: it is about something else and has its own card now.",
        ref=public_ref,
        joined=joined_ref,
    )


def detached_reply_withdrawn(tr: Translator, public_ref: str, joined_ref: str) -> Html:
    """What an attached report's reply says once the report it joined was withdrawn by its reporter."""
    return tr.gettext(
        "🔗 <b>Report {ref}</b> has its own card now: {joined}, which it was added to, was withdrawn.",
        ref=public_ref,
        joined=joined_ref,
    )
