"""A verifier presses Still active, All clear or Retract on a published alert's card."""

from __future__ import annotations

from telegram import Update

from bot import callback_data as cb
from bot.context import VigilContext
from bot.i18n import Translator
from bot.rendering.labels import local_clock, local_time
from bot.services.lifecycle import AlertOutcome, AlertResult
from bot.services.presses import Press, Refused
from handlers.presses import on_press


async def on_alert_button(update: Update, context: VigilContext) -> None:
    lifecycle = context.services.lifecycle

    async def act(action: cb.OnAlert, press: Press) -> AlertResult | Refused:
        return await lifecycle.act(press, action.action)

    await on_press(update, context, cb.OnAlert, act, lambda tr, result: _answer(tr, result, context))


def _answer(tr: Translator, result: AlertResult, context: VigilContext) -> str:
    match result.outcome:
        case AlertOutcome.EXTENDED:
            assert result.active_until is not None
            return tr.gettext(
                "Thank you: {ref} stays active until {time}, and the channel gets an update.",
                ref=result.public_ref,
                time=local_time(tr, result.active_until, context.services.network.zone),
            )
        case AlertOutcome.EXTENDED_QUIETLY:
            assert result.active_until is not None and result.announced_at is not None
            zone = context.services.network.zone
            return tr.gettext(
                "Thank you: {ref} stays active until {time}. The channel was told it is still active at "
                "{announced}, so it gets no second notification now.",
                ref=result.public_ref,
                time=local_time(tr, result.active_until, zone),
                announced=local_clock(tr, result.announced_at, zone),
            )
        case AlertOutcome.COUNTED:
            return tr.gettext(
                "Thank you, your request on {ref} is counted. It takes {quorum} verifiers to change the alert.",
                ref=result.public_ref,
                quorum=context.services.network.quorum,
            )
        case AlertOutcome.ENDED:
            return tr.gettext("{ref} is marked all clear in the channel.", ref=result.public_ref)
        case AlertOutcome.RETRACTED:
            return tr.gettext("{ref} is marked retracted in the channel.", ref=result.public_ref)
