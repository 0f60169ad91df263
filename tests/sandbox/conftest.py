"""The sandbox as a person starts it: `python -m bot sandbox`, in a directory with no settings."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
ADDRESS = re.compile(r"http://127\.0\.0\.1:\d+/")


@dataclass
class Sandbox:
    process: subprocess.Popen[str]
    address: str
    first_line: str
    log: Path

    def stop(self) -> int:
        """Ctrl+C, as a person stops it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code


def clean_environment(**extra: str) -> dict[str, str]:
    """No Telegram or Vigil settings: what a fresh machine has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "VIGIL_"))}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def start_sandbox(workdir: Path, *args: str) -> Sandbox:
    log = workdir / "sandbox.log"
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=workdir,
            env=clean_environment(),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
    line = process.stdout.readline() if ready else ""
    match = ADDRESS.search(line)
    sandbox = Sandbox(process, match.group(0) if match else "", line, log)
    if match is None:
        process.kill()
        sandbox.stop()
        raise AssertionError(
            f"the sandbox did not print its address; it printed {line!r}; "
            f"its log ends: {log.read_text(errors='replace')[-2000:]}"
        )
    return sandbox


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    running = start_sandbox(tmp_path, "sandbox", "--port", "0")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(sandbox: Sandbox) -> Iterator[Any]:
    """The sandbox page in Debian's Chromium (tests/sandbox/browser.py), once it is live."""
    from tests.sandbox.browser import open_page

    with open_page(sandbox.address) as page:
        yield page
