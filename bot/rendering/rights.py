"""The know-your-rights card, and the buttons under an alert that lead to it and to reporting."""

from __future__ import annotations

from bot import callback_data as cb
from bot.domain.buttons import Button, Keyboard
from bot.domain.deep_links import DeepLinks
from bot.i18n import Html, Translator, escape
from bot.network import Network


def rights_card(tr: Translator, network: Network) -> Html:
    """The network's own card for the language if it wrote one, else Vigil's."""
    own = network.rights.get(tr.language)
    if own is not None:
        return Html(escape(own))
    return tr.gettext(
        "⚖️ <b>Know your rights</b>\n\n"
        "• <b>You have the right to remain silent.</b> You do not have to answer questions about where "
        "you were born or your immigration status.\n"
        "• <b>Do not open the door</b> unless the agents show a warrant signed by a judge. "
        "Ask them to slide it under the door or hold it to the window.\n"
        "• <b>Do not sign anything</b> you do not understand or agree with.\n"
        "• <b>If you are detained,</b> give only your name and date of birth, say you want to remain "
        "silent, and ask for a lawyer.\n\n"
        "📞 Rapid-response hotline (24 hours): {hotline}\n\n"
        "📣 <b>To report what you see:</b> send a photo or a few words to this bot, or tap /report. "
        "Two trained verifiers check every report before an alert is published.",
        hotline=network.hotline,
    )


def flyer_rights_lines(tr: Translator) -> list[str]:
    """The three lines a printed flyer has room for."""
    return [
        tr.gettext("You have the right to remain silent."),
        tr.gettext("Do not open the door without a warrant signed by a judge."),
        tr.gettext("Do not sign anything."),
    ]


def channel_post_buttons(tr: Translator, links: DeepLinks, neighborhood_key: str) -> Keyboard:
    """Under every channel post: report (the neighborhood chosen already), and the rights card."""
    return (
        (Button(tr.gettext("📣 Report what you see"), url=links.report(neighborhood_key)),),
        (Button(tr.gettext("⚖️ Know your rights"), url=links.rights()),),
    )


def direct_alert_buttons(tr: Translator, links: DeepLinks | None, neighborhood_key: str) -> Keyboard:
    """Under an alert sent by direct message: the card opens right there, without a /start."""
    rights = (Button(tr.gettext("⚖️ Know your rights"), callback_data=cb.encode(cb.Rights())),)
    if links is None:
        return (rights,)
    return (rights, (Button(tr.gettext("📣 Report what you see"), url=links.report(neighborhood_key)),))
