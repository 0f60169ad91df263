"""/start, /help and /language in private chats."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot import callback_data as cb
from bot.context import VigilContext
from bot.domain.deep_links import ReportIn, ShowRights, SubscribeTo, parse_start
from bot.languages import LANGUAGE_NAMES, supported_languages
from bot.ports import Button
from bot.telegram_gateway import to_markup
from handlers.language import client_translator, resident_translator
from handlers.reporting import open_report_in
from handlers.subscribing import on_rights_command, subscribe_from_link


async def on_start(update: Update, context: VigilContext) -> None:
    """/start, plain or from a deep link (`?start=report-clovis`, `sub-clovis`, `rights`)."""
    match parse_start(context.args[0] if context.args else None):
        case ReportIn(key):
            await open_report_in(update, context, key)
        case SubscribeTo(key):
            await subscribe_from_link(update, context, key)
        case ShowRights():
            await on_rights_command(update, context)
        case None:
            await on_help(update, context)


async def on_help(update: Update, context: VigilContext) -> None:
    tr = await resident_translator(update, context)
    await update.effective_message.reply_html(  # type: ignore[union-attr]
        tr.gettext(
            "👋 <b>Vigil</b> passes what you see to trained volunteers of the rapid-response network. "
            "Two of them check every report before an alert is published, so alerts stay trustworthy.\n\n"
            "<b>To report:</b> send a photo, a video or a few words (or /report); voice notes work too, but "
            "typing is safer. Then tap the place and, if you can, what you see, and tap <b>Send to verifiers</b>.\n\n"
            "Your name and account are never shown to verifiers or in alerts, and photos, videos and voice "
            "notes are cleaned of hidden data such as GPS before anyone sees them.\n\n"
            "/subscribe sends you the alerts of your neighborhoods by direct message; /rights shows what to do "
            "if agents come. /language changes the language. In an emergency, call the hotline: {hotline}",
            hotline=context.services.network.hotline,
        )
    )


async def on_language_command(update: Update, context: VigilContext) -> None:
    tr = await resident_translator(update, context)
    keyboard = (
        tuple(Button(LANGUAGE_NAMES[lang], cb.encode(cb.ChooseLanguage(lang))) for lang in supported_languages()),
    )
    await update.effective_message.reply_html(  # type: ignore[union-attr]
        tr.gettext("Choose your language:"), reply_markup=to_markup(keyboard)
    )


async def on_language_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None
    action = cb.decode_as(query.data, cb.ChooseLanguage)
    if action is None:
        tr = await resident_translator(update, context)
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    await context.services.residents.choose_language(query.from_user.id, action.language)
    context.session.language = action.language
    tr = context.services.catalogs(action.language)
    await query.answer()
    await query.edit_message_text(tr.gettext("From now on I will write to you in English."), parse_mode=ParseMode.HTML)


async def on_unknown_button(update: Update, context: VigilContext) -> None:
    """A button this version does not know (an old message, or a tampered payload)."""
    query = update.callback_query
    assert query is not None
    tr = client_translator(update, context)
    await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
