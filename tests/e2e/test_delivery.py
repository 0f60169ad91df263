"""Issue 3, end to end: the outbox against a Telegram that fails the ways Telegram fails.

429 with retry_after, 5xx, a timeout after Telegram stored the message, a channel that removed
the bot (403), a group that became a supergroup (ChatMigrated).
"""

from __future__ import annotations

import logging

import pytest

from bot.fake_telegram import FakeTelegram
from bot.network import parse_network
from tests.e2e.harness import build_world, running_vigil
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import post, replies, report_from_tom, wait_card
from tests.sample_network import (
    ADMIN,
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    LUIS,
    TOKEN,
    TOM,
    network_toml,
)

LEGACY_GROUP = -4000000005  # a basic group someone listed as a "channel"
LEGACY_GROUP_NOW = -1004000000005  # its id after Telegram upgraded it to a supergroup
PORTALES_CHANNEL = -1002000000005
PORTALES = f"""
[[neighborhoods]]
key = "portales"
names = {{ en = "Portales", es = "Portales" }}
channels = [
  {{ chat_id = {LEGACY_GROUP}, languages = ["es"] }},
  {{ chat_id = {PORTALES_CHANNEL}, languages = ["en"] }},
]
"""


def request_times(fake: FakeTelegram, method: str, chat_id: int) -> list[float]:
    return [
        at
        for (name, params), at in zip(fake.api.requests, fake.api.request_times, strict=True)
        if name == method and int(params.get("chat_id", 0)) == chat_id
    ]


async def confirm(fake, ref: str) -> None:
    await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")


async def outbox_rows(vigil, report_id: int = 1) -> list[tuple]:
    async with vigil.services.database.unit_of_work() as repo:
        messages = [await repo.queued(i) for i in range(1, 200)]
    return [
        (m.message.kind, m.message.chat_id, m.progress.status, m.progress.attempts, m.progress.uncertain_attempts)
        for m in messages
        if m is not None and m.report_id == report_id
    ]


async def test_a_429_is_honoured_and_only_that_channel_waits(vigil, fake):
    ref = await report_from_tom(fake)
    fake.fail_next("sendMessage", retry_after=1, chat_id=CLOVIS_EN_CHANNEL)
    await confirm(fake, ref)
    await fake.wait_for_bot_message(CLOVIS_ES_CHANNEL, timeout=0.9)  # the other channel did not wait
    await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL, timeout=5)
    await vigil.outbox_idle()
    first, second = request_times(fake, "sendMessage", CLOVIS_EN_CHANNEL)
    assert second - first >= 1.0  # never before Telegram's retry_after
    assert len(fake.bot_messages(CLOVIS_EN_CHANNEL)) == 1
    await wait_card(fake, ref, "📣 Posted")


async def test_server_errors_are_retried_with_back_off_and_the_post_goes_out_once(vigil, fake):
    ref = await report_from_tom(fake)
    fake.fail_next("sendMessage", error_code=500, chat_id=CLOVIS_EN_CHANNEL, times=2)
    await confirm(fake, ref)
    await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL, timeout=8)
    await vigil.outbox_idle()
    times = request_times(fake, "sendMessage", CLOVIS_EN_CHANNEL)
    assert len(times) == 3
    assert times[1] - times[0] >= 1.0 and times[2] - times[1] >= 2.0  # 1 s, then 2 s
    assert len(fake.bot_messages(CLOVIS_EN_CHANNEL)) == 1


async def test_a_post_that_timed_out_after_delivery_is_sent_once_more_and_the_card_says_so(fake, tmp_path):
    async with running_vigil(fake, tmp_path, telegram_timeout=0.5) as vigil:
        ref = await report_from_tom(fake)
        fake.time_out_after_storing("sendMessage", seconds=1.5, chat_id=CLOVIS_EN_CHANNEL)
        await confirm(fake, ref)
        card = await wait_card(fake, ref, "may appear twice")
        await vigil.outbox_idle(timeout=10)
        # the policy: one more send, never a third, and only after an unconfirmed request
        assert len(fake.bot_messages(CLOVIS_EN_CHANNEL)) == 2
        assert len(fake.bot_messages(CLOVIS_ES_CHANNEL)) == 1
        assert "Posted" in text_of(card)
        rows = await outbox_rows(vigil)
        assert ("channel_post", CLOVIS_EN_CHANNEL, "sent", 2, 1) in rows
        # all clear edits the copy Vigil knows (the second); it cannot know the first one's id
        await Verifier(fake, ANA).presses(card_in_group(fake, ref), "✅")
        await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "✅")
        await fake.wait_until(lambda: "ENDED" in text_of(fake.bot_messages(CLOVIS_EN_CHANNEL)[1]), what="the edit")
        assert "ENDED" not in text_of(fake.bot_messages(CLOVIS_EN_CHANNEL)[0])


async def test_an_edit_that_timed_out_is_repeated_harmlessly(fake, tmp_path):
    async with running_vigil(fake, tmp_path, telegram_timeout=0.5) as vigil:
        ref = await report_from_tom(fake)
        await confirm(fake, ref)
        await wait_card(fake, ref, "Active until")
        await vigil.outbox_idle()
        fake.time_out_after_storing("editMessageText", seconds=1.5, chat_id=CLOVIS_EN_CHANNEL)
        await Verifier(fake, ANA).presses(card_in_group(fake, ref), "✅")
        await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "✅")
        await fake.wait_until(lambda: "ENDED" in text_of(post(fake, CLOVIS_EN_CHANNEL)), what="the edit")
        await vigil.outbox_idle(timeout=10)
        assert text_of(post(fake, CLOVIS_EN_CHANNEL)).count("ENDED") == 1
        assert len(request_times(fake, "editMessageText", CLOVIS_EN_CHANNEL)) == 2  # repeated once
        assert len(replies(fake, CLOVIS_EN_CHANNEL)) == 1
        assert "Could not update" not in text_of(card_in_group(fake, ref))


async def test_a_reporter_notice_that_timed_out_is_not_sent_again(fake, tmp_path):
    async with running_vigil(fake, tmp_path, telegram_timeout=0.5) as vigil:
        ref = await report_from_tom(fake)
        fake.time_out_after_storing("sendMessage", seconds=1.5, chat_id=TOM)
        await confirm(fake, ref)
        await vigil.outbox_idle(timeout=10)
        notices = [m for m in fake.bot_messages(TOM) if "confirmed by two verifiers" in text_of(m)]
        assert len(notices) == 1
        assert ("reporter_notice", 0, "unknown", 1, 1) in await outbox_rows(vigil)  # chat id forgotten
        status = text_of(await Resident(fake, ADMIN).sends_text("/status", expect="Vigil"))
        assert "no confirmados por Telegram: 1" in status


async def test_a_channel_that_removed_the_bot_is_shown_on_the_card_in_the_log_and_in_status(vigil, fake, caplog):
    ref = await report_from_tom(fake)
    fake.set_bot_rights(CLOVIS_ES_CHANNEL, is_admin=False)
    with caplog.at_level(logging.ERROR):
        await confirm(fake, ref)
        await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL)
        card = await wait_card(fake, ref, "Could not post")
        await vigil.outbox_idle()
    assert str(CLOVIS_ES_CHANNEL) in text_of(card) and "Forbidden" in text_of(card)
    assert any(str(CLOVIS_ES_CHANNEL) in r.getMessage() and ref in r.getMessage() for r in caplog.records)
    status = text_of(await Resident(fake, ADMIN).sends_text("/status", expect="Vigil"))
    assert f"{CLOVIS_ES_CHANNEL}: Forbidden: bot is not a member of the channel chat" in status
    assert "Mensajes fallidos: 1" in status
    # the alert's later updates skip the channel that never had the post
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "🔄")
    await fake.wait_until(lambda: len(replies(fake, CLOVIS_EN_CHANNEL)) == 1)
    await vigil.outbox_idle()
    assert fake.bot_messages(CLOVIS_ES_CHANNEL) == []


async def test_a_group_upgraded_to_a_supergroup_is_shown_and_the_other_channel_still_gets_its_post(tmp_path, caplog):
    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as fake:
        build_world(fake)
        fake.add_group(LEGACY_GROUP, "Vecinos de Portales")
        fake.add_channel(PORTALES_CHANNEL, "Portales Alerts")
        async with running_vigil(fake, tmp_path, network=parse_network(network_toml(extra=PORTALES))) as vigil:
            ref = await report_from_tom(
                fake, place="Portales", text="Eight agents by unmarked cars at the US-70 checkpoint"
            )
            fake.migrate_chat(LEGACY_GROUP, LEGACY_GROUP_NOW)
            with caplog.at_level(logging.ERROR):
                await confirm(fake, ref)
                await fake.wait_for_bot_message(PORTALES_CHANNEL)
                card = await wait_card(fake, ref, "Could not post")
                await vigil.outbox_idle()
            assert f"{LEGACY_GROUP}" in text_of(card) and f"New chat id: {LEGACY_GROUP_NOW}" in text_of(card)
            assert any("migrated" in r.getMessage() for r in caplog.records)
            assert fake.bot_messages(LEGACY_GROUP_NOW) == []  # nothing is sent to a chat not in the network file
            status = text_of(await Resident(fake, ADMIN).sends_text("/status", expect="Vigil"))
            assert f"{LEGACY_GROUP}: Group migrated to supergroup" in status


@pytest.mark.parametrize("method", ["sendMessage", "editMessageText"])
async def test_telegram_down_for_a_while_delays_but_loses_nothing(vigil, fake, method):
    ref = await report_from_tom(fake)
    fake.fail_next(method, error_code=502, times=2)
    await confirm(fake, ref)
    await fake.wait_until(lambda: len(fake.bot_messages(CLOVIS_EN_CHANNEL)) == 1, timeout=12)
    await fake.wait_until(lambda: len(fake.bot_messages(CLOVIS_ES_CHANNEL)) == 1, timeout=12)
    await wait_card(fake, ref, "📣 Posted")
    await vigil.outbox_idle(timeout=12)
    assert len(fake.bot_messages(CLOVIS_EN_CHANNEL)) == 1 and len(fake.bot_messages(CLOVIS_ES_CHANNEL)) == 1
    assert [m for m in fake.bot_messages(TOM) if "confirmed by two verifiers" in text_of(m)]
