"""A verifier presses Confirm or False alarm.

The vote is decided and written in one transaction; only the vote that closed the report
goes on to publish or to tell the reporter, so concurrent presses publish exactly once.
Every message that follows is rendered from what is stored, never from what the handler saw.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.reports import ChannelPost, RecordedVote, Report
from bot.domain.verification import (
    AlreadyVoted,
    NotAVerifier,
    ReportClosed,
    ReporterCannotVote,
    ReportStatus,
    Voter,
    VoteKind,
    cast_vote,
)
from bot.i18n import Catalogs
from bot.network import Network
from bot.ports import DeliveryError, TelegramPort
from bot.rendering.alert import render_alert
from bot.rendering.card import render_card
from bot.rendering.notices import outcome
from bot.services.pseudonyms import Pseudonyms
from bot.services.standing import standing_of
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
    ) -> None:
        self._database = database
        self._telegram = telegram
        self._network = network
        self._catalogs = catalogs
        self._pseudonyms = pseudonyms
        self._clock = clock
        # Card edits for one report run one at a time, each rendering the latest stored state,
        # so a slow edit can never overwrite a newer one with an older tally.
        self._card_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def vote(self, *, report_id: int, chat_id: int, user_id: int, display_name: str, kind: VoteKind) -> VoteResult:
        if chat_id != self._network.verifier_group_id:
            return VoteResult(VoteOutcome.NOT_AUTHORIZED)
        voter = Voter(
            user_id=user_id,
            pseudonym=self._pseudonyms.of_user(user_id),
            is_verifier=await self._telegram.is_member(self._network.verifier_group_id, user_id),
        )
        try:
            async with self._database.unit_of_work() as repo:
                report = await repo.report(report_id)
                votes = await repo.votes(report_id)
                decision = cast_vote(
                    status=report.status,
                    ballots=[v.as_ballot() for v in votes],
                    reporter_pseudonym=report.reporter_pseudonym,
                    voter=voter,
                    kind=kind,
                    quorum=self._network.quorum,
                )
                now = self._clock()
                await repo.add_vote(report_id, RecordedVote(user_id, display_name, kind, now))
                if decision.closed_report:
                    await repo.set_status(report_id, decision.status, now)
                    await repo.note_outcome(report.reporter_pseudonym, decision.status)
        except ReportNotFound:
            return VoteResult(VoteOutcome.UNKNOWN_REPORT)
        except NotAVerifier:
            return VoteResult(VoteOutcome.NOT_AUTHORIZED)
        except ReporterCannotVote:
            return VoteResult(VoteOutcome.OWN_REPORT, report.public_ref)
        except AlreadyVoted as already:
            return VoteResult(VoteOutcome.ALREADY_VOTED, report.public_ref, already.previous)
        except ReportClosed:
            return VoteResult(VoteOutcome.CLOSED, report.public_ref)

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
        except ReportNotFound:
            return MuteResult(MuteOutcome.UNKNOWN_REPORT)
        await self.refresh_card(report_id)
        return MuteResult(MuteOutcome.MUTED, until) if mute else MuteResult(MuteOutcome.UNMUTED)

    async def carry_out(self, result: VoteResult) -> None:
        """What a counted vote sets off. Separate from :meth:`vote` so the verifier's button
        is answered at once, before the slower posting to channels."""
        if not result.counted or result.report_id is None:
            return
        if result.outcome is VoteOutcome.PUBLISHED:
            await self._publish(result.report_id)
        await self.refresh_card(result.report_id)
        if result.outcome in (VoteOutcome.PUBLISHED, VoteOutcome.REJECTED):
            await self._tell_reporter(result.report_id)

    async def refresh_card(self, report_id: int) -> None:
        async with self._card_locks[report_id]:
            async with self._database.unit_of_work() as repo:
                report = await repo.report(report_id)
                votes = await repo.votes(report_id)
                posts = await repo.channel_posts(report_id)
                standing = await standing_of(repo, report, self._clock())
            if report.card_chat_id is None or report.card_message_id is None:
                return
            text, keyboard = render_card(
                self._catalogs(self._network.card_language), report, votes, posts, self._network, standing
            )
            try:
                await self._telegram.edit_text(report.card_chat_id, report.card_message_id, text, keyboard)
            except DeliveryError as error:
                log.error("could not update the card of report %s: %s", report.public_ref, error.reason)
            if not report.status.is_open and standing.muted_until is None:
                self._card_locks.pop(report_id, None)

    async def _publish(self, report_id: int) -> None:
        """Post to every channel of the neighborhood; one channel's refusal does not stop the others."""
        async with self._database.unit_of_work() as repo:
            report = await repo.report(report_id)
        neighborhood = self._network.neighborhood(report.neighborhood_key)
        if neighborhood is None:
            log.error("report %s names neighborhood %r, which the network file no longer has", report.public_ref, report.neighborhood_key)
            return
        for channel in neighborhood.channels:
            text = render_alert(self._catalogs, report, channel.languages, self._network)
            try:
                message_id = await self._telegram.send_text(channel.chat_id, text)
                post = ChannelPost(channel.chat_id, message_id, None)
            except DeliveryError as error:
                log.error("could not post report %s to channel %s: %s", report.public_ref, channel.chat_id, error.reason)
                post = ChannelPost(channel.chat_id, None, error.reason)
            async with self._database.unit_of_work() as repo:
                await repo.record_channel_post(report_id, post, self._clock())

    async def _tell_reporter(self, report_id: int) -> None:
        """Tell the reporter how it ended, then forget how to reach them."""
        async with self._database.unit_of_work() as repo:
            report: Report = await repo.report(report_id)
            chat_id = await repo.reporter_chat_id(report_id)
        message = outcome(self._catalogs(report.reporter_language), report)
        if chat_id is not None and message is not None:
            try:
                await self._telegram.send_text(chat_id, message)
            except DeliveryError as error:
                # The resident may have blocked the bot; nothing else to do but not keep their chat id.
                log.info("could not tell the reporter of %s the outcome: %s", report.public_ref, error.reason)
        async with self._database.unit_of_work() as repo:
            await repo.forget_reporter_contact(report_id)
        # Until a checkpoint, the write-ahead log still holds the page that had the chat id.
        await self._database.checkpoint()
