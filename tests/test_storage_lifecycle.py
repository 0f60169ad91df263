"""Storage of the lifecycle and the outbox, against a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.delivery import (
    DeliveryStatus,
    MessageKind,
    MessageRef,
    Outgoing,
    Progress,
    begin_attempt,
    next_in_chat,
)
from bot.domain.lifecycle import AlertAction, AlertStatus, DeadlineKind, RecordedAlertVote
from bot.domain.reports import new_public_ref
from storage.database import Database
from storage.dialect import INTEGRITY_ERRORS
from tests.samples import clovis_report

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
CHANNEL_EN, CHANNEL_ES, GROUP = -1002000000002, -1002000000003, -1001000000001


async def new_report(db: Database) -> int:
    async with db.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
        await repo.attach_card(report.id, GROUP, 42, [])
    return report.id


async def test_a_request_is_claimed_once(database):
    async with database.unit_of_work() as repo:
        assert await repo.claim_request("telegram:1001", NOW)
        assert not await repo.claim_request("telegram:1001", NOW)
        assert await repo.claim_request("telegram:1002", NOW)


async def test_a_claim_rolled_back_with_its_effects_can_be_claimed_again(database):
    with pytest.raises(RuntimeError):
        async with database.unit_of_work() as repo:
            await repo.claim_request("telegram:77", NOW)
            raise RuntimeError("crash before the effects committed")
    async with database.unit_of_work() as repo:
        assert await repo.claim_request("telegram:77", NOW)


async def test_old_request_ids_are_forgotten(database):
    async with database.unit_of_work() as repo:
        await repo.claim_request("telegram:1", NOW - timedelta(days=3))
        await repo.claim_request("telegram:2", NOW)
        assert await repo.forget_requests_before(NOW - timedelta(days=2)) == 1
        assert await repo.claim_request("telegram:1", NOW)


async def test_deadlines_are_rows_that_can_be_moved_and_cleared(database):
    report_id = await new_report(database)
    async with database.unit_of_work() as repo:
        await repo.set_deadline(report_id, DeadlineKind.REMIND, NOW + timedelta(minutes=10))
        await repo.set_deadline(report_id, DeadlineKind.EXPIRE_REPORT, NOW + timedelta(minutes=60))
        await repo.set_deadline(report_id, DeadlineKind.EXPIRE_REPORT, NOW + timedelta(minutes=90))
        assert await repo.next_deadline() == NOW + timedelta(minutes=10)
        assert [d.kind for d in await repo.due_deadlines(NOW + timedelta(minutes=61))] == [DeadlineKind.REMIND]
        await repo.clear_deadlines(report_id, DeadlineKind.REMIND)
        assert (await repo.deadline(report_id, DeadlineKind.EXPIRE_REPORT)).due_at == NOW + timedelta(minutes=90)
        assert await repo.deadline(report_id, DeadlineKind.REMIND) is None


async def test_deleting_a_report_deletes_its_deadlines_alert_and_messages(database):
    report_id = await new_report(database)
    async with database.unit_of_work() as repo:
        await repo.set_deadline(report_id, DeadlineKind.REMIND, NOW)
        await repo.start_alert(report_id, NOW)
        await repo.enqueue(report_id, Outgoing(MessageKind.CHANNEL_POST, CHANNEL_EN, "alert"), NOW)
        await repo.delete_report(report_id)
        assert await repo.next_deadline() is None
        assert await repo.alert(report_id) is None
        assert await repo.outbox_waiting() == {}


async def test_alert_round_trip_with_votes_and_its_expiry(database):
    report_id = await new_report(database)
    async with database.unit_of_work() as repo:
        await repo.start_alert(report_id, NOW)
        await repo.set_deadline(report_id, DeadlineKind.EXPIRE_ALERT, NOW + timedelta(hours=4))
        await repo.add_alert_vote(report_id, RecordedAlertVote("pseudonym-ana", "Ana", AlertAction.STILL_ACTIVE, NOW))
        await repo.add_alert_vote(report_id, RecordedAlertVote("pseudonym-ana", "Ana", AlertAction.STILL_ACTIVE, NOW))
        await repo.add_alert_vote(report_id, RecordedAlertVote("pseudonym-ana", "Ana", AlertAction.ALL_CLEAR, NOW))
        await repo.mark_still_active(report_id, NOW + timedelta(hours=1))
    async with database.unit_of_work() as repo:
        alert = await repo.alert(report_id)
    assert alert.status is AlertStatus.ACTIVE and alert.last_active_at == NOW + timedelta(hours=1)
    assert alert.active_until == NOW + timedelta(hours=4)
    assert [v.action for v in alert.votes] == [
        AlertAction.STILL_ACTIVE,
        AlertAction.STILL_ACTIVE,
        AlertAction.ALL_CLEAR,
    ]
    assert alert.announced_active_at is None  # none of these presses told the channels


async def test_the_alert_remembers_which_still_active_told_the_channels(database):
    report_id = await new_report(database)
    told, quiet = NOW + timedelta(minutes=1), NOW + timedelta(minutes=3)
    async with database.unit_of_work() as repo:
        await repo.start_alert(report_id, NOW)
        assert (await repo.alert(report_id)).announced_active_at is None  # not since publication
        await repo.add_alert_vote(
            report_id, RecordedAlertVote("pseudonym-ana", "Ana", AlertAction.STILL_ACTIVE, told, notified=True)
        )
        await repo.add_alert_vote(
            report_id, RecordedAlertVote("pseudonym-luis", "Luis", AlertAction.STILL_ACTIVE, quiet)
        )
        await repo.mark_still_active(report_id, quiet)
    async with database.unit_of_work() as repo:
        alert = await repo.alert(report_id)
    assert alert.last_active_at == quiet
    assert [v.notified for v in alert.votes] == [True, False]
    assert alert.announced_active_at == told


async def test_schema_allows_each_verifier_one_vote_to_end_an_alert(database):
    report_id = await new_report(database)
    async with database.unit_of_work() as repo:
        await repo.start_alert(report_id, NOW)
        await repo.add_alert_vote(report_id, RecordedAlertVote("pseudonym-ana", "Ana", AlertAction.ALL_CLEAR, NOW))
    with pytest.raises(INTEGRITY_ERRORS):
        async with database.unit_of_work() as repo:
            await repo.add_alert_vote(report_id, RecordedAlertVote("pseudonym-ana", "Ana", AlertAction.RETRACT, NOW))


async def heads_of(repo) -> list:
    """What the dispatcher would send next in each chat."""
    chats = await repo.outbox_waiting()
    return sorted(
        (h for h in (next_in_chat(rows, NOW) for rows in chats.values()) if h is not None), key=lambda h: h.id
    )


async def test_messages_to_one_chat_go_out_in_order_and_chats_do_not_wait_for_each_other(database):
    report_id = await new_report(database)
    async with database.unit_of_work() as repo:
        first_en = await repo.enqueue(report_id, Outgoing(MessageKind.CHANNEL_POST, CHANNEL_EN, "alert"), NOW)
        first_es = await repo.enqueue(report_id, Outgoing(MessageKind.CHANNEL_POST, CHANNEL_ES, "alerta"), NOW)
        second_en = await repo.enqueue(
            report_id, Outgoing(MessageKind.CHANNEL_EDIT, CHANNEL_EN, "ENDED", edit=MessageRef(outbox_id=first_en)), NOW
        )
        assert [m.id for m in await heads_of(repo)] == [first_en, first_es]
        await repo.save_progress(first_en, Progress(DeliveryStatus.SENT, 1), NOW, telegram_message_id=5)
        heads = await heads_of(repo)
        assert [m.id for m in heads] == [first_es, second_en]
        edit = next(m for m in heads if m.id == second_en)
        assert edit.message.edit == MessageRef(outbox_id=first_en) and edit.message.text == "ENDED"
        assert (await repo.queued(first_en)).telegram_message_id == 5


async def test_a_waiting_card_refresh_is_not_queued_twice(database):
    report_id = await new_report(database)
    async with database.unit_of_work() as repo:
        first = await repo.enqueue_card_refresh(report_id, NOW)
        assert await repo.enqueue_card_refresh(report_id, NOW) == first
        await repo.save_progress(first, begin_attempt(Progress(DeliveryStatus.PENDING)), NOW)
        # the waiting one is already on its way with an older state: a new refresh is needed
        assert await repo.enqueue_card_refresh(report_id, NOW) != first


async def test_a_reporters_chat_id_is_forgotten_when_their_notice_is_done(database):
    report_id = await new_report(database)
    async with database.unit_of_work() as repo:
        notice = await repo.enqueue(report_id, Outgoing(MessageKind.REPORTER_NOTICE, 5002, "confirmed"), NOW)
        await repo.save_progress(notice, Progress(DeliveryStatus.SENT, 1), NOW, telegram_message_id=9)
        await repo.forget_notice_chat(notice)
    async with database.unit_of_work() as repo:
        assert (await repo.queued(notice)).message.chat_id == 0
    async with database._connection.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = 5002") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_problems_and_backlog_for_status(database):
    report_id = await new_report(database)
    async with database.unit_of_work() as repo:
        refused = await repo.enqueue(report_id, Outgoing(MessageKind.CHANNEL_POST, CHANNEL_ES, "alerta"), NOW)
        await repo.enqueue(report_id, Outgoing(MessageKind.CHANNEL_POST, CHANNEL_EN, "alert"), NOW)
        await repo.save_progress(
            refused, Progress(DeliveryStatus.FAILED, 1), NOW, error="Forbidden: bot is not a member of the channel chat"
        )
        backlog = await repo.outbox_backlog()
        (problem,) = await repo.delivery_problems()
    assert (backlog.waiting, backlog.failed, backlog.unknown) == (1, 1, 0)
    assert backlog.oldest_waiting_since == NOW
    assert problem.chat_id == CHANNEL_ES and "Forbidden" in problem.error and problem.at == NOW
