"""/status for the network's organizers (admin_user_ids in the network file)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.context import VigilContext
from bot.rendering.status import not_an_organizer, render_status
from handlers.language import client_translator


async def on_status(update: Update, context: VigilContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    services = context.services
    tr = client_translator(update, context)
    if not services.status.organizer_here(user_id=user.id, chat_id=chat.id, private=chat.type == "private"):
        await message.reply_html(not_an_organizer(tr))
        return
    status = await services.status.snapshot()
    await message.reply_text(render_status(tr, status, services.network.zone), parse_mode=ParseMode.HTML)
