"""The fake Bot API fails the way Telegram fails, and the gateway says what each failure means.

These run a real python-telegram-bot `Bot` over real HTTP against the fake server.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.fake_telegram import AbortRequest, FakeTelegram
from bot.ports import ChatMoved, DeliveryError, DeliveryUncertain, FileTooLarge, RateLimited, TemporaryFailure
from bot.telegram_gateway import TelegramGateway
from tests.sample_network import CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL, TOKEN

OLD_GROUP = -4000000001
NEW_SUPERGROUP = -1004000000001


@pytest.fixture
def fake_token() -> str:
    return TOKEN


@pytest.fixture
def fake_world():
    def channels_and_a_group(server: FakeTelegram) -> None:
        server.add_channel(CLOVIS_EN_CHANNEL, "Clovis Alerts")
        server.add_channel(CLOVIS_ES_CHANNEL, "Alertas Clovis")
        server.add_group(OLD_GROUP, "Clovis neighbours")

    return channels_and_a_group


@pytest.fixture
async def gateway(fake):
    request = HTTPXRequest(read_timeout=0.5, connect_timeout=0.5)
    async with Bot(TOKEN, base_url=fake.base_url, request=request) as bot:
        yield TelegramGateway(bot)


async def test_429_says_how_long_to_wait_and_stores_nothing(fake, gateway):
    fake.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RateLimited) as raised:
        await gateway.send_text(CLOVIS_EN_CHANNEL, "alert")
    assert raised.value.retry_after == timedelta(seconds=7)
    assert fake.bot_messages(CLOVIS_EN_CHANNEL) == []
    await gateway.send_text(CLOVIS_EN_CHANNEL, "alert")  # only the next call failed
    assert len(fake.bot_messages(CLOVIS_EN_CHANNEL)) == 1


async def test_a_500_is_temporary_and_stores_nothing(fake, gateway):
    fake.fail_next("sendMessage", error_code=500, times=2)
    for _ in range(2):
        with pytest.raises(TemporaryFailure):
            await gateway.send_text(CLOVIS_EN_CHANNEL, "alert")
    assert fake.bot_messages(CLOVIS_EN_CHANNEL) == []


async def test_a_timeout_after_storing_is_uncertain_and_the_message_exists(fake, gateway):
    fake.time_out_after_storing("sendMessage", seconds=1.0, chat_id=CLOVIS_EN_CHANNEL)
    with pytest.raises(DeliveryUncertain):
        await gateway.send_text(CLOVIS_EN_CHANNEL, "alert")
    assert [m["text"] for m in fake.bot_messages(CLOVIS_EN_CHANNEL)] == ["alert"]
    # other chats are not delayed
    await gateway.send_text(CLOVIS_ES_CHANNEL, "alerta")


async def test_a_channel_that_removed_the_bot_refuses_for_good(fake, gateway):
    fake.set_bot_rights(CLOVIS_ES_CHANNEL, is_admin=False)
    with pytest.raises(DeliveryError) as raised:
        await gateway.send_text(CLOVIS_ES_CHANNEL, "alerta")
    assert type(raised.value) is DeliveryError and "not a member of the channel" in raised.value.reason


async def test_a_400_is_a_refusal_not_a_temporary_failure(fake, gateway):
    """PTB makes BadRequest a NetworkError; retrying a request Telegram refused cannot help."""
    with pytest.raises(DeliveryError) as raised:
        await gateway.send_text(CLOVIS_EN_CHANNEL, "<b>unclosed")
    assert type(raised.value) is DeliveryError and "parse entities" in raised.value.reason


async def test_a_migrated_group_names_its_new_id(fake, gateway):
    fake.migrate_chat(OLD_GROUP, NEW_SUPERGROUP)
    with pytest.raises(ChatMoved) as raised:
        await gateway.send_text(OLD_GROUP, "alert")
    assert raised.value.new_chat_id == NEW_SUPERGROUP


async def test_an_unreachable_server_is_temporary():
    server = FakeTelegram(token=TOKEN)
    await server.start()
    request = HTTPXRequest(connect_timeout=0.5)
    async with Bot(TOKEN, base_url=server.base_url, request=request) as bot:
        await server.stop()  # Telegram unreachable: nothing listens on the port any more
        with pytest.raises(TemporaryFailure):
            await TelegramGateway(bot).send_text(CLOVIS_EN_CHANNEL, "alert")


async def test_hooks_see_requests_before_and_after_telegram_acts(fake, gateway):
    seen: list[tuple[str, str, int]] = []

    async def before(method, params):
        seen.append(("before", method, len(fake.bot_messages(CLOVIS_EN_CHANNEL))))
        if params.get("text") == "drop me":
            raise AbortRequest()

    async def after(method, params):
        seen.append(("after", method, len(fake.bot_messages(CLOVIS_EN_CHANNEL))))

    fake.before_call(before)
    fake.after_call(after)
    await gateway.send_text(CLOVIS_EN_CHANNEL, "alert")
    assert seen == [("before", "sendMessage", 0), ("after", "sendMessage", 1)]
    with pytest.raises(TemporaryFailure):
        await gateway.send_text(CLOVIS_EN_CHANNEL, "drop me")
    assert len(fake.bot_messages(CLOVIS_EN_CHANNEL)) == 1


async def test_call_times_are_recorded_per_method(fake, gateway):
    await gateway.send_text(CLOVIS_EN_CHANNEL, "one")
    await asyncio.sleep(0.05)
    await gateway.send_text(CLOVIS_EN_CHANNEL, "two")
    first, second = fake.call_times("sendMessage")
    assert second - first >= 0.05


# --- downloads of residents' files ------------------------------------------------------------

RESIDENT = 5002


@pytest.fixture
async def downloader(fake):
    fake.add_user(RESIDENT, "Tom")
    request = HTTPXRequest(read_timeout=2, connect_timeout=0.5)
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url, request=request) as bot:
        gateway = TelegramGateway(bot)
        yield gateway
        await gateway.close()


def a_file(fake, content: bytes) -> str:
    sent = fake.user_sends_document(RESIDENT, content, file_name="IMG_2041.JPG", mime_type="image/jpeg")
    return sent["document"]["file_id"]


async def test_a_download_streams_the_whole_file_to_its_destination(fake, downloader, tmp_path):
    content = bytes(range(256)) * 12_000  # 3 MB: several reads
    destination = tmp_path / "upload"
    await downloader.download(a_file(fake, content), destination, max_bytes=len(content))
    assert destination.read_bytes() == content


async def test_a_download_over_the_limit_is_refused(fake, downloader, tmp_path):
    with pytest.raises(FileTooLarge):
        await downloader.download(a_file(fake, bytes(2_000_001)), tmp_path / "upload", max_bytes=2_000_000)


async def test_a_file_gone_between_getfile_and_the_download_is_refused_without_the_token(fake, downloader, tmp_path):
    file_id = a_file(fake, b"photo bytes")

    async def forget_the_file(method, params):
        if method == "getFile":
            del fake.world.files[file_id]

    fake.after_call(forget_the_file)
    with pytest.raises(DeliveryError) as refused:
        await downloader.download(file_id, tmp_path / "upload", max_bytes=1000)
    assert not isinstance(refused.value, TemporaryFailure)
    assert "404" in refused.value.reason and TOKEN.split(":")[1] not in refused.value.reason
    assert refused.value.__cause__ is None  # the error that names the URL (and the token) is not kept


async def test_a_download_from_an_unreachable_file_server_is_temporary(fake, tmp_path, unused_tcp_port):
    fake.add_user(RESIDENT, "Tom")
    file_id = a_file(fake, b"photo bytes")
    nowhere = f"http://127.0.0.1:{unused_tcp_port}/file/bot"  # nothing listens there
    request = HTTPXRequest(connect_timeout=0.5)
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=nowhere, request=request) as bot:
        gateway = TelegramGateway(bot)
        with pytest.raises(TemporaryFailure) as failed:
            await gateway.download(file_id, tmp_path / "upload", max_bytes=1000)
        await gateway.close()
    assert TOKEN not in failed.value.reason and TOKEN.split(":")[1] not in failed.value.reason
