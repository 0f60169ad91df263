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
from bot.domain.acting import Refusal, Refused
from bot.i18n import Translator
from bot.rendering.refusals import refusal_text
from bot.services.presses import Press
from bot.services.requests import telegram_update
from handlers.language import client_translator

# The buttons that act on a report (their payload names it).
PressAction = (
    cb.Vote
    | cb.Mute
    | cb.OnAlert
    | cb.Ask
    | cb.GoCheck
    | cb.Detach
    | cb.ShowMedia
    | cb.FalseAlarm
    | cb.RumorCheck
    | cb.EditText
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
