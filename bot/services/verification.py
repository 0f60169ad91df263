"""A verifier presses Confirm or False alarm.

The vote is decided and written in one transaction, together with everything it sets off: the
report's new status, the alert and its expiry deadline, one post per channel, the reporter's
notice and the card refresh, all as outbox rows, plus the Telegram update id. The dispatcher
sends them afterwards. So concurrent presses publish exactly once, a crash after the commit
loses nothing, and a crash before it leaves nothing half done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.acting import Refused
from bot.domain.delivery import DeliveryStatus, MessageKind, MessageRef, Outgoing
from bot.domain.lifecycle import DeadlineKind, alert_expiry
from bot.domain.public_text import check_seen
from bot.domain.rejection import RejectionReason, ReportHolds, check_reason, decided_reason, finding, reasons_that_fit
from bot.domain.reports import RecordedVote
from bot.domain.verification import ReportStatus, VoteKind, cast_vote
from bot.rendering import rejection as rejection_text
from bot.rendering.notices import outcome
from bot.services import announcements
from bot.services.deps import ServiceDeps
from bot.services.presses import Press, Pressed, Presses
from storage.repository import ReportNotFound, Repository

log = logging.getLogger(__name__)


class VoteOutcome(StrEnum):
    COUNTED = "counted"
    PUBLISHED = "published"
    REJECTED = "rejected"


@dataclass(frozen=True)
class VoteResult:
    outcome: VoteOutcome
    public_ref: str
    report_id: int


@dataclass(frozen=True)
class ReasonsOffered:
    """👎 False alarm was pressed: the reasons are under the card; picking one casts the vote."""

    public_ref: str
    already_offered: bool = False  # the reasons were already under the card: that message is reused


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
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._network = deps.network
        self._catalogs = deps.catalogs
        self._presses = Presses(deps)

    async def vote(
        self,
        press: Press,
        kind: VoteKind,
        *,
        in_person: bool = False,
        reason: RejectionReason | None = None,
        shown_version: int | None = None,
    ) -> VoteResult | Refused:
        """Confirm (``in_person``: the verifier went and saw it) or False alarm (``reason``: what they
        found). Being there is shown to the public, but it is one vote like any other, and so is a
        reason: the quorum rule does not change. `shown_version`: the version of the public text the
        pressed card showed (None: version 1)."""
        return await self._presses.handle(
            press, lambda pressed: self._decide_vote(pressed, kind, in_person, reason, shown_version)
        )

    async def offer_reasons(self, press: Press) -> ReasonsOffered | Refused:
        """👎 False alarm on a card: the reasons that fit the report, as buttons in a message under the
        card (the card's own buttons are shared by every verifier, so they cannot hold one person's
        choice). One such message per report: a later press reuses it. Offered only to someone whose
        vote would count, so nobody else fills the group with them."""
        return await self._presses.handle(press, self._offer_reasons)

    async def _offer_reasons(self, pressed: Pressed) -> ReasonsOffered:
        repo, report = pressed.repo, pressed.report
        cast_vote(  # raises the refusal a vote would get; nothing is written
            status=report.status,
            ballots=[v.as_ballot() for v in await repo.votes(report.id)],
            reporter_pseudonym=report.reporter_pseudonym,
            voter=pressed.voter,
            kind=VoteKind.FALSE_ALARM,
            quorum=self._network.quorum,
            text_version=(await repo.public_text(report)).text.version,
        )
        tr = self._catalogs(self._network.card_language)
        text = rejection_text.picker(tr, report.public_ref, len(await repo.attached_report_ids(report.id)))
        buttons = rejection_text.picker_buttons(tr, report.id, reasons_that_fit(await repo.report_holds(report)))
        group = self._network.verifier_group_id
        shown = await _picker_shown(repo, report.id)
        if shown is None:
            card = MessageRef(message_id=report.card_message_id) if report.card_message_id is not None else None
            picker = Outgoing(MessageKind.REASON_PICKER, group, text, reply_to=card, buttons=buttons)
            await repo.enqueue(report.id, picker, pressed.now)
            return ReasonsOffered(report.public_ref)
        # One picker per report, whoever presses and however often: every message in the group
        # spends its budget of 20 a minute. It is edited only if what it should say has changed
        # (a report attached since, say).
        picker_id, showing = shown
        if (showing.text, showing.buttons) != (text, buttons):
            edit = Outgoing(
                MessageKind.REASON_PICKER_EDIT, group, text, edit=MessageRef(outbox_id=picker_id), buttons=buttons
            )
            await repo.enqueue(report.id, edit, pressed.now)
        return ReasonsOffered(report.public_ref, already_offered=True)

    async def _decide_vote(
        self,
        pressed: Pressed,
        kind: VoteKind,
        in_person: bool,
        reason: RejectionReason | None = None,
        shown_version: int | None = None,
    ) -> VoteResult:
        repo, report, now = pressed.repo, pressed.report, pressed.now
        report_id = report.id
        votes = await repo.votes(report_id)
        # A confirmation approves the public text exactly as the card shows it now.
        public_text = (await repo.public_text(report)).text
        decision = cast_vote(
            status=report.status,
            ballots=[v.as_ballot() for v in votes],
            reporter_pseudonym=report.reporter_pseudonym,
            voter=pressed.voter,
            kind=kind,
            quorum=self._network.quorum,
            text_version=public_text.version,
        )
        if kind is VoteKind.CONFIRM:
            check_seen(shown=shown_version or 1, current=public_text.version)
        # What the report holds decides which reasons are true of it; only a false alarm needs it.
        holds = await repo.report_holds(report) if kind is VoteKind.FALSE_ALARM else ReportHolds()
        if reason is not None and kind is VoteKind.FALSE_ALARM:
            check_reason(reason, holds)  # a stale or forged button: a reason untrue of this report
        vote = RecordedVote(
            pressed.voter.pseudonym,
            pressed.press.first_name,
            kind,
            now,
            in_person=in_person and kind is VoteKind.CONFIRM,
            text_version=public_text.version,
            reason=reason if kind is VoteKind.FALSE_ALARM else None,
        )
        if decision.replaces is not None:  # their confirmation of an earlier version of the text
            await repo.remove_vote(report_id, decision.replaces.verifier)
            votes = [v for v in votes if v.verifier != decision.replaces.verifier]
        await repo.add_vote(report_id, vote)
        if decision.closed_report:
            await repo.set_status(report_id, decision.status, now)
            await repo.note_outcome(report.reporter_pseudonym, decision.status)
            await repo.clear_deadlines(report_id, DeadlineKind.REMIND, DeadlineKind.EXPIRE_REPORT, DeadlineKind.CLAIM)
            closed = replace(report, status=decision.status)
            decided: RejectionReason | None = None
            if decision.status is ReportStatus.REJECTED:
                decided = decided_reason([v.reason for v in (*votes, vote) if v.kind is VoteKind.FALSE_ALARM])
                await repo.record_rejection(report_id, decided, now)
                if decided is not None:
                    await repo.note_false_alarm_reason(report.reporter_pseudonym, decided)
            # A false alarm's notice says what the verifiers found, kindly and in the resident's language.
            notice = outcome(self._catalogs(report.reporter_language), closed, found=finding(decided, holds))
            if decision.status is ReportStatus.PUBLISHED:
                await repo.start_alert(report_id, now)
                await repo.set_deadline(report_id, DeadlineKind.EXPIRE_ALERT, alert_expiry(now, self._network.timeouts))
                seen = any(
                    v.in_person
                    for v in (*votes, vote)
                    if v.kind is VoteKind.CONFIRM and v.text_version == public_text.version
                )
                if not await announcements.post_alert(
                    repo,
                    closed,
                    public_text,
                    self._network,
                    self._catalogs,
                    now,
                    in_person=seen,
                    links=self._deps.links,
                ):
                    log.error(
                        "report %s names neighborhood %r, which the network file no longer has",
                        report.public_ref,
                        report.neighborhood_key,
                    )
                # The reporter will also hear how the alert ends, so their contact stays until then.
                await announcements.tell_reporter(repo, closed, notice, now, last=False)
            else:
                await announcements.tell_reporter(repo, closed, notice, now, last=True)
            # So do the residents whose reports were attached to it, each about their own report.
            await announcements.tell_added_reporters(
                repo,
                closed,
                lambda added: outcome(
                    self._catalogs(added.reporter_language),
                    replace(added, status=decision.status),
                    found=finding(decided, holds, attached=True),  # worded for their report, not this one
                ),
                now,
                last=decision.status is not ReportStatus.PUBLISHED,
            )
        await repo.enqueue_card_refresh(report_id, now)
        results = {ReportStatus.PUBLISHED: VoteOutcome.PUBLISHED, ReportStatus.REJECTED: VoteOutcome.REJECTED}
        return VoteResult(results.get(decision.status, VoteOutcome.COUNTED), report.public_ref, report_id)

    async def set_mute(self, press: Press, mute: bool) -> MuteResult:
        """An admin mutes (or unmutes) the reporter of a report, from its card in the verifier group
        (a Telegram press must come from there; a surface without chats, the web desk, is the group's)."""
        in_the_group = press.chat_id is None or press.chat_id == self._network.verifier_group_id
        if not in_the_group or press.user_id not in self._network.admin_user_ids:
            return MuteResult(MuteOutcome.NOT_ADMIN)
        report_id = press.report_id
        now = self._deps.clock()
        until = now + timedelta(days=self._network.limits.mute_days)
        try:
            async with self._deps.database.unit_of_work() as repo:
                report = await repo.report(report_id)
                if mute:
                    await repo.mute(report.reporter_pseudonym, until, now)
                else:
                    await repo.unmute(report.reporter_pseudonym)
                # The card update goes to the outbox with the change, like every other state change.
                await repo.enqueue_card_refresh(report_id, now)
        except ReportNotFound:
            return MuteResult(MuteOutcome.UNKNOWN_REPORT)
        self._deps.after_commit()
        return MuteResult(MuteOutcome.MUTED, until) if mute else MuteResult(MuteOutcome.UNMUTED)


async def _picker_shown(repo: Repository, report_id: int) -> tuple[int, Outgoing] | None:
    """The report's reasons message that is (or is about to be) under its card, as last edited: its
    outbox row, and what it shows. None when there is none, or Telegram refused or never confirmed it."""
    live = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT)
    pickers = [m for m in await repo.report_messages(report_id, MessageKind.REASON_PICKER) if m.progress.status in live]
    if not pickers:
        return None
    picker = pickers[-1]
    edits = [
        m.message
        for m in await repo.report_messages(report_id, MessageKind.REASON_PICKER_EDIT)
        if m.message.edit is not None and m.message.edit.outbox_id == picker.id
    ]
    return picker.id, edits[-1] if edits else picker.message
