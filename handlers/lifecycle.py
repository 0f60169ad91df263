"""A verifier presses Still active, All clear or Retract on a published alert's card."""

from __future__ import annotations

from telegram import Update

from bot import callback_data as cb
from bot.context import VigilContext
from bot.domain.lifecycle import AlertAction
from bot.i18n import Translator
from bot.languages import match_language
from bot.rendering.labels import local_clock, local_time
from bot.services.lifecycle import AlertOutcome, AlertResult


async def on_alert_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None
    services = context.services
    tr = services.catalogs(match_language(query.from_user.language_code) or services.network.card_language)
    try:
        action = cb.decode(query.data)
    except cb.InvalidCallbackData:
        action = None
    if not isinstance(action, cb.OnAlert) or query.message is None:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    result = await services.lifecycle.act(
        report_id=action.report_id,
        chat_id=query.message.chat.id,
        user_id=query.from_user.id,
        display_name=query.from_user.first_name,
        action=action.action,
        update_id=update.update_id,
    )
    if result.outcome is AlertOutcome.DUPLICATE:
        return  # Telegram redelivered a press that was already handled (and answered): do nothing
    await query.answer(_answer(tr, result, context), show_alert=not result.counted)


def _answer(tr: Translator, result: AlertResult, context: VigilContext) -> str:
    match result.outcome:
        case AlertOutcome.EXTENDED:
            assert result.active_until is not None
            return tr.gettext(
                "Thank you: {ref} stays active until {time}, and the channel gets an update.",
                ref=result.public_ref, time=local_time(tr, result.active_until, context.services.network.zone),
            )
        case AlertOutcome.EXTENDED_QUIETLY:
            assert result.active_until is not None and result.announced_at is not None
            zone = context.services.network.zone
            return tr.gettext(
                "Thank you: {ref} stays active until {time}. The channel was told it is still active at "
                "{announced}, so it gets no second notification now.",
                ref=result.public_ref, time=local_time(tr, result.active_until, zone),
                announced=local_clock(tr, result.announced_at, zone),
            )
        case AlertOutcome.COUNTED:
            return tr.gettext("Thank you, your request on {ref} is counted. It takes {quorum} verifiers to change the alert.",
                              ref=result.public_ref, quorum=context.services.network.quorum)
        case AlertOutcome.ENDED:
            return tr.gettext("{ref} is marked all clear in the channel.", ref=result.public_ref)
        case AlertOutcome.RETRACTED:
            return tr.gettext("{ref} is marked retracted in the channel.", ref=result.public_ref)
        case AlertOutcome.NOT_AUTHORIZED:
            return tr.gettext("Sorry, you are not authorized: only members of the verifier group can vote on reports.")
        case AlertOutcome.OWN_REPORT:
            return tr.gettext("You sent this report, so you cannot verify it.")
        case AlertOutcome.ALREADY_ASKED:
            if result.previous is AlertAction.RETRACT:
                return tr.gettext("You already asked to retract {ref}. Each verifier counts once.", ref=result.public_ref)
            return tr.gettext("You already marked {ref} all clear. Each verifier counts once.", ref=result.public_ref)
        case AlertOutcome.CLOSED:
            return tr.gettext("{ref} is already closed.", ref=result.public_ref)
        case AlertOutcome.UNKNOWN_REPORT | AlertOutcome.DUPLICATE:
            return tr.gettext("This report no longer exists.")
