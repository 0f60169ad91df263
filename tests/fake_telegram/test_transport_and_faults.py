"""The HTTP surface: tokens, unknown methods, how parameters may arrive, and injected failures (fail_next)."""

from __future__ import annotations

import datetime as dtm
import json

import pytest
from telegram import Bot
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter

from bot.fake_telegram import FakeTelegram
from tests.fake_telegram.conftest import ALICE, BOT_ID, SUPERGROUP, raw_request

# --- identity, tokens and methods ------------------------------------------------------------


async def test_get_me_describes_the_bot(bot: Bot):
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (BOT_ID, True, "Vigil", "vigil_test_bot")
    assert me.can_join_groups is True and me.can_read_all_group_messages is False


async def test_a_wrong_token_is_unauthorized(fake: FakeTelegram):
    with pytest.raises(InvalidToken) as refused:
        async with Bot("123456:WRONG-TOKEN", base_url=fake.base_url, base_file_url=fake.base_file_url):
            pass
    assert refused.value.message == "The token `123456:WRONG-TOKEN` was rejected by the server."
    assert fake.requests == []  # refused at the door: no method ran
    assert await raw_request(fake, "getMe", token="123456:WRONG-TOKEN") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )


async def test_an_unknown_method_is_not_found(fake: FakeTelegram, bot: Bot):
    with pytest.raises(EndPointNotFound) as refused:
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": ALICE})
    assert "sendTelepathy" in refused.value.message
    assert await raw_request(fake, "sendTelepathy") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )


async def test_method_names_are_case_insensitive(fake: FakeTelegram):
    status, body = await raw_request(fake, "SENDMESSAGE", json={"chat_id": ALICE, "text": "hi"})
    assert status == 200 and body["result"]["text"] == "hi"


# --- ways to pass parameters -------------------------------------------------------------------


async def test_parameters_may_come_as_a_json_body(fake: FakeTelegram):
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    status, body = await raw_request(
        fake, "sendMessage", json={"chat_id": ALICE, "text": "<b>hi</b>", "parse_mode": "HTML", "reply_markup": markup}
    )
    assert status == 200 and body["ok"] is True
    result = body["result"]
    assert (result["text"], result["entities"], result["reply_markup"]) == (
        "hi",
        [{"offset": 0, "length": 2, "type": "bold"}],
        markup,
    )


async def test_parameters_may_come_as_a_url_encoded_form(fake: FakeTelegram):
    form = {
        "chat_id": str(ALICE),
        "text": "form",
        "reply_markup": json.dumps({"inline_keyboard": [[{"text": "Go", "callback_data": "x" * 65}]]}),
    }
    status, body = await raw_request(fake, "sendMessage", data=form)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")  # the JSON field was read


async def test_parameters_may_come_in_the_query_string(fake: FakeTelegram):
    status, body = await raw_request(fake, "sendMessage", http_method="GET", params={"chat_id": ALICE, "text": "query"})
    assert status == 200 and body["result"]["text"] == "query"
    assert fake.calls("sendMessage") == [{"chat_id": str(ALICE), "text": "query"}]


async def test_a_body_that_is_not_json_is_refused(fake: FakeTelegram):
    status, body = await raw_request(
        fake, "sendMessage", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (status, body["description"]) == (400, "Bad Request: can't parse request JSON object")


async def test_a_missing_chat_id_or_a_bad_json_field_is_refused(fake: FakeTelegram):
    status, body = await raw_request(fake, "sendMessage", json={"text": "hi"})
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")
    status, body = await raw_request(
        fake, "sendMessage", data={"chat_id": str(ALICE), "text": "hi", "reply_markup": "{oops"}
    )
    assert (status, body["description"]) == (400, "Bad Request: can't parse reply_markup JSON object")


async def test_the_fake_records_each_call_as_python_telegram_bot_sent_it(fake: FakeTelegram, bot: Bot):
    await bot.send_message(ALICE, "recorded", disable_notification=True)
    # python-telegram-bot posts a url-encoded form: every value arrives as a string
    assert fake.calls("sendMessage") == [{"chat_id": str(ALICE), "text": "recorded", "disable_notification": "true"}]
    assert [name for name, _ in fake.requests] == ["getMe", "sendMessage"]


# --- injected failures -----------------------------------------------------------------------


async def test_fail_next_fails_exactly_the_next_call(fake: FakeTelegram, bot: Bot):
    fake.fail_next("sendMessage")
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "lost")
    assert refused.value.message == "Injected failure"
    assert fake.bot_messages(ALICE) == []
    assert (await bot.send_message(ALICE, "delivered")).text == "delivered"


async def test_fail_next_may_fail_several_times_and_only_for_one_chat(fake: FakeTelegram, bot: Bot):
    fake.fail_next(
        "sendMessage",
        chat_id=SUPERGROUP,
        times=2,
        error_code=403,
        description="Forbidden: bot was kicked from the supergroup chat",
    )
    assert await bot.send_message(ALICE, "elsewhere")
    for _ in range(2):
        with pytest.raises(Forbidden) as refused:
            await bot.send_message(SUPERGROUP, "here")
        assert refused.value.message == "Forbidden: bot was kicked from the supergroup chat"
    assert await bot.send_message(SUPERGROUP, "here at last")


async def test_fail_next_only_touches_its_method(fake: FakeTelegram, bot: Bot):
    fake.fail_next("editMessageText")
    sent = await bot.send_message(ALICE, "fine")
    with pytest.raises(BadRequest):
        await bot.edit_message_text("changed", ALICE, sent.message_id)
    assert (await bot.edit_message_text("changed", ALICE, sent.message_id)).text == "changed"


async def test_flood_control_raises_retry_after(fake: FakeTelegram, bot: Bot, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # python-telegram-bot's non-deprecated retry_after type
    fake.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(ALICE, "too fast")
    assert flood.value.retry_after == dtm.timedelta(seconds=7)
    status_and_body = await raw_request(fake, "sendMessage", json={"chat_id": ALICE, "text": "x"})
    assert status_and_body[0] == 200  # used up


async def test_flood_control_reply_has_telegrams_shape(fake: FakeTelegram):
    fake.fail_next("sendMessage", retry_after=3)
    assert await raw_request(fake, "sendMessage", json={"chat_id": ALICE, "text": "x"}) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
