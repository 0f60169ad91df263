"""The one place that catches everything: log it, and tell a resident their draft is safe."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot import update_scope
from bot.context import VigilContext
from handlers.language import known_translator

log = logging.getLogger(__name__)


async def on_error(update: object, context: VigilContext) -> None:
    # No update content in the log: it could hold a resident's words or ids.
    kind = type(update).__name__
    if isinstance(update, Update):
        kind = "callback" if update.callback_query else "message" if update.effective_message else "update"
    log.error("unhandled error while handling a %s", kind, exc_info=context.error)
    update_scope.mark_failed()
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_chat.type != "private":
        return
    tr = known_translator(context)
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            tr.gettext("Sorry, something went wrong on our side. Your report is kept; please try again."),
        )
    except TelegramError:
        log.warning("could not tell the resident about the error")
