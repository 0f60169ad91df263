"""Issue 11, items 1 and 2, end to end: videos and voice notes join a report without a byte of their
metadata; verifiers see them with the photos, above the card; damaged and oversized files are refused
and the draft is kept; the first voice note brings one short warning."""

from __future__ import annotations

import pytest

from tests.e2e.harness import CLOVIS_EN_CHANNEL, TOM, VERIFIER_GROUP, jpeg_bytes
from tests.e2e.people import Resident, card_in_group, text_of
from tests.e2e.steps import ref_in
from tests.media_samples import NEEDLES, truncated, video_bytes, voice_bytes

VOICE_WARNING = "A voice can identify you"


async def _send_report(fake, tom: Resident, place: str = "Clovis") -> str:
    await tom.taps(place)
    panel_id = tom.panel()["message_id"]
    await tom.taps("✅")
    await fake.wait_until(lambda: "reference is" in text_of(tom.current(panel_id)), what="the receipt")
    return ref_in(text_of(tom.current(panel_id)))


def _group_files(fake, field: str) -> list[bytes]:
    """The bytes of every `field` (video, voice...) the bot sent to the verifier group."""
    return [fake.file_bytes(m[field]["file_id"]) for m in fake.bot_messages(VERIFIER_GROUP) if m.get(field)]


def _leaks(data: bytes) -> list[str]:
    return [name for name, needle in NEEDLES.items() if needle in data]


@pytest.mark.parametrize(
    "send",
    [
        lambda fake, data: fake.user_sends_video(TOM, data),
        lambda fake, data: fake.user_sends_document(TOM, data, file_name="IMG_0420.MOV", mime_type="video/quicktime"),
        lambda fake, data: fake.user_sends_video_note(TOM, data),
        lambda fake, data: fake.user_sends_animation(TOM, data),
    ],
    ids=["video", "file", "video note", "animation"],
)
async def test_a_video_reaches_the_verifiers_without_location_time_or_device(vigil, fake, send):
    original = video_bytes("mov")
    assert _leaks(original)  # the phone's tags really are in the upload
    tom = Resident(fake, TOM)
    send(fake, original)
    await fake.wait_for_bot_message(TOM, lambda m: "1 video" in text_of(m))
    await fake.settled()
    ref = await _send_report(fake, tom)
    await vigil.outbox_idle()
    (video,) = _group_files(fake, "video")
    assert _leaks(video) == [] and video != original
    card = card_in_group(fake, ref)
    assert "1 video above" in text_of(card) and "metadata removed" in text_of(card)
    # Never public: the channel gets words only.
    await tom.fake.settled()
    assert not [m for m in fake.bot_messages(CLOVIS_EN_CHANNEL) if m.get("video")]


async def test_photos_and_a_video_arrive_in_one_album_above_the_card(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_photo(jpeg_bytes(), expect="1 photo")
    fake.user_sends_video(TOM, video_bytes("mp4"), caption="at the dairy")
    await fake.wait_for_bot_message(TOM, lambda m: "1 video" in text_of(m) and "at the dairy" in text_of(m))
    await fake.settled()
    ref = await _send_report(fake, tom)
    await vigil.outbox_idle()
    album = [m for m in fake.bot_messages(VERIFIER_GROUP) if m.get("photo") or m.get("video")]
    assert len(album) == 2 and len({m.get("media_group_id") for m in album}) == 1 and album[0].get("media_group_id")
    card = card_in_group(fake, ref)
    assert "1 photo above" in text_of(card) and "1 video above" in text_of(card)
    assert card["reply_to_message"]["message_id"] == album[0]["message_id"]


async def test_a_truncated_video_is_refused_in_a_clear_sentence_and_the_draft_is_kept(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_text("vans at the dairy", expect="vans at the dairy")
    fake.user_sends_document(TOM, truncated(video_bytes("mp4", seconds=3)), file_name="clip.mp4", mime_type="video/mp4")
    refusal = await fake.wait_for_bot_message(TOM, lambda m: "could not be read" in text_of(m))
    assert "video" in text_of(refusal)
    await fake.settled()
    panel = tom.panel()
    assert "vans at the dairy" in text_of(panel) and "video" not in text_of(panel)


async def test_a_video_over_telegrams_download_limit_is_refused_and_the_draft_is_kept(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_text("vans at the dairy", expect="vans at the dairy")
    too_big = video_bytes("mp4") + bytes(20 * 1024 * 1024)
    fake.user_sends_document(TOM, too_big, file_name="long.mp4", mime_type="video/mp4")
    await fake.wait_for_bot_message(TOM, lambda m: "over 20 MB" in text_of(m))
    await fake.settled()
    assert not fake.calls("getFile")  # refused from the size Telegram announced, not downloaded
    assert "vans at the dairy" in text_of(tom.panel())


async def test_a_voice_note_reaches_the_verifiers_re_encoded_and_the_first_one_brings_a_warning(vigil, fake):
    tom = Resident(fake, TOM)
    original = voice_bytes(seconds=2)
    fake.user_sends_voice(TOM, original)
    warning = await fake.wait_for_bot_message(TOM, lambda m: VOICE_WARNING in text_of(m))
    assert "typing" in text_of(warning)
    await fake.wait_for_bot_message(TOM, lambda m: "1 voice note" in text_of(m))
    await fake.settled()
    fake.user_sends_audio(TOM, video_bytes("mov"), file_name="memo.m4a", mime_type="audio/mp4")
    await fake.wait_for_bot_message(TOM, lambda m: "2 voice notes" in text_of(m))
    await fake.settled()
    assert len([m for m in fake.bot_messages(TOM) if VOICE_WARNING in text_of(m)]) == 1  # only the first time
    ref = await _send_report(fake, tom)
    await vigil.outbox_idle()
    voices = _group_files(fake, "voice")
    assert len(voices) == 2 and all(_leaks(v) == [] for v in voices) and original not in voices
    card = card_in_group(fake, ref)
    assert "2 voice notes above" in text_of(card)


async def test_the_voice_warning_is_remembered_across_reports(vigil, fake):
    tom = Resident(fake, TOM)
    fake.user_sends_voice(TOM, voice_bytes())
    await fake.wait_for_bot_message(TOM, lambda m: "1 voice note" in text_of(m))
    await fake.settled()
    await _send_report(fake, tom)
    fake.user_sends_voice(TOM, voice_bytes())
    await fake.wait_for_bot_message(
        TOM,
        lambda m: (
            "1 voice note" in text_of(m)
            and "not sent yet" in text_of(m)
            and m["message_id"] > tom.panel()["message_id"] - 1
        ),
    )
    await fake.settled()
    assert len([m for m in fake.bot_messages(TOM) if VOICE_WARNING in text_of(m)]) == 1


async def test_a_damaged_voice_note_is_refused_and_the_draft_is_kept(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_text("vans at the dairy", expect="vans at the dairy")
    fake.user_sends_voice(TOM, b"OggS" + bytes(200))
    await fake.wait_for_bot_message(TOM, lambda m: "could not be read" in text_of(m) and "voice" in text_of(m))
    await fake.settled()
    assert "vans at the dairy" in text_of(tom.panel()) and "voice note" not in text_of(tom.panel())
