"""Telegram measures text in UTF-16 code units, so an emoji counts twice."""

from __future__ import annotations

MESSAGE_LIMIT = 4096  # a message's text, in UTF-16 code units
CAPTION_LIMIT = 1024  # a photo's (or video's) caption, in UTF-16 code units


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
