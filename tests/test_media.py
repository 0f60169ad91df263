"""The video and audio cleaner on real files made with PyAV: nothing of where, when or with what
they were made survives; damaged and oversized files are refused."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import av
import pytest

from bot.media import MediaRejected, MediaRejection, sanitize_audio, sanitize_video
from tests.media_samples import NEEDLES, truncated, video_bytes, voice_bytes, webm_bytes


def _upload(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "upload"
    path.write_bytes(data)
    return path


def _tags(data: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    with av.open(io.BytesIO(data)) as container:
        return dict(container.metadata), [dict(s.metadata) for s in container.streams]


def _creation_times(mp4: bytes) -> list[int]:
    """The creation and modification times of every mvhd, tkhd and mdhd box (version 0 layout)."""
    times = []
    for kind in (b"mvhd", b"tkhd", b"mdhd"):
        start = 0
        while (found := mp4.find(kind, start)) != -1:
            version = mp4[found + 4]
            fields = ">QQ" if version == 1 else ">II"
            times.extend(struct.unpack(fields, mp4[found + 8 : found + 8 + struct.calcsize(fields)]))
            start = found + 4
    return times


@pytest.mark.parametrize("container", ["mp4", "mov"])
def test_no_location_creation_time_device_or_tag_survives_in_a_video(tmp_path, container):
    original = video_bytes(container)
    assert [name for name, needle in NEEDLES.items() if needle in original]  # the phone's tags are there
    clean = sanitize_video(_upload(tmp_path, original), tmp_path)
    found = [name for name, needle in NEEDLES.items() if needle in clean.data]
    assert found == []
    # No encoder name either (ours or the original's), in the container or in the bitstreams.
    assert b"Lavf" not in clean.data and b"Lavc" not in clean.data and b"x264" not in clean.data
    container_tags, stream_tags = _tags(clean.data)
    assert set(container_tags) <= {"major_brand", "minor_version", "compatible_brands"}
    assert all(set(tags) <= {"language", "handler_name", "vendor_id"} for tags in stream_tags)
    assert set(_creation_times(clean.data)) == {0}
    assert (clean.width, clean.height, clean.duration, clean.mime_type) == (64, 48, 1, "video/mp4")


def test_the_cleaned_video_still_plays(tmp_path):
    clean = sanitize_video(_upload(tmp_path, video_bytes("mov", seconds=2)), tmp_path)
    with av.open(io.BytesIO(clean.data)) as container:
        frames = list(container.decode(video=0))
        assert len(frames) == 20 and container.streams.audio[0].codec_context.name == "aac"


def test_a_video_without_sound_and_an_index_at_the_start_is_cleaned_too(tmp_path):
    clean = sanitize_video(_upload(tmp_path, video_bytes("mp4", audio=False, faststart=True)), tmp_path)
    assert [name for name, needle in NEEDLES.items() if needle in clean.data] == []
    assert _tags(clean.data)[1] == [{"language": "und", "handler_name": "VideoHandler"}]


@pytest.mark.parametrize("faststart", [False, True], ids=["index at the end", "index at the start"])
def test_a_truncated_video_is_refused_as_damaged(tmp_path, faststart):
    with pytest.raises(MediaRejected) as refused:
        sanitize_video(_upload(tmp_path, truncated(video_bytes("mp4", seconds=3, faststart=faststart))), tmp_path)
    assert refused.value.reason is MediaRejection.CORRUPT


def test_a_file_that_is_no_video_is_refused(tmp_path):
    with pytest.raises(MediaRejected) as refused:
        sanitize_video(_upload(tmp_path, b"%PDF-1.7 not a video" * 10), tmp_path)
    assert refused.value.reason is MediaRejection.NOT_SUPPORTED


def test_a_video_over_the_limit_is_refused_before_it_is_read(tmp_path):
    with pytest.raises(MediaRejected) as refused:
        sanitize_video(_upload(tmp_path, video_bytes()), tmp_path, max_bytes=1000)
    assert refused.value.reason is MediaRejection.TOO_LARGE_FILE


def test_a_voice_note_is_re_encoded_as_opus_without_any_tag(tmp_path):
    original = voice_bytes(seconds=2)
    assert NEEDLES["device model"] in original
    clean = sanitize_audio(_upload(tmp_path, original), tmp_path)
    assert [name for name, needle in NEEDLES.items() if needle in clean.data] == []
    assert b"Lavf" not in clean.data and b"Lavc" not in clean.data
    container_tags, stream_tags = _tags(clean.data)
    assert container_tags == {} and stream_tags == [{}]
    with av.open(io.BytesIO(clean.data)) as container:
        assert container.format.name == "ogg" and container.streams.audio[0].codec_context.name == "opus"
    assert (clean.duration, clean.mime_type) == (2, "audio/ogg")


def test_the_sound_of_a_video_file_becomes_a_clean_voice_note(tmp_path):
    clean = sanitize_audio(_upload(tmp_path, video_bytes("mov")), tmp_path)
    assert [name for name, needle in NEEDLES.items() if needle in clean.data] == []


def test_damaged_or_unknown_audio_is_refused(tmp_path):
    with pytest.raises(MediaRejected) as refused:
        sanitize_audio(_upload(tmp_path, b"just some words, not a recording"), tmp_path)
    assert refused.value.reason is MediaRejection.NOT_SUPPORTED
    with pytest.raises(MediaRejected) as refused:
        sanitize_audio(_upload(tmp_path, b"OggS" + bytes(60)), tmp_path)
    assert refused.value.reason is MediaRejection.CORRUPT


@pytest.mark.parametrize("codec", ["libvpx", "libvpx-vp9"], ids=["VP8 (re-encoded)", "VP9 (remuxed)"])
def test_a_webm_video_becomes_a_clean_mp4(tmp_path, codec):
    original = webm_bytes(codec)
    assert NEEDLES["comment"] in original
    clean = sanitize_video(_upload(tmp_path, original), tmp_path)
    assert [name for name, needle in NEEDLES.items() if needle in clean.data] == []
    assert b"Lavf" not in clean.data and b"Lavc" not in clean.data and b"x264" not in clean.data
    with av.open(io.BytesIO(clean.data)) as container:
        assert container.format.name.startswith("mov,mp4")
        assert len(list(container.decode(video=0))) == 10
