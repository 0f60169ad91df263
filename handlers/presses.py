"""One path for a button pressed on a card in the verifier group: decode, act, answer.

Every desk button goes through :func:`on_press`: the payload is decoded strictly, the service
judges the press (bot.services.presses), a redelivered press is left unanswered (it was answered
the first time), and a refusal gets the same words whichever button it was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Update

from bot import callback_data as cb
from bot.context import VigilContext
from bot.domain.corroboration import AddedReporterCannotVote, NotAttached
from bot.domain.desk import EmptyQuestion, QuestionLimitReached, QuestionTooLong, UnknownEta
from bot.domain.lifecycle import AlertAction
from bot.domain.public_text import EmptyNote, NoteTooLong, NoWordsToInclude, TextChangedSinceShown, TextUnchanged
from bot.domain.rejection import AlreadySupported, NotRejected, ReasonDoesNotFit, RumorCheckPosted, RumorCheckTooLate
from bot.domain.verification import VoteKind
from bot.i18n import Translator
from bot.services.presses import Press, Refusal, Refused
from bot.services.requests import telegram_update
from handlers.language import client_translator

# The buttons that act on a report (their payload names it).
PressAction = (
    cb.Vote | cb.Mute | cb.OnAlert | cb.Ask | cb.GoCheck | cb.Detach | cb.FalseAlarm | cb.RumorCheck | cb.EditText
)
ActionT = TypeVar("ActionT", bound=PressAction)
ResultT = TypeVar("ResultT")


async def on_press(
    update: Update,
    context: VigilContext,
    kind: type[ActionT],
    act: Callable[[ActionT, Press], Awaitable[ResultT | Refused]],
    answer: Callable[[Translator, ResultT], str],
) -> None:
    query = update.callback_query
    assert query is not None
    tr = client_translator(update, context, desk=True)
    action = cb.decode_as(query.data, kind)
    if action is None or query.message is None:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    press = Press(
        report_id=action.report_id,
        user_id=query.from_user.id,
        first_name=query.from_user.first_name,
        request_id=telegram_update(update.update_id),
        chat_id=query.message.chat.id,
    )
    result = await act(action, press)
    if isinstance(result, Refused):
        if result.outcome is Refusal.DUPLICATE:
            return  # Telegram redelivered a press that was already handled (and answered): do nothing
        await query.answer(refusal_text(tr, result), show_alert=True)
        return
    await query.answer(answer(tr, result), show_alert=False)


def refusal_text(tr: Translator, refused: Refused) -> str:
    ref = refused.public_ref
    match refused.outcome:
        case Refusal.NOT_AUTHORIZED:
            return tr.gettext("Sorry, you are not authorized: only members of the verifier group can vote on reports.")
        case Refusal.OWN_REPORT:
            return tr.gettext("You sent this report, so you cannot verify it.")
        case Refusal.ALREADY_DONE:
            return _already(tr, refused)
        case Refusal.CLOSED:
            return tr.gettext("{ref} is already closed.", ref=ref)
        case Refusal.RULE:
            return _desk_refusal(tr, refused)
        case Refusal.UNKNOWN_REPORT | Refusal.DUPLICATE:
            return tr.gettext("This report no longer exists.")


def _already(tr: Translator, refused: Refused) -> str:
    ref = refused.public_ref
    if refused.previous == AlertAction.RETRACT:
        return tr.gettext("You already asked to retract {ref}. Each verifier counts once.", ref=ref)
    if refused.previous == AlertAction.ALL_CLEAR:
        return tr.gettext("You already marked {ref} all clear. Each verifier counts once.", ref=ref)
    if refused.previous in (VoteKind.CONFIRM, VoteKind.FALSE_ALARM):
        return tr.gettext("You already voted on {ref}. Each verifier counts once.", ref=ref)
    return tr.gettext("You already did this on {ref}. Each verifier counts once.", ref=ref)


def _desk_refusal(tr: Translator, refused: Refused) -> str:
    reason = refused.reason
    match reason:
        case QuestionLimitReached():
            return tr.ngettext(
                "{ref} already has {n} question for the reporter, the most allowed.",
                "{ref} already has {n} questions for the reporter, the most allowed.",
                reason.limit,
                ref=refused.public_ref,
            )
        case QuestionTooLong():
            return tr.gettext(
                "A question can have at most {limit} characters. Please write a shorter one.", limit=reason.limit
            )
        case EmptyQuestion():
            return tr.gettext("Write the question as a reply to the bot's prompt.")
        case UnknownEta():
            return tr.gettext("This button is no longer valid.")
        case NotRejected():
            return tr.gettext(
                "A rumor check can only be posted for a report closed as a false alarm; {ref} is not.",
                ref=refused.public_ref,
            )
        case RumorCheckPosted():
            return tr.gettext("The rumor check for {ref} was already posted.", ref=refused.public_ref)
        case AlreadySupported():
            return tr.gettext(
                "You already asked for a rumor check on {ref}. Each verifier counts once.", ref=refused.public_ref
            )
        case RumorCheckTooLate():
            return tr.ngettext(
                "A rumor check can be posted only within {n} hour of the report being closed.",
                "A rumor check can be posted only within {n} hours of the report being closed.",
                int(reason.window.total_seconds() // 3600),
            )
        case ReasonDoesNotFit():
            return tr.gettext(
                "That reason does not fit what {ref} holds, so no vote was cast. Pick one of the reasons now "
                "offered under the card.",
                ref=refused.public_ref,
            )
        case AddedReporterCannotVote():
            return tr.gettext("You sent a report that was added to this one, so you cannot verify it.")
        case NotAttached():
            return tr.gettext("{ref} is no longer attached to another report.", ref=refused.public_ref)
        case TextUnchanged():
            return tr.gettext("The public text already says this; nothing changed.")
        case NoWordsToInclude():
            return tr.gettext("The reporter wrote nothing, so there are no words to include.")
        case EmptyNote():
            return tr.gettext("Write the note as a reply to the bot's prompt.")
        case TextChangedSinceShown():
            return tr.gettext(
                "The public text of {ref} changed while you were reading it (it is now version {version}). "
                "Read the new version on the card, then confirm again if you agree.",
                ref=refused.public_ref,
                version=reason.current,
            )
        case NoteTooLong():
            return tr.gettext(
                "That note is too long ({attempted} characters; at most {limit}). Please write a shorter one: "
                "the post must fit in one Telegram message.",
                attempted=reason.attempted,
                limit=reason.limit,
            )
    return tr.gettext("This button is no longer valid.")
