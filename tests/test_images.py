"""Residents' images: streamed to a private file that is gone afterwards, cleaned with bounded concurrency."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.media import MediaRejection
from bot.photos import ImageRejection
from bot.ports import DeliveryError, DeliveryUncertain, FileTooLarge, RateLimited, TemporaryFailure
from bot.services.images import ImageCleaner, MediaRefused, PhotoRefused


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


async def test_freed_memory_goes_back_to_the_system_once_the_cleaner_is_idle_not_during_a_surge():
    releases: list[int] = []
    cleaner = ImageCleaner(_Port(), workers=2, release_memory=lambda: releases.append(cleaner_busy()))

    def cleaner_busy() -> int:
        return cleaner._in_flight

    results = await asyncio.gather(*(cleaner.clean(f"photo-{n}") for n in range(6)))
    assert len(results) == 6
    await _until(lambda: releases)
    cleaner.close()
    assert releases == [0]  # once, after the last photo; none while photos were in flight

    refused = ImageCleaner(_Port(broken=True), workers=1, release_memory=lambda: releases.append(-1))
    with pytest.raises(PhotoRefused):
        await refused.clean("broken")
    await _until(lambda: len(releases) == 2)
    refused.close()
    assert releases == [0, -1]  # a refused photo frees its memory too


async def _until(condition, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


class _Port:
    def __init__(self, *, broken: bool = False) -> None:
        self._broken = broken

    async def download(self, file_id, destination, *, max_bytes):
        if self._broken:
            destination.write_bytes(b"not an image")
            return
        out = io.BytesIO()
        Image.linear_gradient("L").resize((400, 300)).convert("RGB").save(out, "JPEG")
        destination.write_bytes(out.getvalue())


@pytest.mark.parametrize(
    "failure",
    [
        TemporaryFailure(0, "Bad Gateway"),
        DeliveryUncertain(0, "Timed out"),
        RateLimited(0, "Too Many Requests", timedelta(seconds=3)),
    ],
)
async def test_a_download_that_failed_for_now_asks_to_send_it_again_not_that_the_file_is_damaged(failure):
    class Failing:
        async def download(self, file_id, destination, *, max_bytes):
            raise failure

    cleaner = ImageCleaner(Failing(), workers=1)
    try:
        with pytest.raises(PhotoRefused) as refused:
            await cleaner.clean("a")
        assert refused.value.reason is ImageRejection.NOT_DOWNLOADED
        with pytest.raises(MediaRefused) as media:
            await cleaner.clean_video("b")
        assert media.value.reason is MediaRejection.NOT_DOWNLOADED
    finally:
        cleaner.close()
