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
import enum
import logging
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from bot.media import MAX_BYTES as MEDIA_MAX_BYTES
from bot.media import CleanAudio, CleanVideo, MediaRejected, MediaRejection, sanitize_audio, sanitize_video
from bot.photos import MAX_BYTES, CleanImage, ImageRejected, ImageRejection, sanitize_image
from bot.ports import DeliveryError, DeliveryUncertain, FileTooLarge, RateLimited, TelegramPort, TemporaryFailure

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


# Memory during and after a surge. glibc's malloc serves a large block from the heap once a block
# that size was freed (its mmap threshold rises with them), so image buffers are reused without a
# page fault for every 4 KB of a fresh mapping, and a photo costs 50 ms. The price is that freed
# memory stays with the process: 40 photos left it at 175 MB. Keeping every large buffer in its own
# mapping instead (a fixed threshold) returned that memory, but the faults added 13 ms to every
# photo, a quarter more CPU exactly when it is short. So nothing is fixed, and once the cleaner has
# nothing left to do, malloc_trim gives the freed memory back: 127 MB after the same surge.
def release_freed_memory() -> bool:
    """Return the heap's free pages to the system (glibc); False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        return bool(ctypes.CDLL(name).malloc_trim(0))
    except (OSError, AttributeError):
        return False


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
        release_memory: Callable[[], object] = release_freed_memory,
    ) -> None:
        self._telegram = telegram
        self._temp_root = temp_root  # where the private folders go (the system's temporary folder)
        self._workers = workers or default_workers()
        # Four images per worker: downloads stream to disk, so they may run ahead of the cleaning
        # (memory is bounded by the workers, which decode one image each).
        self._slots = asyncio.Semaphore(slots or 4 * self._workers)
        self._pool: ThreadPoolExecutor | None = None
        self._release_memory = release_memory  # called on a worker thread whenever the cleaner goes idle
        self._in_flight = 0

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
            raise MediaRefused(MediaRejected(MediaRejection(failed.failure.value))) from None
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
            raise PhotoRefused(ImageRejected(ImageRejection(failed.failure.value))) from None
        except ImageRejected as rejection:
            raise PhotoRefused(rejection) from None

    async def _clean_upload(
        self, file_id: str, max_bytes: int, what: str, sanitize: Callable[[Path, Path], _Result]
    ) -> _Result:
        """One slot; the upload streamed into a private directory (only this process can read it),
        cleaned on a worker thread, and the directory removed with everything in it right after.
        `sanitize` gets the upload and the directory (for a result file). Raises _NotDownloaded."""
        self._in_flight += 1
        try:
            async with self._slots:
                with tempfile.TemporaryDirectory(prefix="vigil-upload-", dir=self._temp_root) as directory:
                    upload = Path(directory) / "upload"
                    try:
                        await self._telegram.download(file_id, upload, max_bytes=max_bytes)
                    except DeliveryError as error:
                        log.info("could not download a resident's %s: %s", what, error.reason)
                        raise _NotDownloaded(_Failure.of(error)) from None
                    loop = asyncio.get_running_loop()
                    return await loop.run_in_executor(self._executor(), sanitize, upload, Path(directory))
        finally:
            self._in_flight -= 1
            if self._in_flight == 0 and self._pool is not None:
                # Not awaited: the last resident's answer must not wait for it.
                self._pool.submit(self._release_memory)


class _Failure(enum.Enum):
    """Why a download failed, valued as the reason both ImageRejection and MediaRejection give it."""

    TOO_LARGE = "too_large_file"
    TRY_AGAIN = "not_downloaded"  # a network failure, a 5xx or a 429: sending it again may work
    REFUSED = "corrupt"  # Telegram will not hand it over: to the resident, a file that cannot be read

    @classmethod
    def of(cls, error: DeliveryError) -> _Failure:
        if isinstance(error, FileTooLarge):
            return cls.TOO_LARGE
        if isinstance(error, TemporaryFailure | DeliveryUncertain | RateLimited):
            return cls.TRY_AGAIN
        return cls.REFUSED


class _NotDownloaded(Exception):
    def __init__(self, failure: _Failure) -> None:
        super().__init__(failure.value)
        self.failure = failure
