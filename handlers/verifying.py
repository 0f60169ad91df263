"""Buttons on a card in the verifier group: Confirm, False alarm, and (admins) Mute reporter."""

from __future__ import annotations

from telegram import Update

from bot import callback_data as cb
from bot.context import VigilContext
from bot.i18n import Translator
from bot.languages import match_language
from bot.rendering.labels import local_time
from bot.services.verification import MuteOutcome, MuteResult, VoteOutcome, VoteResult


def _translator(update: Update, context: VigilContext) -> Translator:
    """Answers follow the pressing verifier's client language."""
    assert update.callback_query is not None
    services = context.services
    return services.catalogs(match_language(update.callback_query.from_user.language_code) or services.network.card_language)


async def on_vote_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None
    services = context.services
    tr = _translator(update, context)
    action = cb.decode_as(query.data, cb.Vote)
    if action is None or query.message is None:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    result = await services.verification.vote(
        report_id=action.report_id,
        chat_id=query.message.chat.id,
        user_id=query.from_user.id,
        display_name=query.from_user.first_name,
        kind=action.kind,
        update_id=update.update_id,
    )
    if result.outcome is VoteOutcome.DUPLICATE:
        return  # Telegram redelivered a press that was already handled (and answered): do nothing
    await query.answer(_answer(tr, result), show_alert=not result.counted)
    await services.verification.carry_out(result)


async def on_mute_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None
    tr = _translator(update, context)
    action = cb.decode_as(query.data, cb.Mute)
    if action is None or query.message is None:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    result = await context.services.verification.set_mute(
        report_id=action.report_id, chat_id=query.message.chat.id, user_id=query.from_user.id, mute=action.mute
    )
    await query.answer(_mute_answer(tr, result, context), show_alert=True)


def _mute_answer(tr: Translator, result: MuteResult, context: VigilContext) -> str:
    match result.outcome:
        case MuteOutcome.MUTED:
            assert result.until is not None
            return tr.gettext(
                "Reporter muted until {until}. Their new reports get a receipt but do not reach this group.",
                until=local_time(tr, result.until, context.services.network.zone),
            )
        case MuteOutcome.UNMUTED:
            return tr.gettext("Reporter unmuted. Their new reports reach this group again.")
        case MuteOutcome.NOT_ADMIN:
            return tr.gettext("Only the network's admins can mute a reporter.")
        case MuteOutcome.UNKNOWN_REPORT:
            return tr.gettext("This report no longer exists.")


def _answer(tr: Translator, result: VoteResult) -> str:
    match result.outcome:
        case VoteOutcome.COUNTED:
            return tr.gettext("Thank you, your vote on {ref} is counted.", ref=result.public_ref)
        case VoteOutcome.PUBLISHED:
            return tr.gettext("{ref} is confirmed: the alert is being posted.", ref=result.public_ref)
        case VoteOutcome.REJECTED:
            return tr.gettext("{ref} is closed as a false alarm. Nothing will be posted.", ref=result.public_ref)
        case VoteOutcome.NOT_AUTHORIZED:
            return tr.gettext("Sorry, you are not authorized: only members of the verifier group can vote on reports.")
        case VoteOutcome.OWN_REPORT:
            return tr.gettext("You sent this report, so you cannot verify it.")
        case VoteOutcome.ALREADY_VOTED:
            return tr.gettext("You already voted on {ref}. Each verifier counts once.", ref=result.public_ref)
        case VoteOutcome.CLOSED:
            return tr.gettext("{ref} is already closed.", ref=result.public_ref)
        case VoteOutcome.UNKNOWN_REPORT | VoteOutcome.DUPLICATE:
            return tr.gettext("This report no longer exists.")
