"""The outbox does not grow forever, on a real SQLite file: settled messages are purged after a
while, never one that a later message still needs."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.delivery import DeliveryStatus, MessageKind, MessageRef, Outgoing, Progress
from bot.domain.reports import new_public_ref
from tests.samples import NOW, clovis_report

CHANNEL, GROUP = -1002000000002, -1001000000001
DAY = timedelta(days=1)
LATER = NOW + 7 * DAY + timedelta(minutes=1)  # a week after the messages below settled


async def settle(repo, outbox_id: int, status: DeliveryStatus, at=NOW, message_id: int | None = None) -> None:
    error = None if status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED) else "Forbidden: bot was kicked"
    await repo.save_progress(
        outbox_id,
        Progress(status, 1, int(status is DeliveryStatus.UNKNOWN)),
        at,
        telegram_message_id=message_id,
        error=error,
    )


async def ids(repo) -> set[int]:
    return {row.id for row in await all_rows(repo)}


async def all_rows(repo):
    rows = []
    for outbox_id in range(1, 100):
        row = await repo.queued(outbox_id)
        if row is not None:
            rows.append(row)
    return rows


async def new_report_id(repo) -> int:
    return (await repo.add_report(clovis_report(), new_public_ref)).id


async def test_settled_messages_are_purged_after_the_retention_time(database):
    async with database.unit_of_work() as repo:
        report_id = await new_report_id(repo)
        card = await repo.enqueue(report_id, Outgoing(MessageKind.CARD_EDIT, GROUP), NOW)
        notice = await repo.enqueue(report_id, Outgoing(MessageKind.REPORTER_NOTICE, 5551001, "Thank you"), NOW)
        reminder = await repo.enqueue(report_id, Outgoing(MessageKind.GROUP_NOTICE, GROUP, "⏰"), NOW)
        stray = await repo.enqueue(None, Outgoing(MessageKind.GROUP_NOTICE, GROUP, "no report"), NOW)
        unknown = await repo.enqueue(None, Outgoing(MessageKind.GROUP_NOTICE, GROUP, "no answer"), NOW)
        await settle(repo, card, DeliveryStatus.SENT, message_id=12)
        await settle(repo, notice, DeliveryStatus.SENT, message_id=3)
        await settle(repo, reminder, DeliveryStatus.SKIPPED)
        await settle(repo, stray, DeliveryStatus.FAILED)
        await settle(repo, unknown, DeliveryStatus.UNKNOWN)

    async with database.unit_of_work() as repo:
        assert await repo.purge_outbox(settled_before=LATER - 7 * DAY - timedelta(minutes=2)) == 0  # too recent
        assert await repo.purge_outbox(settled_before=LATER - 7 * DAY) == 5
        assert await ids(repo) == set()
        assert (await repo.outbox_backlog()).failed == 0  # /status forgets them with the rows


async def test_a_message_still_on_its_way_is_never_purged(database):
    async with database.unit_of_work() as repo:
        report_id = await new_report_id(repo)
        waiting = await repo.enqueue(report_id, Outgoing(MessageKind.GROUP_NOTICE, GROUP, "⏰"), NOW - 30 * DAY)
        retrying = await repo.enqueue(report_id, Outgoing(MessageKind.CARD_EDIT, GROUP), NOW - 30 * DAY)
        await repo.save_progress(retrying, Progress(DeliveryStatus.PENDING, 3, 0, NOW), NOW, error="Bad Gateway")
        in_doubt = await repo.enqueue(report_id, Outgoing(MessageKind.CHANNEL_REPLY, CHANNEL, "🔄"), NOW - 30 * DAY)
        await repo.save_progress(in_doubt, Progress(DeliveryStatus.SENDING, 1, 0), NOW)
    async with database.unit_of_work() as repo:
        assert await repo.purge_outbox(settled_before=LATER) == 0
        assert await ids(repo) == {waiting, retrying, in_doubt}


async def test_a_channel_post_stays_while_its_report_lives_so_a_later_reply_and_edit_find_it(database):
    async with database.unit_of_work() as repo:
        report_id = await new_report_id(repo)
        post = await repo.enqueue(report_id, Outgoing(MessageKind.CHANNEL_POST, CHANNEL, "🚨"), NOW)
        reply = await repo.enqueue(
            report_id, Outgoing(MessageKind.CHANNEL_REPLY, CHANNEL, "🔄", reply_to=MessageRef(outbox_id=post)), NOW
        )
        await settle(repo, post, DeliveryStatus.SENT, message_id=77)
        await settle(repo, reply, DeliveryStatus.SENT, message_id=78)
    async with database.unit_of_work() as repo:
        assert await repo.purge_outbox(settled_before=LATER) == 1  # the old reply only
        assert await ids(repo) == {post}
        # weeks later, "All clear": the edit and the reply still point at the post Telegram knows
        (kept,) = await repo.channel_post_messages(report_id)
        assert kept.id == post and kept.telegram_message_id == 77
        assert kept.progress.status is DeliveryStatus.SENT

    async with database.unit_of_work() as repo:
        await repo.delete_report(report_id)  # what the retention purge does with the report
        assert await ids(repo) == set()  # its messages go with it


async def test_a_message_that_a_waiting_message_refers_to_is_kept_until_that_one_is_sent(database):
    async with database.unit_of_work() as repo:
        target = await repo.enqueue(None, Outgoing(MessageKind.GROUP_NOTICE, GROUP, "⏰"), NOW)
        await settle(repo, target, DeliveryStatus.SENT, message_id=40)
        edit = await repo.enqueue(
            None, Outgoing(MessageKind.CHANNEL_EDIT, GROUP, "⏰ done", edit=MessageRef(outbox_id=target)), LATER
        )
        reply = await repo.enqueue(
            None, Outgoing(MessageKind.CHANNEL_REPLY, GROUP, "↩️", reply_to=MessageRef(outbox_id=target)), LATER
        )
    async with database.unit_of_work() as repo:
        assert await repo.purge_outbox(settled_before=LATER) == 0
        assert await ids(repo) == {target, edit, reply}
        await settle(repo, edit, DeliveryStatus.SENT, at=LATER, message_id=40)
    async with database.unit_of_work() as repo:
        assert await repo.purge_outbox(settled_before=LATER) == 0  # the reply still needs it
        await settle(repo, reply, DeliveryStatus.SENT, at=LATER, message_id=41)
    async with database.unit_of_work() as repo:
        assert await repo.purge_outbox(settled_before=LATER) == 1
        assert await ids(repo) == {edit, reply}  # settled just now: their turn comes a week later
        assert await repo.purge_outbox(settled_before=LATER + 7 * DAY) == 2


async def test_a_failed_update_stays_on_the_card_while_its_report_lives(database):
    async with database.unit_of_work() as repo:
        report_id = await new_report_id(repo)
        post = await repo.enqueue(report_id, Outgoing(MessageKind.CHANNEL_POST, CHANNEL, "🚨"), NOW)
        await settle(repo, post, DeliveryStatus.SENT, message_id=77)
        failed = await repo.enqueue(
            report_id, Outgoing(MessageKind.CHANNEL_EDIT, CHANNEL, "✅ ENDED", edit=MessageRef(outbox_id=post)), NOW
        )
        await settle(repo, failed, DeliveryStatus.FAILED)
        unconfirmed = await repo.enqueue(
            report_id, Outgoing(MessageKind.CHANNEL_REPLY, CHANNEL, "✅", reply_to=MessageRef(outbox_id=post)), NOW
        )
        await settle(repo, unconfirmed, DeliveryStatus.UNKNOWN)
    async with database.unit_of_work() as repo:
        assert await repo.purge_outbox(settled_before=LATER) == 0
        shown = {p.outbox_id for p in await repo.delivery_problems(report_id)}
        assert shown == {failed, unconfirmed}  # what the card lists under "Could not update channel"
