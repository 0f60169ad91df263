"""/privacy explains what Vigil keeps; /forgetme erases it, after the resident confirms."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot import callback_data as cb
from bot.context import VigilContext
from bot.ports import Button
from bot.rendering.privacy import forget_question, forgotten, privacy_text
from bot.telegram_gateway import to_markup
from handlers.language import resident_translator


async def on_privacy(update: Update, context: VigilContext) -> None:
    tr = await resident_translator(update, context)
    await update.effective_message.reply_html(privacy_text(tr, context.services.network))  # type: ignore[union-attr]


async def on_forget_command(update: Update, context: VigilContext) -> None:
    tr = await resident_translator(update, context)
    keyboard = (
        (
            Button(tr.gettext("🗑 Yes, erase everything"), cb.encode(cb.Forget(True))),
            Button(tr.gettext("Keep my data"), cb.encode(cb.Forget(False))),
        ),
    )
    await update.effective_message.reply_html(  # type: ignore[union-attr]
        forget_question(tr), reply_markup=to_markup(keyboard)
    )


async def on_forget_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None
    tr = await resident_translator(update, context)
    action = cb.decode_as(query.data, cb.Forget)
    if action is None:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    if not action.confirmed:
        await query.answer()
        await query.edit_message_text(tr.gettext("Nothing was erased."))
        return
    withdrawn = await context.services.residents.forget(query.from_user.id)
    # The stored draft went with the rest; what memory remembered goes too.
    context.session.panel_message_id = None
    context.session.language = None
    await query.answer()
    await query.edit_message_text(forgotten(tr, withdrawn), parse_mode=ParseMode.HTML)
