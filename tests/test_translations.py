"""Every user-facing string exists in English and Spanish, with the same placeholders and markup."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot.fake_telegram.html_text import parse_html
from bot.i18n import Catalogs
from bot.languages import SUPPORTED_LANGUAGES
from tests import samples

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")
TAG = re.compile(r"</?([a-z-]+)")
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "N_": None}


def messages_in_code() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for package in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


catalog = samples.catalog


def as_pairs(msgid, msgstr):
    if isinstance(msgid, tuple):
        return list(zip(msgid, msgstr if isinstance(msgstr, tuple) else (msgstr,) * 2, strict=False))
    return [(msgid, msgstr)]


@pytest.fixture(scope="module")
def code_messages():
    messages = messages_in_code()
    assert len(messages) > 50  # the extractor really found the code's strings
    return messages


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalog_has_exactly_the_messages_the_code_uses(language, code_messages):
    ids = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog(language) if m.id}
    assert sorted(map(str, code_messages - ids)) == [], "run the catalog update described in the README"
    assert sorted(map(str, ids - code_messages)) == [], "obsolete entries: remove them"


def test_spanish_is_complete_and_not_fuzzy():
    for message in catalog("es"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_translations_keep_placeholders_and_markup(language):
    for message in catalog(language):
        if not message.id or not message.string:
            continue
        for source, translated in as_pairs(message.id, message.string):
            if not translated:
                continue
            assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(source)), source
            assert Counter(TAG.findall(translated)) == Counter(TAG.findall(source)), source


def test_values_inserted_into_messages_are_escaped():
    tr = Catalogs.load()("es")
    rendered = tr.gettext("📍 Where: <b>{place}</b>", place="<script>&")
    assert rendered == "📍 Dónde: <b>&lt;script&gt;&amp;</b>"


def test_a_nul_in_an_inserted_value_is_dropped_so_telegram_accepts_the_message():
    rendered = Catalogs.load()("en").gettext("📍 Where: <b>{place}</b>", place="Clo\x00vis")
    assert rendered == "📍 Where: <b>Clovis</b>"
    parse_html(rendered)  # the fake, as strict as Telegram, refuses any NUL
