"""A third language is a catalog and one entry in a list (bot/languages.py), not a code change.

The test does at run time what a translator does in the repository: it adds a small Portuguese
catalog next to the built-in ones and the line `"pt": "Português"`, and a resident whose Telegram
app is in Brazilian Portuguese is then served in Portuguese, end to end.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from bot import i18n, languages
from bot.network import parse_network
from tests.e2e.harness import buttons_of, running_vigil
from tests.e2e.people import Resident, text_of
from tests.sample_network import network_toml

JOANA = 5004

PORTUGUESE = r"""
msgid ""
msgstr ""
"Language: pt\n"
"Content-Type: text/plain; charset=utf-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Choose your language:"
msgstr "Escolha o seu idioma:"

msgid "Report what you see"
msgstr "Relate o que você vê"

msgid "Know your rights"
msgstr "Conheça os seus direitos"

msgid "From now on I will write to you in English."
msgstr "De agora em diante vou escrever para você em português."
"""


@pytest.fixture
def portuguese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "package"
    shutil.copytree(Path(str(files("bot").joinpath("locales"))), root / "locales")
    catalog = root / "locales" / "pt" / "LC_MESSAGES" / "vigil.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text(PORTUGUESE, encoding="utf-8")  # step 1: the catalog
    monkeypatch.setitem(languages.LANGUAGE_NAMES, "pt", "Português")  # step 2: one entry in the list
    monkeypatch.setattr(i18n, "locales_root", lambda: root)  # where this test put the catalogs


async def test_a_resident_is_served_in_a_language_added_as_a_catalog(portuguese, fake, tmp_path):
    fake.add_user(JOANA, "Joana", language_code="pt-BR")
    # The network file is unchanged: names of places fall back to the default language.
    async with running_vigil(fake, tmp_path):
        joana = Resident(fake, JOANA)
        menu = await joana.sends_text("/language", expect="Escolha o seu idioma")
        assert [text for text, _ in buttons_of(menu)] == ["English", "Español", "Português"]
        await joana.taps("Português", menu)
        await fake.wait_until(lambda: "português" in text_of(joana.current(menu["message_id"])), what="the answer")
        # Telegram shows Portuguese speakers the command menu in Portuguese.
        menu = fake.commands(scope="all_private_chats", language_code="pt")
        commands = {c["command"]: c["description"] for c in menu}
        assert commands["report"] == "Relate o que você vê" and commands["rights"] == "Conheça os seus direitos"
        # A message the small catalog lacks falls back to English rather than failing.
        assert "Vigil" in text_of(await joana.sends_text("/help", expect="Vigil"))


def test_a_language_without_its_catalog_entry_is_refused_in_the_network_file():
    with pytest.raises(Exception, match="'pt' is not allowed here; use 'en' or 'es'"):
        parse_network(network_toml().replace('languages = ["es", "en"]', 'languages = ["es", "pt"]'))
