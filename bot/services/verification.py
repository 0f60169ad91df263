"""A verifier presses Confirm or False alarm.

The vote is decided and written in one transaction, together with everything it sets off: the
report's new status, the alert and its expiry deadline, one post per channel, the reporter's
notice and the card refresh, all as outbox rows, plus the Telegram update id. The dispatcher
sends them afterwards. So concurrent presses publish exactly once, a crash after the commit
loses nothing, and a crash before it leaves nothing half done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.lifecycle import DeadlineKind, alert_expiry
from bot.domain.reports import RecordedVote
from bot.domain.verification import (
    AlreadyVoted,
    NotAVerifier,
    ReportClosed,
    ReporterCannotVote,
    ReportStatus,
    VoteKind,
    cast_vote,
)
from bot.domain.deep_links import DeepLinks
from bot.i18n import Catalogs
from bot.network import Network
from bot.ports import TelegramPort
from bot.rendering.notices import outcome
from bot.services import announcements
from bot.services.pseudonyms import Pseudonyms
from bot.services.voters import voter_in_group
from storage.database import Database
from storage.repository import ReportNotFound

log = logging.getLogger(__name__)


class VoteOutcome(StrEnum):
    COUNTED = "counted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    NOT_AUTHORIZED = "not_authorized"
    OWN_REPORT = "own_report"
    ALREADY_VOTED = "already_voted"
    CLOSED = "closed"
    UNKNOWN_REPORT = "unknown_report"
    DUPLICATE = "duplicate"  # Telegram redelivered an update that was already handled


@dataclass(frozen=True)
class VoteResult:
    outcome: VoteOutcome
    public_ref: str | None = None
    previous_vote: VoteKind | None = None
    report_id: int | None = None

    @property
    def counted(self) -> bool:
        return self.outcome in (VoteOutcome.COUNTED, VoteOutcome.PUBLISHED, VoteOutcome.REJECTED)


class MuteOutcome(StrEnum):
    MUTED = "muted"
    UNMUTED = "unmuted"
    NOT_ADMIN = "not_admin"
    UNKNOWN_REPORT = "unknown_report"


@dataclass(frozen=True)
class MuteResult:
    outcome: MuteOutcome
    until: datetime | None = None


class VerificationService:
    def __init__(
        self,
        *,
        database: Database,
        telegram: TelegramPort,
        network: Network,
        catalogs: Catalogs,
        pseudonyms: Pseudonyms,
        clock: Callable[[], datetime],
        links: DeepLinks,
        after_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._database = database
        self._telegram = telegram
        self._network = network
        self._catalogs = catalogs
        self._pseudonyms = pseudonyms
        self._clock = clock
        self._links = links  # the bot's own links, for the buttons under alerts
        # Wakes the dispatcher and the deadline alarm once the outbox and deadlines have changed.
        self._after_commit = after_commit

    async def vote(
        self, *, report_id: int, chat_id: int, user_id: int, display_name: str, kind: VoteKind,
        update_id: int | None = None,
    ) -> VoteResult:
        if chat_id != self._network.verifier_group_id:
            return VoteResult(VoteOutcome.NOT_AUTHORIZED)
        voter = await voter_in_group(self._telegram, self._network, self._pseudonyms, user_id)
        now = self._clock()
        # Refusals return from inside the unit of work on purpose: the update id is committed
        # with them, so a redelivered refused press is not judged (and answered) a second time.
        async with self._database.unit_of_work() as repo:
            if update_id is not None and not await repo.claim_update(update_id, now):
                return VoteResult(VoteOutcome.DUPLICATE)
            try:
                report = await repo.report(report_id)
            except ReportNotFound:
                return VoteResult(VoteOutcome.UNKNOWN_REPORT)
            votes = await repo.votes(report_id)
            try:
                decision = cast_vote(
                    status=report.status,
                    ballots=[v.as_ballot() for v in votes],
                    reporter_pseudonym=report.reporter_pseudonym,
                    voter=voter,
                    kind=kind,
                    quorum=self._network.quorum,
                )
            except NotAVerifier:
                return VoteResult(VoteOutcome.NOT_AUTHORIZED)
            except ReporterCannotVote:
                return VoteResult(VoteOutcome.OWN_REPORT, report.public_ref)
            except AlreadyVoted as already:
                return VoteResult(VoteOutcome.ALREADY_VOTED, report.public_ref, already.previous)
            except ReportClosed:
                return VoteResult(VoteOutcome.CLOSED, report.public_ref)
            await repo.add_vote(report_id, RecordedVote(voter.pseudonym, display_name, kind, now))
            if decision.closed_report:
                await repo.set_status(report_id, decision.status, now)
                await repo.note_outcome(report.reporter_pseudonym, decision.status)
                await repo.clear_deadlines(report_id, DeadlineKind.REMIND, DeadlineKind.EXPIRE_REPORT)
                closed = replace(report, status=decision.status)
                notice = outcome(self._catalogs(report.reporter_language), closed)
                if decision.status is ReportStatus.PUBLISHED:
                    await repo.start_alert(report_id, now)
                    await repo.set_deadline(report_id, DeadlineKind.EXPIRE_ALERT, alert_expiry(now, self._network.timeouts))
                    if not await announcements.post_alert(repo, closed, self._network, self._catalogs, self._links, now):
                        log.error("report %s names neighborhood %r, which the network file no longer has",
                                  report.public_ref, report.neighborhood_key)
                    # The reporter will also hear how the alert ends, so their contact stays until then.
                    await announcements.tell_reporter(repo, closed, notice, now, last=False)
                else:
                    await announcements.tell_reporter(repo, closed, notice, now, last=True)
            await repo.enqueue_card_refresh(report_id, now)
        self._after_commit()
        results = {ReportStatus.PUBLISHED: VoteOutcome.PUBLISHED, ReportStatus.REJECTED: VoteOutcome.REJECTED}
        return VoteResult(results.get(decision.status, VoteOutcome.COUNTED), report.public_ref, report_id=report_id)

    async def set_mute(self, *, report_id: int, chat_id: int, user_id: int, mute: bool) -> MuteResult:
        """An admin mutes (or unmutes) the reporter of a report, from its card in the verifier group."""
        if chat_id != self._network.verifier_group_id or user_id not in self._network.admin_user_ids:
            return MuteResult(MuteOutcome.NOT_ADMIN)
        now = self._clock()
        until = now + timedelta(days=self._network.limits.mute_days)
        try:
            async with self._database.unit_of_work() as repo:
                report = await repo.report(report_id)
                if mute:
                    await repo.mute(report.reporter_pseudonym, until, now)
                else:
                    await repo.unmute(report.reporter_pseudonym)
                # The card update goes to the outbox with the change, like every other state change.
                await repo.enqueue_card_refresh(report_id, now)
        except ReportNotFound:
            return MuteResult(MuteOutcome.UNKNOWN_REPORT)
        self._after_commit()
        return MuteResult(MuteOutcome.MUTED, until) if mute else MuteResult(MuteOutcome.UNMUTED)

    async def carry_out(self, result: VoteResult) -> None:
        """What a counted vote sets off is already in the outbox (written with the vote); this only
        makes sure the dispatcher is awake. Kept so the handler reads as before: answer, then act."""
        if result.counted:
            self._after_commit()

