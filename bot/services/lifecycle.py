"""What happens after a report is sent: reminders, expiry, and the alert's life after publication.

Presses on a published alert's card ("Still active", "All clear", "Retract") and deadlines that
come due are decided by the pure rules in :mod:`bot.domain.lifecycle` inside one transaction,
which also writes every resulting message to the outbox and records the Telegram update, so a
crash either keeps all of it or none of it, and a redelivered update changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.domain.delivery import MessageKind, MessageRef, Outgoing
from bot.domain.desk import claims_to_remind, next_claim_reminder
from bot.domain.lifecycle import (
    AlertAction,
    AlertStatus,
    Deadline,
    DeadlineKind,
    RecordedAlertVote,
    decide_alert_action,
    expire_alert,
    expire_report,
    is_due,
    should_remind,
    still_needed,
)
from bot.domain.verification import ReportClosed, ReportStatus
from bot.rendering import desk as desk_text
from bot.rendering.notices import alert_outcome, outcome, reminder
from bot.services import announcements
from bot.services.deps import ServiceDeps
from bot.services.presses import Press, Pressed, Presses, Refused
from storage.repository import Repository

log = logging.getLogger(__name__)


class AlertOutcome(StrEnum):
    EXTENDED = "extended"
    EXTENDED_QUIETLY = "extended_quietly"  # the channels were told moments ago: no second reply
    COUNTED = "counted"
    ENDED = "ended"
    RETRACTED = "retracted"


@dataclass(frozen=True)
class AlertResult:
    outcome: AlertOutcome
    public_ref: str
    active_until: datetime | None = None
    announced_at: datetime | None = None  # for EXTENDED_QUIETLY: when the channels were last told


class LifecycleService:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._database = deps.database
        self._network = deps.network
        self._catalogs = deps.catalogs
        self._clock = deps.clock
        self._after_commit = deps.after_commit
        self._links = deps.links  # the bot's own links, for the buttons under alerts
        self._presses = Presses(deps)

    # --- presses on a published alert ------------------------------------------------------

    async def act(self, press: Press, action: AlertAction) -> AlertResult | Refused:
        return await self._presses.handle(press, lambda pressed: self._decide(pressed, action))

    async def _decide(self, pressed: Pressed, action: AlertAction) -> AlertResult:
        repo, report, now = pressed.repo, pressed.report, pressed.now
        report_id = report.id
        alert = await repo.alert(report_id)
        if alert is None:
            raise ReportClosed(report.status)
        decision = decide_alert_action(
            status=alert.status,
            ballots=[v.as_ballot() for v in alert.votes],
            reporter_pseudonym=report.reporter_pseudonym,
            voter=pressed.voter,
            action=action,
            quorum=self._network.quorum,
            now=now,
            timeouts=self._network.timeouts,
            announced_at=alert.announced_active_at,
        )
        await repo.add_alert_vote(
            report_id,
            RecordedAlertVote(pressed.voter.pseudonym, pressed.press.first_name, action, now, notified=decision.notify),
        )
        if decision.active_until is not None:
            await repo.mark_still_active(report_id, now)
            await repo.set_deadline(report_id, DeadlineKind.EXPIRE_ALERT, decision.active_until)
            if decision.notify:
                await announcements.still_active(repo, report, self._network, self._catalogs, now)
        elif decision.closed_alert:
            await self._close_alert(repo, report_id, decision.status, now, alert.last_active_at)
        await repo.enqueue_card_refresh(report_id, now)
        if decision.active_until is not None and not decision.notify:
            return AlertResult(
                AlertOutcome.EXTENDED_QUIETLY,
                report.public_ref,
                active_until=decision.active_until,
                announced_at=alert.announced_active_at,
            )
        if decision.active_until is not None:
            return AlertResult(AlertOutcome.EXTENDED, report.public_ref, active_until=decision.active_until)
        results = {AlertStatus.ENDED: AlertOutcome.ENDED, AlertStatus.RETRACTED: AlertOutcome.RETRACTED}
        return AlertResult(results.get(decision.status, AlertOutcome.COUNTED), report.public_ref)

    # --- deadlines ---------------------------------------------------------------------------

    async def fire_due_deadlines(self) -> datetime | None:
        """Act on every deadline that has come (including those that passed while Vigil was down).
        Returns when the next one is due. Each runs in its own transaction and re-checks that it
        is still due, so two alarms at once, or a press at the same moment, cannot act twice."""
        now = self._clock()
        async with self._database.unit_of_work() as repo:
            due = await repo.due_deadlines(now)
        fired = 0
        for deadline in due:
            async with self._database.unit_of_work() as repo:
                fired += await self._fire(repo, deadline, now)
        if fired:
            self._after_commit()
        async with self._database.unit_of_work() as repo:
            return await repo.next_deadline()

    async def _fire(self, repo: Repository, deadline: Deadline, now: datetime) -> bool:
        current = await repo.deadline(deadline.report_id, deadline.kind)
        if current is None or not is_due(current, now):
            return False  # handled meanwhile, or moved later by "Still active"
        await repo.clear_deadlines(deadline.report_id, deadline.kind)
        report = await repo.report(deadline.report_id)
        match deadline.kind:
            case DeadlineKind.REMIND:
                await self._remind(repo, report.id, now)
            case DeadlineKind.EXPIRE_REPORT:
                await self._expire_report(repo, report.id, now)
            case DeadlineKind.CLAIM:
                await self._remind_claimers(repo, report.id, now)
            case DeadlineKind.EXPIRE_ALERT:
                alert = await repo.alert(report.id)
                if alert is not None and alert.status.is_active:
                    await self._close_alert(repo, report.id, expire_alert(alert.status), now, alert.last_active_at)
                    await repo.enqueue_card_refresh(report.id, now)
        return True

    async def _remind(self, repo: Repository, report_id: int, now: datetime) -> None:
        report = await repo.report(report_id)
        expiry = await repo.deadline(report_id, DeadlineKind.EXPIRE_REPORT)
        if not should_remind(report.status, expiry.due_at if expiry else None, now):
            return
        if report.card_chat_id is None or report.card_message_id is None:
            return
        votes = await repo.votes(report_id)
        version = (await repo.public_text(report)).text.version
        text = reminder(
            self._catalogs(self._network.card_language),
            report,
            still_needed([v.as_ballot() for v in votes], self._network.quorum, text_version=version),
            waited=now - report.created_at,
            expires_at=expiry.due_at if expiry else now,
            zone=self._network.zone,
        )
        await repo.enqueue(
            report_id,
            Outgoing(
                MessageKind.GROUP_NOTICE,
                report.card_chat_id,
                text,
                reply_to=MessageRef(message_id=report.card_message_id),
            ),
            now,
        )
        log.info("reminded the verifiers of report %s", report.public_ref)

    async def _remind_claimers(self, repo: Repository, report_id: int, now: datetime) -> None:
        """Each verifier whose ETA has come gets one reminder, in the group as a reply to the card,
        by first name (their Telegram id is not kept); the card then shows the claim as expired."""
        report = await repo.report(report_id)
        claims = await repo.claims(report_id)
        if report.status.is_open and report.card_message_id is not None:
            tr = self._catalogs(self._network.card_language)
            for claim in claims_to_remind(claims, now):
                await repo.save_claim(report_id, replace(claim, reminded=True))
                text = desk_text.claim_reminder(tr, report.public_ref, claim, self._network.zone)
                await repo.enqueue(
                    report_id,
                    Outgoing(
                        MessageKind.GROUP_NOTICE,
                        self._network.verifier_group_id,
                        text,
                        reply_to=MessageRef(message_id=report.card_message_id),
                    ),
                    now,
                )
            await repo.enqueue_card_refresh(report_id, now)
        following = next_claim_reminder(await repo.claims(report_id)) if report.status.is_open else None
        if following is not None:
            await repo.set_deadline(report_id, DeadlineKind.CLAIM, following)

    async def _expire_report(self, repo: Repository, report_id: int, now: datetime) -> None:
        report = await repo.report(report_id)
        try:
            status = expire_report(report.status)
        except ReportClosed:
            return
        await repo.set_status(report_id, status, now)
        await repo.note_outcome(report.reporter_pseudonym, status)
        await repo.clear_deadlines(report_id, DeadlineKind.REMIND, DeadlineKind.CLAIM)
        closed = replace(report, status=status)
        await announcements.tell_reporter(
            repo, closed, outcome(self._catalogs(report.reporter_language), closed), now, last=True
        )
        await announcements.tell_added_reporters(
            repo,
            closed,
            lambda added: outcome(self._catalogs(added.reporter_language), replace(added, status=status)),
            now,
            last=True,
        )
        await repo.enqueue_card_refresh(report_id, now)
        log.info("report %s expired without confirmation", report.public_ref)

    async def _close_alert(
        self, repo: Repository, report_id: int, status: AlertStatus, now: datetime, last_active_at: datetime
    ) -> None:
        """Ended, retracted or expired: mark it, update every post, tell the reporter (the last time)."""
        report = await repo.report(report_id)
        if report.status is not ReportStatus.PUBLISHED:
            return
        await repo.set_alert_status(report_id, status, now)
        await repo.clear_deadlines(report_id, DeadlineKind.EXPIRE_ALERT)
        await announcements.alert_closed(
            repo,
            report,
            self._network,
            self._catalogs,
            now,
            status=status,
            last_active_at=last_active_at,
            links=self._links,
        )
        notice = alert_outcome(self._catalogs(report.reporter_language), report, status)
        await announcements.tell_reporter(repo, report, notice, now, last=True)
        await announcements.tell_added_reporters(
            repo,
            report,
            lambda added: alert_outcome(self._catalogs(added.reporter_language), added, status),
            now,
            last=True,
        )
        log.info("the alert of report %s is %s", report.public_ref, status)
