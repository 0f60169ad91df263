"""/subscribe, /unsubscribe and /rights in private chats, and the buttons that go with them."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import callback_data as cb
from bot.context import VigilContext
from bot.i18n import Html
from bot.rendering.rights import rights_card
from bot.rendering.subscriptions import subscribe_prompt, subscription_summary, unknown_place, unsubscribed
from bot.services.requests import telegram_update
from bot.services.subscriptions import UnknownNeighborhood
from bot.telegram_gateway import is_not_modified, to_markup
from handlers.language import resident_translator


async def on_subscribe_command(update: Update, context: VigilContext) -> None:
    await _show_prompt(update, context)


async def _show_prompt(update: Update, context: VigilContext, *, note: str | None = None) -> None:
    tr = await resident_translator(update, context)
    chat = update.effective_chat
    assert chat is not None
    view = await context.services.subscriptions.current(chat.id)
    text, keyboard = subscribe_prompt(tr, context.services.network, view)
    if note:
        text = Html(note + "\n\n" + text)
    await update.effective_message.reply_html(text, reply_markup=to_markup(keyboard))  # type: ignore[union-attr]


async def subscribe_from_link(update: Update, context: VigilContext, neighborhood_key: str) -> None:
    """A `sub-<key>` deep link (a flyer's QR code): subscribed at once, told how to change it."""
    tr = await resident_translator(update, context)
    chat = update.effective_chat
    assert chat is not None
    try:
        view = await context.services.subscriptions.subscribe(chat.id, neighborhood_key, tr.language)
    except UnknownNeighborhood:
        await _show_prompt(update, context, note=unknown_place(tr))
        return
    await update.effective_message.reply_html(  # type: ignore[union-attr]
        subscription_summary(tr, context.services.network, view)
    )


async def on_subscribe_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    tr = await resident_translator(update, context)
    action = cb.decode_as(query.data, cb.Subscribe)
    services = context.services
    chat_id = query.message.chat.id
    if action is None:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    if action.done:
        view = await services.subscriptions.current(chat_id)
        await query.answer()
        await query.edit_message_text(subscription_summary(tr, services.network, view), parse_mode=ParseMode.HTML)
        return
    try:
        view = await services.subscriptions.toggle(
            chat_id, action.neighborhood_key, tr.language, request_id=telegram_update(update.update_id)
        )
    except UnknownNeighborhood:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    text, keyboard = subscribe_prompt(tr, services.network, view)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=to_markup(keyboard))
    except BadRequest as error:
        if not is_not_modified(error):  # Telegram delivered the press again: nothing changed
            raise


async def on_unsubscribe_command(update: Update, context: VigilContext) -> None:
    tr = await resident_translator(update, context)
    chat = update.effective_chat
    assert chat is not None
    was = await context.services.subscriptions.unsubscribe(chat.id)
    await update.effective_message.reply_html(unsubscribed(tr, was))  # type: ignore[union-attr]


async def on_rights_command(update: Update, context: VigilContext) -> None:
    tr = await resident_translator(update, context)
    await update.effective_message.reply_html(rights_card(tr, context.services.network))  # type: ignore[union-attr]


async def on_rights_button(update: Update, context: VigilContext) -> None:
    """Under an alert sent by direct message: the card arrives as a new message below it."""
    query = update.callback_query
    assert query is not None and query.message is not None
    tr = await resident_translator(update, context)
    await query.answer()
    await context.bot.send_message(
        query.message.chat.id, rights_card(tr, context.services.network), parse_mode=ParseMode.HTML
    )
