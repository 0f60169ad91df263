"""Videos, voice notes and the other things people send (stickers, dice, polls, games, contacts,
venues, edits), and the bot sending videos, voice notes and albums that mix photos and videos."""

from __future__ import annotations

import pytest
from telegram import Bot, InputMediaAudio, InputMediaPhoto, InputMediaVideo
from telegram.error import BadRequest

from bot.fake_telegram import FakeTelegram
from tests.fake_telegram.conftest import ALICE, SUPERGROUP, image_bytes
from tests.media_samples import video_bytes, voice_bytes


async def test_videos_video_notes_and_animations_arrive_described_as_telegram_does(fake: FakeTelegram, bot: Bot):
    clip = video_bytes("mp4", seconds=2, size=(96, 64))
    fake.user_sends_video(ALICE, clip, caption="on Main")
    fake.user_sends_video_note(ALICE, clip)
    fake.user_sends_animation(ALICE, video_bytes(audio=False))
    video, note, animation = await bot.get_updates()
    assert (video.message.video.width, video.message.video.height, video.message.video.duration.seconds) == (96, 64, 2)
    assert video.message.caption == "on Main"
    assert await (await bot.get_file(video.message.video.file_id)).download_as_bytearray() == clip
    assert note.message.video_note.length == 96 and note.message.video_note.duration.seconds == 2
    # Telegram sends an animation as a document too.
    assert animation.message.animation is not None and animation.message.document is not None


async def test_voice_notes_and_audio_files_arrive_with_their_duration(fake: FakeTelegram, bot: Bot):
    fake.user_sends_voice(ALICE, voice_bytes(seconds=2))
    fake.user_sends_audio(ALICE, video_bytes(), file_name="memo.m4a", mime_type="audio/mp4")
    voice, audio = await bot.get_updates()
    assert voice.message.voice.duration.seconds == 2 and voice.message.voice.mime_type == "audio/ogg"
    assert audio.message.audio.file_name == "memo.m4a"


async def test_stickers_dice_polls_games_contacts_and_venues_arrive(fake: FakeTelegram, bot: Bot):
    fake.user_sends_sticker(ALICE, emoji="😀")
    fake.user_sends_dice(ALICE, emoji="🎯", value=6)
    fake.user_sends_poll(ALICE, "Lunch?", ["Tacos", "Pho"])
    fake.user_sends_game(ALICE, "Runner")
    fake.user_sends_contact(ALICE, "+15055550123", "Primo", contact_user_id=4242)
    fake.user_sends_venue(ALICE, 32.31, -106.77, "Laundromat", "100 Main St")
    sticker, dice, poll, game, contact, venue = (u.message for u in await bot.get_updates())
    assert sticker.sticker.emoji == "😀"
    assert (dice.dice.emoji, dice.dice.value) == ("🎯", 6)
    assert [o.text for o in poll.poll.options] == ["Tacos", "Pho"]
    assert game.game.title == "Runner" and game.via_bot.username == "gamebot"
    assert (contact.contact.phone_number, contact.contact.user_id) == ("+15055550123", 4242)
    assert venue.venue.title == "Laundromat" and venue.location.latitude == pytest.approx(32.31)


async def test_an_edited_message_arrives_as_an_edited_message_update(fake: FakeTelegram, bot: Bot):
    sent = fake.user_sends_text(ALICE, "three vans")
    fake.user_edits_message(ALICE, sent["message_id"], "four vans")
    original, edited = await bot.get_updates()
    assert original.message.text == "three vans"
    assert edited.edited_message.text == "four vans" and edited.edited_message.message_id == sent["message_id"]
    assert edited.edited_message.edit_date is not None
    with pytest.raises(AssertionError):
        fake.user_edits_message(ALICE, 999, "nothing to edit")


async def test_the_bot_sends_videos_and_voice_notes(fake: FakeTelegram, bot: Bot):
    video = await bot.send_video(ALICE, video_bytes(size=(80, 48)), width=80, height=48, supports_streaming=True)
    note = voice_bytes()
    voice = await bot.send_voice(ALICE, note)
    assert (video.video.width, video.video.height) == (80, 48)
    assert voice.voice.duration.seconds == 1
    assert fake.file_bytes(voice.voice.file_id) == note


async def test_what_ffmpeg_cannot_read_arrives_as_a_document(fake: FakeTelegram, bot: Bot):
    not_a_video = await bot.send_video(ALICE, b"not a video at all", filename="x.mp4")
    not_a_voice = await bot.send_voice(ALICE, video_bytes())  # a video file is no voice note
    assert not_a_video.video is None and not_a_video.document is not None
    assert not_a_voice.voice is None and not_a_voice.document is not None


async def test_an_album_may_mix_photos_and_videos_but_not_audio(fake: FakeTelegram, bot: Bot):
    album = await bot.send_media_group(
        SUPERGROUP, [InputMediaPhoto(image_bytes()), InputMediaVideo(video_bytes()), InputMediaPhoto(image_bytes())]
    )
    assert [m.photo != () for m in album] == [True, False, True]
    assert album[1].video is not None and len({m.media_group_id for m in album}) == 1
    with pytest.raises(BadRequest, match="(?i)wrong type of the media"):
        await bot.send_media_group(SUPERGROUP, [InputMediaPhoto(image_bytes()), InputMediaAudio(voice_bytes())])
