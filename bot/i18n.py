"""Translations: gettext catalogs (.po, read with Babel) shipped inside the package.

English is the source language, so every message id is the English text. Every value
inserted into a message is HTML-escaped unless it is wrapped in :class:`Html`, because
all of Vigil's messages are sent with parse_mode=HTML and residents' words go into them.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.languages import Language, supported_languages

DOMAIN = "vigil"


class Html(str):
    """Text that is already safe HTML (rendered by Vigil itself), inserted as is."""


def escape(value: object) -> str:
    """`value` as text inside Vigil's HTML. A NUL character is dropped: Telegram refuses a whole
    message that holds one ("Text must not contain null bytes"), and it shows nothing."""
    if isinstance(value, Html):
        return value
    return html.escape(str(value).replace("\0", ""), quote=False)


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Translator:
    language: Language
    _translations: NullTranslations

    def gettext(self, message: str, **params: Any) -> Html:
        return self._format(self._translations.gettext(message), params)

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> Html:
        return self._format(self._translations.ngettext(singular, plural, n), {"n": n, **params})

    @staticmethod
    def _format(template: str, params: dict[str, Any]) -> Html:
        if not params:
            return Html(template)
        return Html(template.format(**{name: escape(value) for name, value in params.items()}))


def catalog_path(language: Language) -> str:
    return f"locales/{language}/LC_MESSAGES/{DOMAIN}.po"


def locales_root() -> Traversable:
    """Where the catalogs are: the package's own ``bot/locales`` (a test may point elsewhere)."""
    return files("bot")


class Catalogs:
    """Every supported language's translator, loaded once at start-up."""

    def __init__(self, translators: dict[Language, Translator]) -> None:
        self._translators = translators

    @classmethod
    def load(cls) -> Catalogs:
        package = locales_root()
        translators: dict[Language, Translator] = {}
        for language in supported_languages():
            with package.joinpath(catalog_path(language)).open("rb") as po_file:
                catalog = read_po(po_file, locale=language, domain=DOMAIN)
            # Babel reads .po directly; compiling in memory keeps only the source catalog in the
            # repository and the wheel. Fuzzy entries are left out, so English shows instead.
            compiled = io.BytesIO()
            write_mo(compiled, catalog, use_fuzzy=False)
            compiled.seek(0)
            translators[language] = Translator(language, Translations(fp=compiled, domain=DOMAIN))
        return cls(translators)

    def __call__(self, language: Language) -> Translator:
        return self._translators[language]
