"""Telegram measures text in UTF-16 code units, so an emoji counts twice."""

from __future__ import annotations


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
