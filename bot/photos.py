"""Turn an uploaded image into clean pixels: no EXIF, GPS, XMP, IPTC, maker notes, comments or ICC profile.

A resident's photo can say where they live and which phone they carry. Nothing of the original file
may reach a verifier or a channel, so the image is decoded, and only its pixels are copied into a new
image that is encoded afresh. Pure and synchronous: the bot runs it in a worker thread.
"""

from __future__ import annotations

import enum
import io
import math
import struct
import threading
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy
from PIL import ExifTags, Image, ImageFile, ImageStat

from bot.domain.evidence import Point

try:
    # HEIC/HEIF (what iPhones save) needs the optional pillow-heif package.
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - depends on what is installed
    HEIF_SUPPORTED = False
else:  # pragma: no cover - depends on what is installed
    register_heif_opener()
    HEIF_SUPPORTED = True

MAX_BYTES = 20 * 1024 * 1024  # Telegram will not let a bot download a larger file.
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560  # Telegram shows photos at most this large.
DECODE_BLOCK = 1 << 20
DRAFT_SHARE = 0.66  # a JPEG decoded at reduced size keeps at least this share of MAX_SIDE
JPEG_QUALITY = 85

# Only these decoders may touch an upload. Pillow knows many more formats (EPS runs Ghostscript,
# PSD, ICO, TGA, ...); refusing them keeps the attack surface to what phones and browsers produce.
# An MPO (a JPEG holding several pictures) is opened by the JPEG decoder as its first picture.
ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF") + (("HEIF",) if HEIF_SUPPORTED else ())

# Pillow writes a JFIF APP0 segment into every JPEG; besides it, only the segments that carry the picture.
_SOS, _APP0 = 0xDA, 0xE0
_PICTURE_SEGMENTS = frozenset({0xDB, 0xC4, 0xC0, 0xC1, 0xC2, 0xDD, _APP0})  # DQT, DHT, SOF0-2, DRI, APP0
_JFIF_APP0 = b"JFIF\x00"

# JPEG, PNG, GIF, TIFF and BigTIFF (both byte orders); WebP, BMP and HEIF need more than a prefix.
_SIGNATURES = (
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
    b"II+\x00",
    b"MM\x00+",
)

# What Pillow raises for data it cannot read: unknown or truncated files, broken chunks, failed decoders.
_PILLOW_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)

# Pillow keeps process-wide warning filters; `warnings.catch_warnings` swaps them for a while and is not
# thread-safe, so the part that may warn (reading the header and the metadata) runs one call at a time.
_one_at_a_time = threading.Lock()


class ImageRejection(enum.Enum):
    """Why an upload was refused; each has its own message for the resident."""

    NOT_AN_IMAGE = "not_an_image"
    TOO_LARGE_FILE = "too_large_file"
    TOO_MANY_PIXELS = "too_many_pixels"
    CORRUPT = "corrupt"
    NOT_DOWNLOADED = "not_downloaded"  # Telegram could not hand the file over just now: send it again


class ImageRejected(Exception):
    """The upload cannot become a clean photo. `reason` says why; the message is for logs only."""

    def __init__(self, reason: ImageRejection, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason


@dataclass(frozen=True)
class PhotoClues:
    """What the original file said about when and where it was taken, read before cleaning.

    Never stored: the caller turns it into hints (bot.domain.evidence) and drops it."""

    taken_at: datetime | None = field(default=None, repr=False)  # as the camera wrote it: local, naive
    taken_offset: timedelta | None = field(default=None, repr=False)  # OffsetTimeOriginal, when present
    point: Point | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CleanImage:
    data: bytes = field(repr=False)
    width: int
    height: int
    mime_type: str
    # A perceptual hash of the cleaned picture (64 bits, bot.domain.evidence): the same picture
    # re-encoded or resized has nearly the same one. Says nothing about the file it came from.
    fingerprint: int | None = None  # None for a picture with too little detail to recognise (a flat colour)
    clues: PhotoClues | None = field(default=None, repr=False)  # only when asked for (images sent as files)


def sanitize_image(
    source: bytes | Path,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    max_side: int = MAX_SIDE,
    read_clues: bool = False,
) -> CleanImage:
    """Decode `source` (the upload's bytes, or the file it was streamed to), keep only its pixels
    (upright, at most `max_side` on the longest side), encode a new JPEG.

    Raises ImageRejected when the upload is too big, not an image we accept, a decompression bomb,
    or damaged. Never writes to disk. Safe to call from several threads at once: only the short
    reading of the header and metadata is done one call at a time (see _one_at_a_time); decoding,
    scaling and encoding, where the time goes, run in parallel (Pillow releases the GIL there).

    With `read_clues`, the original's EXIF time and GPS position are read too (PhotoClues, None
    where missing or garbled); they never reach the new image.
    """
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size > max_bytes:
        raise ImageRejected(ImageRejection.TOO_LARGE_FILE, f"{size} bytes > {max_bytes}")
    with _one_at_a_time, warnings.catch_warnings():
        # Pillow only *warns* about a bomb between MAX_IMAGE_PIXELS and twice that; make it an error we refuse,
        # without touching Pillow's global MAX_IMAGE_PIXELS. The filters are restored when the block ends.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # Pillow's complaints about metadata it cannot parse ("Corrupt EXIF data", "malformed MPO"...) concern
        # what we throw away; under `-W error` (as in the tests) they would turn a good photo into a crash.
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        try:
            opened, turn = _open(source, max_pixels=max_pixels, max_side=max_side)
            clues = _read_clues(opened) if read_clues else None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected(ImageRejection.TOO_MANY_PIXELS, str(error)) from error
        except _PILLOW_ERRORS as error:
            raise ImageRejected(ImageRejection.CORRUPT, f"{type(error).__name__}: {error}") from error
    try:
        with opened:
            pixels = _pixels(opened, turn, max_side=max_side)
        encoded = _encode(pixels)
    except _PILLOW_ERRORS as error:
        # The header was fine, the rest is not: truncated data, broken chunks, a failed decoder.
        raise ImageRejected(ImageRejection.CORRUPT, f"{type(error).__name__}: {error}") from error
    _check_only_picture_segments(encoded)
    return CleanImage(encoded, pixels.width, pixels.height, "image/jpeg", fingerprint(pixels), clues)


# The perceptual hash is computed on a copy reduced (a cheap box average) to about this many pixels
# on its short side: pHash only looks at a 32 x 32 greyscale version, and hashing the full picture
# would cost ~15 ms a photo instead of ~2 (measured on 2560 x 1920) during a surge.
_FINGERPRINT_SIDE = 64
# A picture whose grey levels vary less than this (standard deviation, 0-255) is all one colour: its
# hash would be the same as every other flat picture's, so it has none.
_FLAT = 2.0


# pHash (the definition ImageHash's `phash` implements; the same bits on photographs): the picture
# in grey at 32 x 32 (Lanczos), its two-dimensional DCT-II, and of the 8 x 8 lowest frequencies,
# which are above their median. The DCT's first 8 rows are one 8 x 32 matrix, so the whole
# transform is two products of small matrices: NumPy alone, where ImageHash calls SciPy's FFT
# (105 MB of SciPy in the container image, and 0.4 s to import, for 2 048 multiplications).
_PHASH_BITS_SIDE = 8
_PHASH_SIDE = 32
_DCT_LOW = 2.0 * numpy.cos(
    numpy.pi * numpy.outer(numpy.arange(_PHASH_BITS_SIDE), 2 * numpy.arange(_PHASH_SIDE) + 1) / (2 * _PHASH_SIDE)
)


def phash_bits(pixels: Image.Image) -> int:
    """The picture's 64-bit pHash as an unsigned integer, its first bit the lowest frequency's."""
    grey = pixels.convert("L").resize((_PHASH_SIDE, _PHASH_SIDE), Image.Resampling.LANCZOS)
    # Rounded far below one grey level's weight: what is zero in exact arithmetic (a picture of
    # stripes has whole rows of zero frequencies) is zero here, not floating-point noise on either
    # side of the median (ImageHash's bits for such a picture are that noise).
    low = numpy.round(_DCT_LOW @ numpy.asarray(grey, dtype=numpy.float64) @ _DCT_LOW.T, 6)
    above = (low > numpy.median(low)).ravel()
    return int("".join("1" if bit else "0" for bit in above), 2)


def fingerprint(pixels: Image.Image) -> int | None:
    """The picture's 64-bit perceptual hash (pHash), as a signed integer (what SQLite stores)."""
    factor = max(1, min(pixels.size) // _FINGERPRINT_SIDE)
    small = pixels.reduce(factor) if factor > 1 else pixels
    if ImageStat.Stat(small.convert("L")).stddev[0] < _FLAT:
        return None
    value = phash_bits(small)
    return value - (1 << 64) if value >= 1 << 63 else value


_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATE_TIME_ORIGINAL, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9011
_GPS_LATITUDE_REF, _GPS_LATITUDE, _GPS_LONGITUDE_REF, _GPS_LONGITUDE = 1, 2, 3, 4
# What a garbled tag may raise besides Pillow's own errors.
_GARBAGE = (*_PILLOW_ERRORS, KeyError, TypeError, IndexError, ZeroDivisionError, AttributeError, OverflowError)


def _read_clues(opened: Image.Image) -> PhotoClues:
    """The original's EXIF DateTimeOriginal (+ OffsetTimeOriginal) and GPS position; anything
    missing, garbled or implausible is left out, never an error."""
    try:
        exif = opened.getexif()
        details = exif.get_ifd(_EXIF_IFD)
        gps = exif.get_ifd(_GPS_IFD)
    except _GARBAGE:
        return PhotoClues()
    return PhotoClues(
        _exif_time(details.get(_DATE_TIME_ORIGINAL)),
        _exif_offset(details.get(_OFFSET_TIME_ORIGINAL)),
        _exif_point(gps),
    )


def _exif_text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ") if isinstance(value, str) else None


def _exif_time(value: object) -> datetime | None:
    text = _exif_text(value)
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S") if text else None
    except ValueError:
        return None


def _exif_offset(value: object) -> timedelta | None:
    text = _exif_text(value)
    if not text or len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if text[0] == "-" else offset


def _exif_point(gps: dict[int, object]) -> Point | None:
    try:
        latitude = _degrees(gps[_GPS_LATITUDE], gps.get(_GPS_LATITUDE_REF), "S")
        longitude = _degrees(gps[_GPS_LONGITUDE], gps.get(_GPS_LONGITUDE_REF), "W")
    except _GARBAGE:
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (0.0, 0.0):
        return None  # (0, 0) is what broken GPS chips write
    return Point(latitude, longitude)


def _degrees(value: object, ref: object, negative: str) -> float:
    if not isinstance(value, tuple) or len(value) != 3:
        raise ValueError("not three rationals")
    degrees, minutes, seconds = (float(part) for part in value)
    total = degrees + minutes / 60 + seconds / 3600
    return -total if _exif_text(ref) == negative else total


# How to turn a picture upright for each EXIF orientation (what ImageOps.exif_transpose does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _open(source: bytes | Path, *, max_pixels: int, max_side: int) -> tuple[Image.Image, Image.Transpose | None]:
    """Read the header and the orientation tag (nothing else of the metadata is used); no pixel yet."""
    try:
        opened = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source, formats=ALLOWED_FORMATS)
    except _PILLOW_ERRORS as error:  # UnidentifiedImageError is an OSError
        # No decoder among ALLOWED_FORMATS could read the header. If the file starts like one of them, it is
        # damaged (say a cut-off download); otherwise it is something else entirely (PDF, text, ...).
        prefix = source[:32] if isinstance(source, bytes) else _prefix(source)
        reason = ImageRejection.CORRUPT if _starts_like_allowed_image(prefix) else ImageRejection.NOT_AN_IMAGE
        raise ImageRejected(reason, f"{type(error).__name__}: {error}") from error
    try:
        # Image.open has only read the header: refuse bombs before any pixel is decoded.
        width, height = opened.size
        if width * height > max_pixels:
            raise ImageRejected(ImageRejection.TOO_MANY_PIXELS, f"{width}x{height} > {max_pixels} pixels")
        turn = _UPRIGHT.get(opened.getexif().get(ExifTags.Base.Orientation, 1))
        target = _fit(opened.size, max_side)
        if target != opened.size:
            # JPEG can decode straight at 1/2, 1/4 or 1/8 size: a quarter of the memory and time or
            # less. Take the smallest of those that still leaves the copy at least DRAFT_SHARE of the
            # largest allowed, so a phone's 4000 x 3000 photo becomes 2000 x 1500 without a resize.
            floor = (math.ceil(target[0] * DRAFT_SHARE), math.ceil(target[1] * DRAFT_SHARE))
            opened.draft(None, floor)
    except BaseException:
        opened.close()
        raise
    return opened, turn


def _prefix(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(32)


def _pixels(source: Image.Image, turn: Image.Transpose | None, *, max_side: int) -> Image.Image:
    """The upright, downscaled RGB pixels of `source`, in a new image that carries no `info` at all."""
    if isinstance(source, ImageFile.ImageFile):
        # Feed the decoder 1 MB at a time instead of 64 kB: far fewer trips back into Python, where
        # the worker threads wait for each other (the GIL) during a surge.
        source.decodermaxblock = DECODE_BLOCK
    source.load()
    # Make the photo upright now: the orientation tag goes away with the rest of the metadata.
    upright = source.transpose(turn) if turn is not None else source
    rgb = _flatten_to_rgb(upright)
    target = _fit(rgb.size, max_side)
    if target != rgb.size:
        rgb = rgb.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    # `rgb` is always a new image (convert, paste and resize make one; `source` is never returned), so
    # emptying its `info` drops every piece of metadata (exif, icc_profile, comment, xmp, dpi...) that
    # Pillow's JPEG writer could fall back to, without copying the pixels once more. A new image has no
    # `encoderinfo`; _encode checks both, and the written file is checked segment by segment.
    if rgb is source or rgb is upright:  # not today; but never empty the caller's image
        rgb = rgb.copy()
    rgb.info = {}
    return rgb


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return size
    scale = max_side / longest
    return (max(1, round(width * scale)), max(1, round(height * scale)))


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB with any transparency composited on white (JPEG has no alpha; white is how a sticker looks)."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit greyscale (PNG, TIFF): Pillow would clip rather than scale it down to 8 bits.
        image = image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    has_alpha = image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _encode(pixels: Image.Image) -> bytes:
    # Always JPEG, even for PNG or GIF uploads: Telegram turns every "photo" into a JPEG anyway (and drops
    # alpha), a JPEG of a camera picture is a fraction of a PNG's size, and a single output format means a
    # single, simple check that nothing but pixels was written (see _check_only_picture_segments).
    if pixels.info or getattr(pixels, "encoderinfo", None):
        raise RuntimeError("the image to encode carries metadata")
    out = io.BytesIO()
    # No optimize=True: a second pass over the data for 3 % fewer bytes costs a third of the
    # encoding time, and during a surge the CPU is what residents wait for.
    pixels.save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def _check_only_picture_segments(jpeg: bytes) -> None:
    """Fail closed if the encoder ever wrote anything but the picture (a new Pillow default, say).

    Walks the segments before the scan: only quantisation and Huffman tables, the frame header, a restart
    interval and a bare JFIF APP0 (no thumbnail) may be there; the file must end at EOI.
    """
    if jpeg[:2] != b"\xff\xd8" or jpeg[-2:] != b"\xff\xd9":
        raise RuntimeError("the re-encoded photo is not a plain JPEG")
    position = 2
    while True:
        if position + 4 > len(jpeg) or jpeg[position] != 0xFF:
            raise RuntimeError("the re-encoded photo has a malformed segment")
        marker = jpeg[position + 1]
        length = int.from_bytes(jpeg[position + 2 : position + 4], "big")
        if marker == _SOS:
            return
        if marker not in _PICTURE_SEGMENTS:
            raise RuntimeError(f"the re-encoded photo still has segment 0xFF{marker:02X}")
        if marker == _APP0 and (length != 16 or jpeg[position + 4 : position + 9] != _JFIF_APP0):
            raise RuntimeError("the re-encoded photo has an APP0 that is not a bare JFIF header")
        position += 2 + length


def _starts_like_allowed_image(data: bytes) -> bool:
    """Whether the first bytes are the signature of one of ALLOWED_FORMATS."""
    if data.startswith(_SIGNATURES):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    # "BM" alone is too weak (any text may start so): also want a known DIB header size.
    if data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64, 108, 124):
        return True
    heif_brands = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
    return HEIF_SUPPORTED and data[4:8] == b"ftyp" and data[8:12] in heif_brands
