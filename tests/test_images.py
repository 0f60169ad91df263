"""Residents' images: streamed to a private file that is gone afterwards, cleaned with bounded concurrency."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from bot.photos import ImageRejection
from bot.ports import DeliveryError, FileTooLarge
from bot.services.images import ImageCleaner, PhotoRefused


def jpeg(size=(4000, 3000)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00")
    return out.getvalue()


class Port:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.paths: list[Path] = []
        self.downloading = 0
        self.peak = 0

    async def download(self, file_id: str, destination: Path, *, max_bytes: int) -> None:
        self.downloading += 1
        self.peak = max(self.peak, self.downloading)
        try:
            await asyncio.sleep(0.01)
            data = self.files.get(file_id)
            if data is None:
                raise DeliveryError(0, "Bad Request: wrong file_id")
            if len(data) > max_bytes:
                raise FileTooLarge(0, "too large")
            destination.write_bytes(data)
            self.paths.append(destination)
        finally:
            self.downloading -= 1


async def test_a_phones_12_megapixel_photo_is_decoded_at_half_size_and_its_file_is_gone():
    port = Port({"a": jpeg()})
    cleaner = ImageCleaner(port, workers=2)
    try:
        clean = await cleaner.clean("a")
    finally:
        cleaner.close()
    assert (clean.width, clean.height) == (2000, 1500)  # JPEG's own 1/2 scale: under 2560, no resize
    assert b"Exif" not in clean.data
    assert port.paths and not port.paths[0].exists() and not port.paths[0].parent.exists()


async def test_the_file_is_gone_after_a_refusal_too():
    port = Port({"junk": b"%PDF-1.7 not a picture"})
    cleaner = ImageCleaner(port, workers=1)
    try:
        with pytest.raises(PhotoRefused) as refused:
            await cleaner.clean("junk")
    finally:
        cleaner.close()
    assert refused.value.reason is ImageRejection.NOT_AN_IMAGE
    assert not port.paths[0].exists()


async def test_a_file_over_the_limit_is_refused_as_too_large_and_a_failed_download_as_unreadable():
    port = Port({"huge": b"\xff" * 10})
    cleaner = ImageCleaner(port, workers=1)
    try:
        port.files["huge"] = b"\xff\xd8\xff" + b"\x00" * (20 * 1024 * 1024)
        with pytest.raises(PhotoRefused) as refused:
            await cleaner.clean("huge")
        assert refused.value.reason is ImageRejection.TOO_LARGE_FILE
        with pytest.raises(PhotoRefused) as refused:
            await cleaner.clean("missing")
        assert refused.value.reason is ImageRejection.CORRUPT
    finally:
        cleaner.close()


async def test_at_most_the_slots_are_worked_on_at_once():
    port = Port({f"p{i}": jpeg((64, 48)) for i in range(12)})
    cleaner = ImageCleaner(port, workers=2, slots=3)
    try:
        await asyncio.gather(*(cleaner.clean(f"p{i}") for i in range(12)))
    finally:
        cleaner.close()
    assert port.peak == 3


async def test_nothing_is_left_in_the_temporary_folder_after_cleanings_and_refusals(tmp_path):
    port = Port({"ok": jpeg((64, 48)), "junk": b"%PDF-1.7", "huge": b"\xff\xd8\xff" + bytes(21 * 1024 * 1024)})
    cleaner = ImageCleaner(port, workers=2, temp_root=tmp_path)
    try:
        await cleaner.clean("ok")
        for refused in ("junk", "huge", "missing"):
            with pytest.raises(PhotoRefused):
                await cleaner.clean(refused)
    finally:
        cleaner.close()
    assert len(port.paths) == 2 and all(path.is_relative_to(tmp_path) for path in port.paths)
    assert list(tmp_path.iterdir()) == []


async def test_videos_and_voice_notes_share_the_cleaners_slots_and_leave_no_file_behind():
    from bot.media import MediaRejection
    from bot.services.images import MediaRefused
    from tests.media_samples import NEEDLES, truncated, video_bytes, voice_bytes

    port = Port(
        {
            "v": video_bytes("mov"),
            "a": voice_bytes(),
            "cut": truncated(video_bytes(seconds=3)),
            "big": video_bytes() + bytes(21 * 1024 * 1024),
        }
    )
    cleaner = ImageCleaner(port, workers=2, slots=1)
    try:
        video, voice = await asyncio.gather(cleaner.clean_video("v"), cleaner.clean_audio("a"))
        with pytest.raises(MediaRefused) as damaged:
            await cleaner.clean_video("cut")
        with pytest.raises(MediaRefused) as too_large:
            await cleaner.clean_video("big")
    finally:
        cleaner.close()
    assert port.peak == 1  # one slot: the second waited for the first
    assert not [name for name, needle in NEEDLES.items() if needle in video.data + voice.data]
    assert damaged.value.reason is MediaRejection.CORRUPT and too_large.value.reason is MediaRejection.TOO_LARGE_FILE
    assert port.paths and not any(path.exists() or path.parent.exists() for path in port.paths)


def test_pillow_keeps_a_freed_image_block_per_worker_for_the_next_photo():
    # A fresh mapping for every decoded photo costs a page fault per 4 KB (14 ms on a 49 ms photo).
    from PIL import _imaging

    ImageCleaner(_NeverCalled(), workers=3).close()
    assert _imaging.get_blocks_max() >= 3


class _NeverCalled:
    async def download(self, file_id, destination, *, max_bytes):  # pragma: no cover - not reached
        raise AssertionError("no download expected")
