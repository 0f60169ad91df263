"""One path for every press on a report, from any surface (a card's button in the verifier group,
later the web desk).

A press is a plain request: who (a Telegram user id, kept only as a keyed pseudonym; a first name;
membership of the verifier group when the surface already knows it), which report, and a request id.
What is pressed is the decision the service passes in. A press is judged the same way whatever the
button: a Telegram button must be pressed in the verifier group; the person must be a current member
of it who sent neither the report nor one attached to it as corroboration; the surface may deliver
it twice, so its request id is claimed in the same transaction as its effects; the report is loaded;
a pure rule decides; and the rule's refusals become one :class:`Refused` answer. Only the decision
differs from button to button, so that is the only thing a service passes in.

A decision raises its refusal *before* it writes anything: the refusal is committed together with
the update id (so a redelivered refused press is not judged, and answered, a second time).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from bot.domain.acting import NotAVerifier, ReporterCannotVote, RuleRefusal, Voter
from bot.domain.corroboration import check_not_a_reporter
from bot.domain.lifecycle import AlertClosed, AlreadyAsked
from bot.domain.reports import Report
from bot.domain.verification import AlreadyVoted, ReportClosed
from bot.services.deps import ServiceDeps
from bot.services.requests import RequestId
from bot.services.voters import voter_in_group
from storage.repository import ReportNotFound, Repository

T = TypeVar("T")


@dataclass(frozen=True)
class Press:
    """Who pressed on which report. No Telegram object: any surface builds one."""

    report_id: int
    user_id: int  # Telegram's id of the person; the rules see only its keyed pseudonym
    first_name: str  # shown on the card while the report lives
    request_id: RequestId | None = None  # makes a press its surface delivers twice apply once
    # The chat a Telegram button was pressed in (it must be the verifier group); None for a surface
    # without chats.
    chat_id: int | None = None
    # Whether they are a current member of the verifier group, when the surface has just checked it;
    # None: Telegram is asked now (bot.services.voters).
    member: bool | None = None


class Refusal(StrEnum):
    NOT_AUTHORIZED = "not_authorized"
    OWN_REPORT = "own_report"
    ALREADY_DONE = "already_done"  # voted, asked to end, or pressed this already: each verifier counts once
    CLOSED = "closed"
    UNKNOWN_REPORT = "unknown_report"
    DUPLICATE = "duplicate"  # Telegram redelivered an update that was already handled
    RULE = "rule"  # another rule said no; `reason` says which


@dataclass(frozen=True)
class Refused:
    outcome: Refusal
    public_ref: str | None = None
    previous: str | None = None  # for ALREADY_DONE: what this verifier chose before
    reason: RuleRefusal | None = None  # for RULE


@dataclass(frozen=True)
class Pressed:
    """What a decision sees: the open transaction, the report, who pressed, and when."""

    repo: Repository
    report: Report
    voter: Voter
    press: Press
    now: datetime


class Presses:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps

    async def handle(self, press: Press, decide: Callable[[Pressed], Awaitable[T]]) -> T | Refused:
        deps = self._deps
        if press.chat_id is not None and press.chat_id != deps.network.verifier_group_id:
            return Refused(Refusal.NOT_AUTHORIZED)
        voter = await voter_in_group(deps.telegram, deps.network, deps.pseudonyms, press.user_id, press.member)
        now = deps.clock()
        async with deps.database.unit_of_work() as repo:
            if press.request_id is not None and not await repo.claim_request(press.request_id, now):
                return Refused(Refusal.DUPLICATE)
            try:
                report = await repo.report(press.report_id)
            except ReportNotFound:
                return Refused(Refusal.UNKNOWN_REPORT)
            ref = report.public_ref
            try:
                # Never the reporter: neither the one who sent it nor anyone whose report joined it.
                check_not_a_reporter(voter, report.reporter_pseudonym, await repo.reporters_joined(report.id))
                result = await decide(Pressed(repo, report, voter, press, now))
            except NotAVerifier:
                return Refused(Refusal.NOT_AUTHORIZED)
            except ReporterCannotVote:
                return Refused(Refusal.OWN_REPORT, ref)
            except (AlreadyVoted, AlreadyAsked) as already:
                return Refused(Refusal.ALREADY_DONE, ref, str(already.previous))
            except (ReportClosed, AlertClosed):
                return Refused(Refusal.CLOSED, ref)
            except RuleRefusal as refusal:
                return Refused(Refusal.RULE, ref, reason=refusal)
        deps.after_commit()
        return result
