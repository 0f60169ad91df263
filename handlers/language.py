"""Which language a handler answers in: chosen here, and nowhere else.

- A resident, in their private chat: the language they chose with /language (stored), else their
  Telegram client's, else the network's default (:func:`resident_translator`).
- Someone answered where the bot keeps no choice for them (a verifier's press, a command in a
  group, an organizer's /status): their client's language, else the language the surface is written
  in (:func:`client_translator`; the verifier desk's is the card language).
- Words the bot writes into the verifier group for everyone there (a reply to a verifier's
  prompt): the card language (:func:`group_translator`).
- The error handler, which must not touch storage: the language already known in the session, else
  the default (:func:`known_translator`).
"""

from __future__ import annotations

from telegram import Update

from bot.context import VigilContext
from bot.i18n import Translator
from bot.languages import Language, match_language


async def resident_translator(update: Update, context: VigilContext) -> Translator:
    session = context.session
    user = update.effective_user
    assert user is not None
    if session.language is None:
        session.language = await context.services.residents.language_of(user.id, user.language_code)
    return context.services.catalogs(session.language)


def client_translator(update: Update, context: VigilContext, *, desk: bool = False) -> Translator:
    """`desk`: the person acts at the verifier desk, whose fallback is the card language."""
    services = context.services
    user = update.effective_user
    fallback = services.network.card_language if desk else services.network.default_language
    language = match_language(user.language_code if user is not None else None)
    return services.catalogs(language or fallback)


def known_translator(context: VigilContext) -> Translator:
    session = context.user_data
    language: Language | None = session.language if session is not None else None
    return context.services.catalogs(language or context.services.network.default_language)


def group_translator(context: VigilContext) -> Translator:
    return context.services.catalogs(context.services.network.card_language)
