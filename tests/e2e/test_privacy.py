"""Issues 4 and 13, end to end: nothing that identifies a reporter, or a verifier's Telegram
account, is kept, logged or shown."""

from __future__ import annotations

import logging
import struct

import pytest

from bot.fake_telegram import FakeTelegram
from bot.logging_setup import token_secrets
from tests.e2e.harness import ANA, VADO_CHANNEL, VERIFIER_GROUP, build_world, jpeg_bytes, production_log, running_vigil
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import files_of, gps_exif
from tests.media_samples import NEEDLES as VIDEO_NEEDLES
from tests.media_samples import video_bytes

CANARY_TOKEN = "8123456789:AAcanaryTOKENzq7x9wvQ4-mZ3rT8yHk2pLnB"
CANARY_ID = 6111222333
CANARY_FIRST, CANARY_LAST, CANARY_USERNAME = "Kanaryfirstzq", "Kanarylastzq", "canary_zq7_user"
CANARY_WORDS = "Canarywords zq7: three white vans by the laundromat on Main"
CANARY_LATITUDE, CANARY_LONGITUDE = 32.1123457, -106.6634567
# A verifier canary: known to the bot only while they press buttons in the verifier group.
VERIFIER_CANARY_ID = 6111222444
VERIFIER_FIRST, VERIFIER_LAST, VERIFIER_USERNAME = "Vcanaryfirstzq", "Vcanarylastzq", "vcanary_zq7_user"


@pytest.fixture
def captured_logs():
    """The production log configuration, at DEBUG for Vigil's own loggers, into a buffer."""
    with production_log(secrets=token_secrets(CANARY_TOKEN)) as buffer:
        yield buffer


def identity_needles() -> dict[str, bytes]:
    needles = {
        "reporter's user id": str(CANARY_ID).encode(),
        "reporter's first name": CANARY_FIRST.encode(),
        "reporter's last name": CANARY_LAST.encode(),
        "reporter's username": CANARY_USERNAME.encode(),
        "token": CANARY_TOKEN.encode(),
        "token secret": CANARY_TOKEN.partition(":")[2].encode(),
        "latitude": b"32.11234",
        "longitude": b"106.66345",
        # SQLite keeps integers big-endian in 1, 2, 3, 4, 6 or 8 bytes.
        "reporter's user id as a 6-byte integer": CANARY_ID.to_bytes(6, "big"),
        "reporter's user id as an 8-byte integer": struct.pack(">q", CANARY_ID),
    }
    return needles


def verifier_needles() -> dict[str, bytes]:
    """What would tie the database to the verifier's Telegram account. Their first name is shown on
    the card, and kept as long as the report (the retention tests check it goes with it)."""
    return {
        "verifier's user id": str(VERIFIER_CANARY_ID).encode(),
        "verifier's user id as a 6-byte integer": VERIFIER_CANARY_ID.to_bytes(6, "big"),
        "verifier's user id as an 8-byte integer": struct.pack(">q", VERIFIER_CANARY_ID),
        "verifier's last name": VERIFIER_LAST.encode(),
        "verifier's username": VERIFIER_USERNAME.encode(),
    }


def assert_absent(where: str, data: bytes, needles: dict[str, bytes]) -> None:
    found = [name for name, needle in needles.items() if needle in data]
    assert not found, f"{where} contains: {', '.join(found)}"


async def test_canary_reporter_leaves_no_trace_in_database_wal_logs_or_public_posts(tmp_path, captured_logs):
    async with FakeTelegram(token=CANARY_TOKEN, bot_username="vigil_test_bot") as fake:
        build_world(fake)
        fake.add_user(CANARY_ID, CANARY_FIRST, CANARY_LAST, username=CANARY_USERNAME, language_code="en")
        fake.add_user(VERIFIER_CANARY_ID, VERIFIER_FIRST, VERIFIER_LAST, username=VERIFIER_USERNAME, language_code="en")
        fake.set_member_status(VERIFIER_GROUP, VERIFIER_CANARY_ID, "member")
        verifier_canary = Verifier(fake, VERIFIER_CANARY_ID)
        async with running_vigil(fake, tmp_path) as vigil:
            canary = Resident(fake, CANARY_ID)
            fake.user_sends_location(CANARY_ID, CANARY_LATITUDE, CANARY_LONGITUDE)
            await fake.wait_for_bot_message(CANARY_ID, lambda m: "not sent yet" in text_of(m))
            await canary.sends_photo(jpeg_bytes(exif=gps_exif()), caption=CANARY_WORDS, expect="1 photo")
            # A video sent as a file keeps where, when and with what it was filmed (issue 11).
            fake.user_sends_document(
                CANARY_ID, video_bytes("mov"), file_name="IMG_0007.MOV", mime_type="video/quicktime"
            )
            await fake.wait_for_bot_message(CANARY_ID, lambda m: "1 video" in text_of(m))
            await fake.settled()
            panel_id = canary.panel()["message_id"]
            await canary.taps("✅")
            ref = text_of(canary.current(panel_id)).split("reference is ")[1][:6]

            # While the report is open the chat id is needed (to tell the outcome), and it is there.
            database = vigil.settings.database
            await Verifier(fake, ANA).presses(card_in_group(fake, ref), "👍")
            await verifier_canary.presses(card_in_group(fake, ref), "👍")
            await fake.wait_for_bot_message(CANARY_ID, lambda m: "confirmed by two verifiers" in text_of(m))
            await fake.wait_for_bot_message(VADO_CHANNEL)
            # The chat id is kept while the alert is live (the reporter hears how it ends); end it.
            await fake.wait_until(lambda: "All clear" in str(card_in_group(fake, ref).get("reply_markup")))
            await verifier_canary.presses(card_in_group(fake, ref), "🔄 Still active")
            await Verifier(fake, ANA).presses(card_in_group(fake, ref), "✅ All clear")
            await verifier_canary.presses(card_in_group(fake, ref), "✅ All clear")
            await fake.wait_for_bot_message(CANARY_ID, lambda m: "has ended" in text_of(m))
            await fake.settled()

            video_needles = {f"video's {name}": needle for name, needle in VIDEO_NEEDLES.items()}
            needles = identity_needles() | verifier_needles() | video_needles
            (video,) = [m["video"] for m in fake.bot_messages(VERIFIER_GROUP) if m.get("video")]
            assert_absent("the video the verifiers received", fake.file_bytes(video["file_id"]), needles)
            for path in files_of(database):  # scanned while the bot runs, -wal included
                assert_absent(path.name, path.read_bytes(), needles)
            public = [text_of(m) for chat in (VERIFIER_GROUP, VADO_CHANNEL) for m in fake.bot_messages(chat)]
            assert_absent("what verifiers and subscribers saw", "\n".join(public).encode(), needles)
            channel = "\n".join(text_of(m) for m in fake.bot_messages(VADO_CHANNEL)).encode()
            assert_absent("the channel", channel, {"verifier's first name": VERIFIER_FIRST.encode()})
            # the verifier canary really voted: the card names them by first name only
            assert f"Confirmed: 2/2 — Ana, {VERIFIER_FIRST}" in text_of(card_in_group(fake, ref))
            assert not fake.calls("forwardMessage") and not fake.calls("copyMessage")
            assert "Reporter #" in text_of(card_in_group(fake, ref))
        for path in files_of(database):  # and after a clean shutdown
            assert_absent(path.name, path.read_bytes(), needles)
    logs = captured_logs.getvalue()
    assert "Application started" in logs  # the logs were really captured
    assert_absent(
        "the log", logs.encode(), needles | {"report text": b"Canarywords", "photo's camera data": b"PhoneMaker"}
    )


async def test_a_token_in_a_library_error_is_scrubbed_from_the_log(captured_logs):
    try:
        raise RuntimeError(f"Client error for url 'https://api.telegram.org/bot{CANARY_TOKEN}/getMe'")
    except RuntimeError:
        logging.getLogger("httpx").error("request failed: %s", f"/bot{CANARY_TOKEN}/getMe", exc_info=True)
    logs = captured_logs.getvalue()
    assert "request failed" in logs and "RuntimeError" in logs
    assert CANARY_TOKEN.partition(":")[2] not in logs
