"""The verifier desk: ❓ Ask the reporter (in the group), and the reporter's answers (in private).

A resident's reply to a question from the verifiers is an answer. A plain message while such a
question waits gets one tap: the answer, or part of a report. Any other private message is a
report and goes to handlers.reporting unchanged.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ParseMode

from bot import callback_data as cb
from bot.context import VigilContext
from bot.domain.desk import Question
from bot.i18n import Translator
from bot.photos import ImageRejection
from bot.rendering import desk as text
from bot.rendering.labels import local_clock
from bot.services.desk import Answered, AnswerOutcome, Asked, Claimed, Prompted
from bot.services.images import PhotoRefused
from bot.services.presses import Press, Refused
from bot.services.public_text import NotePrompted, TextChanged
from bot.services.requests import telegram_update
from bot.telegram_gateway import to_markup
from handlers import reporting
from handlers.language import group_translator, resident_translator
from handlers.presses import on_press, refusal_text


async def on_ask_button(update: Update, context: VigilContext) -> None:
    desk = context.services.desk

    async def act(action: cb.Ask, press: Press) -> Asked | Prompted | Refused:
        if action.question is None:
            return await desk.open_prompt(press)
        return await desk.ask(press, action.question)

    # mypy cannot split "Asked | Prompted | Refused" into on_press's "ResultT | Refused" by itself.
    await on_press(update, context, cb.Ask, act, _asked)  # type: ignore[misc]


def _asked(tr: Translator, result: Asked | Prompted) -> str:
    if isinstance(result, Prompted):
        return tr.gettext("Pick a question below the card, or reply to the prompt with your own.")
    return tr.ngettext(
        "Sent to the reporter of {ref}, without your name ({asked}/{n} question).",
        "Sent to the reporter of {ref}, without your name ({asked}/{n} questions).",
        result.limit,
        ref=result.public_ref,
        asked=result.asked,
    )


async def on_go_check_button(update: Update, context: VigilContext) -> None:
    desk = context.services.desk

    async def act(action: cb.GoCheck, press: Press) -> Claimed | Refused:
        return await desk.go_check(press, action.minutes)

    def answer(tr: Translator, result: Claimed) -> str:
        until = local_clock(tr, result.until, context.services.network.zone)
        return tr.gettext(
            "Thank you: the card shows you are on the way to check {ref} until {time}. You get one reminder then.",
            ref=result.public_ref,
            time=until,
        )

    await on_press(update, context, cb.GoCheck, act, answer)


async def on_text_button(update: Update, context: VigilContext) -> None:
    """The public text's buttons on a card: include/remove the resident's words, write/remove a note."""
    public_text = context.services.public_text

    async def act(action: cb.EditText, press: Press) -> TextChanged | NotePrompted | Refused:
        return await public_text.change(press, action.change)

    await on_press(update, context, cb.EditText, act, _text_changed)  # type: ignore[misc]


def _text_changed(tr: Translator, result: TextChanged | NotePrompted) -> str:
    if isinstance(result, NotePrompted):
        return tr.gettext("Reply to the prompt below the card with the public note.")
    done = tr.gettext(
        "The public text of {ref} is now version {version}: the card shows exactly what will be posted.",
        ref=result.public_ref,
        version=result.version,
    )
    if not result.cleared:
        return done
    cleared = tr.ngettext(
        "The confirmation of {names} was cleared: it was for the earlier text.",
        "The confirmations of {names} were cleared: they were for the earlier text.",
        len(result.cleared),
        names=", ".join(result.cleared),
    )
    return f"{done} {cleared}"


async def on_group_reply(update: Update, context: VigilContext) -> None:
    """A reply, in the verifier group, to one of the bot's prompts: a verifier's own question to the
    reporter, or the public note."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or message.from_user is None or not message.text:
        return
    result = await context.services.desk.reply_to_prompt(
        chat_id=message.chat_id,
        user_id=message.from_user.id,
        first_name=message.from_user.first_name,
        replied_to=message.reply_to_message.message_id,
        words=message.text,
        request_id=telegram_update(update.update_id),
    )
    if result is None or (isinstance(result, Refused) and result.outcome == "duplicate"):
        return  # not a reply to a prompt, or a redelivered update that was already answered
    tr = group_translator(context)
    if isinstance(result, Refused):
        await message.reply_html(refusal_text(tr, result))
    elif isinstance(result, TextChanged):
        await message.reply_html(_text_changed(tr, result))
    else:
        await message.reply_html(_asked(tr, result))


async def on_answer_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None
    tr = await resident_translator(update, context)
    action = cb.decode_as(query.data, cb.Answer)
    if action is None:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    result = await context.services.desk.answer_with_button(
        user_id=query.from_user.id,
        question_id=action.question_id,
        code=action.answer,
        request_id=telegram_update(update.update_id),
    )
    if result.outcome is AnswerOutcome.DUPLICATE:
        return
    await query.answer(_answered(tr, result), show_alert=result.outcome is not AnswerOutcome.PASSED_ON)


async def on_private_reply(update: Update, context: VigilContext) -> None:
    """A reply in a private chat: an answer if it replies to a question, else part of a report."""
    message: Message = update.effective_message  # type: ignore[assignment]
    replied = message.reply_to_message
    question = None
    if replied is not None and message.from_user is not None:
        question = await context.services.desk.question_replied_to(
            user_id=message.from_user.id, message_id=replied.message_id
        )
    if question is None:
        await _into_the_report(update, context, message)
        return
    tr = await resident_translator(update, context)
    result = await _answer_with(update, context, message, question)
    if result is not None:
        await message.reply_html(result if isinstance(result, str) else _answered(tr, result))


async def on_plain_message(update: Update, context: VigilContext) -> None:
    """Words or a photo, not a reply. While a question from the verifiers waits for this resident's
    answer, most people just type it: one tap says whether this is that answer or part of a report.
    The message stays in the chat, and the question under it replies to it, so nothing is lost
    either way (:func:`on_which_button`). Otherwise it is part of a report, as always."""
    message: Message = update.effective_message  # type: ignore[assignment]
    pending = None
    if message.from_user is not None and message.media_group_id is None:  # an album is a report's
        pending = await context.services.desk.pending_question(user_id=message.from_user.id)
    if pending is None:
        await _into_the_report(update, context, message)
        return
    tr = await resident_translator(update, context)
    await message.reply_html(
        text.which_is_it(tr, pending.public_ref),
        reply_markup=to_markup(text.which_buttons(tr, pending.question.id)),
        do_quote=True,  # the tap finds the message it is about as the one this replies to
    )


async def on_which_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None
    tr = await resident_translator(update, context)
    action = cb.decode_as(query.data, cb.Which)
    original = query.message.reply_to_message if isinstance(query.message, Message) else None
    if action is None or not isinstance(query.message, Message):
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    if original is None:  # the resident deleted it, or Telegram no longer shows it to the bot
        await query.answer(tr.gettext("I can no longer see that message. Please send it again."), show_alert=True)
        return
    await query.answer()
    if not action.answers_it:
        await _into_the_report(update, context, original)  # stored first: commit, then reply
        await query.edit_message_text(tr.gettext("📝 It is part of your report: see below."))
        return
    question = await context.services.desk.question_of(user_id=query.from_user.id, question_id=action.question_id)
    if question is None:
        await query.edit_message_text(tr.gettext("This button is no longer valid."))
        return
    result = await _answer_with(update, context, original, question)
    if result is not None:
        await query.edit_message_text(
            result if isinstance(result, str) else _answered(tr, result), parse_mode=ParseMode.HTML
        )


async def _into_the_report(update: Update, context: VigilContext, message: Message) -> None:
    if message.text is not None:
        await reporting.on_text(update, context, message)
    else:
        await reporting.on_image(update, context, message)


async def _answer_with(
    update: Update, context: VigilContext, message: Message, question: Question
) -> Answered | str | None:
    """Pass `message` (words, or a photo and its caption) on as the answer to `question`. None when
    there is nothing to say (a redelivered update); a string when the photo was refused."""
    desk = context.services.desk
    user_id = update.effective_user.id  # type: ignore[union-attr]
    request_id = telegram_update(update.update_id)
    if message.text is not None:
        result = await desk.answer_in_words(
            user_id=user_id, question=question, words=message.text, request_id=request_id
        )
    else:
        file_id = message.photo[-1].file_id if message.photo else message.document.file_id if message.document else None
        if file_id is None:
            return None
        try:
            result = await desk.answer_with_photo(
                user_id=user_id, question=question, file_id=file_id, request_id=request_id
            )
        except PhotoRefused as refused:
            return _photo_refused(await resident_translator(update, context), refused.reason)
        if message.caption:
            await desk.answer_in_words(user_id=user_id, question=question, words=message.caption, request_id=None)
    return None if result.outcome is AnswerOutcome.DUPLICATE else result


def _answered(tr: Translator, result: Answered) -> str:
    match result.outcome:
        case AnswerOutcome.PASSED_ON:
            return tr.gettext("Thank you. Your answer was passed on to the verifiers, without your name.")
        case AnswerOutcome.CLOSED:
            return tr.gettext(
                "Report {ref} is closed, so your answer was not passed on. Thank you all the same; "
                "if you see something new, send a new report.",
                ref=result.public_ref,
            )
        case AnswerOutcome.TOO_LONG:
            return tr.gettext("That answer is too long. Please send a shorter one.")
        case AnswerOutcome.ALREADY_ANSWERED if result.kind is not None and result.answer is not None:
            return tr.gettext(
                "You already answered this question: {answer}. Only your first answer counts; to add something, "
                "reply to the question with words or a photo.",
                answer=text.answer_label(tr, result.kind, result.answer),
            )
        case AnswerOutcome.NOT_YOURS | AnswerOutcome.DUPLICATE | AnswerOutcome.ALREADY_ANSWERED:
            return tr.gettext("This button is no longer valid.")


def _photo_refused(tr: Translator, reason: ImageRejection) -> str:
    if reason is ImageRejection.NOT_DOWNLOADED:
        return tr.gettext(
            "I could not fetch that photo from Telegram just now, so it was not passed on. Please send it again."
        )
    return tr.gettext("That image could not be used, so it was not passed on. Try another photo, or answer in words.")
