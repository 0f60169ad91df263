"""Secrets in files (Docker secrets, systemd credentials): NAME_FILE names the file that holds NAME."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigurationError
from bot.settings import EnvFile, find_env_file, load_settings, token_is_configured
from tests.sample_network import SECRET, TOKEN


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "VIGIL_SECRET_KEY", "TELEGRAM_BOT_TOKEN_FILE", "VIGIL_SECRET_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


def secret_file(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / "run" / "secrets" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content + "\n")  # as `echo ... > file` or Docker writes it: a final newline
    return path


def test_token_and_key_are_read_from_the_files_the_environment_names(tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN_FILE", str(secret_file(tmp_path, "telegram_bot_token", TOKEN)))
    monkeypatch.setenv("VIGIL_SECRET_KEY_FILE", str(secret_file(tmp_path, "vigil_secret_key", SECRET)))
    settings = load_settings(None)
    assert settings.telegram_bot_token.get_secret_value() == TOKEN
    assert settings.secret_key.get_secret_value() == SECRET
    assert token_is_configured(EnvFile(None))  # `vigil` alone runs the bot, not the sandbox


def test_the_file_names_may_come_from_the_env_file(tmp_path, monkeypatch):
    token = secret_file(tmp_path, "token", TOKEN)
    key = secret_file(tmp_path, "key", SECRET)
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN_FILE={token}\nVIGIL_SECRET_KEY_FILE={key}\n")
    env = find_env_file(cwd=tmp_path)
    settings = load_settings(env)
    assert settings.secret_key.get_secret_value() == SECRET
    assert token_is_configured(env)


def test_a_secret_given_both_ways_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("VIGIL_SECRET_KEY", SECRET)
    monkeypatch.setenv("VIGIL_SECRET_KEY_FILE", str(secret_file(tmp_path, "key", SECRET)))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    with pytest.raises(ConfigurationError, match="Both VIGIL_SECRET_KEY and VIGIL_SECRET_KEY_FILE are set"):
        load_settings(None)


def test_an_unreadable_secret_file_is_one_sentence_that_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("VIGIL_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigurationError, match=r"VIGIL_SECRET_KEY_FILE names .*missing, which Vigil cannot read"):
        load_settings(None)


def test_a_weak_key_from_a_file_is_refused_like_one_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("VIGIL_SECRET_KEY_FILE", str(secret_file(tmp_path, "key", "a" * 40)))
    with pytest.raises(ConfigurationError, match="VIGIL_SECRET_KEY: .*too easy to guess"):
        load_settings(None)
