"""Who the bot may write to: private chats, groups, channels and their rights; getChat, getChatMember, commands."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, ChatMigrated, Forbidden

from bot.fake_telegram import FakeTelegram
from bot.fake_telegram.world import User
from tests.fake_telegram.conftest import (
    ALICE,
    BASIC_GROUP,
    BOB,
    BOT_ID,
    CAROL,
    CHANNEL,
    DAVE,
    LONELY_GROUP,
    POST_ONLY_CHANNEL,
    PRIVATE_CHANNEL,
    PUBLIC_NO_ADMIN_CHANNEL,
    SUPERGROUP,
    image_bytes,
)

NEED_ADMIN = "Need administrator rights in the channel chat"


# --- private chats -----------------------------------------------------------------------------


async def test_the_bot_cannot_write_first_to_a_person(fake: FakeTelegram, bot: Bot):
    with pytest.raises(Forbidden) as refused:
        await bot.send_message(BOB, "Hello")
    assert refused.value.message == "Forbidden: bot can't initiate conversation with a user"
    assert fake.messages(BOB) == []


async def test_once_the_person_writes_the_bot_may_answer(fake: FakeTelegram, bot: Bot):
    fake.user_sends_text(BOB, "/start")
    assert (await bot.send_message(BOB, "Hello Bob")).chat.id == BOB


async def test_a_person_who_blocked_the_bot_cannot_be_reached(fake: FakeTelegram, bot: Bot):
    attempts = (
        lambda: bot.send_message(CAROL, "Hi"),
        lambda: bot.send_photo(CAROL, image_bytes()),
        lambda: bot.send_chat_action(CAROL, ChatAction.TYPING),
    )
    for attempt in attempts:
        with pytest.raises(Forbidden) as refused:
            await attempt()
        assert refused.value.message == "Forbidden: bot was blocked by the user"
    assert fake.bot_messages(CAROL) == []


async def test_a_bot_cannot_write_to_another_bot(fake: FakeTelegram, bot: Bot):
    fake.world.users[777] = User(777, "OtherBot", is_bot=True, started_bot=True)
    with pytest.raises(Forbidden) as refused:
        await bot.send_message(777, "Hi")
    assert refused.value.message == "Forbidden: bot can't send messages to bots"


async def test_an_unknown_chat_is_not_found(bot: Bot):
    for chat_id in (424242, -100999, "@nobody_here"):
        with pytest.raises(BadRequest) as refused:
            await bot.send_message(chat_id, "Hi")
        assert refused.value.message == "Chat not found"


async def test_chat_action_is_accepted_where_the_bot_may_write(bot: Bot):
    assert await bot.send_chat_action(ALICE, ChatAction.TYPING) is True
    with pytest.raises(Forbidden):
        await bot.send_chat_action(BOB, ChatAction.TYPING)


# --- groups ----------------------------------------------------------------------------------


async def test_the_bot_writes_in_groups_it_is_in(bot: Bot):
    assert (await bot.send_message(BASIC_GROUP, "hi")).chat.type == "group"
    message = await bot.send_message(SUPERGROUP, "hi")
    assert (message.chat.type, message.chat.title, message.from_user.id) == ("supergroup", "Verifiers", BOT_ID)


async def test_a_group_the_bot_is_not_in_refuses_it(fake: FakeTelegram, bot: Bot):
    with pytest.raises(Forbidden) as refused:
        await bot.send_message(LONELY_GROUP, "hi")
    assert refused.value.message == "Forbidden: bot is not a member of the supergroup chat"
    fake.set_member_status(BASIC_GROUP, fake.bot_user_id, "left")
    with pytest.raises(Forbidden) as refused:
        await bot.send_message(BASIC_GROUP, "hi")
    assert refused.value.message == "Forbidden: bot is not a member of the group chat"


async def test_a_bot_kicked_from_a_group_is_told_so(fake: FakeTelegram, bot: Bot):
    fake.set_member_status(SUPERGROUP, fake.bot_user_id, "kicked")
    with pytest.raises(Forbidden) as refused:
        await bot.send_message(SUPERGROUP, "hi")
    assert refused.value.message == "Forbidden: bot was kicked from the supergroup chat"


async def test_a_restricted_bot_cannot_send_text_or_photos(fake: FakeTelegram, bot: Bot):
    fake.set_member_status(SUPERGROUP, fake.bot_user_id, "restricted")
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(SUPERGROUP, "hi")
    assert refused.value.message == "Not enough rights to send text messages to the chat"
    with pytest.raises(BadRequest) as refused:
        await bot.send_photo(SUPERGROUP, image_bytes())
    assert refused.value.message == "Not enough rights to send photos to the chat"


async def test_a_migrated_group_points_to_its_supergroup(fake: FakeTelegram, bot: Bot):
    new_id = -1009000000001
    fake.migrate_chat(BASIC_GROUP, new_id)
    with pytest.raises(ChatMigrated) as moved:
        await bot.send_message(BASIC_GROUP, "hi")
    assert moved.value.new_chat_id == new_id
    with pytest.raises(ChatMigrated):
        await bot.get_chat(BASIC_GROUP)
    message = await bot.send_message(new_id, "hi again")
    assert (message.chat.id, message.chat.type, message.chat.title) == (new_id, "supergroup", "Neighbours")
    assert isinstance(await bot.get_chat_member(new_id, DAVE), ChatMemberMember)  # members moved along


# --- channels --------------------------------------------------------------------------------


async def test_a_channel_post_comes_from_the_channel_itself(bot: Bot):
    post = await bot.send_message(CHANNEL, "<b>Alert</b>", parse_mode="HTML")
    assert post.chat.type == "channel"
    assert post.sender_chat.id == CHANNEL
    assert post.from_user is None


async def test_a_public_channel_is_reachable_by_its_username(fake: FakeTelegram, bot: Bot):
    post = await bot.send_message("@vigil_alerts", "Alert")
    assert post.chat.id == CHANNEL and post.chat.username == "vigil_alerts"
    assert fake.bot_messages(CHANNEL)[0]["text"] == "Alert"


async def test_a_bot_that_is_no_channel_admin_cannot_post(bot: Bot):
    for channel in (PRIVATE_CHANNEL, PUBLIC_NO_ADMIN_CHANNEL):
        with pytest.raises(Forbidden) as refused:
            await bot.send_message(channel, "Alert")
        assert refused.value.message == "Forbidden: bot is not a member of the channel chat"


async def test_an_admin_without_the_post_right_cannot_post(fake: FakeTelegram, bot: Bot):
    for attempt in (
        lambda: bot.send_message(POST_ONLY_CHANNEL, "Alert"),
        lambda: bot.send_photo(POST_ONLY_CHANNEL, image_bytes()),
    ):
        with pytest.raises(BadRequest) as refused:
            await attempt()
        assert refused.value.message == NEED_ADMIN
    assert fake.bot_messages(POST_ONLY_CHANNEL) == []


async def test_the_bot_edits_its_post_while_it_may_post_or_edit(fake: FakeTelegram, bot: Bot):
    post = await bot.send_message(CHANNEL, "Alert")
    # can_edit_messages is about messages of others: the poster still edits its own post
    fake.set_bot_rights(CHANNEL, can_post=True, can_edit=False)
    assert (await bot.edit_message_text("Alert (resolved)", CHANNEL, post.message_id)).text == "Alert (resolved)"
    fake.set_bot_rights(CHANNEL, can_post=False, can_edit=True)
    assert (await bot.edit_message_text("Alert (closed)", CHANNEL, post.message_id)).text == "Alert (closed)"


async def test_the_bot_cannot_edit_a_post_once_its_rights_are_gone(fake: FakeTelegram, bot: Bot):
    post = await bot.send_message(CHANNEL, "Alert")
    fake.set_bot_rights(CHANNEL, can_post=False, can_edit=False)
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("Alert (resolved)", CHANNEL, post.message_id)
    assert refused.value.message == NEED_ADMIN
    fake.set_bot_rights(CHANNEL, is_admin=False)
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("Alert (resolved)", CHANNEL, post.message_id)
    assert refused.value.message == NEED_ADMIN
    assert fake.bot_messages(CHANNEL)[0]["text"] == "Alert"


# --- getChat ---------------------------------------------------------------------------------


async def test_get_chat_describes_each_kind_of_chat(bot: Bot):
    private = await bot.get_chat(ALICE)
    assert isinstance(private, ChatFullInfo)
    assert (private.type, private.first_name, private.last_name, private.username) == (
        "private",
        "Alice",
        "Liddell",
        "alice",
    )
    group = await bot.get_chat(SUPERGROUP)
    assert (group.id, group.type, group.title) == (SUPERGROUP, "supergroup", "Verifiers")
    channel = await bot.get_chat("@vigil_alerts")
    assert (channel.id, channel.type, channel.title, channel.username) == (
        CHANNEL,
        "channel",
        "Vigil Alerts",
        "vigil_alerts",
    )


async def test_get_chat_hides_what_the_bot_cannot_see(bot: Bot):
    for hidden in (BOB, PRIVATE_CHANNEL):
        with pytest.raises(BadRequest) as refused:
            await bot.get_chat(hidden)
        assert refused.value.message == "Chat not found"
    with pytest.raises(Forbidden) as refused:
        await bot.get_chat(LONELY_GROUP)
    assert refused.value.message == "Forbidden: bot is not a member of the supergroup chat"
    assert (await bot.get_chat(PUBLIC_NO_ADMIN_CHANNEL)).title == "Other news"  # public channels are visible


# --- getChatMember -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("creator", ChatMemberOwner),
        ("administrator", ChatMemberAdministrator),
        ("member", ChatMemberMember),
        ("restricted", ChatMemberRestricted),
        ("left", ChatMemberLeft),
        ("kicked", ChatMemberBanned),
    ],
)
async def test_every_member_status_deserializes_in_python_telegram_bot(fake: FakeTelegram, bot: Bot, status, expected):
    fake.set_member_status(SUPERGROUP, DAVE, status)
    member = await bot.get_chat_member(SUPERGROUP, DAVE)
    assert type(member) is expected
    assert member.status == status
    assert member.user.id == DAVE and member.user.first_name == "Dave"


async def test_a_restricted_member_is_still_a_member_without_the_right_to_send(fake: FakeTelegram, bot: Bot):
    fake.set_member_status(SUPERGROUP, DAVE, "restricted")
    member = await bot.get_chat_member(SUPERGROUP, DAVE)
    assert member.is_member is True and member.can_send_messages is False


async def test_someone_never_in_the_group_has_left_it(bot: Bot):
    assert isinstance(await bot.get_chat_member(SUPERGROUP, CAROL), ChatMemberLeft)


async def test_a_private_chat_has_just_the_person_and_the_bot(bot: Bot):
    assert isinstance(await bot.get_chat_member(ALICE, ALICE), ChatMemberMember)
    assert isinstance(await bot.get_chat_member(ALICE, bot.id), ChatMemberMember)
    assert isinstance(await bot.get_chat_member(ALICE, DAVE), ChatMemberLeft)


async def test_the_bot_sees_its_own_channel_rights(fake: FakeTelegram, bot: Bot):
    member = await bot.get_chat_member(CHANNEL, bot.id)
    assert isinstance(member, ChatMemberAdministrator)
    assert (member.can_post_messages, member.can_edit_messages) == (True, True)
    read_only = await bot.get_chat_member(POST_ONLY_CHANNEL, bot.id)
    assert (read_only.can_post_messages, read_only.can_edit_messages) == (False, True)
    assert isinstance(await bot.get_chat_member(PUBLIC_NO_ADMIN_CHANNEL, bot.id), ChatMemberLeft)


async def test_member_lists_of_channels_are_closed_to_non_admins(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.get_chat_member(PUBLIC_NO_ADMIN_CHANNEL, ALICE)
    assert refused.value.message == "Member list is inaccessible"
    with pytest.raises(BadRequest) as refused:
        await bot.get_chat_member(PRIVATE_CHANNEL, bot.id)
    assert refused.value.message == "Chat not found"


async def test_an_unknown_user_is_not_found(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.get_chat_member(SUPERGROUP, 5555)
    assert refused.value.message == "User not found"


# --- commands --------------------------------------------------------------------------------


async def test_commands_are_kept_per_scope_and_language(fake: FakeTelegram, bot: Bot):
    english = [BotCommand("start", "Start here"), BotCommand("report", "Report a sighting")]
    spanish = [BotCommand("start", "Empieza aquí")]
    private = BotCommandScopeAllPrivateChats()
    assert await bot.set_my_commands(english, scope=private) is True
    assert await bot.set_my_commands(spanish, scope=private, language_code="es") is True
    assert await bot.get_my_commands(scope=private) == tuple(english)
    assert await bot.get_my_commands(scope=private, language_code="es") == tuple(spanish)
    assert await bot.get_my_commands() == ()  # the default scope is another list
    assert fake.commands(scope="all_private_chats", language_code="es") == [
        {"command": "start", "description": "Empieza aquí"}
    ]


async def test_each_chat_scope_has_its_own_commands(fake: FakeTelegram, bot: Bot):
    await bot.set_my_commands([BotCommand("verify", "Verify")], scope=BotCommandScopeChat(SUPERGROUP))
    await bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeChat(BASIC_GROUP))
    assert await bot.get_my_commands(scope=BotCommandScopeChat(SUPERGROUP)) == (BotCommand("verify", "Verify"),)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(BASIC_GROUP)) == (BotCommand("help", "Help"),)
    assert fake.commands(scope=f"chat:{SUPERGROUP}") == [{"command": "verify", "description": "Verify"}]


async def test_deleting_commands_empties_the_scope(bot: Bot):
    await bot.set_my_commands([BotCommand("start", "Start")])
    assert await bot.delete_my_commands() is True
    assert await bot.get_my_commands() == ()


@pytest.mark.parametrize(
    ("commands", "language", "reason"),
    [
        ([BotCommand("Start", "Start")], None, "Bot_command_invalid"),
        ([BotCommand("start-now", "Start")], None, "Bot_command_invalid"),
        ([BotCommand("x" * 33, "Start")], None, "Bot_command_invalid"),
        ([BotCommand("start", " ")], None, "Bot_command_description_invalid"),
        ([BotCommand("start", "d" * 257)], None, "Bot_command_description_invalid"),
        ([BotCommand("start", "Start")], "spa", "Lang_code_invalid"),
    ],
)
async def test_invalid_commands_are_refused(fake: FakeTelegram, bot: Bot, commands, language, reason):
    with pytest.raises(BadRequest) as refused:
        await bot.set_my_commands(commands, language_code=language)
    assert refused.value.message == reason
    assert fake.commands() == []
