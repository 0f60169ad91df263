"""An answer to everything a report cannot use, so nobody believes something was reported when it was not.

None of these handlers stores anything: a contact card's phone number, a sticker or a poll never
reach the database. They reply at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telegram import Message, Update

from bot.context import VigilContext
from handlers.language import client_translator, resident_translator

# In a group, a command gets one polite line, then the group is left alone for a while: a bot that
# answers every "/start@vigil_bot" can be made to flood a group.
GROUP_ANSWER_QUIET = timedelta(minutes=10)
_LAST_GROUP_ANSWER = "vigil:last-command-answer"


async def on_not_for_a_report(update: Update, context: VigilContext) -> None:
    """Stickers, dice, polls, games, and whatever else a private chat may carry."""
    message: Message = update.effective_message  # type: ignore[assignment]
    tr = await resident_translator(update, context)
    await message.reply_html(
        tr.gettext(
            "I can't use that in a report. A report can have photos, videos, voice notes, a few words "
            "and the place (share your location or tap it). /help shows how."
        )
    )


async def on_contact(update: Update, context: VigilContext) -> None:
    """A contact card carries someone else's phone number: never stored, never used, and said so."""
    message: Message = update.effective_message  # type: ignore[assignment]
    tr = await resident_translator(update, context)
    await message.reply_html(
        tr.gettext(
            "🔒 A contact card holds a person's phone number, so Vigil did not use it and does not keep it. "
            "To report, send a photo, a few words or your location."
        )
    )


async def on_unknown_command(update: Update, context: VigilContext) -> None:
    message: Message = update.effective_message  # type: ignore[assignment]
    tr = await resident_translator(update, context)
    await message.reply_html(tr.gettext("I don't know that command. /help shows what I can do."))


async def on_edited_message(update: Update, context: VigilContext) -> None:
    """An edit never rewrites what the verifiers have, nor the draft, silently: say what to do instead.

    Only private chats get an answer; an edit elsewhere (the verifier group) changes nothing and is
    not worth a message.
    """
    message = update.edited_message
    user = update.effective_user
    if message is None or user is None or message.chat.type != "private":
        return
    tr = await resident_translator(update, context)
    draft = await context.services.residents.current_draft(user.id)
    if draft is not None and draft.took_message(message.message_id):
        # The edited message went into the report still being written.
        text = tr.gettext(
            "Editing a message does not change your report. Send the correction as a new message: "
            "it is added to the report before you send it."
        )
    else:
        text = tr.gettext(
            "Editing a message does not change a report that was already sent: the verifiers see it as "
            "you sent it. To add something, send it here as a new message and tap <b>Send to verifiers</b>."
        )
    await message.reply_html(text)


async def on_command_in_a_group(update: Update, context: VigilContext) -> None:
    """A command in a group that is not the verifier group: one polite line pointing to the private
    chat (reports there would be seen by the whole group). In the verifier group an unknown command
    is deliberately left unanswered: the desk's chat stays for the desk."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or chat.id == context.services.network.verifier_group_id:
        return
    now = datetime.now(UTC)
    last = context.chat_data.get(_LAST_GROUP_ANSWER) if context.chat_data is not None else None
    if isinstance(last, datetime) and now - last < GROUP_ANSWER_QUIET:
        return
    if context.chat_data is not None:
        context.chat_data[_LAST_GROUP_ANSWER] = now
    tr = client_translator(update, context)
    await message.reply_html(
        tr.gettext(
            "I take reports only in a private chat, so nobody here sees who reports. Write to me: @{bot}",
            bot=context.bot.username,
        )
    )
