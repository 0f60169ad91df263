"""The token is scrubbed from anything Vigil prints, uncaught exceptions included; secrets are judged
by how guessable they are, never echoed."""

from __future__ import annotations

import io
import logging
import secrets
import sys

import pytest

from bot.logging_setup import install_excepthook, token_secrets
from bot.settings import MIN_SECRET_BITS, estimated_entropy_bits, find_env_file
from tests.sample_network import SECRET, TOKEN


@pytest.fixture
def restore_hooks():
    hook = sys.excepthook
    yield
    sys.excepthook = hook
    logging.captureWarnings(False)


def test_an_uncaught_exception_is_printed_without_the_token(restore_hooks):
    out = io.StringIO()
    install_excepthook(secrets=token_secrets(TOKEN), stream=out)
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    printed = out.getvalue()
    assert "Traceback" in printed and "RuntimeError" in printed and "[redacted]" in printed
    assert TOKEN.partition(":")[2] not in printed


def test_generated_keys_pass_and_guessable_ones_do_not():
    assert estimated_entropy_bits(SECRET) >= MIN_SECRET_BITS
    for _ in range(200):
        assert estimated_entropy_bits(secrets.token_urlsafe(48)) >= MIN_SECRET_BITS
        assert estimated_entropy_bits(secrets.token_hex(16)) >= MIN_SECRET_BITS
    for guessable in (
        "x" * 64,
        "abcdefghijklmnopqrstuvwxyz0123456789",
        "0123456789" * 4,
        "password" * 5,
        "aaaaaaaabbbbbbbbccccccccdddddddd",
        "abab" * 10,
    ):
        assert estimated_entropy_bits(guessable) < MIN_SECRET_BITS, guessable


def test_dotenv_is_looked_for_here_then_next_to_the_network_file(tmp_path, monkeypatch):
    monkeypatch.delenv("VIGIL_NETWORK_FILE", raising=False)
    here, there = tmp_path / "here", tmp_path / "etc"
    here.mkdir()
    there.mkdir()
    found = find_env_file(network_file=there / "network.toml", cwd=here)
    assert found.path is None and found.looked_in == (here / ".env", there / ".env")
    assert "--env-file" in found.describe()
    (there / ".env").write_text("TELEGRAM_BOT_TOKEN=1:a\n")
    assert find_env_file(network_file=there / "network.toml", cwd=here).path == there / ".env"
    (here / ".env").write_text("TELEGRAM_BOT_TOKEN=1:b\n")
    assert find_env_file(network_file=there / "network.toml", cwd=here).path == here / ".env"
