"""The updates a bot gets while it is being set up: added to a group or a channel, a channel post."""

from __future__ import annotations

import asyncio

from telegram import Bot, ChatMemberAdministrator, ChatMemberLeft, ChatMemberMember

from bot.fake_telegram import FakeTelegram
from tests.fake_telegram.conftest import ALICE, LONELY_GROUP, PRIVATE_CHANNEL


async def test_adding_the_bot_to_a_group_sends_my_chat_member_and_makes_it_a_member(fake: FakeTelegram, bot: Bot):
    fake.add_bot_to_chat(LONELY_GROUP, by_user_id=ALICE)
    (update,) = await bot.get_updates(allowed_updates=["my_chat_member"])
    change = update.my_chat_member
    assert change is not None and change.chat.id == LONELY_GROUP and change.chat.title == "Not ours"
    assert change.from_user.id == ALICE
    assert isinstance(change.old_chat_member, ChatMemberLeft)
    assert isinstance(change.new_chat_member, ChatMemberMember)
    assert (await bot.get_chat(LONELY_GROUP)).title == "Not ours"  # the bot now sees the group


async def test_making_the_bot_a_channel_admin_gives_it_the_post_and_edit_rights(fake: FakeTelegram, bot: Bot):
    fake.add_bot_to_chat(PRIVATE_CHANNEL, by_user_id=ALICE)
    (update,) = await bot.get_updates()
    new = update.my_chat_member.new_chat_member
    assert isinstance(new, ChatMemberAdministrator) and new.can_post_messages and new.can_edit_messages
    assert update.my_chat_member.chat.type == "channel"
    assert (await bot.send_message(PRIVATE_CHANNEL, "hello")).chat.id == PRIVATE_CHANNEL


async def test_a_channel_post_reaches_only_a_bot_that_administers_the_channel(fake: FakeTelegram, bot: Bot):
    fake.channel_posts_text(PRIVATE_CHANNEL, "before the bot was added")
    assert await bot.get_updates(timeout=0) == ()
    fake.add_bot_to_chat(PRIVATE_CHANNEL, by_user_id=ALICE)
    fake.channel_posts_text(PRIVATE_CHANNEL, "hello subscribers")
    updates = await bot.get_updates()
    post = updates[-1].channel_post
    assert post is not None and post.text == "hello subscribers" and post.sender_chat.id == PRIVATE_CHANNEL


async def test_observers_wake_when_the_world_changes(fake: FakeTelegram):
    waiting = asyncio.create_task(fake.wait_for_change(5.0))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    fake.user_sends_text(ALICE, "hello")
    await asyncio.wait_for(waiting, 1.0)
