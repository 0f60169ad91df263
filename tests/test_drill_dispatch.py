"""The dispatcher keeps a drill inside (bot/services/drill_scope.py), with a hand-written port."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.delivery import DeliveryStatus, MessageKind, Outgoing
from bot.domain.reports import new_public_ref
from bot.domain.verification import ReportStatus
from bot.i18n import Catalogs
from bot.network import parse_network
from bot.ports import ChatAccess
from bot.services.cards import CardRenderer
from bot.services.dispatcher import Dispatcher
from bot.services.drill_scope import DrillScope
from bot.services.startup_check import check_network_access
from storage.database import Database
from tests import samples
from tests.fake_port import FakePort
from tests.sample_network import CLOVIS_EN_CHANNEL, TOM, VERIFIER_GROUP, network_toml
from tests.samples import clovis_report
from tests.samples import outbox_row as row

START = datetime(2026, 11, 22, 21, 5, tzinfo=UTC)


async def enqueue(database: Database, report_id: int, message: Outgoing) -> int:
    return await samples.enqueue(database, report_id, message, START)


DRILL_CHANNEL = -1009000000001
BANNER = "🧪 DRILL / SIMULACRO — no action needed"


async def drill_setup(tmp_path, scope: DrillScope | None):  # type: ignore[no-untyped-def]
    database = await Database.open(tmp_path / "vigil.sqlite3")
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(reporter_pseudonym="drill:1:0", is_drill=True), new_public_ref)
        await repo.attach_card(report.id, VERIFIER_GROUP, 42, [])
        await repo.set_status(report.id, ReportStatus.PUBLISHED, START)
        await repo.start_alert(report.id, START)
    port = FakePort()
    network = parse_network(network_toml())
    dispatcher = Dispatcher(
        database=database,
        telegram=port,
        clock=lambda: START,
        cards=CardRenderer(catalogs=Catalogs.load(), network=network, clock=lambda: START),
        drill_scope=scope,
    )
    return database, dispatcher, port, report.id


@pytest.mark.parametrize("drill_channel", [None, DRILL_CHANNEL])
async def test_a_drills_messages_reach_only_the_group_and_the_drill_channel_marked(tmp_path, drill_channel):
    simulated = []

    async def simulate(message):  # type: ignore[no-untyped-def]
        simulated.append(message.message.kind)

    scope = DrillScope(frozenset({VERIFIER_GROUP}), drill_channel, BANNER, simulate)
    database, dispatcher, port, report_id = await drill_setup(tmp_path, scope)
    post = await enqueue(database, report_id, Outgoing(MessageKind.CHANNEL_POST, CLOVIS_EN_CHANNEL, "alert"))
    await enqueue(database, report_id, Outgoing(MessageKind.SUBSCRIBER_ALERT, TOM, "alert"))
    await enqueue(database, report_id, Outgoing(MessageKind.REPORTER_NOTICE, TOM, "thanks"))
    await enqueue(database, report_id, Outgoing(MessageKind.GROUP_NOTICE, VERIFIER_GROUP, "reminder"))
    await dispatcher.drain()
    async with database.unit_of_work() as repo:
        subscriber_heads = await repo.subscriber_heads(START, limit=10)
    for head in subscriber_heads:  # the subscriber's message is taken a few at a time: send it too
        await dispatcher._deliver(head)  # noqa: SLF001 - the same path the loop takes
    chats = {chat for _, chat, _, _ in port.delivered}
    assert chats <= {VERIFIER_GROUP, drill_channel}
    assert all(text.startswith(BANNER) for _, _, text, _ in port.delivered)
    assert simulated == [MessageKind.REPORTER_NOTICE]
    posted = await row(database, post)
    assert posted is not None
    if drill_channel is None:
        assert posted.progress.status is DeliveryStatus.SKIPPED
        async with database.unit_of_work() as repo:
            assert [p.error for p in await repo.channel_posts(report_id)] == ["drill: kept inside"]
    else:
        assert posted.progress.status is DeliveryStatus.SENT
    await dispatcher.stop()
    await database.close()


async def test_without_a_scope_a_drill_message_is_held_back(tmp_path):
    database, dispatcher, port, report_id = await drill_setup(tmp_path, None)
    await enqueue(database, report_id, Outgoing(MessageKind.GROUP_NOTICE, VERIFIER_GROUP, "reminder"))
    await enqueue(database, report_id, Outgoing(MessageKind.CHANNEL_POST, CLOVIS_EN_CHANNEL, "alert"))
    await dispatcher.drain()
    assert port.delivered == []
    await dispatcher.stop()
    await database.close()


async def test_the_start_up_check_covers_the_drill_channel():
    checked: list[int] = []

    class Port:
        async def check_access(self, chat_id: int, *, channel: bool) -> ChatAccess:
            checked.append(chat_id)
            return ChatAccess(chat_id, None, "not an administrator" if chat_id == DRILL_CHANNEL else None)

    network = parse_network(network_toml()).model_copy(update={"drill_channel": DRILL_CHANNEL})
    report = await check_network_access(Port(), network)  # type: ignore[arg-type]
    assert DRILL_CHANNEL in checked
    assert report.failures == [f"channel {DRILL_CHANNEL}: not an administrator"]
