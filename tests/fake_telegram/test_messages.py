"""Sending, editing and deleting messages: Telegram's limits in UTF-16 units, replies, 'not modified'."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.fake_telegram import FakeTelegram
from tests.fake_telegram.conftest import ALICE, SUPERGROUP, image_bytes

HTML = ParseMode.HTML
TOO_LONG = "Message is too long"
NOT_MODIFIED = (
    "Message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


def keyboard(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(data, callback_data=data) for data in datas]])


# --- length of a text message ------------------------------------------------------------------


async def test_a_text_of_4096_characters_is_sent(bot: Bot):
    message = await bot.send_message(ALICE, "a" * 4096)
    assert len(message.text) == 4096


async def test_a_text_of_4097_characters_is_refused(fake: FakeTelegram, bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "a" * 4097)
    assert refused.value.message == TOO_LONG
    assert fake.bot_messages(ALICE) == []


async def test_emoji_count_twice_toward_the_limit(bot: Bot):
    assert (await bot.send_message(ALICE, "😀" * 2048)).text == "😀" * 2048
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "😀" * 2048 + "a")  # 2049 characters, 4097 UTF-16 units
    assert refused.value.message == TOO_LONG


async def test_the_limit_applies_after_parsing_so_tags_do_not_count_and_references_count_once(bot: Bot):
    message = await bot.send_message(ALICE, "<b>" + "a" * 4090 + "</b>&lt;&gt;&amp;&quot;&#65;&#x42;", parse_mode=HTML)
    assert len(message.text) == 4096
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "&lt;" * 4097, parse_mode=HTML)
    assert refused.value.message == TOO_LONG


async def test_the_limit_applies_after_trimming(bot: Bot):
    message = await bot.send_message(ALICE, "\n   " + "a" * 4096 + "  \n\n")
    assert message.text == "a" * 4096


@pytest.mark.parametrize("text", ["", "   \n  ", "<b></b>", "<i> </i>\n"])
async def test_a_text_that_is_empty_after_parsing_and_trimming_is_refused(bot: Bot, text: str):
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, text, parse_mode=HTML)
    assert refused.value.message == "Message text is empty"


# --- captions --------------------------------------------------------------------------------


async def test_a_caption_of_1024_units_is_sent_and_1025_is_refused(fake: FakeTelegram, bot: Bot):
    photo = image_bytes()
    message = await bot.send_photo(ALICE, photo, caption="<i>" + "c" * 1022 + "</i>😀", parse_mode=HTML)
    assert message.caption == "c" * 1022 + "😀"
    assert message.caption_entities == (MessageEntity(MessageEntity.ITALIC, 0, 1022),)
    with pytest.raises(BadRequest) as refused:
        await bot.send_photo(ALICE, photo, caption="😀" * 512 + "c")
    assert refused.value.message == "Message caption is too long"
    assert len(fake.bot_messages(ALICE)) == 1


async def test_a_photo_may_go_without_caption_and_a_blank_caption_is_dropped(bot: Bot):
    message = await bot.send_photo(ALICE, image_bytes(), caption=" \n ")
    assert message.caption is None
    assert message.photo


# --- replies ---------------------------------------------------------------------------------


async def test_a_reply_carries_the_message_it_answers(fake: FakeTelegram, bot: Bot):
    asked = fake.user_sends_text(ALICE, "Is the road open?")
    answer = await bot.send_message(ALICE, "Yes.", reply_parameters=ReplyParameters(asked["message_id"]))
    assert answer.reply_to_message.message_id == asked["message_id"]
    assert answer.reply_to_message.text == "Is the road open?"


async def test_a_reply_to_a_missing_message_is_refused_unless_allowed(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "Yes.", reply_parameters=ReplyParameters(9999))
    assert refused.value.message == "Message to be replied not found"
    sent = await bot.send_message(
        ALICE, "Yes.", reply_parameters=ReplyParameters(9999, allow_sending_without_reply=True)
    )
    assert sent.reply_to_message is None


async def test_messages_in_a_chat_are_numbered_in_order_with_the_users_own(fake: FakeTelegram, bot: Bot):
    first = await bot.send_message(ALICE, "one")
    said = fake.user_sends_text(ALICE, "two")
    third = await bot.send_message(ALICE, "three")
    assert first.message_id < said["message_id"] < third.message_id
    assert [m["text"] for m in fake.messages(ALICE)][-3:] == ["one", "two", "three"]
    assert [m["text"] for m in fake.bot_messages(ALICE)] == ["one", "three"]
    assert first.from_user.id == bot.id and first.from_user.is_bot
    assert first.chat.id == ALICE and first.chat.type == "private"


# --- editing ---------------------------------------------------------------------------------


async def test_editing_changes_the_text_and_stamps_the_edit(fake: FakeTelegram, bot: Bot):
    sent = await bot.send_message(ALICE, "Report received")
    edited = await bot.edit_message_text("Report <b>confirmed</b>", ALICE, sent.message_id, parse_mode=HTML)
    assert edited.text == "Report confirmed"
    assert edited.entities == (MessageEntity(MessageEntity.BOLD, 7, 9),)
    assert edited.edit_date is not None
    assert fake.bot_messages(ALICE)[-1]["text"] == "Report confirmed"


async def test_editing_to_the_same_text_and_markup_is_not_modified(bot: Bot):
    sent = await bot.send_message(ALICE, "<b>Same</b>", parse_mode=HTML, reply_markup=keyboard("a"))
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("<b>Same</b>", ALICE, sent.message_id, parse_mode=HTML, reply_markup=keyboard("a"))
    assert refused.value.message == NOT_MODIFIED


async def test_same_words_with_other_formatting_are_a_modification(bot: Bot):
    sent = await bot.send_message(ALICE, "Same")
    edited = await bot.edit_message_text("<b>Same</b>", ALICE, sent.message_id, parse_mode=HTML)
    assert edited.entities == (MessageEntity(MessageEntity.BOLD, 0, 4),)


async def test_editing_text_without_reply_markup_takes_the_keyboard_off(fake: FakeTelegram, bot: Bot):
    sent = await bot.send_message(ALICE, "Vote", reply_markup=keyboard("yes", "no"))
    edited = await bot.edit_message_text("Vote", ALICE, sent.message_id)
    assert edited.reply_markup is None
    assert "reply_markup" not in fake.bot_messages(ALICE)[-1]


async def test_an_edit_is_held_to_the_text_limit(bot: Bot):
    sent = await bot.send_message(ALICE, "short")
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("😀" * 2049, ALICE, sent.message_id)
    assert refused.value.message == "Message_too_long"


async def test_an_edit_is_held_to_the_html_rules(bot: Bot):
    sent = await bot.send_message(ALICE, "short")
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("a <b>b", ALICE, sent.message_id, parse_mode=HTML)
    assert refused.value.message == "Can't parse entities: can't find end tag corresponding to start tag \"b\""


async def test_the_bot_cannot_edit_what_a_person_wrote(fake: FakeTelegram, bot: Bot):
    said = fake.user_sends_text(ALICE, "mine")
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("yours", ALICE, said["message_id"])
    assert refused.value.message == "Message can't be edited"


async def test_editing_a_missing_message_is_refused(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("x", ALICE, 9999)
    assert refused.value.message == "Message to edit not found"


async def test_text_and_caption_edits_go_to_the_right_kind_of_message(bot: Bot):
    text = await bot.send_message(ALICE, "words")
    photo = await bot.send_photo(ALICE, image_bytes(), caption="old")
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_caption(ALICE, text.message_id, caption="x")
    assert refused.value.message == "There is no caption in the message to edit"
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("x", ALICE, photo.message_id)
    assert refused.value.message == "There is no text in the message to edit"
    edited = await bot.edit_message_caption(ALICE, photo.message_id, caption="<u>new</u>", parse_mode=HTML)
    assert edited.caption == "new"
    assert edited.caption_entities == (MessageEntity(MessageEntity.UNDERLINE, 0, 3),)
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_caption(ALICE, photo.message_id, caption="<u>new</u>", parse_mode=HTML)
    assert refused.value.message == NOT_MODIFIED


async def test_a_caption_edit_is_held_to_the_caption_limit(bot: Bot):
    photo = await bot.send_photo(ALICE, image_bytes(), caption="old")
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_caption(ALICE, photo.message_id, caption="c" * 1025)
    assert refused.value.message == "Message caption is too long"


# --- deleting --------------------------------------------------------------------------------


async def test_the_bot_deletes_its_own_message_once(fake: FakeTelegram, bot: Bot):
    sent = await bot.send_message(ALICE, "oops")
    assert await bot.delete_message(ALICE, sent.message_id) is True
    assert fake.bot_messages(ALICE) == []
    with pytest.raises(BadRequest) as refused:
        await bot.delete_message(ALICE, sent.message_id)
    assert refused.value.message == "Message to delete not found"


async def test_a_plain_member_bot_cannot_delete_what_others_wrote_in_a_group(fake: FakeTelegram, bot: Bot):
    said = fake.user_sends_text(ALICE, "hello all", chat_id=SUPERGROUP)
    with pytest.raises(BadRequest) as refused:
        await bot.delete_message(SUPERGROUP, said["message_id"])
    assert refused.value.message == "Message can't be deleted"
    fake.set_member_status(SUPERGROUP, fake.bot_user_id, "administrator")
    assert await bot.delete_message(SUPERGROUP, said["message_id"]) is True


async def test_in_a_private_chat_the_bot_may_delete_what_the_person_wrote(fake: FakeTelegram, bot: Bot):
    said = fake.user_sends_text(ALICE, "typo")
    assert await bot.delete_message(ALICE, said["message_id"]) is True
    assert said["message_id"] not in [m["message_id"] for m in fake.messages(ALICE)]


async def test_the_bot_replaces_a_photo_it_sent_and_only_a_photo(fake: FakeTelegram, bot: Bot):
    from telegram import InputMediaPhoto

    sent = await bot.send_photo(SUPERGROUP, image_bytes())
    edited = await bot.edit_message_media(
        InputMediaPhoto(image_bytes(), caption="withdrawn"), chat_id=SUPERGROUP, message_id=sent.message_id
    )
    assert edited.caption == "withdrawn" and edited.photo[-1].file_id != sent.photo[-1].file_id
    text = await bot.send_message(SUPERGROUP, "a card")
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_media(InputMediaPhoto(image_bytes()), chat_id=SUPERGROUP, message_id=text.message_id)
    assert "no media" in refused.value.message.lower()
