"""Residents' images, videos and voice notes, cleaned off the event loop with bounded memory.

During a raid dozens of residents send 12-megapixel photos at once. Each image is streamed to a
private temporary file (not held in memory), decoded at reduced size where the result will be
smaller (Pillow's draft mode, in :mod:`bot.photos`), re-encoded without any metadata in a worker
thread, and the file is deleted at once. At most `slots` images are worked on at the same moment
(downloading or cleaning), so a hundred photos cannot exhaust memory; the cleaning itself runs on
as many threads as the machine has cores. Videos and voice notes (bot.media) take the same slots
and threads.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from PIL import _imaging as pillow_core  # Image.core: the C module behind PIL.Image

from bot.media import MAX_BYTES as MEDIA_MAX_BYTES
from bot.media import CleanAudio, CleanVideo, MediaRejected, MediaRejection, sanitize_audio, sanitize_video
from bot.photos import MAX_BYTES, CleanImage, ImageRejected, ImageRejection, sanitize_image
from bot.ports import DeliveryError, FileTooLarge, TelegramPort

log = logging.getLogger(__name__)

_Clean = TypeVar("_Clean", CleanVideo, CleanAudio)
_Result = TypeVar("_Result")


class PhotoRefused(Exception):
    def __init__(self, rejection: ImageRejected) -> None:
        super().__init__(str(rejection))
        self.reason = rejection.reason


class MediaRefused(Exception):
    """A video or voice note that cannot join the report; `reason` says what to tell the resident."""

    def __init__(self, rejection: MediaRejected) -> None:
        super().__init__(str(rejection))
        self.reason = rejection.reason


# glibc's malloc raises its mmap threshold to the size of the largest block freed so far (up to
# 32 MB), so after the first photo Pillow's 16 MB image blocks come from the heap instead, where
# freed memory stays with the process: 40 photos left it at 300 MB instead of 75. A fixed
# threshold keeps large buffers in their own mappings, returned to the system when freed. But a
# fresh mapping costs a page fault per 4 KB: at 1 MB (the decoder's reads are 1 MB) that added 14
# ms to every 49 ms photo. So the threshold sits above the reads (4 MB), and Pillow keeps one
# freed image block per worker for the next photo (set_blocks_max, what its
# PILLOW_BLOCKS_MAX variable sets): 52 ms a photo, and at most one 16 MB block per worker kept.
_MMAP_THRESHOLD = 4 << 20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h


def return_large_buffers_to_the_system() -> bool:
    """Fix glibc's mmap threshold (process-wide); False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False


def keep_image_blocks(count: int) -> None:
    """Let Pillow reuse up to `count` freed image blocks instead of mapping fresh memory each time."""
    pillow_core.set_blocks_max(max(count, pillow_core.get_blocks_max()))


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class ImageCleaner:
    def __init__(
        self,
        telegram: TelegramPort,
        *,
        workers: int | None = None,
        slots: int | None = None,
        temp_root: Path | None = None,
    ) -> None:
        self._telegram = telegram
        self._temp_root = temp_root  # where the private folders go (the system's temporary folder)
        self._workers = workers or default_workers()
        # Four images per worker: downloads stream to disk, so they may run ahead of the cleaning
        # (memory is bounded by the workers, which decode one image each).
        self._slots = asyncio.Semaphore(slots or 4 * self._workers)
        self._pool: ThreadPoolExecutor | None = None
        return_large_buffers_to_the_system()
        keep_image_blocks(self._workers)  # each worker decodes one image at a time

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="vigil-image")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def clean_video(self, file_id: str) -> CleanVideo:
        """The upload remuxed without metadata (bot.media). Raises MediaRefused."""
        return await self._clean_media(file_id, sanitize_video)

    async def clean_audio(self, file_id: str) -> CleanAudio:
        """The upload re-encoded as a voice note without metadata (bot.media). Raises MediaRefused."""
        return await self._clean_media(file_id, sanitize_audio)

    async def _clean_media(self, file_id: str, sanitize: Callable[[Path, Path], _Clean]) -> _Clean:
        """Videos and voice notes take the same slots and threads as images."""
        try:
            return await self._clean_upload(file_id, MEDIA_MAX_BYTES, "video or voice note", sanitize)
        except _NotDownloaded as failed:
            reason = MediaRejection.TOO_LARGE_FILE if failed.too_large else MediaRejection.CORRUPT
            raise MediaRefused(MediaRejected(reason)) from None
        except MediaRejected as rejection:
            log.info("a resident's video or voice note was refused: %s", rejection.reason.value)
            raise MediaRefused(rejection) from None

    async def clean(self, file_id: str, *, read_clues: bool = False) -> CleanImage:
        """The upload's clean pixels (and its fingerprint; with `read_clues`, when and where the
        original says it was taken). Raises PhotoRefused (with the reason to tell the resident)."""
        try:
            return await self._clean_upload(
                file_id, MAX_BYTES, "image", lambda upload, _: sanitize_image(upload, read_clues=read_clues)
            )
        except _NotDownloaded as failed:
            reason = ImageRejection.TOO_LARGE_FILE if failed.too_large else ImageRejection.CORRUPT
            raise PhotoRefused(ImageRejected(reason)) from None
        except ImageRejected as rejection:
            raise PhotoRefused(rejection) from None

    async def _clean_upload(
        self, file_id: str, max_bytes: int, what: str, sanitize: Callable[[Path, Path], _Result]
    ) -> _Result:
        """One slot; the upload streamed into a private directory (only this process can read it),
        cleaned on a worker thread, and the directory removed with everything in it right after.
        `sanitize` gets the upload and the directory (for a result file). Raises _NotDownloaded."""
        async with self._slots:
            with tempfile.TemporaryDirectory(prefix="vigil-upload-", dir=self._temp_root) as directory:
                upload = Path(directory) / "upload"
                try:
                    await self._telegram.download(file_id, upload, max_bytes=max_bytes)
                except DeliveryError as error:
                    log.info("could not download a resident's %s: %s", what, error.reason)
                    raise _NotDownloaded(isinstance(error, FileTooLarge)) from None
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._executor(), sanitize, upload, Path(directory))


class _NotDownloaded(Exception):
    def __init__(self, too_large: bool) -> None:
        super().__init__("too large" if too_large else "not downloaded")
        self.too_large = too_large
