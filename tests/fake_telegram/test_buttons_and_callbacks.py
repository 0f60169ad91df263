"""Inline keyboards (callback_data in bytes, URLs, one action per button) and callback queries."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import BadRequest

from bot.fake_telegram import FakeTelegram
from tests.fake_telegram.conftest import ALICE, BOB, SUPERGROUP

QUERY_TOO_OLD = "Query is too old and response timeout expired or query id is invalid"


def one_button(**action: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Press", **action)]])


# --- keyboards -------------------------------------------------------------------------------


async def test_the_keyboard_is_kept_on_the_message_as_sent(fake: FakeTelegram, bot: Bot):
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("👍 Confirm", callback_data="v:1:up"),
                InlineKeyboardButton("👎", callback_data="v:1:dn"),
            ],
            [InlineKeyboardButton("Map", url="https://example.org/map")],
        ]
    )
    message = await bot.send_message(ALICE, "Vote", reply_markup=markup)
    assert message.reply_markup == markup
    assert fake.bot_messages(ALICE)[-1]["reply_markup"] == markup.to_dict()


async def test_callback_data_of_64_bytes_is_accepted(bot: Bot):
    assert (await bot.send_message(ALICE, "x", reply_markup=one_button(callback_data="d" * 64))).reply_markup


async def test_callback_data_of_65_bytes_is_refused(fake: FakeTelegram, bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "x", reply_markup=one_button(callback_data="d" * 65))
    assert refused.value.message == "Button_data_invalid"
    assert fake.bot_messages(ALICE) == []


async def test_callback_data_is_measured_in_utf8_bytes_not_characters(bot: Bot):
    assert await bot.send_message(ALICE, "x", reply_markup=one_button(callback_data="é" * 32))  # 64 bytes
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "x", reply_markup=one_button(callback_data="é" * 33))  # 33 chars, 66 bytes
    assert refused.value.message == "Button_data_invalid"


async def test_empty_callback_data_is_refused(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "x", reply_markup=one_button(callback_data=""))
    assert refused.value.message == "Button_data_invalid"


async def test_a_button_url_must_be_a_web_or_tg_link(bot: Bot):
    assert await bot.send_message(ALICE, "x", reply_markup=one_button(url="tg://resolve?domain=vigil_alerts"))
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "x", reply_markup=one_button(url="example.org/map"))
    assert refused.value.message == "Button_url_invalid"


async def test_a_button_without_an_action_is_refused(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Just text")]]))
    assert refused.value.message == (
        "Can't parse inline keyboard button: text buttons are unallowed in the inline keyboard"
    )


async def test_a_reply_keyboard_is_not_part_of_the_message(bot: Bot):
    message = await bot.send_message(ALICE, "x", reply_markup=ReplyKeyboardMarkup([["Yes", "No"]]))
    assert message.reply_markup is None


async def test_changing_only_the_keyboard(fake: FakeTelegram, bot: Bot):
    first, second = one_button(callback_data="a"), one_button(callback_data="b")
    sent = await bot.send_message(ALICE, "Vote", reply_markup=first)
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=first)
    assert refused.value.message.startswith("Message is not modified")
    assert (await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=second)).reply_markup == second
    assert (await bot.edit_message_reply_markup(ALICE, sent.message_id)).reply_markup is None
    assert "reply_markup" not in fake.bot_messages(ALICE)[-1]
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_reply_markup(ALICE, sent.message_id)
    assert refused.value.message.startswith("Message is not modified")


async def test_an_edit_checks_its_keyboard_too(bot: Bot):
    sent = await bot.send_message(ALICE, "Vote")
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("Vote!", ALICE, sent.message_id, reply_markup=one_button(callback_data="x" * 65))
    assert refused.value.message == "Button_data_invalid"


# --- pressing and answering --------------------------------------------------------------------


async def press(fake: FakeTelegram, bot: Bot, chat_id: int = ALICE, user_id: int = ALICE, data: str = "v:1") -> str:
    message = await bot.send_message(chat_id, "Vote", reply_markup=one_button(callback_data=data))
    return fake.user_presses_button(user_id, chat_id, message.message_id, data)


async def test_a_press_arrives_as_a_callback_query_update(fake: FakeTelegram, bot: Bot):
    message = await bot.send_message(SUPERGROUP, "Vote", reply_markup=one_button(callback_data="v:7:up"))
    query_id = fake.user_presses_button(BOB, SUPERGROUP, message.message_id, "v:7:up")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert (query.id, query.data, query.from_user.id) == (query_id, "v:7:up", BOB)
    assert query.message.message_id == message.message_id and query.message.chat.id == SUPERGROUP
    assert query.message.reply_markup == one_button(callback_data="v:7:up")


async def test_a_person_can_only_press_a_button_the_message_shows(fake: FakeTelegram, bot: Bot):
    message = await bot.send_message(ALICE, "Vote", reply_markup=one_button(callback_data="v:1"))
    with pytest.raises(AssertionError, match="has no button 'v:2'"):
        fake.user_presses_button(ALICE, ALICE, message.message_id, "v:2")


async def test_a_query_is_answered_once(fake: FakeTelegram, bot: Bot):
    query_id = await press(fake, bot)
    assert await bot.answer_callback_query(query_id, text="Counted", show_alert=True) is True
    assert await fake.wait_for_callback_answer(query_id, timeout=1) == {
        "text": "Counted",
        "show_alert": True,
        "url": None,
    }
    with pytest.raises(BadRequest) as refused:
        await bot.answer_callback_query(query_id, text="Again")
    assert refused.value.message == QUERY_TOO_OLD


async def test_an_unknown_query_cannot_be_answered(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.answer_callback_query("123456000999")
    assert refused.value.message == QUERY_TOO_OLD


async def test_an_answer_without_text_is_an_empty_answer(fake: FakeTelegram, bot: Bot):
    query_id = await press(fake, bot)
    assert await bot.answer_callback_query(query_id) is True
    assert (await fake.wait_for_callback_answer(query_id, timeout=1))["text"] == ""


async def test_answer_text_is_limited_to_200_utf16_units(fake: FakeTelegram, bot: Bot):
    query_id = await press(fake, bot)
    for text in ("a" * 201, "😀" * 100 + "a"):
        with pytest.raises(BadRequest) as refused:
            await bot.answer_callback_query(query_id, text=text)
        assert refused.value.message == "Message_too_long"
    # a refused answer does not use the query up
    assert await bot.answer_callback_query(query_id, text="😀" * 100) is True
    assert (await fake.wait_for_callback_answer(query_id, timeout=1))["text"] == "😀" * 100


async def test_the_harness_says_when_a_query_went_unanswered(fake: FakeTelegram, bot: Bot):
    query_id = await press(fake, bot)
    with pytest.raises(AssertionError, match="did not answer callback query"):
        await fake.wait_for_callback_answer(query_id, timeout=0.05)
