"""Turn an uploaded video or voice note into one that says nothing about where, when or with what it was made.

A phone writes the place a video was filmed into the file (the MP4/MOV ``©xyz`` atom, Apple's
``com.apple.quicktime.location.ISO6709`` key, Android's location tag), with the creation time, the
make and model and the camera app; Telegram keeps all of it when a video is sent as a file. Audio
files carry ID3 or Vorbis comments. None of it may reach a verifier.

* **Videos are remuxed** with FFmpeg's libraries (through PyAV, in-process): only the first video
  stream and the first audio stream are copied, packet by packet, into a brand-new MP4 whose
  container and streams carry no metadata at all (no ``udta``/``meta`` box, zero creation times,
  no encoder name: FFmpeg's bitexact mode). Timed-metadata and data tracks (iPhones record motion
  and location in one) are dropped. For H.264 and HEVC the SEI units, where encoders write their
  name and settings, are cut out of the bitstream. A stream MP4 cannot carry as it is (VP8, say)
  is re-encoded. The video's first frame is decoded, so an undecodable file is refused.
* **Voice notes and audio files are re-encoded**: decoded to samples and encoded afresh as a mono
  Opus voice note in OGG, which keeps nothing of the original file but the sound.
* **The result is checked**, failing closed: the MP4's boxes are walked and any box that can hold
  metadata refuses the result; the output's tags must be empty.

Only the demuxers a phone's file needs may read an upload (chosen from its first bytes, never by
FFmpeg's guess: some of its demuxers open other files or URLs). Pure and synchronous: the bot runs
it in a worker thread (bot.services.images).
"""

from __future__ import annotations

import enum
import logging
import struct
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import av
from av.bitstream import BitStreamFilterContext

MAX_BYTES = 20 * 1024 * 1024  # Telegram will not let a bot download a larger file.
MAX_VIDEO_SIDE = 4096
VOICE_RATE = 48000
VOICE_BITRATE = 32000

# FFmpeg's complaints about damaged uploads would otherwise go to the log with file details.
logging.getLogger("libav").setLevel(logging.CRITICAL)

# Video MP4 can carry as it is. Any other video is re-encoded as H.264; sound always is, as AAC.
_MP4_VIDEO = {"h264", "hevc", "av1", "vp9", "mpeg4"}
# Bitstream filters that remove the units where encoders write their name, settings and user data.
_SEI_FILTERS = {"h264": "filter_units=remove_types=6", "hevc": "filter_units=remove_types=39|40"}

# Boxes of the output MP4, and which of them hold other boxes. Anything else (keys, ©xyz, ©too,
# uuid, XMP_...) could carry metadata, and refuses the result. The muxer always writes a
# udta/meta/ilst skeleton; it passes only while its tag list (ilst) is empty.
_CONTAINER_BOXES = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex", b"udta", b"meta"}
_ALLOWED_BOXES = _CONTAINER_BOXES | {
    b"ilst",
    b"ftyp",
    b"free",
    b"mdat",
    b"mvhd",
    b"tkhd",
    b"elst",
    b"mdhd",
    b"hdlr",
    b"vmhd",
    b"smhd",
    b"dref",
    b"stsd",
    b"stts",
    b"stss",
    b"ctts",
    b"stsc",
    b"stsz",
    b"stco",
    b"co64",
    b"sgpd",
    b"sbgp",
    b"sdtp",
    b"trex",
    b"stps",
    b"cslg",
}
# Tags the muxer itself writes, which say nothing about the video.
_HARMLESS_CONTAINER_TAGS = {"major_brand", "minor_version", "compatible_brands"}
_HARMLESS_STREAM_TAGS = {"language", "handler_name", "vendor_id"}
_HARMLESS_HANDLERS = {"VideoHandler", "SoundHandler"}


class MediaRejection(enum.Enum):
    """Why an upload was refused; each has its own message for the resident."""

    NOT_SUPPORTED = "not_supported"
    TOO_LARGE_FILE = "too_large_file"
    CORRUPT = "corrupt"
    NOT_DOWNLOADED = "not_downloaded"  # Telegram could not hand the file over just now: send it again


class MediaRejected(Exception):
    def __init__(self, reason: MediaRejection, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason


@dataclass(frozen=True)
class CleanVideo:
    data: bytes = field(repr=False)
    width: int
    height: int
    duration: int  # whole seconds
    mime_type: str = "video/mp4"


@dataclass(frozen=True)
class CleanAudio:
    data: bytes = field(repr=False)
    duration: int  # whole seconds
    mime_type: str = "audio/ogg"


# --- what may read an upload ---------------------------------------------------------------


def _demuxer_for(prefix: bytes, *, audio: bool) -> str | None:
    """FFmpeg's demuxer for a file that starts with `prefix`, among those phones' files need."""
    if prefix[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "mov"  # MP4, MOV, M4A, 3GP
    if prefix[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"  # WebM, MKV
    if not audio:
        return None
    if prefix[:4] == b"OggS":
        return "ogg"
    if prefix[:3] == b"ID3" or (len(prefix) > 1 and prefix[0] == 0xFF and prefix[1] & 0xE0 == 0xE0):
        return "mp3"
    if prefix[:4] == b"RIFF" and prefix[8:12] == b"WAVE":
        return "wav"
    if prefix[:4] == b"fLaC":
        return "flac"
    return None


def _open_upload(file: BinaryIO, *, audio: bool) -> av.container.InputContainer:
    prefix = file.read(16)
    file.seek(0)
    demuxer = _demuxer_for(prefix, audio=audio)
    if demuxer is None:
        raise MediaRejected(MediaRejection.NOT_SUPPORTED, f"unknown file type {prefix[:12]!r}")
    try:
        return av.open(file, "r", format=demuxer)
    except (av.FFmpegError, ValueError, EOFError) as error:
        raise MediaRejected(MediaRejection.CORRUPT, f"{type(error).__name__}: {error}") from error


def _check_size(source: Path, max_bytes: int) -> None:
    size = source.stat().st_size
    if size > max_bytes:
        raise MediaRejected(MediaRejection.TOO_LARGE_FILE, f"{size} bytes > {max_bytes}")


# --- videos --------------------------------------------------------------------------------


def sanitize_video(source: Path, work: Path, *, max_bytes: int = MAX_BYTES) -> CleanVideo:
    """A new MP4 of `source`'s first video (and first audio) stream, without any metadata.

    `work` is a private directory for the result while it is written. Raises MediaRejected.
    """
    _check_size(source, max_bytes)
    target = work / "clean.mp4"
    try:
        with source.open("rb") as upload, _open_upload(upload, audio=False) as original:
            video_in = next(iter(original.streams.video), None)
            if video_in is None:
                raise MediaRejected(MediaRejection.NOT_SUPPORTED, "no video stream")
            width, height = video_in.codec_context.width, video_in.codec_context.height
            if not (0 < width <= MAX_VIDEO_SIDE and 0 < height <= MAX_VIDEO_SIDE):
                raise MediaRejected(MediaRejection.CORRUPT, f"{width}x{height}")
            audio_in = next(iter(original.streams.audio), None)
            duration = _remux(original, video_in, audio_in, target)
    except av.FFmpegError as error:
        raise MediaRejected(MediaRejection.CORRUPT, f"{type(error).__name__}: {error}") from error
    _check_only_media_boxes(target)
    _check_no_tags(target)
    return CleanVideo(target.read_bytes(), width, height, duration)


def _remux(
    original: av.container.InputContainer,
    video_in: av.video.stream.VideoStream,
    audio_in: av.audio.stream.AudioStream | None,
    target: Path,
) -> int:
    """Copy (or re-encode) the streams into `target`; returns the duration in whole seconds."""
    # bitexact: no encoder name and no creation times; faststart: the index first, for streaming
    # (FFmpeg rewrites the file for it, so it is given our own path, not a file object).
    with av.open(
        f"file:{target}", "w", format="mp4", container_options={"fflags": "+bitexact", "movflags": "+faststart"}
    ) as clean:
        video = _Track.for_video(clean, video_in)
        audio = _Track.for_audio(clean, audio_in) if audio_in is not None else None
        tracks = {video_in.index: video} | ({audio_in.index: audio} if audio_in is not None and audio else {})
        decoder = video_in.codec_context
        decoded_a_frame = False
        last_time = 0.0
        video_packets = 0
        streams = [video_in] + ([audio_in] if audio_in is not None else [])
        for packet in original.demux(streams):
            if packet.dts is None and packet.pts is None:
                continue  # the demuxer's end-of-stream marker
            video_packets += packet.stream.index == video_in.index
            if packet.stream.index == video_in.index and not decoded_a_frame and not video.reencodes:
                # Proves the video can be decoded at all (a damaged file is refused, not passed on).
                decoded_a_frame = bool(decoder.decode(packet))
            if packet.pts is not None and packet.time_base is not None:
                last_time = max(last_time, float(packet.pts * packet.time_base))
            decoded_a_frame |= tracks[packet.stream.index].write(clean, packet)
        for track in tracks.values():
            track.finish(clean)
        if not decoded_a_frame:
            raise MediaRejected(MediaRejection.CORRUPT, "no frame of the video could be decoded")
        if video_in.frames and video_packets < video_in.frames:
            # The index lists more frames than the file holds: a download or a copy cut short.
            raise MediaRejected(MediaRejection.CORRUPT, f"{video_packets} of {video_in.frames} frames")
    return max(1, round(last_time)) if last_time else 0


_Stream = av.video.stream.VideoStream | av.audio.stream.AudioStream
_Decoder = av.video.codeccontext.VideoCodecContext | av.audio.codeccontext.AudioCodecContext


class _Track:
    """One output stream: packets copied (through a bitstream filter where needed) or re-encoded."""

    def __init__(
        self,
        stream: _Stream,
        *,
        reencodes: bool,
        sei_filter: BitStreamFilterContext | None,
        decoder: _Decoder | None,
        resampler: av.AudioResampler | None = None,
    ) -> None:
        # A video or an audio stream, each encoding its own kind of frame: typed loosely, checked by tests.
        self.stream: Any = stream
        self.reencodes = reencodes
        self._filter = sei_filter
        self._decoder = decoder
        self._resampler = resampler

    @classmethod
    def for_video(cls, clean: av.container.OutputContainer, source: av.video.stream.VideoStream) -> _Track:
        codec = source.codec_context.name
        if codec in _MP4_VIDEO:
            stream = clean.add_stream_from_template(source)
            stream.metadata.clear()
            units = _SEI_FILTERS.get(codec)
            bsf = BitStreamFilterContext(units, source, stream) if units else None
            return cls(stream, reencodes=False, sei_filter=bsf, decoder=None)
        rate = source.average_rate or Fraction(30)
        encoder = clean.add_stream("libx264", rate=rate, options={"preset": "veryfast", "crf": "23"})
        encoder.width, encoder.height, encoder.pix_fmt = (
            source.codec_context.width,
            source.codec_context.height,
            "yuv420p",
        )
        # x264 writes its own name and settings into an SEI unit of the first frame: cut it out too.
        sei = BitStreamFilterContext(_SEI_FILTERS["h264"], "h264")
        return cls(encoder, reencodes=True, sei_filter=sei, decoder=source.codec_context)

    @classmethod
    def for_audio(cls, clean: av.container.OutputContainer, source: av.audio.stream.AudioStream) -> _Track:
        """Sound is always re-encoded: it is cheap, and encoders write their name into the AAC
        bitstream itself (a fill element), where no remux can reach it."""
        rate = source.codec_context.sample_rate or 48000
        stream = clean.add_stream("aac", rate=rate, layout="mono")
        stream.codec_context.flags |= av.codec.context.Flags.bitexact  # no "Lavc" in the bitstream
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=rate)
        return cls(stream, reencodes=True, sei_filter=None, decoder=source.codec_context, resampler=resampler)

    def write(self, clean: av.container.OutputContainer, packet: av.Packet[Any]) -> bool:
        """Mux the packet (or what it decodes to, re-encoded); True when it produced a picture."""
        if self.reencodes:
            assert self._decoder is not None
            frames = self._decoder.decode(packet)
            pictures = False
            for frame in frames:
                pictures |= isinstance(frame, av.VideoFrame)
                self._encode(clean, frame)
            return pictures
        packets = self._filter.filter(packet) if self._filter is not None else [packet]
        for out in packets:
            out.stream = self.stream
            clean.mux(out)
        return False

    def _encode(self, clean: av.container.OutputContainer, frame: av.VideoFrame | av.AudioFrame | None) -> None:
        if isinstance(frame, av.VideoFrame) or (frame is None and self._filter is not None):
            if frame is not None:
                frame = frame.reformat(format="yuv420p")
                frame.pts = None  # let the encoder number frames at its own rate
            assert self._filter is not None
            for encoded in self.stream.encode(frame):
                for out in self._filter.filter(encoded):
                    out.stream = self.stream
                    clean.mux(out)
            return
        if isinstance(frame, av.AudioFrame):
            assert self._resampler is not None
            for resampled in self._resampler.resample(frame):
                resampled.pts = None
                clean.mux(self.stream.encode(resampled))
            return
        clean.mux(self.stream.encode(frame))

    def finish(self, clean: av.container.OutputContainer) -> None:
        if self.reencodes:
            assert self._decoder is not None
            for frame in self._decoder.decode(None):
                self._encode(clean, frame)
            if self._resampler is not None:
                for resampled in self._resampler.resample(None):
                    clean.mux(self.stream.encode(resampled))
            self._encode(clean, None)
            if self._filter is not None:
                for out in self._filter.filter(None):
                    out.stream = self.stream
                    clean.mux(out)
        elif self._filter is not None:
            for out in self._filter.filter(None):  # drain what the filter still holds
                out.stream = self.stream
                clean.mux(out)


# --- voice notes and audio -----------------------------------------------------------------


def sanitize_audio(source: Path, work: Path, *, max_bytes: int = MAX_BYTES) -> CleanAudio:
    """`source`'s sound, decoded and encoded afresh as a mono Opus voice note in OGG, without tags."""
    _check_size(source, max_bytes)
    target = work / "clean.ogg"
    samples = 0
    try:
        with source.open("rb") as upload, _open_upload(upload, audio=True) as original:
            sound = next(iter(original.streams.audio), None)
            if sound is None:
                raise MediaRejected(MediaRejection.NOT_SUPPORTED, "no audio stream")
            with (
                target.open("wb") as out_file,
                av.open(out_file, "w", format="ogg", container_options={"fflags": "+bitexact"}) as clean,
            ):
                voice = clean.add_stream("libopus", rate=VOICE_RATE, layout="mono")
                voice.bit_rate = VOICE_BITRATE
                voice.codec_context.flags |= av.codec.context.Flags.bitexact
                resampler = av.AudioResampler(format="s16", layout="mono", rate=VOICE_RATE)
                for frame in original.decode(sound):
                    for resampled in resampler.resample(frame):
                        samples += resampled.samples
                        resampled.pts = None
                        clean.mux(voice.encode(resampled))
                for resampled in resampler.resample(None):
                    samples += resampled.samples
                    clean.mux(voice.encode(resampled))
                if samples == 0:
                    raise MediaRejected(MediaRejection.CORRUPT, "no sound could be decoded")
                clean.mux(voice.encode(None))
    except av.FFmpegError as error:
        raise MediaRejected(MediaRejection.CORRUPT, f"{type(error).__name__}: {error}") from error
    _check_no_tags(target)
    return CleanAudio(target.read_bytes(), max(1, round(samples / VOICE_RATE)))


# --- failing closed ------------------------------------------------------------------------


def _check_only_media_boxes(path: Path) -> None:
    """Walk the MP4's boxes: only those that describe and hold the picture and sound may be there."""
    data = path.read_bytes()

    def walk(start: int, end: int) -> None:
        position = start
        while position < end:
            if position + 8 > end:
                raise RuntimeError("the cleaned video has a truncated box")
            size, kind = struct.unpack(">I4s", data[position : position + 8])
            header = 8
            if size == 1:
                size = struct.unpack(">Q", data[position + 8 : position + 16])[0]
                header = 16
            elif size == 0:
                size = end - position
            if size < header or position + size > end:
                raise RuntimeError(f"the cleaned video has a malformed {kind!r} box")
            if kind == b"ilst" and size != header:
                raise RuntimeError("the cleaned video still has tags (a non-empty ilst box)")
            if kind not in _ALLOWED_BOXES:
                raise RuntimeError(f"the cleaned video still has a {kind!r} box")
            if kind in _CONTAINER_BOXES:
                # meta is a "full box": four bytes of version and flags before its children.
                walk(position + header + (4 if kind == b"meta" else 0), position + size)
            position += size

    walk(0, len(data))


def _check_no_tags(path: Path) -> None:
    """FFmpeg reads the result back: no container or stream tag but the muxer's own bookkeeping."""
    with path.open("rb") as file, av.open(file, "r") as written:
        extra = set(written.metadata) - _HARMLESS_CONTAINER_TAGS
        for stream in written.streams:
            extra |= set(stream.metadata) - _HARMLESS_STREAM_TAGS
            handler = stream.metadata.get("handler_name")
            if handler is not None and handler not in _HARMLESS_HANDLERS:
                extra.add(f"handler_name={handler}")
        if extra:
            raise RuntimeError(f"the cleaned file still has tags: {sorted(extra)}")
