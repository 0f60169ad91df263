"""/queue (verifier group members, in the group) and /stats (organizers): the desk at a glance."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.context import VigilContext
from bot.domain.stats import NotAllowed
from bot.rendering.overview import refusal, render_queue, render_stats
from handlers.language import client_translator
from handlers.web_desk import queue_button


async def on_queue(update: Update, context: VigilContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    services = context.services
    tr = client_translator(update, context, desk=True)
    queue = await services.overview.queue(chat_id=chat.id, user_id=user.id)
    if isinstance(queue, NotAllowed):
        await message.reply_html(refusal(tr, queue))
        return
    text = render_queue(tr, queue, services.network)
    await message.reply_text(
        text,
        parse_mode=ParseMode.HTML,
        disable_web_page_preview=True,
        reply_markup=queue_button(context, tr.gettext("🖥 Open the web desk")),
    )


async def on_stats(update: Update, context: VigilContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    services = context.services
    tr = client_translator(update, context)
    stats = await services.overview.stats(chat_id=chat.id, user_id=user.id, private=chat.type == "private")
    if isinstance(stats, NotAllowed):
        await message.reply_html(refusal(tr, stats))
        return
    await message.reply_text(render_stats(tr, stats), parse_mode=ParseMode.HTML)
