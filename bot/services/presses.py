"""One path for every button pressed on a card in the verifier group.

A press is judged the same way whatever the button: it must come from the verifier group, from a
current member of it (known only by a keyed pseudonym) who sent neither the report nor one attached
to it as corroboration; Telegram may deliver it twice, so its update id is claimed in the same
transaction as its effects; the report is loaded; a pure rule decides; and the rule's refusals
become one :class:`Refused` answer. Only the decision differs
from button to button, so that is the only thing a service passes in.

A decision raises its refusal *before* it writes anything: the refusal is committed together with
the update id (so a redelivered refused press is not judged, and answered, a second time).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from bot.domain.corroboration import check_not_a_reporter
from bot.domain.desk import DeskRefusal
from bot.domain.lifecycle import AlertClosed, AlreadyAsked
from bot.domain.reports import Report
from bot.domain.verification import AlreadyVoted, NotAVerifier, ReportClosed, ReporterCannotVote, Voter
from bot.services.deps import ServiceDeps
from bot.services.voters import voter_in_group
from storage.repository import ReportNotFound, Repository

T = TypeVar("T")


@dataclass(frozen=True)
class Press:
    """Who pressed which report's button, where; `update_id` is the Telegram update it came in."""

    report_id: int
    chat_id: int
    user_id: int
    display_name: str  # the verifier's first name, shown on the card while the report lives
    update_id: int | None = None


class Refusal(StrEnum):
    NOT_AUTHORIZED = "not_authorized"
    OWN_REPORT = "own_report"
    ALREADY_DONE = "already_done"  # voted, asked to end, or pressed this already: each verifier counts once
    CLOSED = "closed"
    UNKNOWN_REPORT = "unknown_report"
    DUPLICATE = "duplicate"  # Telegram redelivered an update that was already handled
    DESK = "desk"  # a desk rule said no; `reason` says which


@dataclass(frozen=True)
class Refused:
    outcome: Refusal
    public_ref: str | None = None
    previous: str | None = None  # for ALREADY_DONE: what this verifier chose before
    reason: DeskRefusal | None = None  # for DESK

    counted = False


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
        if press.chat_id != deps.network.verifier_group_id:
            return Refused(Refusal.NOT_AUTHORIZED)
        voter = await voter_in_group(deps.telegram, deps.network, deps.pseudonyms, press.user_id)
        now = deps.clock()
        async with deps.database.unit_of_work() as repo:
            if press.update_id is not None and not await repo.claim_update(press.update_id, now):
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
            except DeskRefusal as refusal:
                return Refused(Refusal.DESK, ref, reason=refusal)
        deps.after_commit()
        return result
