"""Run `python -m bot` (the same as `vigil`) as a person would, in a directory of its own."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.fake_telegram import FakeTelegram
from tests.sample_network import SECRET, TOKEN, network_toml

ROOT = Path(__file__).resolve().parents[2]
COMMAND_TIMEOUT = 60.0
# The secret half of the token: it must appear in no output at all.
TOKEN_SECRET = TOKEN.partition(":")[2]

# Loaded by Python at start-up through PYTHONPATH: name lookups fail as they do on a machine
# with no network (EAI_AGAIN) or for a name that does not exist (EAI_NONAME); loopback still works.
_NO_DNS = """
import socket
_lookup = socket.getaddrinfo
def _failing(host, *args, **kwargs):
    if host in ("127.0.0.1", "localhost", "::1", b"127.0.0.1", b"localhost"):
        return _lookup(host, *args, **kwargs)
    raise socket.gaierror(socket.{code}, "lookup failed (simulated by the test)")
socket.getaddrinfo = _failing
"""


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def assert_no_secrets(self) -> None:
        for secret in (TOKEN, TOKEN_SECRET, SECRET):
            assert secret not in self.output, f"a secret appears in the output:\n{self.output}"


def environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "VIGIL_"))}
    env.update(PYTHONPATH=str(ROOT), **settings)
    return env


async def vigil(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = COMMAND_TIMEOUT
) -> Outcome:
    """`python -m bot ARGS` to the end; the fake Telegram keeps serving in this loop meanwhile."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=dict(env if env is not None else environment()),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"`vigil {' '.join(args)}` did not end within {timeout}s") from None
    assert process.returncode is not None
    return Outcome(process.returncode, stdout.decode(errors="replace"), stderr.decode(errors="replace"))


async def run_until_polling(
    fake: FakeTelegram, *args: str, cwd: Path, env: Mapping[str, str], since: int = 0
) -> Outcome:
    """`python -m bot ARGS` until the bot polls the fake Telegram (more than `since` getUpdates
    calls so far), then SIGTERM, as a service manager stops it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await fake.wait_until(lambda: len(fake.calls("getUpdates")) > since, timeout=30, what="the bot polling")
    process.terminate()
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return Outcome(process.returncode, stdout.decode(errors="replace"), stderr.decode(errors="replace"))


def settings_for(fake: FakeTelegram | None, workdir: Path, **more: str) -> dict[str, str]:
    """The environment a volunteer would set, pointed at the fake Telegram."""
    settings = dict(
        TELEGRAM_BOT_TOKEN=TOKEN,
        VIGIL_SECRET_KEY=SECRET,
        VIGIL_DATABASE=str(workdir / "vigil.sqlite3"),
        VIGIL_NETWORK_FILE=str(workdir / "network.toml"),
    )
    if fake is not None:
        settings.update(TELEGRAM_BASE_URL=fake.base_url, TELEGRAM_BASE_FILE_URL=fake.base_file_url)
    settings.update(more)
    return settings


def no_dns(directory: Path, *, no_network: bool) -> str:
    """A PYTHONPATH entry that makes every name lookup fail."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(_NO_DNS.format(code="EAI_AGAIN" if no_network else "EAI_NONAME"))
    return f"{directory}{os.pathsep}{ROOT}"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory with the sample network file and no .env."""
    (tmp_path / "network.toml").write_text(network_toml())
    return tmp_path
