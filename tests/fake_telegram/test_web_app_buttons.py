"""The fake Bot API refuses web_app buttons where Telegram does: outside private chats, and over http."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MenuButtonWebApp, WebAppInfo
from telegram.error import BadRequest

from tests.fake_telegram.conftest import ALICE, SUPERGROUP


def desk_button(url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Desk", web_app=WebAppInfo(url))]])


async def test_a_web_app_button_works_in_a_private_chat_over_https(bot: Bot):
    message = await bot.send_message(ALICE, "Open", reply_markup=desk_button("https://desk.example.org/desk/"))
    assert message.reply_markup == desk_button("https://desk.example.org/desk/")


async def test_a_web_app_button_is_refused_in_a_group_where_a_direct_link_is_the_way(bot: Bot):
    with pytest.raises(BadRequest, match="Button_type_invalid"):
        await bot.send_message(SUPERGROUP, "Open", reply_markup=desk_button("https://desk.example.org/desk/"))
    link = InlineKeyboardMarkup([[InlineKeyboardButton("Desk", url="https://t.me/vigil_bot/desk?startapp=queue")]])
    assert (await bot.send_message(SUPERGROUP, "Open", reply_markup=link)).reply_markup == link


async def test_a_web_app_button_must_be_https(bot: Bot):
    with pytest.raises(BadRequest, match="only https links are allowed"):
        await bot.send_message(ALICE, "Open", reply_markup=desk_button("http://desk.example.org/desk/"))
    sent = await bot.send_message(SUPERGROUP, "Open")
    with pytest.raises(BadRequest, match="Button_type_invalid"):
        await bot.edit_message_reply_markup(SUPERGROUP, sent.message_id, reply_markup=desk_button("https://x.org/"))


async def test_a_chats_menu_button_opens_a_mini_app_in_private_chats_only_over_https(fake, bot: Bot):
    await bot.set_chat_menu_button(ALICE, MenuButtonWebApp("Desk", WebAppInfo("https://desk.example.org/desk/")))
    assert fake.world.menu_buttons[ALICE]["web_app"] == {"url": "https://desk.example.org/desk/"}
    with pytest.raises(BadRequest, match="private chat"):
        await bot.set_chat_menu_button(SUPERGROUP, MenuButtonWebApp("Desk", WebAppInfo("https://x.org/")))
    with pytest.raises(BadRequest, match="only https links are allowed"):
        await bot.set_chat_menu_button(ALICE, MenuButtonWebApp("Desk", WebAppInfo("http://x.org/")))
