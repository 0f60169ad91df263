"""getUpdates (offset, limit, long poll, 409 Conflict) and files (uploads, file_id re-use, getFile, download)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, MessageEntity, ReplyParameters
from telegram.error import BadRequest, Conflict

from bot.fake_telegram import FakeTelegram
from tests.fake_telegram.conftest import ALICE, BOB, SUPERGROUP, TOKEN, image_bytes, raw_request

# --- updates ---------------------------------------------------------------------------------


async def test_what_people_write_arrives_as_updates_in_order(fake: FakeTelegram, bot: Bot):
    fake.user_sends_text(ALICE, "/report now")
    fake.user_sends_text(BOB, "hello")
    first, second = await bot.get_updates()
    assert second.update_id == first.update_id + 1
    assert (first.message.text, first.message.from_user.id, first.message.chat.id) == ("/report now", ALICE, ALICE)
    assert first.message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 7),)
    assert (second.message.text, second.message.chat.type) == ("hello", "private")


async def test_group_messages_and_locations_arrive_too(fake: FakeTelegram, bot: Bot):
    fake.user_sends_text(BOB, "in the group", chat_id=SUPERGROUP)
    fake.user_sends_location(ALICE, 32.3, -106.7)
    group_update, location_update = await bot.get_updates()
    assert group_update.message.chat.id == SUPERGROUP and group_update.message.from_user.id == BOB
    assert (location_update.message.location.latitude, location_update.message.location.longitude) == (32.3, -106.7)


async def test_an_offset_confirms_and_forgets_earlier_updates(fake: FakeTelegram, bot: Bot):
    for text in ("one", "two", "three"):
        fake.user_sends_text(ALICE, text)
    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == ["one", "two", "three"]
    assert [u.message.text for u in await bot.get_updates()] == ["one", "two", "three"]  # not confirmed yet
    assert [u.message.text for u in await bot.get_updates(offset=updates[2].update_id)] == ["three"]
    assert [u.message.text for u in await bot.get_updates()] == ["three"]  # one and two are gone for good
    assert await bot.get_updates(offset=updates[2].update_id + 1) == ()


async def test_a_negative_offset_keeps_only_the_last_updates(fake: FakeTelegram, bot: Bot):
    for text in ("one", "two", "three"):
        fake.user_sends_text(ALICE, text)
    assert [u.message.text for u in await bot.get_updates(offset=-2)] == ["two", "three"]
    assert [u.message.text for u in await bot.get_updates()] == ["two", "three"]


async def test_limit_caps_the_batch(fake: FakeTelegram, bot: Bot):
    for text in ("one", "two", "three"):
        fake.user_sends_text(ALICE, text)
    assert [u.message.text for u in await bot.get_updates(limit=2)] == ["one", "two"]


async def test_allowed_updates_filters_the_kinds(fake: FakeTelegram, bot: Bot):
    message = await bot.send_message(
        ALICE, "Vote", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Y", callback_data="y")]])
    )
    fake.user_sends_text(ALICE, "words")
    fake.user_presses_button(ALICE, ALICE, message.message_id, "y")
    (update,) = await bot.get_updates(allowed_updates=["callback_query"])
    assert update.callback_query.data == "y"
    (update,) = await bot.get_updates(allowed_updates=["message"])
    assert update.message.text == "words"


async def test_a_long_poll_returns_as_soon_as_something_happens(fake: FakeTelegram, bot: Bot):
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    fake.user_sends_text(ALICE, "now")
    (update,) = await asyncio.wait_for(poll, 1)
    assert update.message.text == "now"


async def test_a_long_poll_with_nothing_to_say_waits_out_its_timeout(bot: Bot):
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= loop.time() - started < 2


async def test_a_second_get_updates_ends_the_first_with_409_conflict(fake: FakeTelegram, bot: Bot):
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as second_instance:
        first_poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.2)
        second_poll = asyncio.create_task(second_instance.get_updates(timeout=5))
        with pytest.raises(Conflict) as conflict:
            await asyncio.wait_for(first_poll, 0.3)  # at once, not at the next wake-up
        assert conflict.value.message == (
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
        )
        fake.user_sends_text(ALICE, "for the survivor")
        (update,) = await asyncio.wait_for(second_poll, 1)
        assert update.message.text == "for the survivor"


async def test_delete_webhook_may_drop_pending_updates(fake: FakeTelegram, bot: Bot):
    fake.user_sends_text(ALICE, "old")
    assert await bot.delete_webhook() is True
    assert len(await bot.get_updates()) == 1
    assert (await bot.get_webhook_info()).pending_update_count == 1
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert await bot.get_updates() == ()


# --- photos ----------------------------------------------------------------------------------


async def test_an_uploaded_photo_is_stored_with_its_size_and_bytes(fake: FakeTelegram, bot: Bot):
    jpeg = image_bytes(320, 200)
    message = await bot.send_photo(ALICE, jpeg, caption="<b>Smoke</b> near the river", parse_mode="HTML")
    largest = message.photo[-1]
    assert (largest.width, largest.height, largest.file_size) == (320, 200, len(jpeg))
    assert message.caption == "Smoke near the river"
    assert message.caption_entities == (MessageEntity(MessageEntity.BOLD, 0, 5),)
    assert fake.file_bytes(largest.file_id) == jpeg


async def test_a_photo_sent_again_by_file_id_is_the_same_file(fake: FakeTelegram, bot: Bot):
    first = await bot.send_photo(ALICE, image_bytes(), caption="first")
    file_id = first.photo[-1].file_id
    stored_files = len(fake.world.files)
    again = await bot.send_photo(SUPERGROUP, file_id, caption="again")
    assert again.photo[-1].file_id == file_id
    assert again.photo[-1].file_unique_id == first.photo[-1].file_unique_id
    assert len(fake.world.files) == stored_files
    assert fake.bot_messages(SUPERGROUP)[0]["photo"] == fake.bot_messages(ALICE)[0]["photo"]


async def test_an_unknown_file_id_is_refused(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_photo(ALICE, "AgACnot-a-real-file")
    assert refused.value.message == "Wrong file identifier/http url specified"


@pytest.mark.parametrize("content", [b"not an image at all", image_bytes()[:100]])
async def test_bytes_that_are_no_image_are_refused(fake: FakeTelegram, bot: Bot, content: bytes):
    with pytest.raises(BadRequest) as refused:
        await bot.send_photo(ALICE, content)
    assert refused.value.message == "Image_process_failed"
    assert fake.bot_messages(ALICE) == []


async def test_a_photo_of_extreme_proportions_is_refused(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_photo(ALICE, image_bytes(2100, 100, "PNG"))
    assert refused.value.message == "Photo_invalid_dimensions"


async def test_an_album_mixes_uploads_and_file_ids_under_one_group_id(fake: FakeTelegram, bot: Bot):
    earlier = (await bot.send_photo(ALICE, image_bytes(color="blue"))).photo[-1]
    album = await bot.send_media_group(
        SUPERGROUP,
        [
            InputMediaPhoto(image_bytes(100, 80, "PNG"), caption="<i>north</i> side", parse_mode="HTML"),
            InputMediaPhoto(earlier.file_id),
            InputMediaPhoto(image_bytes(90, 90)),
        ],
    )
    assert len(album) == 3
    assert len({m.media_group_id for m in album}) == 1 and album[0].media_group_id
    assert [m.message_id for m in album] == sorted(m.message_id for m in album)
    assert album[0].caption == "north side"
    assert album[0].caption_entities == (MessageEntity(MessageEntity.ITALIC, 0, 5),)
    assert (album[0].photo[-1].width, album[0].photo[-1].height) == (100, 80)
    assert album[1].photo[-1].file_unique_id == earlier.file_unique_id
    assert album[2].caption is None
    assert len(fake.bot_messages(SUPERGROUP)) == 3


async def test_an_album_needs_two_to_ten_photos(fake: FakeTelegram, bot: Bot):
    raw = {"chat_id": ALICE, "media": [{"type": "photo", "media": "attach://p"}]}
    status, body = await raw_request(fake, "sendMediaGroup", json=raw)
    assert (status, body["description"]) == (
        400,
        "Bad Request: wrong number of media in the group: from 2 to 10 expected",
    )


async def test_an_album_caption_is_held_to_the_caption_limit(fake: FakeTelegram, bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_media_group(
            ALICE, [InputMediaPhoto(image_bytes(), caption="c" * 1025), InputMediaPhoto(image_bytes())]
        )
    assert refused.value.message == "Message caption is too long"
    assert fake.bot_messages(ALICE) == []


# --- getFile and download ----------------------------------------------------------------------


async def test_a_photo_a_person_sent_can_be_fetched_and_downloaded(fake: FakeTelegram, bot: Bot):
    png = image_bytes(40, 30, "PNG")
    sent = fake.user_sends_photo(ALICE, png, caption="look")
    (update,) = await bot.get_updates()
    photo = update.message.photo[-1]
    assert photo.file_id == sent["photo"][-1]["file_id"] and update.message.caption == "look"
    file = await bot.get_file(photo.file_id)
    assert file.file_size == len(png) and file.file_path.endswith(".jpg")
    assert bytes(await file.download_as_bytearray()) == png


async def test_a_document_can_be_downloaded_byte_for_byte(fake: FakeTelegram, bot: Bot):
    content = bytes(range(256)) * 10
    fake.user_sends_document(ALICE, content, file_name="scan.heic", mime_type="image/heic")
    (update,) = await bot.get_updates()
    document = update.message.document
    assert (document.file_name, document.mime_type, document.file_size) == ("scan.heic", "image/heic", 2560)
    file = await bot.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == content


async def test_get_file_refuses_an_unknown_file_id(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.get_file("AgACnothing")
    assert refused.value.message == "Invalid file_id"


async def test_downloads_need_the_right_token_and_an_existing_path(fake: FakeTelegram, bot: Bot):
    message = await bot.send_photo(ALICE, image_bytes())
    path = (await bot.get_file(message.photo[-1].file_id)).file_path.rsplit(f"/file/bot{TOKEN}/", 1)[1]
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.base_file_url}{TOKEN}/{path}") as response:
            assert response.status == 200 and await response.read() == fake.file_bytes(message.photo[-1].file_id)
        async with session.get(f"{fake.base_file_url}123456:WRONG/{path}") as response:
            assert response.status == 401
        async with session.get(f"{fake.base_file_url}{TOKEN}/photos/nothing.jpg") as response:
            assert response.status == 404


# --- replies people write ---------------------------------------------------------------------


async def test_a_reply_arrives_with_the_message_it_replies_to_as_telegram_sends_it(fake: FakeTelegram, bot: Bot):
    question = await bot.send_message(ALICE, "How many agents do you see?")
    fake.user_sends_text(ALICE, "six", reply_to=question.message_id)
    photo_reply = await bot.send_message(SUPERGROUP, "Reply to this with your own question")
    fake.user_sends_photo(BOB, image_bytes(), chat_id=SUPERGROUP, reply_to=photo_reply.message_id)
    private, group = await bot.get_updates()
    assert private.message.reply_to_message.message_id == question.message_id
    assert private.message.reply_to_message.text == "How many agents do you see?"
    assert private.message.reply_to_message.from_user.is_bot
    assert group.message.reply_to_message.message_id == photo_reply.message_id and group.message.photo


async def test_a_reply_names_a_message_of_the_same_chat(fake: FakeTelegram, bot: Bot):
    in_group = await bot.send_message(SUPERGROUP, "a message in the group")
    with pytest.raises(AssertionError, match="to reply to"):
        fake.user_sends_text(ALICE, "a reply in the wrong chat", reply_to=in_group.message_id + 100)


async def test_replies_are_not_nested(fake: FakeTelegram, bot: Bot):
    first = await bot.send_message(ALICE, "first")
    fake.user_sends_text(ALICE, "a reply", reply_to=first.message_id)
    (update,) = await bot.get_updates()
    answer = await bot.send_message(
        ALICE, "the bot replies", reply_parameters=ReplyParameters(update.message.message_id)
    )
    fake.user_sends_text(ALICE, "a reply to the reply", reply_to=answer.message_id)
    updates = await bot.get_updates(offset=update.update_id + 1)
    assert updates[-1].message.reply_to_message.message_id == answer.message_id
    assert updates[-1].message.reply_to_message.reply_to_message is None
