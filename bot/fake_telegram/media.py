"""How the fake Telegram looks at a video or audio file: what Telegram tells bots about it.

Telegram reads uploads with FFmpeg; so does the fake, through PyAV. A file it cannot read as a
video is still delivered, but as a document, which is what Telegram does with such a "video".
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import av

# Telegram's voice messages: OGG with Opus, or MP3, or M4A; anything else sent as a voice becomes a document.
VOICE_FORMATS = {("ogg", "opus"), ("mp3", "mp3"), ("mov,mp4,m4a,3gp,3g2,mj2", "aac")}

# PyAV logs FFmpeg's complaints about damaged input; the fake is not interested in them.
logging.getLogger("libav").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class MediaInfo:
    format_name: str
    width: int
    height: int
    duration: int  # whole seconds, as Telegram reports them
    video_codec: str | None
    audio_codec: str | None


def probe(content: bytes) -> MediaInfo | None:
    """What FFmpeg says about the file, or None when it cannot read it (then it is a plain document)."""
    try:
        with av.open(io.BytesIO(content), "r") as container:
            video = next(iter(container.streams.video), None)
            audio = next(iter(container.streams.audio), None)
            if video is None and audio is None:
                return None
            duration = container.duration / av.time_base if container.duration else 0.0
            return MediaInfo(
                format_name=container.format.name,
                width=video.codec_context.width if video is not None else 0,
                height=video.codec_context.height if video is not None else 0,
                duration=round(duration),
                video_codec=video.codec_context.name if video is not None else None,
                audio_codec=audio.codec_context.name if audio is not None else None,
            )
    except (av.FFmpegError, ValueError, EOFError):
        return None


def is_voice(info: MediaInfo | None) -> bool:
    return info is not None and info.video_codec is None and (info.format_name, info.audio_codec) in VOICE_FORMATS
