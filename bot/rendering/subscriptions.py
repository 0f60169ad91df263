"""What a resident sees when they subscribe to alerts by direct message, or stop."""

from __future__ import annotations

from bot import callback_data as cb
from bot.domain.buttons import Button, Keyboard
from bot.domain.subscriptions import SubscriberView
from bot.i18n import Html, Translator
from bot.languages import LANGUAGE_NAMES
from bot.network import Network


def _language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def subscribe_prompt(tr: Translator, network: Network, view: SubscriberView) -> tuple[Html, Keyboard]:
    """The neighborhoods as tick boxes (several allowed), and the language the alerts come in."""
    text = tr.gettext(
        "📬 <b>Alerts by direct message</b>\n\n"
        "Tap the neighborhoods you want alerts for (several are allowed), then <b>Done</b>. "
        "Every alert confirmed by two verifiers, and how it ends, will reach you here in {language}. "
        "/language changes the language; /unsubscribe stops everything.",
        language=_language_name(view.language or tr.language),
    )
    rows = [
        (
            Button(
                ("✅ " if n.key in view.neighborhoods else "▫️ ") + n.name(tr.language),
                callback_data=cb.encode(cb.Subscribe(n.key)),
            ),
        )
        for n in network.neighborhoods
    ]
    rows.append((Button(tr.gettext("Done"), callback_data=cb.encode(cb.Subscribe())),))
    return text, tuple(rows)


def subscription_summary(tr: Translator, network: Network, view: SubscriberView) -> Html:
    if not view.subscribed:
        return tr.gettext("You are not subscribed to any neighborhood. /subscribe chooses some.")
    places = ", ".join(n.name(tr.language) for n in network.neighborhoods if n.key in view.neighborhoods)
    return tr.gettext(
        "✅ You will get the alerts for <b>{places}</b> here, in {language}. /unsubscribe stops them.",
        places=places,
        language=_language_name(view.language or tr.language),
    )


def unsubscribed(tr: Translator, was_subscribed: bool) -> Html:
    if not was_subscribed:
        return tr.gettext("You were not subscribed, so there was nothing to stop.")
    return tr.gettext(
        "🔕 Done: you will get no more alerts by direct message. "
        "Your chat, neighborhoods and language are deleted from the list."
    )


def unknown_place(tr: Translator) -> Html:
    return tr.gettext("This link names a place this network does not cover. Choose one below.")
