"""📎 Show media on a card: the report's media sent under it, on demand."""

from __future__ import annotations

from telegram import Update

from bot import callback_data as cb
from bot.context import VigilContext
from bot.domain.acting import Refused
from bot.i18n import Translator
from bot.services.presses import Press
from bot.services.showing import MediaShown
from handlers.presses import on_press


async def on_show_media_button(update: Update, context: VigilContext) -> None:
    showing = context.services.showing

    async def act(action: cb.ShowMedia, press: Press) -> MediaShown | Refused:
        return await showing.show_media(press)

    await on_press(update, context, cb.ShowMedia, act, _shown)


def _shown(tr: Translator, result: MediaShown) -> str:
    if result.messages:
        return tr.gettext("The media of {ref} are on their way, under the card.", ref=result.public_ref)
    return tr.gettext("The media of {ref} are already under the card.", ref=result.public_ref)
