"""Corroboration: 🔗 Detach on the reply of a report that was attached to another one."""

from __future__ import annotations

from telegram import Update

from bot import callback_data as cb
from bot.context import VigilContext
from bot.domain.acting import Refused
from bot.i18n import Translator
from bot.services.corroboration import Detached
from bot.services.presses import Press
from handlers.presses import on_press


async def on_detach_button(update: Update, context: VigilContext) -> None:
    corroboration = context.services.corroboration

    async def act(action: cb.Detach, press: Press) -> Detached | Refused:
        return await corroboration.detach(press)

    await on_press(update, context, cb.Detach, act, _detached)


def _detached(tr: Translator, result: Detached) -> str:
    return tr.gettext(
        "{ref} was detached from {joined}: it gets its own card now.", ref=result.public_ref, joined=result.joined_ref
    )
