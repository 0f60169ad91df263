"""Real videos and voice notes, made at test time with PyAV, carrying the metadata phones write.

Every tag value is a distinctive string, so a test can search the bytes that reached the verifier
group for it.
"""

from __future__ import annotations

import io
import tempfile
from fractions import Fraction
from pathlib import Path

import av

LATITUDE_TEXT = "+32.1123"
LOCATION = "+32.1123-106.6634+001.000/"
CREATION_TIME = "2024-05-01T10:11:12.000000Z"
MAKE, MODEL, SOFTWARE = "PhoneMakerZQ", "PhoneModelZQ9", "CameraAppZQ 17.4"
HANDLER = "HandlerZQ"
COMMENT = "CommentZQ"

# What a phone writes about where, when and with what a video was made; none may reach a verifier.
NEEDLES = {
    "location": LATITUDE_TEXT.encode(),
    "location (ISO 6709)": LOCATION.encode(),
    "device make": MAKE.encode(),
    "device model": MODEL.encode(),
    "software": SOFTWARE.encode(),
    "stream handler": HANDLER.encode(),
    "comment": COMMENT.encode(),
    "creation year": b"2024-05-01",
    "QuickTime location atom": b"\xa9xyz",
    "Apple metadata keys": b"com.apple.quicktime",
}


def _tags() -> dict[str, str]:
    return {
        "location": LOCATION,
        "location-eng": LOCATION,
        "creation_time": CREATION_TIME,
        "date": CREATION_TIME,
        "make": MAKE,
        "model": MODEL,
        "encoder": SOFTWARE,
        "comment": COMMENT,
        "com.apple.quicktime.location.ISO6709": LOCATION,
        "com.apple.quicktime.make": MAKE,
        "com.apple.quicktime.model": MODEL,
        "com.apple.quicktime.software": SOFTWARE,
        "com.apple.quicktime.creationdate": CREATION_TIME,
    }


def video_bytes(
    container: str = "mp4",
    *,
    seconds: float = 1.0,
    size: tuple[int, int] = (64, 48),
    audio: bool = True,
    tags: bool = True,
    faststart: bool = False,
) -> bytes:
    """An H.264 (+ AAC) video in MP4 or MOV, tagged like a phone's: location, creation time, device."""
    options = {"movflags": "use_metadata_tags" + ("+faststart" if faststart else "")} if container == "mp4" else {}
    # faststart rewrites the finished file, which FFmpeg can only do to a file it opened itself.
    with tempfile.TemporaryDirectory(prefix="vigil-test-video-") as directory:
        path = Path(directory) / f"sample.{container}"
        _write_video(str(path), container, options, seconds, size, audio=audio, tags=tags)
        return path.read_bytes()


def _write_video(
    path: str,
    container: str,
    options: dict[str, str],
    seconds: float,
    size: tuple[int, int],
    *,
    audio: bool,
    tags: bool,
) -> None:
    with av.open(path, "w", format=container, options=options) as file:
        if tags:
            file.metadata.update(_tags())
        video = file.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        if tags:
            video.metadata.update({"handler_name": HANDLER, "creation_time": CREATION_TIME})
        sound = file.add_stream("aac", rate=16000, layout="mono") if audio else None
        if sound is not None and tags:
            sound.metadata.update({"handler_name": HANDLER, "creation_time": CREATION_TIME})
        frames = max(1, round(seconds * 10))
        for index in range(frames):
            frame = av.VideoFrame(size[0], size[1], "yuv420p")
            for plane_index, plane in enumerate(frame.planes):
                shade = (index * 20 + 40) % 256 if plane_index == 0 else 128
                plane.update(bytes([shade]) * plane.buffer_size)
            frame.pts = index
            file.mux(video.encode(frame))
        file.mux(video.encode(None))
        if sound is not None:
            for index in range(round(seconds * 16000 / 1024)):
                _mux_silence(file, sound, 16000, index)
            file.mux(sound.encode(None))


def voice_bytes(*, seconds: float = 1.0, tags: bool = True) -> bytes:
    """An OGG/Opus voice note, as Telegram records it, with tags a recorder app might add."""
    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as file:
        if tags:
            file.metadata.update(
                {"comment": COMMENT, "artist": MODEL, "date": CREATION_TIME, "encoder": SOFTWARE, "location": LOCATION}
            )
        sound = file.add_stream("libopus", rate=48000, layout="mono")
        for index in range(round(seconds * 48000 / 960)):
            _mux_silence(file, sound, 48000, index, samples=960)
        file.mux(sound.encode(None))
    return out.getvalue()


def truncated(data: bytes, fraction: float = 0.5) -> bytes:
    """A download cut short: the first part of the file only."""
    return data[: int(len(data) * fraction)]


def _mux_silence(
    file: av.container.OutputContainer,
    stream: av.audio.stream.AudioStream,
    rate: int,
    index: int,
    *,
    samples: int = 1024,
) -> None:
    frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
    frame.sample_rate = rate
    # A soft tone rather than silence, so encoders have something to encode.
    tone = bytes(((index + i) % 7) * 3 for i in range(samples * 2))
    frame.planes[0].update(tone)
    frame.pts = index * samples
    frame.time_base = Fraction(1, rate)
    file.mux(stream.encode(frame))


def webm_bytes(codec: str = "libvpx", *, seconds: float = 1.0, size: tuple[int, int] = (64, 48)) -> bytes:
    """A WebM (VP8 or VP9 with Opus), as browsers and some Android apps record, with tags."""
    with tempfile.TemporaryDirectory(prefix="vigil-test-video-") as directory:
        path = Path(directory) / "sample.webm"
        with av.open(str(path), "w", format="webm") as file:
            file.metadata.update(
                {"title": MODEL, "comment": COMMENT, "location": LOCATION, "creation_time": CREATION_TIME}
            )
            video = file.add_stream(codec, rate=10)
            video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
            video.metadata.update({"handler_name": HANDLER})
            sound = file.add_stream("libopus", rate=48000, layout="mono")
            for index in range(max(1, round(seconds * 10))):
                frame = av.VideoFrame(size[0], size[1], "yuv420p")
                for plane_index, plane in enumerate(frame.planes):
                    plane.update(bytes([(index * 20 + 40) % 256 if plane_index == 0 else 128]) * plane.buffer_size)
                frame.pts = index
                file.mux(video.encode(frame))
            file.mux(video.encode(None))
            for index in range(round(seconds * 48000 / 960)):
                _mux_silence(file, sound, 48000, index, samples=960)
            file.mux(sound.encode(None))
        return path.read_bytes()
