"""Issue 2, end to end: start-up checks, image files, a failing channel, the configured quorum, commands."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image

from bot.errors import ConfigurationError
from bot.fake_telegram import FakeTelegram
from bot.network import parse_network
from tests.e2e.harness import (
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    DOWNTOWN_CHANNEL,
    LUIS,
    MARTA,
    TOKEN,
    TOM,
    VERIFIER_GROUP,
    build_world,
    buttons_of,
    jpeg_bytes,
    network_toml,
    running_vigil,
)
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import gps_exif, report_from_tom, wait_card


async def test_image_sent_as_a_file_reaches_verifiers_without_gps_or_camera_data(vigil, fake):
    original = jpeg_bytes(exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the upload really carries GPS
    tom = Resident(fake, TOM)
    fake.user_sends_document(TOM, original, file_name="IMG_2044.jpg", mime_type="image/jpeg")
    await fake.wait_for_bot_message(TOM, lambda m: "1 photo" in text_of(m))
    await fake.settled()
    await tom.taps("Clovis")
    await tom.taps("✅")
    photo = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: bool(m.get("photo")))
    uploaded = fake.file_bytes(photo["photo"][-1]["file_id"])
    assert uploaded != original
    cleaned = Image.open(io.BytesIO(uploaded))
    assert not cleaned.getexif(), "the verifier group received EXIF data"
    assert b"PhoneMaker" not in uploaded and b"Reporter" not in uploaded


async def test_a_channel_that_refuses_does_not_stop_the_other_and_shows_on_the_card(vigil, fake, caplog):
    ref = await report_from_tom(fake)
    card = await wait_card(fake, ref, "needs")
    fake.set_bot_rights(CLOVIS_ES_CHANNEL, is_admin=False)  # an admin removed the bot after start-up
    await Verifier(fake, ANA).presses(card, "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
    await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL)
    card = await wait_card(fake, ref, "Could not post")
    assert str(CLOVIS_ES_CHANNEL) in text_of(card) and "not a member of the channel" in text_of(card)
    assert fake.bot_messages(CLOVIS_ES_CHANNEL) == []


async def test_publication_goes_on_when_the_reporter_has_blocked_the_bot(vigil, fake):
    ref = await report_from_tom(fake)
    fake.user_blocks_bot(TOM)
    await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
    await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL)
    await wait_card(fake, ref, "confirmed and published")


async def test_the_configured_quorum_is_how_many_confirmations_publish(fake, tmp_path):
    async with running_vigil(fake, tmp_path, network=parse_network(network_toml(quorum=3))):
        ref = await report_from_tom(fake)
        await Verifier(fake, ANA).presses(await wait_card(fake, ref, "Confirmed: 0/3"), "👍")
        await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
        await wait_card(fake, ref, "Confirmed: 2/3")
        await fake.settled()
        assert fake.bot_messages(CLOVIS_EN_CHANNEL) == []
        await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "👍")
        await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL)
        assert "Confirmed by 3 verifiers" in text_of(fake.bot_messages(CLOVIS_EN_CHANNEL)[0])


async def test_start_up_names_each_channel_the_bot_cannot_use(tmp_path, caplog):
    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as fake:
        build_world(fake)
        fake.set_bot_rights(DOWNTOWN_CHANNEL, is_admin=True, can_post=True, can_edit=False)
        fake.set_bot_rights(CLOVIS_ES_CHANNEL, is_admin=False)
        with caplog.at_level(logging.ERROR):
            async with running_vigil(fake, tmp_path):
                pass
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(str(DOWNTOWN_CHANNEL) in p and "edit messages" in p for p in problems), problems
    assert any(str(CLOVIS_ES_CHANNEL) in p and "as an administrator who can post" in p for p in problems), problems
    assert not any(str(CLOVIS_EN_CHANNEL) in p for p in problems)


async def test_start_up_stops_with_a_plain_reason_when_the_verifier_group_is_unreachable(tmp_path):
    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as fake:
        build_world(fake)
        fake.set_member_status(VERIFIER_GROUP, fake.bot_user_id, "kicked")
        with pytest.raises(ConfigurationError) as refused:
            async with running_vigil(fake, tmp_path):
                pass
    message = str(refused.value)
    assert str(VERIFIER_GROUP) in message and "kicked" in message and "verifier_group_id" in message


async def test_command_menus_are_published_in_english_and_spanish(vigil, fake):
    english = {c["command"]: c["description"] for c in fake.commands(scope="all_private_chats")}
    spanish = {c["command"]: c["description"] for c in fake.commands(scope="all_private_chats", language_code="es")}
    assert (
        set(english)
        == set(spanish)
        == {"report", "subscribe", "unsubscribe", "rights", "language", "cancel", "help", "privacy", "forgetme"}
    )
    assert english["report"] != spanish["report"]


async def test_help_and_cancel(vigil, fake):
    tom = Resident(fake, TOM)
    help_text = text_of(await tom.sends_text("/help", expect="Vigil"))
    assert "+1-575-555-0100" in help_text and "/language" in help_text
    await tom.sends_text("Vans at the school", expect="Where")
    panel_id = tom.panel()["message_id"]
    await tom.sends_text("/cancel", expect="Nothing was sent")
    assert buttons_of(tom.current(panel_id)) == []
    await fake.settled()  # the bot is idle: whatever it would do, it has done
    assert fake.bot_messages(VERIFIER_GROUP) == []


async def test_a_button_of_a_replaced_panel_no_longer_acts(vigil, fake):
    tom = Resident(fake, TOM)
    first = await tom.sends_text("/report", expect="Where")
    stale = {**first, "reply_markup": first["reply_markup"]}
    await tom.sends_text("/cancel", expect="Nothing was sent")
    await tom.sends_text("/report", expect="Where")
    # the old panel lost its buttons on screen; a client that still shows them (slow sync) may press one
    fake.world.messages[TOM][first["message_id"]].data["reply_markup"] = stale["reply_markup"]
    answer = await tom.taps("Clovis", stale)
    assert answer["show_alert"] and "already sent or discarded" in answer["text"]
    assert "not sent yet" in text_of(tom.panel())  # the live draft is untouched


async def test_a_photo_telegram_could_not_hand_over_just_now_is_asked_for_again_not_called_damaged(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_text("vans at the dairy", expect="vans at the dairy")
    fake.fail_next("getFile", error_code=502)  # Telegram's side is having a moment
    fake.user_sends_photo(TOM, jpeg_bytes())
    refusal = await fake.wait_for_bot_message(TOM, lambda m: "could not fetch that photo" in text_of(m))
    assert "send it again" in text_of(refusal) and "damaged" not in text_of(refusal)
    await fake.settled()
    assert "vans at the dairy" in text_of(tom.panel())  # the draft is kept
    await tom.sends_photo(jpeg_bytes(), expect="1 photo")  # and sending it again works
