"""A verifier presses Confirm or False alarm on a card in the verifier group."""

from __future__ import annotations

from telegram import Update

from bot import callback_data as cb
from bot.context import VigilContext
from bot.i18n import Translator
from bot.languages import match_language
from bot.services.verification import VoteOutcome, VoteResult


async def on_vote_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None
    services = context.services
    tr = services.catalogs(match_language(query.from_user.language_code) or services.network.card_language)
    try:
        action = cb.decode(query.data)
    except cb.InvalidCallbackData:
        action = None
    if not isinstance(action, cb.Vote) or query.message is None:
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
