"""Photo-like pictures made at test time, and the EXIF a phone writes into an image sent as a file.

A scene is a few dozen blurred shapes on a background, different for every seed: enough detail for
a perceptual hash to tell pictures apart, as real photos are.
"""

from __future__ import annotations

import io
import random
from datetime import datetime

import piexif
from PIL import Image, ImageDraw, ImageFilter


def scene(seed: int, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    rnd = random.Random(seed)
    image = Image.new("RGB", size, tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(25):
        x0, x1 = sorted(rnd.randrange(width) for _ in range(2))
        y0, y1 = sorted(rnd.randrange(height) for _ in range(2))
        color = tuple(rnd.randrange(256) for _ in range(3))
        (draw.rectangle if rnd.random() < 0.5 else draw.ellipse)([x0, y0, x1, y1], fill=color)
    return image.filter(ImageFilter.GaussianBlur(2))


def jpeg(image: Image.Image, *, quality: int = 90, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    if exif is None:
        image.save(out, "JPEG", quality=quality)
    else:
        image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def crop(image: Image.Image, percent: int) -> Image.Image:
    """`percent` of the width and height cut off each side."""
    width, height = image.size
    dx, dy = width * percent // 100, height * percent // 100
    return image.crop((dx, dy, width - dx, height - dy))


def _dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 100)
    return ((degrees, 1), (minutes, 1), (seconds, 100))


def phone_exif(
    *, taken: datetime | None = None, offset: str | None = None, at: tuple[float, float] | None = None
) -> bytes:
    """What a phone writes: when (DateTimeOriginal, local time, and maybe its offset) and where (GPS)."""
    details: dict[int, bytes] = {}
    if taken is not None:
        details[piexif.ExifIFD.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S").encode()
    if offset is not None:
        details[piexif.ExifIFD.OffsetTimeOriginal] = offset.encode()
    gps: dict[int, object] = {}
    if at is not None:
        latitude, longitude = at
        gps = {
            piexif.GPSIFD.GPSLatitudeRef: b"N" if latitude >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _dms(latitude),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if longitude >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _dms(longitude),
        }
    zeroth = {piexif.ImageIFD.Make: b"PhoneMaker", piexif.ImageIFD.Model: b"Reporter's phone"}
    return piexif.dump({"0th": zeroth, "Exif": details, "GPS": gps})
