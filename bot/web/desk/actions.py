"""The web desk's actions, through the same services and rules as the card's buttons.

The page sends what a card button carries (its payload, from bot.callback_data, as the card on the
page shows it: a confirmation names the version of the public text it approves), plus the words of
a question or a note, and a request id. This module is the one place that turns that into a service
call, so that when a press becomes a plain request callable from any surface, only this changes.

The request id makes a double tap or a retried request apply once: it is claimed in the same
transaction as the action, as Telegram's update id is for a button, as the web surface's own
request (bot.services.requests), named by the person and the page's id for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bot import callback_data as cb
from bot.context import Services
from bot.domain.acting import Refusal, Refused
from bot.domain.desk import QuestionKind
from bot.domain.public_text import TextChangeKind
from bot.domain.verification import VoteKind
from bot.services.presses import Press
from bot.services.requests import RequestId, from_surface
from bot.services.verification import MuteOutcome

REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class BadAction(ValueError):
    """Not an action the desk offers (a tampered payload, or words missing)."""


@dataclass(frozen=True)
class DeskRequest:
    user_id: int
    first_name: str
    data: str  # a card button's payload
    request_id: str
    words: str = ""  # for "ask in my own words" and "write the note"


@dataclass(frozen=True)
class Applied:
    """The action was taken (or, for a repeated request id, had been taken already)."""

    public_ref: str | None
    repeated: bool = False


class Outcome(Protocol):
    """What every service answers a press with: a result, or a refusal; both name the report."""

    @property
    def public_ref(self) -> str | None: ...


@dataclass(frozen=True)
class NotAnAdmin:
    """Muting a reporter is for the network's admins."""


def web_request(user_id: int, request_id: str) -> RequestId:
    """One person's request from the web desk: two people's ids never collide, nor a Telegram update's."""
    return from_surface("web", f"{user_id}:{request_id}")


async def act(services: Services, request: DeskRequest) -> Applied | Refused | NotAnAdmin:
    """Raises BadAction for anything the desk does not offer."""
    if not REQUEST_ID.match(request.request_id):
        raise BadAction("a request needs a request id")
    try:
        action = cb.decode(request.data)
    except cb.InvalidCallbackData:
        raise BadAction("not a desk action") from None
    press = Press(
        report_id=getattr(action, "report_id", 0),
        user_id=request.user_id,
        first_name=request.first_name,
        request_id=web_request(request.user_id, request.request_id),
    )
    words = request.words.strip()
    result: Outcome
    match action:
        case cb.Vote(kind=VoteKind.CONFIRM, in_person=in_person, text_version=version):
            result = await services.verification.vote(
                press, VoteKind.CONFIRM, in_person=in_person, shown_version=version
            )
        case cb.FalseAlarm(reason=reason) if reason is not None:
            result = await services.verification.vote(press, VoteKind.FALSE_ALARM, reason=reason)
        case cb.Ask(question=None) if words:
            result = await services.desk.ask(press, QuestionKind.OWN, words)
        case cb.Ask(question=question) if question is not None:
            result = await services.desk.ask(press, question)
        case cb.GoCheck(minutes=minutes):
            result = await services.desk.go_check(press, minutes)
        case cb.EditText(change=TextChangeKind.SET_NOTE) if words:
            result = await services.public_text.write_note(press, words)
        case cb.EditText(change=change) if change is not TextChangeKind.SET_NOTE:
            result = await services.public_text.change(press, change)
        case cb.Detach():
            result = await services.corroboration.detach(press)
        case cb.RumorCheck():
            result = await services.rumors.press(press)
        case cb.OnAlert(action=alert_action):
            result = await services.lifecycle.act(press, alert_action)
        case cb.Mute(mute=mute):
            muted = await services.verification.set_mute(press, mute)
            if muted.outcome is MuteOutcome.NOT_ADMIN:
                return NotAnAdmin()
            return Applied(None)
        case _:
            raise BadAction("not a desk action")
    if isinstance(result, Refused):
        if result.outcome is Refusal.DUPLICATE:
            return Applied(None, repeated=True)
        return result
    return Applied(result.public_ref)
