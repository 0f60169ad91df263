"""The languages Vigil speaks.

Adding one takes two steps and no other code: its catalog, ``bot/locales/<code>/LC_MESSAGES/vigil.po``
(see the README's *Translations*), and one entry in :data:`LANGUAGE_NAMES` below. Everything else
(the /language buttons, the command menus, the network file's validation, the catalogs loaded at
start-up) reads this list when it runs, never a copy taken at import.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

# Language code (ISO 639-1, as Telegram clients report it) -> the language's own name.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "Español",
}


def supported_languages() -> tuple[str, ...]:
    return tuple(LANGUAGE_NAMES)


def _known(code: str) -> str:
    if code not in LANGUAGE_NAMES:
        raise ValueError(f"{code!r} is not allowed here; use {_alternatives()}")
    return code


def _alternatives() -> str:
    quoted = [repr(code) for code in LANGUAGE_NAMES]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


# A language code Vigil has a catalog for; validated where configuration is read.
Language = Annotated[str, AfterValidator(_known)]


def match_language(code: str | None) -> str | None:
    """Map a Telegram client code such as 'es-MX' to a supported language, if any."""
    if not code:
        return None
    primary = code.replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGE_NAMES else None


def is_supported(code: str) -> bool:
    return code in LANGUAGE_NAMES


# The list as it was at import, for parametrizing tests; code calls supported_languages().
SUPPORTED_LANGUAGES: tuple[str, ...] = supported_languages()
