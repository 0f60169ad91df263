"""/drill (organizers, in their private chat or the verifier group): the menu's buttons, /drill stop
and /drill report. Parse, call the drill service, render."""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import callback_data as cb
from bot.context import VigilContext
from bot.domain.buttons import Keyboard
from bot.domain.drills import LanguageMix, Pace
from bot.i18n import Translator
from bot.languages import match_language
from bot.rendering import drills as text
from bot.services.drills import DrillChoice, DrillRefusal, RealReportsOpen, Started
from bot.telegram_gateway import is_not_modified, to_markup


def _translator(update: Update, context: VigilContext) -> Translator:
    user = update.effective_user
    services = context.services
    return services.catalogs(match_language(user.language_code if user else None) or services.network.card_language)


async def on_drill_command(update: Update, context: VigilContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    tr = _translator(update, context)
    drills = context.services.drills
    private = chat.type == "private"
    word = (context.args or [""])[0].lower() if context.args else ""
    if word == "stop":
        stopped = await drills.stop(user_id=user.id, chat_id=chat.id, private=private)
        reply = text.refusal(tr, stopped) if isinstance(stopped, DrillRefusal) else text.stopped(tr)
        await message.reply_html(reply)
        return
    if word == "report":
        report = await drills.report(user_id=user.id, chat_id=chat.id, private=private)
        await message.reply_html(text.refusal(tr, report) if isinstance(report, DrillRefusal) else report)
        return
    if not drills.allowed(user_id=user.id, chat_id=chat.id, private=private):
        await message.reply_html(text.refusal(tr, DrillRefusal.NOT_AN_ORGANIZER))
        return
    every = (1 << len(drills.library)) - 1
    state = cb.DrillMenu(cb.DrillStep.SET, every, Pace.SURGE, LanguageMix.MIX)
    body, keyboard = text.menu(tr, drills.library, state, tr.language)
    await message.reply_html(body, reply_markup=to_markup(keyboard))


async def on_drill_button(update: Update, context: VigilContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or query.message is None or user is None:
        return
    tr = _translator(update, context)
    drills = context.services.drills
    chat = query.message.chat
    private = chat.type == "private"
    state = cb.decode_as(query.data, cb.DrillMenu)
    if state is None:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    if not drills.allowed(user_id=user.id, chat_id=chat.id, private=private):
        await query.answer(text.refusal(tr, DrillRefusal.NOT_AN_ORGANIZER), show_alert=True)
        return
    if state.step is cb.DrillStep.SET:
        await query.answer()
        await _edit(query, *text.menu(tr, drills.library, state, tr.language))
        return
    if state.step is cb.DrillStep.CANCEL:
        await query.answer()
        await _edit(query, text.cancelled(tr), None)
        return
    keys = tuple(s.key for i, s in enumerate(drills.library) if state.scenarios & (1 << i))
    choice = DrillChoice(keys, state.pace, state.mix, state.tags)
    result = await drills.start(
        choice, user_id=user.id, chat_id=chat.id, private=private, confirmed=state.step is cb.DrillStep.SURE
    )
    if isinstance(result, DrillRefusal):
        await query.answer(text.refusal(tr, result), show_alert=True)
        return
    await query.answer()
    if isinstance(result, RealReportsOpen):
        await _edit(query, *text.confirm_with_real_reports(tr, result.count, state))
        return
    assert isinstance(result, Started)
    await _edit(query, text.started(tr, result.reports, state.pace), None)


async def _edit(query: CallbackQuery, body: str, keyboard: Keyboard | None) -> None:
    try:
        await query.edit_message_text(body, parse_mode=ParseMode.HTML, reply_markup=to_markup(keyboard))
    except BadRequest as error:
        if not is_not_modified(error):  # Telegram delivered the press again: nothing changed
            raise
