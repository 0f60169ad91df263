"""Subscribers against real SQLite: only what sending needs, deleted completely, fanned out in one statement."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.delivery import DeliveryStatus, MessageKind, Outgoing, Progress
from bot.domain.reports import new_public_ref
from tests import raw
from tests.samples import clovis_report

NOW = datetime(2026, 11, 29, 14, 5, tzinfo=UTC)
ROSA, TOM, PILAR = 5001, 5002, 5003


def texts(kind: MessageKind = MessageKind.SUBSCRIBER_ALERT) -> dict[str, Outgoing]:
    return {"en": Outgoing(kind, 0, "Confirmed alert: Clovis"), "es": Outgoing(kind, 0, "Alerta confirmada: Clovis")}


async def test_a_subscriber_is_a_chat_its_neighborhoods_and_a_language_and_nothing_else(database):
    async with database.unit_of_work() as repo:
        await repo.subscribe(ROSA, "clovis", "es")
        await repo.subscribe(ROSA, "vado", "es")
        await repo.subscribe(ROSA, "vado", "es")  # twice is once
        found = await repo.subscription(ROSA)
    assert found is not None and found.language == "es" and found.neighborhoods == {"clovis", "vado"}

    stored = await raw.columns(database, "subscribers") | await raw.columns(database, "subscriptions")
    assert stored == {"chat_id", "language", "neighborhood_key"}


async def test_the_last_neighborhood_gone_takes_the_subscriber_with_it(database):
    async with database.unit_of_work() as repo:
        await repo.subscribe(TOM, "clovis", "en")
        await repo.unsubscribe_from(TOM, "clovis")
        assert await repo.subscription(TOM) is None
        assert await repo.subscriber_count() == 0


async def test_one_message_each_in_their_language_and_the_default_for_a_language_without_text(database):
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
        await repo.subscribe(ROSA, "clovis", "es")
        await repo.subscribe(TOM, "clovis", "en")
        await repo.subscribe(PILAR, "clovis", "pt")  # a language dropped from Vigil since
        await repo.subscribe(9999, "vado", "en")  # another neighborhood
        assert await repo.enqueue_for_subscribers(report.id, "clovis", texts(), "en", NOW) == 3
        heads = await repo.subscriber_heads(NOW, limit=10)
    by_chat = {head.message.chat_id: head.message.text for head in heads}
    assert by_chat == {
        ROSA: "Alerta confirmada: Clovis",
        TOM: "Confirmed alert: Clovis",
        PILAR: "Confirmed alert: Clovis",
    }


async def test_an_update_waits_for_the_alert_and_replies_to_the_copy_telegram_confirmed(database):
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
        await repo.subscribe(ROSA, "clovis", "es")
        await repo.enqueue_for_subscribers(report.id, "clovis", texts(), "en", NOW)
        await repo.enqueue_for_subscribers(
            report.id, "clovis", texts(MessageKind.SUBSCRIBER_UPDATE), "en", NOW, reply_to_alert=True
        )
        (alert,) = await repo.subscriber_heads(NOW, limit=10)  # the update waits behind it
        assert alert.message.kind is MessageKind.SUBSCRIBER_ALERT
        await repo.save_progress(alert.id, Progress(DeliveryStatus.SENT, 1), NOW, telegram_message_id=77)
        (update,) = await repo.subscriber_heads(NOW, limit=10)
        assert update.message.reply_to is None  # queued before the alert's id was known
        await repo.enqueue_for_subscribers(
            report.id, "clovis", texts(MessageKind.SUBSCRIBER_UPDATE), "en", NOW, reply_to_alert=True
        )
        waiting = await repo.subscriber_heads(NOW, limit=10)
        progress = await repo.fan_outs_in_progress()
    assert [w.id for w in waiting] == [update.id]  # one at a time per chat
    (fan_out,) = progress
    assert (fan_out.public_ref, fan_out.sent, fan_out.waiting, fan_out.total) == (report.public_ref, 1, 2, 3)
    async with database.unit_of_work() as repo:
        later = await repo.queued(update.id + 1)
    assert later is not None and later.message.reply_to is not None and later.message.reply_to.message_id == 77


async def test_forgetting_a_subscriber_leaves_no_chat_id_behind(database):
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
        await repo.subscribe(ROSA, "clovis", "es")
        await repo.enqueue_for_subscribers(report.id, "clovis", texts(), "en", NOW)
        assert await repo.forget_subscriber(ROSA)
        assert not await repo.forget_subscriber(ROSA)

    for table in ("subscribers", "subscriptions", "outbox"):
        found = await raw.rows(database, f"SELECT COUNT(*) FROM {table} WHERE chat_id = ?", (ROSA,))
        assert found[0][0] == 0, table
