"""A resident's photo must reach verifiers as bare pixels: every test builds real images with real metadata."""

from __future__ import annotations

import builtins
import functools
import io
import os
import random
import string
import struct
import subprocess
import sys
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor

import piexif
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin, TiffImagePlugin

from bot.photos import (
    ALLOWED_FORMATS,
    HEIF_SUPPORTED,
    CleanImage,
    ImageRejected,
    ImageRejection,
    sanitize_image,
)

RED, BLUE, WHITE = (220, 20, 20), (20, 20, 220), (255, 255, 255)

MAKER_NOTE = b"VIGIL-MAKERNOTE-7f3a9c"
COMMENT = b"VIGIL-COMMENT taken outside 12 Elm St"
XMP_MARKER = b"VIGIL-XMP-CREATOR"
IPTC_MARKER = b"VIGIL-IPTC-CAPTION"
LATITUDE = ((40, 1), (44, 1), (5461, 100))
LONGITUDE = ((73, 1), (59, 1), (1234, 100))
# piexif writes big-endian ("MM") TIFF, so this is how the coordinates sit in the file.
GPS_BYTES = struct.pack(">12I", *(n for pair in LATITUDE + LONGITUDE for n in pair))
XMP_PACKET = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    b' exif:GPSLatitude="40,44.9101N" exif:GPSLongitude="73,59.2057W"><dc:creator>' + XMP_MARKER + b"</dc:creator>"
    b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
FORBIDDEN_IN_OUTPUT = (
    b"Exif",
    b"http://ns.adobe.com/xap",
    b"ICC_PROFILE",
    b"Photoshop 3.0",
    b"8BIM",
    GPS_BYTES,
    MAKER_NOTE,
    COMMENT,
    XMP_MARKER,
    IPTC_MARKER,
    b"VIGILPHONE",
)


# --- building real images -------------------------------------------------------------------------------


def two_colour_image(size: tuple[int, int], left=RED, right=BLUE, mode: str = "RGB") -> Image.Image:
    """Left half one colour, right half another: shows where pixels ended up after a rotation."""
    width, height = size
    image = Image.new(mode, size, left)
    image.paste(Image.new(mode, (width - width // 2, height), right), (width // 2, 0))
    return image


def encode(image: Image.Image, format: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **params)
    return out.getvalue()


def exif_bytes(*, orientation: int = 1, gps: bool = True) -> bytes:
    ifds = {
        "0th": {
            piexif.ImageIFD.Make: b"VIGILPHONE Inc",
            piexif.ImageIFD.Model: b"VIGILPHONE 15 Pro",
            piexif.ImageIFD.Orientation: orientation,
            piexif.ImageIFD.Software: b"Camera 17.2",
        },
        "Exif": {
            piexif.ExifIFD.DateTimeOriginal: b"2025:03:14 07:42:10",
            piexif.ExifIFD.MakerNote: MAKER_NOTE,
            piexif.ExifIFD.BodySerialNumber: b"SN-998877",
        },
    }
    if gps:
        ifds["GPS"] = {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: LATITUDE,
            piexif.GPSIFD.GPSLongitudeRef: b"W",
            piexif.GPSIFD.GPSLongitude: LONGITUDE,
        }
    return piexif.dump(ifds)


@functools.cache
def icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def iptc_app13() -> bytes:
    """An APP13 segment as Photoshop writes it, holding an IPTC caption (Pillow cannot write one)."""
    caption = b"\x1c\x02\x78" + struct.pack(">H", len(IPTC_MARKER)) + IPTC_MARKER
    resource = b"8BIM" + b"\x04\x04" + b"\x00\x00" + struct.pack(">I", len(caption)) + caption
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_everything(size=(64, 48), orientation: int = 1) -> bytes:
    jpeg = encode(
        two_colour_image(size),
        "JPEG",
        exif=exif_bytes(orientation=orientation),
        icc_profile=icc_profile(),
        xmp=XMP_PACKET,
        comment=COMMENT,
        dpi=(300, 300),
        quality=95,
    )
    return jpeg[:2] + iptc_app13() + jpeg[2:]  # right after SOI


def noise_jpeg(size=(96, 96)) -> bytes:
    noise = Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3))
    return encode(noise, "JPEG", quality=95)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png(width: int, height: int, *, idat: bytes = b"", extra: bytes = b"") -> bytes:
    """A 1-bit greyscale PNG with the given header; `idat` is its compressed pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + extra + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


@functools.cache
def valid_bomb_png() -> bytes:
    """A genuine, fully decodable 20000x20000 PNG (400 megapixels) of a few dozen KB."""
    side = 20_000
    row = b"\x00" + bytes(side // 8)  # filter byte, then 2500 bytes of black pixels
    compressor = zlib.compressobj(9)
    block = row * 1000
    idat = b"".join(compressor.compress(block) for _ in range(side // 1000)) + compressor.flush()
    return png(side, side, idat=idat)


# --- checking the output --------------------------------------------------------------------------------


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """Every (marker, payload) of a JPEG, walking the entropy-coded data too; asserts nothing trails EOI."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    segments: list[tuple[int, bytes]] = [(0xD8, b"")]
    position = 2
    while True:
        assert data[position] == 0xFF, f"expected a marker at {position}"
        while data[position] == 0xFF:  # fill bytes
            position += 1
        marker = data[position]
        position += 1
        if marker == 0xD9:
            segments.append((marker, b""))
            assert position == len(data), f"{len(data) - position} bytes after EOI"
            return segments
        length = struct.unpack(">H", data[position : position + 2])[0]
        segments.append((marker, data[position + 2 : position + length]))
        position += length
        if marker == 0xDA:  # skip the scan: stuffed FF00 and restart markers FFD0-FFD7 belong to it
            while not (
                data[position] == 0xFF and data[position + 1] != 0x00 and not 0xD0 <= data[position + 1] <= 0xD7
            ):
                position += 1


def assert_only_picture_segments(data: bytes) -> None:
    allowed = {
        0xD8: "SOI",
        0xDB: "DQT",
        0xC0: "SOF0",
        0xC1: "SOF1",
        0xC2: "SOF2",
        0xC4: "DHT",
        0xDA: "SOS",
        0xD9: "EOI",
    }
    for marker, payload in jpeg_segments(data):
        if marker == 0xE0:
            assert payload.startswith(b"JFIF\x00"), "an APP0 that is not JFIF"
            assert payload[12:14] == b"\x00\x00", "a JFIF thumbnail"
        else:
            assert marker in allowed, f"segment 0xFF{marker:02X} in the output"


def assert_clean(result: CleanImage) -> Image.Image:
    """The output is a plain JPEG carrying nothing but pixels; returns it decoded."""
    assert result.mime_type == "image/jpeg"
    assert_only_picture_segments(result.data)
    for needle in FORBIDDEN_IN_OUTPUT:
        assert needle not in result.data, needle
    decoded = Image.open(io.BytesIO(result.data))
    decoded.load()
    assert decoded.format == "JPEG"
    assert decoded.mode == "RGB"
    assert (decoded.width, decoded.height) == (result.width, result.height)
    assert not decoded.getexif()
    for key in ("exif", "icc_profile", "xmp", "comment", "photoshop", "dpi", "adobe", "mp"):
        assert key not in decoded.info, key
    assert not decoded.applist or decoded.applist == [("APP0", decoded.applist[0][1])]
    return decoded


def close_to(actual, expected, tolerance: int = 24) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def rejection(data: bytes, **limits) -> ImageRejection:
    with pytest.raises(ImageRejected) as raised:
        sanitize_image(data, **limits)
    return raised.value.reason


# --- metadata is gone -----------------------------------------------------------------------------------


def test_jpeg_loses_gps_exif_maker_note_xmp_iptc_icc_and_comment():
    original = jpeg_with_everything()
    # The fixture really carries it all, so the assertions below are not vacuous.
    for needle in (
        b"Exif",
        b"http://ns.adobe.com/xap",
        b"ICC_PROFILE",
        b"Photoshop 3.0",
        GPS_BYTES,
        MAKER_NOTE,
        COMMENT,
        IPTC_MARKER,
    ):
        assert needle in original, needle
    source = Image.open(io.BytesIO(original))
    assert {"exif", "icc_profile", "xmp", "comment", "photoshop", "dpi"} <= source.info.keys()

    result = sanitize_image(original)

    decoded = assert_clean(result)
    assert (result.width, result.height) == (64, 48)
    assert close_to(decoded.getpixel((8, 24)), RED)
    assert close_to(decoded.getpixel((56, 24)), BLUE)


def test_orientation_6_is_applied_to_the_pixels():
    result = sanitize_image(jpeg_with_everything(size=(40, 20), orientation=6))

    decoded = assert_clean(result)
    assert (result.width, result.height) == (20, 40)
    # Orientation 6 means "turn 90 degrees clockwise to view": the stored left half ends up on top.
    assert close_to(decoded.getpixel((10, 5)), RED)
    assert close_to(decoded.getpixel((10, 35)), BLUE)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_gives_the_upright_size(orientation):
    result = sanitize_image(encode(Image.new("RGB", (40, 20), RED), "JPEG", exif=exif_bytes(orientation=orientation)))

    assert_clean(result)
    assert (result.width, result.height) == ((20, 40) if orientation >= 5 else (40, 20))


def test_png_loses_text_chunks_and_transparency_is_flattened_on_white():
    image = two_colour_image((64, 32), left=(255, 0, 0, 0), right=(0, 0, 255, 255), mode="RGBA")
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", COMMENT.decode())
    info.add_text("Author", "VIGILPHONE owner", zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode(), lang="", tkey="")
    original = encode(image, "PNG", pnginfo=info, exif=exif_bytes(), icc_profile=icc_profile(), dpi=(300, 300))
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"pHYs"):
        assert chunk in original, chunk

    result = sanitize_image(original)

    decoded = assert_clean(result)
    assert (result.width, result.height) == (64, 32)
    # The hidden colour under a fully transparent pixel must not come back: it becomes white.
    assert close_to(decoded.getpixel((10, 16)), WHITE)
    assert close_to(decoded.getpixel((54, 16)), (0, 0, 255))


def test_palette_transparency_becomes_white():
    image = two_colour_image((32, 16)).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    transparent_index = image.getpixel((0, 0))

    result = sanitize_image(encode(image, "PNG", transparency=transparent_index))

    decoded = assert_clean(result)
    assert close_to(decoded.getpixel((4, 8)), WHITE)
    assert close_to(decoded.getpixel((28, 8)), BLUE)


def test_webp_loses_exif_xmp_and_icc():
    original = encode(
        two_colour_image((48, 48)), "WEBP", exif=exif_bytes(), xmp=XMP_PACKET, icc_profile=icc_profile(), quality=95
    )
    for chunk in (b"EXIF", b"XMP ", b"ICCP", GPS_BYTES):
        assert chunk in original, chunk

    result = sanitize_image(original)

    decoded = assert_clean(result)
    assert close_to(decoded.getpixel((8, 24)), RED)


def test_gif_keeps_only_the_first_frame_and_loses_its_comment():
    frames = [Image.new("RGB", (32, 32), RED), Image.new("RGB", (32, 32), BLUE)]
    original = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], comment=COMMENT, duration=100, loop=0)
    assert COMMENT in original

    result = sanitize_image(original)

    decoded = assert_clean(result)
    assert close_to(decoded.getpixel((16, 16)), RED)


def test_mpo_keeps_only_the_first_picture():
    frames = [Image.new("RGB", (32, 32), RED), Image.new("RGB", (32, 32), BLUE)]
    original = encode(frames[0], "MPO", save_all=True, append_images=frames[1:], exif=exif_bytes())
    assert Image.open(io.BytesIO(original)).format == "MPO"

    result = sanitize_image(original)

    decoded = assert_clean(result)
    assert close_to(decoded.getpixel((16, 16)), RED)


def test_tiff_loses_its_tags():
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[271] = "VIGILPHONE Inc"  # Make
    tags[315] = "VIGIL-ARTIST"  # Artist
    tags[270] = COMMENT.decode()  # ImageDescription
    original = encode(two_colour_image((32, 16)), "TIFF", tiffinfo=tags, compression="tiff_deflate")
    assert b"VIGIL-ARTIST" in original

    result = sanitize_image(original)

    assert b"VIGIL-ARTIST" not in result.data
    assert close_to(assert_clean(result).getpixel((4, 8)), RED)


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(Image.new("1", (16, 16), 1), id="bilevel"),
        pytest.param(Image.new("L", (16, 16), 128), id="grey"),
        pytest.param(Image.new("LA", (16, 16), (128, 255)), id="grey-alpha"),
        pytest.param(Image.new("CMYK", (16, 16), (0, 0, 0, 0)), id="cmyk"),
        pytest.param(Image.new("I;16", (16, 16), 128 * 257), id="16-bit-grey"),
    ],
)
def test_other_modes_become_plain_rgb(image):
    format = "JPEG" if image.mode == "CMYK" else "PNG"
    expected = WHITE if image.mode in ("1", "CMYK") else (128, 128, 128)

    decoded = assert_clean(sanitize_image(encode(image, format)))

    assert close_to(decoded.getpixel((8, 8)), expected, tolerance=3)


def test_bmp_is_accepted():
    decoded = assert_clean(sanitize_image(encode(two_colour_image((20, 10)), "BMP")))

    assert decoded.size == (20, 10)


def test_heic_support_is_always_installed():
    # pillow-heif is a dependency of the package (iPhones share photos as HEIC files), not an extra.
    assert HEIF_SUPPORTED and "HEIF" in ALLOWED_FORMATS


def test_heic_loses_its_metadata():
    original = encode(two_colour_image((64, 48)), "HEIF", exif=exif_bytes(orientation=6), xmp=XMP_PACKET, quality=90)
    assert Image.open(io.BytesIO(original)).format == "HEIF"

    result = sanitize_image(original)

    assert_clean(result)
    assert (result.width, result.height) == (48, 64)


def test_heic_is_refused_as_not_an_image_where_pillow_heif_cannot_be_imported():
    """The fallback in bot.photos for an installation without pillow-heif (a broken or trimmed
    environment): HEIC must then be refused cleanly, not half-decoded. pillow-heif is always
    installed with Vigil, so the fallback is exercised in a fresh interpreter that cannot import it."""
    heic = encode(two_colour_image((64, 48)), "HEIF", quality=90)
    script = (
        "import sys\n"
        "sys.modules['pillow_heif'] = None  # import pillow_heif now raises ImportError\n"
        "from bot.photos import HEIF_SUPPORTED, ALLOWED_FORMATS, ImageRejected, sanitize_image\n"
        "assert not HEIF_SUPPORTED and 'HEIF' not in ALLOWED_FORMATS\n"
        "try:\n"
        "    sanitize_image(sys.stdin.buffer.read())\n"
        "except ImageRejected as refused:\n"
        "    print(refused.reason.value)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], input=heic, capture_output=True, check=False)

    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == ImageRejection.NOT_AN_IMAGE.value


def test_nothing_is_written_to_disk(monkeypatch):
    def no_files(*args, **kwargs):
        raise AssertionError("sanitize_image opened a file")

    monkeypatch.setattr(builtins, "open", no_files)
    monkeypatch.setattr(os, "open", no_files)

    assert_clean(sanitize_image(jpeg_with_everything()))


# --- size -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "max_side", "expected"),
    [
        ((400, 100), 100, (100, 25)),
        ((100, 400), 100, (25, 100)),
        ((301, 200), 150, (150, 100)),
        ((1000, 3), 100, (100, 1)),  # never a zero-pixel side
        ((80, 60), 100, (80, 60)),  # never upscaled
    ],
)
def test_longest_side_is_scaled_down_keeping_the_aspect(size, max_side, expected):
    result = sanitize_image(encode(two_colour_image(size), "PNG"), max_side=max_side)

    assert (result.width, result.height) == expected
    assert assert_clean(result).size == expected


def test_a_big_jpeg_is_brought_to_telegrams_2560_pixels():
    # 5200 wide lets the JPEG decoder skip to half size before the exact resize.
    result = sanitize_image(encode(two_colour_image((5200, 300)), "JPEG", exif=exif_bytes(orientation=8)))

    decoded = assert_clean(result)
    assert (result.width, result.height) == (148, 2560)
    # Orientation 8 turns the stored picture 90 degrees counter-clockwise: the left (red) half ends at the bottom.
    assert close_to(decoded.getpixel((74, 2400)), RED)
    assert close_to(decoded.getpixel((74, 100)), BLUE)


# --- refusals -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"Checkpoint on 5th and Main, two vans.\n", id="text"),
        pytest.param(b"BM but this is just text about a car\n" * 3, id="text-starting-with-BM"),
        pytest.param(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", id="pdf"),
        pytest.param(
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
            id="svg",
        ),
        pytest.param(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40), id="zip"),
        pytest.param(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", id="eps-would-run-ghostscript"),
        pytest.param(encode(Image.new("RGB", (16, 16)), "ICO"), id="ico"),
        pytest.param(encode(Image.new("RGB", (16, 16)), "PPM"), id="ppm"),
        pytest.param(encode(Image.new("RGB", (16, 16)), "TGA"), id="tga"),
        pytest.param(encode(Image.new("RGB", (16, 16)), "PCX"), id="pcx"),
    ],
)
def test_what_is_not_an_accepted_image_is_refused(data):
    assert rejection(data) is ImageRejection.NOT_AN_IMAGE


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(noise_jpeg()[: len(noise_jpeg()) // 2], id="jpeg-cut-in-the-pixels"),
        pytest.param(noise_jpeg()[:20], id="jpeg-cut-in-the-header"),
        pytest.param(encode(Image.new("RGB", (64, 64), RED), "PNG")[:-30], id="png-cut"),
        pytest.param(png(8, 8, idat=b"not zlib at all"), id="png-bad-pixel-data"),
        pytest.param(encode(Image.new("RGB", (64, 64), RED), "WEBP")[:40], id="webp-cut"),
        pytest.param(encode(Image.new("RGB", (16, 16), RED), "BMP")[:30], id="bmp-cut"),
        pytest.param(
            png(
                8,
                8,
                idat=zlib.compress(bytes(9 * 8)),
                extra=png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(bytes(4_000_000))),
            ),
            id="png-text-chunk-bomb",
        ),
    ],
)
def test_damaged_images_are_refused_as_corrupt(data):
    assert rejection(data) is ImageRejection.CORRUPT


def test_a_file_over_max_bytes_is_refused_before_decoding():
    data = jpeg_with_everything()

    assert rejection(data, max_bytes=len(data) - 1) is ImageRejection.TOO_LARGE_FILE
    assert rejection(b"x" * 101, max_bytes=100) is ImageRejection.TOO_LARGE_FILE  # not even looked at
    assert_clean(sanitize_image(data, max_bytes=len(data)))


def test_the_default_limit_is_telegrams_20_mb():
    assert rejection(b"\xff\xd8\xff" + bytes(20 * 1024 * 1024)) is ImageRejection.TOO_LARGE_FILE


def test_a_valid_400_megapixel_png_is_refused_without_decoding_it():
    bomb = valid_bomb_png()
    assert len(bomb) < 100_000

    assert rejection(bomb, max_pixels=1_000_000) is ImageRejection.TOO_MANY_PIXELS
    assert rejection(bomb) is ImageRejection.TOO_MANY_PIXELS  # Pillow's own DecompressionBombError


def test_pixels_over_max_pixels_are_refused_from_the_header_alone():
    # The pixel data is empty: decoding would fail as CORRUPT, so TOO_MANY_PIXELS proves nothing was decoded.
    assert rejection(png(8000, 6000)) is ImageRejection.TOO_MANY_PIXELS  # 48 MP > 40 MP default
    assert rejection(png(101, 100), max_pixels=10_000) is ImageRejection.TOO_MANY_PIXELS
    assert rejection(png(100, 100), max_pixels=10_000) is ImageRejection.CORRUPT  # at the limit: decoded


@pytest.mark.parametrize("filter_action", ["error", "default", "ignore"])
def test_pillows_bomb_warning_becomes_a_refusal_and_never_escapes(filter_action):
    # 100 MP is above Pillow's warning limit (~89 MP) but below its error limit, and under our max_pixels.
    before = warnings.filters[:]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(filter_action)
        assert rejection(png(10_000, 10_000), max_pixels=10**9) is ImageRejection.TOO_MANY_PIXELS
    assert caught == []
    assert warnings.filters == before
    assert Image.MAX_IMAGE_PIXELS == int(1024 * 1024 * 1024 // 4 // 3)


def test_corrupt_exif_does_not_stop_a_good_photo():
    broken_exif = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x05\x01\x12"  # claims 5 entries, holds none
    original = encode(Image.new("RGB", (24, 12), RED), "JPEG", exif=broken_exif)

    result = sanitize_image(original)

    assert (result.width, result.height) == (24, 12)
    assert_clean(result)


def test_concurrent_calls_leave_the_warning_filters_as_they_were():
    before = warnings.filters[:]
    good, bomb = encode(Image.new("RGB", (32, 32), RED), "PNG"), png(10_000, 10_000)

    def clean(data: bytes) -> ImageRejection | None:
        try:
            sanitize_image(data, max_pixels=10**9)
        except ImageRejected as refused:
            return refused.reason
        return None

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(clean, [good, bomb] * 8))

    assert outcomes == [None, ImageRejection.TOO_MANY_PIXELS] * 8
    assert warnings.filters == before


def test_a_rejection_carries_its_reason():
    refused = ImageRejected(ImageRejection.CORRUPT)

    assert refused.reason is ImageRejection.CORRUPT
    assert str(refused) == "corrupt"


# --- property -------------------------------------------------------------------------------------------

ascii_text = st.text(alphabet=string.ascii_letters + string.digits + " .-", min_size=1, max_size=24).map(str.encode)
rationals = st.tuples(st.integers(0, 10_000), st.integers(1, 10_000))


@st.composite
def random_exif(draw) -> tuple[bytes, int]:
    orientation = draw(st.integers(1, 8))
    zeroth = {piexif.ImageIFD.Orientation: orientation}
    exif: dict = {}
    gps: dict = {}
    for tag in (piexif.ImageIFD.Make, piexif.ImageIFD.Model, piexif.ImageIFD.Software, piexif.ImageIFD.Artist):
        if draw(st.booleans()):
            zeroth[tag] = draw(ascii_text)
    if draw(st.booleans()):
        moment = draw(st.datetimes())
        exif[piexif.ExifIFD.DateTimeOriginal] = moment.strftime("%Y:%m:%d %H:%M:%S").encode()
    if draw(st.booleans()):
        exif[piexif.ExifIFD.MakerNote] = draw(st.binary(min_size=1, max_size=64))
    if draw(st.booleans()):
        exif[piexif.ExifIFD.UserComment] = b"ASCII\x00\x00\x00" + draw(ascii_text)
    if draw(st.booleans()):
        gps[piexif.GPSIFD.GPSLatitudeRef] = draw(st.sampled_from([b"N", b"S"]))
        gps[piexif.GPSIFD.GPSLatitude] = draw(st.tuples(rationals, rationals, rationals))
        gps[piexif.GPSIFD.GPSLongitudeRef] = draw(st.sampled_from([b"E", b"W"]))
        gps[piexif.GPSIFD.GPSLongitude] = draw(st.tuples(rationals, rationals, rationals))
        gps[piexif.GPSIFD.GPSAltitude] = draw(rationals)
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps}), orientation


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 40),
    height=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    format=st.sampled_from(["JPEG", "PNG", "WEBP"]),
    metadata=random_exif(),
)
def test_random_images_with_random_exif_come_out_bare_and_upright(width, height, seed, format, metadata):
    exif, orientation = metadata
    pixels = Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3))
    original = encode(pixels, format, exif=exif)
    assert b"Exif" in original or b"eXIf" in original or b"EXIF" in original

    result = sanitize_image(original)

    decoded = assert_clean(result)
    expected = (height, width) if orientation >= 5 else (width, height)
    assert (result.width, result.height) == decoded.size == expected
