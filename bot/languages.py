"""The languages Vigil speaks. Adding one means adding its catalog under bot/locales."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "es"]
SUPPORTED_LANGUAGES: tuple[Language, ...] = ("en", "es")
LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "es": "Español"}


def match_language(code: str | None) -> Language | None:
    """Map a Telegram client code such as 'es-MX' to a supported language, if any."""
    if not code:
        return None
    primary = code.replace("_", "-").split("-", 1)[0].lower()
    for language in SUPPORTED_LANGUAGES:
        if language == primary:
            return language
    return None
