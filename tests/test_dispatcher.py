"""The dispatcher with a hand-written Telegram port: order, retries, doubts and crashes, no network."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot import departure
from bot.domain.delivery import DeliveryStatus, MessageKind, MessageRef, Outgoing, Progress, begin_attempt
from bot.domain.reports import new_public_ref
from bot.domain.verification import ReportStatus
from bot.i18n import Catalogs
from bot.network import parse_network
from bot.ports import DeliveryError, DeliveryUncertain, RateLimited, TemporaryFailure
from bot.services import corroboration
from bot.services.cards import CardRenderer, queue_card
from bot.services.dispatcher import Dispatcher
from storage.database import Database
from tests import samples
from tests.fake_port import FakePort
from tests.sample_network import CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL, TOM, VERIFIER_GROUP, network_toml
from tests.samples import clovis_report

START = datetime(2026, 11, 22, 21, 5, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def setup(tmp_path):
    database = await Database.open(tmp_path / "vigil.sqlite3")
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
        await repo.attach_card(report.id, VERIFIER_GROUP, 42, [])
        await repo.set_status(report.id, ReportStatus.PUBLISHED, START)  # its posts are what is sent here
        await repo.start_alert(report.id, START)
    port, clock = FakePort(), Clock()
    network = parse_network(network_toml())
    dispatcher = Dispatcher(
        database=database,
        telegram=port,
        clock=clock,
        cards=CardRenderer(catalogs=Catalogs.load(), network=network, clock=lambda: START),
    )
    yield database, dispatcher, port, clock, report.id
    await dispatcher.stop()
    await database.close()


async def enqueue(database: Database, report_id: int, message: Outgoing) -> int:
    return await samples.enqueue(database, report_id, message, START)


row = samples.outbox_row


def post(chat: int, text: str = "alert") -> Outgoing:
    return Outgoing(MessageKind.CHANNEL_POST, chat, text)


async def test_an_edit_and_a_reply_follow_their_post_and_use_its_message_id(setup):
    database, dispatcher, port, _, report_id = setup
    first = await enqueue(database, report_id, post(CLOVIS_EN_CHANNEL))
    await enqueue(
        database,
        report_id,
        Outgoing(MessageKind.CHANNEL_EDIT, CLOVIS_EN_CHANNEL, "ENDED", edit=MessageRef(outbox_id=first)),
    )
    await enqueue(
        database,
        report_id,
        Outgoing(MessageKind.CHANNEL_REPLY, CLOVIS_EN_CHANNEL, "all clear", reply_to=MessageRef(outbox_id=first)),
    )
    await dispatcher.drain()
    (sent, edited, replied) = port.to(CLOVIS_EN_CHANNEL)
    message_id = (await row(database, first)).telegram_message_id
    assert sent == ("send", "alert", None)
    assert edited == ("edit", "ENDED", message_id) and replied == ("send", "all clear", message_id)
    async with database.unit_of_work() as repo:
        (recorded,) = await repo.channel_posts(report_id)
    assert recorded.message_id == message_id and not recorded.maybe_twice
    assert port.to(VERIFIER_GROUP)[0][0] == "edit"  # the card was refreshed to link the post


async def test_a_slow_chat_does_not_hold_back_another_chat(setup):
    database, dispatcher, port, _, report_id = setup
    port.gates[CLOVIS_ES_CHANNEL] = asyncio.Event()  # e.g. throttled, or Telegram slow to answer
    await enqueue(database, report_id, post(CLOVIS_ES_CHANNEL, "alerta"))
    await enqueue(database, report_id, post(CLOVIS_EN_CHANNEL, "first"))
    await enqueue(database, report_id, post(CLOVIS_EN_CHANNEL, "second"))
    await dispatcher.start()
    dispatcher.wake()
    for _ in range(200):
        if len(port.to(CLOVIS_EN_CHANNEL)) == 2:
            break
        await asyncio.sleep(0.01)
    assert [text for _, text, _ in port.to(CLOVIS_EN_CHANNEL)] == ["first", "second"]
    assert port.to(CLOVIS_ES_CHANNEL) == []
    port.gates[CLOVIS_ES_CHANNEL].set()
    await dispatcher.stop()  # lets the request on its way finish
    assert [text for _, text, _ in port.to(CLOVIS_ES_CHANNEL)] == ["alerta"]


async def test_a_429_waits_its_retry_after_before_the_next_try(setup):
    database, dispatcher, port, clock, report_id = setup
    port.script[CLOVIS_EN_CHANNEL] = [RateLimited(CLOVIS_EN_CHANNEL, "Too Many Requests", timedelta(seconds=30))]
    queued = await enqueue(database, report_id, post(CLOVIS_EN_CHANNEL))
    await dispatcher.drain()
    assert port.to(CLOVIS_EN_CHANNEL) == []
    waiting = await row(database, queued)
    assert waiting.progress.status is DeliveryStatus.PENDING and waiting.next_attempt_at == START + timedelta(
        seconds=30
    )
    clock.now += timedelta(seconds=29)
    await dispatcher.drain()
    assert port.to(CLOVIS_EN_CHANNEL) == []
    clock.now += timedelta(seconds=1)
    await dispatcher.drain()
    assert len(port.to(CLOVIS_EN_CHANNEL)) == 1


async def test_temporary_failures_are_retried_and_refusals_are_final_and_shown(setup):
    database, dispatcher, port, clock, report_id = setup
    port.script[CLOVIS_EN_CHANNEL] = [TemporaryFailure(CLOVIS_EN_CHANNEL, "Bad Gateway")]
    port.script[CLOVIS_ES_CHANNEL] = [DeliveryError(CLOVIS_ES_CHANNEL, "Forbidden: bot was kicked")]
    en = await enqueue(database, report_id, post(CLOVIS_EN_CHANNEL))
    es = await enqueue(database, report_id, post(CLOVIS_ES_CHANNEL))
    await dispatcher.drain()
    clock.now += timedelta(seconds=1)
    await dispatcher.drain()
    delivered = (await row(database, en)).progress
    assert (delivered.status, delivered.attempts, delivered.uncertain_attempts) == (DeliveryStatus.SENT, 2, 0)
    refused = await row(database, es)
    assert refused.progress.status is DeliveryStatus.FAILED and refused.last_error == "Forbidden: bot was kicked"
    card_html = port.to(VERIFIER_GROUP)[-1][1]
    assert "Could not post to channel" in card_html and "Forbidden: bot was kicked" in card_html


async def test_an_unconfirmed_post_is_sent_once_more_and_never_a_third_time(setup):
    database, dispatcher, port, clock, report_id = setup
    port.script[CLOVIS_EN_CHANNEL] = [DeliveryUncertain(CLOVIS_EN_CHANNEL, "Timed out")] * 2
    queued = await enqueue(database, report_id, post(CLOVIS_EN_CHANNEL))
    await dispatcher.drain()
    clock.now += timedelta(minutes=1)
    await dispatcher.drain()
    clock.now += timedelta(minutes=1)
    await dispatcher.drain()
    final = await row(database, queued)
    assert final.progress.status is DeliveryStatus.UNKNOWN and final.progress.attempts == 2
    async with database.unit_of_work() as repo:
        (recorded,) = await repo.channel_posts(report_id)
    assert recorded.message_id is None and recorded.maybe_twice
    assert "did not confirm the post" in port.to(VERIFIER_GROUP)[-1][1]


async def test_a_reply_to_an_unconfirmed_post_goes_out_alone_and_its_edit_is_skipped(setup):
    database, dispatcher, port, clock, report_id = setup
    port.script[CLOVIS_EN_CHANNEL] = [DeliveryUncertain(CLOVIS_EN_CHANNEL, "Timed out")] * 2
    first = await enqueue(database, report_id, post(CLOVIS_EN_CHANNEL))
    edit = await enqueue(
        database,
        report_id,
        Outgoing(MessageKind.CHANNEL_EDIT, CLOVIS_EN_CHANNEL, "ENDED", edit=MessageRef(outbox_id=first)),
    )
    await enqueue(
        database,
        report_id,
        Outgoing(MessageKind.CHANNEL_REPLY, CLOVIS_EN_CHANNEL, "all clear", reply_to=MessageRef(outbox_id=first)),
    )
    for _ in range(3):
        await dispatcher.drain()
        clock.now += timedelta(minutes=1)
    assert (await row(database, edit)).progress.status is DeliveryStatus.SKIPPED
    assert port.to(CLOVIS_EN_CHANNEL) == [("send", "all clear", None)]  # subscribers still hear it


async def test_a_message_left_sending_by_a_crash_follows_the_policy_at_start(setup):
    database, dispatcher, port, _, report_id = setup
    in_doubt = await enqueue(database, report_id, post(CLOVIS_EN_CHANNEL))
    notice = await enqueue(database, report_id, Outgoing(MessageKind.REPORTER_NOTICE, TOM, "confirmed"))
    async with database.unit_of_work() as repo:  # what a kill -9 mid-request leaves behind
        for outbox_id in (in_doubt, notice):
            await repo.save_progress(outbox_id, begin_attempt(Progress(DeliveryStatus.PENDING)), START)
    await dispatcher.recover()
    assert (await row(database, notice)).progress.status is DeliveryStatus.UNKNOWN
    assert (await row(database, notice)).message.chat_id == 0  # the reporter's chat id is not kept
    resend = await row(database, in_doubt)
    assert resend.progress.status is DeliveryStatus.PENDING and resend.progress.uncertain_attempts == 1
    assert "stopped before Telegram answered" in resend.last_error


async def test_an_unconfirmed_card_edit_is_simply_repeated(setup):
    database, dispatcher, port, clock, report_id = setup
    port.script[VERIFIER_GROUP] = [DeliveryUncertain(VERIFIER_GROUP, "Timed out")]
    async with database.unit_of_work() as repo:
        card = await repo.enqueue_card_refresh(report_id, START)
    await dispatcher.drain()
    clock.now += timedelta(seconds=1)
    await dispatcher.drain()
    assert (await row(database, card)).progress.status is DeliveryStatus.SENT
    assert [what for what, _, _ in port.to(VERIFIER_GROUP)] == ["edit"]


async def test_a_report_attached_while_its_card_is_on_its_way_is_folded_in_by_an_edit(setup):
    """The card was rendered as its request left; a report attached before Telegram answered is
    not in it, so an edit follows the card (issue 18: attached reports fold into their card)."""
    database, dispatcher, port, _, _ = setup
    async with database.unit_of_work() as repo:
        first = await repo.add_report(clovis_report(reporter_pseudonym="pseudo-A1"), new_public_ref)
        await queue_card(repo, first.id, VERIFIER_GROUP, START)
    port.gates[VERIFIER_GROUP] = asyncio.Event()  # Telegram has not answered yet
    sending = asyncio.create_task(dispatcher.drain())
    for _ in range(200):
        async with database.unit_of_work() as repo:
            (card,) = await repo.report_messages(first.id, MessageKind.CARD)
        if card.progress.status is DeliveryStatus.SENDING:
            break
        await asyncio.sleep(0.01)
    assert card.progress.status is DeliveryStatus.SENDING  # rendered: one resident
    async with database.unit_of_work() as repo:
        second = await repo.add_report(clovis_report(reporter_pseudonym="pseudo-B2"), new_public_ref)
        await corroboration.attach(repo, second, first.id, START)
    port.gates[VERIFIER_GROUP].set()
    await sending
    await dispatcher.drain()
    (sent, card_text, _), *edits = port.to(VERIFIER_GROUP)
    assert sent == "send" and "residents report this" not in card_text
    message_id = (await row(database, card.id)).telegram_message_id
    assert [(what, target) for what, _, target in edits] == [("edit", message_id)]
    assert "👥 <b>2 residents report this</b>" in edits[0][1]


# --- direct messages to subscribers (issue 12) ---------------------------------------------------


class CountingPort(FakePort):
    """Holds every subscriber's request until released, and counts how many are on their way at once."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.on_their_way = 0
        self.most_at_once = 0

    async def send_text(self, chat_id, html, keyboard=None, *, reply_to=None, priority=None) -> int:
        if chat_id > 0:
            self.on_their_way += 1
            self.most_at_once = max(self.most_at_once, self.on_their_way)
            await self.release.wait()
            self.on_their_way -= 1
        return await super().send_text(chat_id, html, keyboard, reply_to=reply_to, priority=priority)


async def subscribe_many(database: Database, count: int, *, first: int = 10_000) -> None:
    async with database.unit_of_work() as repo:
        for chat_id in range(first, first + count):
            await repo.subscribe(chat_id, "clovis", "es" if chat_id % 2 else "en")


def fan_out(kind: MessageKind = MessageKind.SUBSCRIBER_ALERT) -> dict[str, Outgoing]:
    return {"en": Outgoing(kind, 0, "alert"), "es": Outgoing(kind, 0, "alerta")}


async def test_thousands_of_subscribers_never_become_thousands_of_requests_at_once_and_channels_go_first(tmp_path):
    from bot.services.dispatcher import MAX_SUBSCRIBERS_IN_FLIGHT

    database = await Database.open(tmp_path / "vigil.sqlite3")
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
    port = CountingPort()
    dispatcher = Dispatcher(
        database=database,
        telegram=port,
        clock=Clock(),
        cards=CardRenderer(catalogs=Catalogs.load(), network=parse_network(network_toml()), clock=lambda: START),
    )
    await subscribe_many(database, 500)
    async with database.unit_of_work() as repo:
        assert await repo.enqueue_for_subscribers(report.id, "clovis", fan_out(), "en", START) == 500
    await dispatcher.start()
    await asyncio.sleep(0.2)
    assert port.most_at_once == MAX_SUBSCRIBERS_IN_FLIGHT  # held: the cap, not 500
    # a channel post queued behind 500 waiting subscribers goes at once
    await enqueue(database, report.id, post(CLOVIS_EN_CHANNEL))
    dispatcher.wake()
    await asyncio.wait_for(_until(lambda: port.to(CLOVIS_EN_CHANNEL)), 2)
    port.release.set()
    await asyncio.wait_for(_until(lambda: len([d for d in port.delivered if d[1] > 0]) == 500), 10)
    texts = {chat: text for _, chat, text, _ in port.delivered if chat > 0}
    assert texts[10_000] == "alert" and texts[10_001] == "alerta"  # each in their language
    assert port.most_at_once == MAX_SUBSCRIBERS_IN_FLIGHT
    await dispatcher.stop()
    await database.close()


async def test_subscribers_hear_an_alert_only_after_every_channel_post_of_it(setup):
    database, dispatcher, port, _, report_id = setup
    await subscribe_many(database, 6)
    port.gates[CLOVIS_ES_CHANNEL] = asyncio.Event()  # Telegram slow to answer one channel
    async with database.unit_of_work() as repo:  # as publication queues them: posts, then subscribers
        for message in (post(CLOVIS_EN_CHANNEL), post(CLOVIS_ES_CHANNEL, "alerta")):
            await repo.enqueue(report_id, message, START)
        assert await repo.enqueue_for_subscribers(report_id, "clovis", fan_out(), "en", START) == 6
    await dispatcher.start()
    dispatcher.wake()
    await asyncio.wait_for(_until(lambda: port.to(CLOVIS_EN_CHANNEL)), 2)
    port.gates[CLOVIS_ES_CHANNEL].set()
    await asyncio.wait_for(_until(lambda: len([d for d in port.delivered if d[1] > 0]) == 6), 5)
    order = [chat for _, chat, _, _ in port.delivered]
    assert order.index(CLOVIS_ES_CHANNEL) < min(order.index(chat) for chat in order if chat > 0), order


async def test_a_subscriber_who_blocked_the_bot_is_removed_with_their_waiting_messages(setup):
    database, dispatcher, port, _, report_id = setup
    await subscribe_many(database, 2)
    port.script[10_000] = [DeliveryError(10_000, "Forbidden: bot was blocked by the user", forbidden=True)]
    async with database.unit_of_work() as repo:
        await repo.enqueue_for_subscribers(report_id, "clovis", fan_out(), "en", START)
        await repo.enqueue_for_subscribers(report_id, "clovis", fan_out(MessageKind.SUBSCRIBER_UPDATE), "en", START)
    await dispatcher.drain()
    async with database.unit_of_work() as repo:
        assert await repo.subscription(10_000) is None and await repo.subscription(10_001) is not None
        assert (await repo.outbox_backlog()).waiting == 0
    assert [text for _, text, _ in port.to(10_001)] == ["alerta", "alerta"]
    assert port.to(10_000) == []


async def test_a_refusal_that_is_not_a_block_keeps_the_subscriber(setup):
    database, dispatcher, port, _, report_id = setup
    await subscribe_many(database, 1)
    port.script[10_000] = [DeliveryError(10_000, "Bad Request: message is too long")]
    async with database.unit_of_work() as repo:
        await repo.enqueue_for_subscribers(report_id, "clovis", fan_out(), "en", START)
    await dispatcher.drain()
    async with database.unit_of_work() as repo:
        assert await repo.subscription(10_000) is not None
        (problem,) = await repo.delivery_problems()
    assert problem.chat_id is None and problem.kind is MessageKind.SUBSCRIBER_ALERT  # never a person's id


async def _until(predicate) -> None:
    while not predicate():
        await asyncio.sleep(0.01)


class QueueingPort(FakePort):
    """Like the gateway behind the rate limiter: a request waits for its turn, then leaves."""

    reports_departure = True

    def __init__(self) -> None:
        super().__init__()
        self.turn = asyncio.Event()
        self.seen_while_waiting: list[str] = []

    async def send_text(self, chat_id, html, keyboard=None, *, reply_to=None, priority=None) -> int:
        await self.turn.wait()
        await departure.request_leaves()
        return await super().send_text(chat_id, html, keyboard, reply_to=reply_to, priority=priority)


async def test_a_message_waiting_for_its_turn_stays_pending_so_a_crash_leaves_it_in_no_doubt(setup, tmp_path):
    """Only a request that left is recorded as on its way; one still waiting in the rate limiter
    when Vigil dies is simply sent after the restart, not treated as possibly delivered."""
    database, _, _, clock, report_id = setup
    port = QueueingPort()
    dispatcher = Dispatcher(
        database=database,
        telegram=port,
        clock=clock,
        cards=CardRenderer(catalogs=Catalogs.load(), network=parse_network(network_toml()), clock=lambda: START),
    )
    first = await enqueue(database, report_id, post(CLOVIS_EN_CHANNEL))
    await dispatcher.start()
    await asyncio.sleep(0.1)
    assert (await row(database, first)).progress.status is DeliveryStatus.PENDING  # waiting, not sending
    port.turn.set()
    await asyncio.wait_for(_until(lambda: port.to(CLOVIS_EN_CHANNEL)), 2)
    await dispatcher.stop()
    sent = await row(database, first)
    assert sent.progress.status is DeliveryStatus.SENT and sent.progress.attempts == 1
    assert sent.progress.uncertain_attempts == 0
