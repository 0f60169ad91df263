"""Buttons on a card in the verifier group: Confirm, False alarm (with its reason), Post a rumor
check, and (admins) Mute reporter."""

from __future__ import annotations

from telegram import Update

from bot import callback_data as cb
from bot.context import VigilContext
from bot.domain.acting import Refused
from bot.domain.verification import VoteKind
from bot.i18n import Translator
from bot.rendering.labels import local_time
from bot.services.presses import Press
from bot.services.requests import telegram_update
from bot.services.rumors import RumorChecked
from bot.services.verification import MuteOutcome, MuteResult, ReasonsOffered, VoteOutcome, VoteResult
from handlers.language import client_translator
from handlers.presses import on_press


async def on_vote_button(update: Update, context: VigilContext) -> None:
    verification = context.services.verification

    async def vote(action: cb.Vote, press: Press) -> VoteResult | ReasonsOffered | Refused:
        if action.kind is VoteKind.FALSE_ALARM:
            # A card sent before False alarm asked for a reason: ask now, like today's cards do.
            return await verification.offer_reasons(press)
        return await verification.vote(
            press, action.kind, in_person=action.in_person, shown_version=action.text_version
        )

    # mypy cannot split "VoteResult | ReasonsOffered | Refused" into on_press's "ResultT | Refused" by itself.
    await on_press(update, context, cb.Vote, vote, _answer)  # type: ignore[misc]


async def on_false_alarm_button(update: Update, context: VigilContext) -> None:
    """👎 on a card offers the reasons under it; a reason picked there casts the false-alarm vote."""
    verification = context.services.verification

    async def act(action: cb.FalseAlarm, press: Press) -> VoteResult | ReasonsOffered | Refused:
        if action.reason is None:
            return await verification.offer_reasons(press)
        return await verification.vote(press, VoteKind.FALSE_ALARM, reason=action.reason)

    await on_press(update, context, cb.FalseAlarm, act, _answer)  # type: ignore[misc]


async def on_rumor_check_button(update: Update, context: VigilContext) -> None:
    rumors = context.services.rumors

    async def act(action: cb.RumorCheck, press: Press) -> RumorChecked | Refused:
        return await rumors.press(press)

    def answer(tr: Translator, result: RumorChecked) -> str:
        if result.posted:
            return tr.gettext("The rumor check for {ref} is being posted to the channels.", ref=result.public_ref)
        return tr.gettext(
            "Thank you: {count}/{quorum} for a rumor check on {ref}. It is posted once {quorum} verifiers ask for it.",
            count=result.supporters,
            quorum=result.quorum,
            ref=result.public_ref,
        )

    await on_press(update, context, cb.RumorCheck, act, answer)


async def on_mute_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None
    tr = client_translator(update, context, desk=True)
    action = cb.decode_as(query.data, cb.Mute)
    if action is None or query.message is None:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    press = Press(
        action.report_id,
        query.from_user.id,
        query.from_user.first_name,
        request_id=telegram_update(update.update_id),
        chat_id=query.message.chat.id,
    )
    result = await context.services.verification.set_mute(press, action.mute)
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


def _answer(tr: Translator, result: VoteResult | ReasonsOffered) -> str:
    if isinstance(result, ReasonsOffered):
        if result.already_offered:
            return tr.gettext(
                "The reasons for {ref} are already in the message under the card: pick one there, that casts "
                "your vote.",
                ref=result.public_ref,
            )
        return tr.gettext("Why is it a false alarm? Pick a reason below the card: that casts your vote.")
    match result.outcome:
        case VoteOutcome.COUNTED:
            return tr.gettext("Thank you, your vote on {ref} is counted.", ref=result.public_ref)
        case VoteOutcome.PUBLISHED:
            return tr.gettext("{ref} is confirmed: the alert is being posted.", ref=result.public_ref)
        case VoteOutcome.REJECTED:
            return tr.gettext("{ref} is closed as a false alarm. Nothing will be posted.", ref=result.public_ref)
