"""Run the real bot (`python -m bot`) as a subprocess against the fake Bot API, and kill it.

The fake server lives in the test's event loop, so the test can act at exact moments through
its hooks: kill the bot right after Telegram stored a post (the answer never arrives), or while
Telegram holds the request that would confirm a batch of updates (so they are delivered again).
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.fake_telegram import AbortRequest, FakeTelegram
from tests.sample_network import SECRET, TOKEN

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 20.0


class KillPlan(StrEnum):
    TIMER = "timer"  # at a random moment while it works
    DURING_START = "during_start"  # before it is ready: during migrations, recovery, start-up checks
    AFTER_CHANNEL_POST = "after_channel_post"  # Telegram stored the post; the answer never arrives
    AFTER_EDIT = "after_edit"  # Telegram applied an edit; the answer never arrives
    AFTER_ANSWER = "after_answer"  # a vote was committed and answered; what follows is cut
    BEFORE_CONFIRMING_UPDATES = "before_confirming_updates"  # Telegram will deliver the batch again


class BotProcess:
    """One `python -m bot` at a time, with the environment a volunteer would set."""

    def __init__(
        self,
        fake: FakeTelegram,
        workdir: Path,
        *,
        database: str | None = None,
        instance: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        """`database`: a postgresql:// URL instead of an SQLite file in `workdir`; `instance`: the
        name in the lease (VIGIL_INSTANCE), which also tags its requests to the fake (via_url)."""
        self.fake = fake
        self.workdir = workdir
        self.database = workdir / "vigil.sqlite3"
        self.database_target = database or str(self.database)
        self.instance = instance
        self.extra_env = extra_env or {}
        self.process: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self.starts = 0
        self.kills = 0
        self._log = open(workdir / "bot.log", "ab")  # noqa: SIM115 - closed in close()

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "VIGIL_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=self.fake.via_url(self.instance) if self.instance else self.fake.base_url,
            TELEGRAM_BASE_FILE_URL=self.fake.base_file_url,
            VIGIL_DATABASE=self.database_target,
            VIGIL_NETWORK_FILE=str(self.workdir / "network.toml"),
            VIGIL_SECRET_KEY=SECRET,
            # the working tree, not a copy installed in site-packages
            PYTHONPATH=str(ROOT),
        )
        if self.instance:
            env["VIGIL_INSTANCE"] = self.instance
        env.update(self.extra_env)
        return env

    async def start(self) -> None:
        assert self.process is None
        self.ready.clear()
        self.starts += 1
        self._log.write(f"\n===== start {self.starts} =====\n".encode())
        self._log.flush()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.workdir,
            env=self.environment(),
            stdout=self._log,
            stderr=self._log,
        )

    async def wait_ready(self) -> None:
        await asyncio.wait_for(self.ready.wait(), READY_TIMEOUT)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def kill_now(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a power cut of the process."""
        if self.alive:
            assert self.process is not None
            self.process.kill()
            self.kills += 1

    async def reap(self) -> None:
        if self.process is not None:
            await self.process.wait()
            self.process = None

    async def stop_gracefully(self) -> int:
        assert self.process is not None
        self.process.terminate()
        code = await asyncio.wait_for(self.process.wait(), 30)
        self.process = None
        return code

    def log_tail(self, lines: int = 60) -> str:
        self._log.flush()
        return "\n".join((self.workdir / "bot.log").read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        self._log.close()


@dataclass
class Killer:
    """Installs hooks on the fake server once; each run arms one kill plan."""

    fake: FakeTelegram
    bot: BotProcess
    rng: random.Random
    channels: set[int]
    plan: KillPlan | None = None
    fired: asyncio.Event = field(default_factory=asyncio.Event)
    counts: dict[str, int] = field(default_factory=dict)

    def install(self) -> None:
        self.fake.before_call(self._before)
        self.fake.after_call(self._after)

    def arm(self, plan: KillPlan | None) -> None:
        self.plan = plan
        self.fired.clear()

    def fire(self) -> None:
        """Carry out the armed plan now (if the bot still runs)."""
        if self.plan is not None and self.bot.alive:
            self.counts[self.plan] = self.counts.get(self.plan, 0) + 1
            self.plan = None
            self.bot.kill_now()
            self.fired.set()

    async def _before(self, method: str, params: dict[str, Any]) -> None:
        if method == "getUpdates" and not self.bot.ready.is_set():
            self.bot.ready.set()
        if self.plan is KillPlan.BEFORE_CONFIRMING_UPDATES and method == "getUpdates":
            offset = int(params.get("offset") or 0)
            if offset and any(u["update_id"] < offset for u in self.fake.world.updates):
                # Hold the confirming request while the bot works on the batch, then kill it:
                # Telegram never saw the confirmation, so it offers the batch again.
                await asyncio.sleep(self.rng.uniform(0.1, 0.4))
                self.fire()
                raise AbortRequest()

    async def _after(self, method: str, params: dict[str, Any]) -> None:
        chat_id = _chat(params)
        if self.plan is KillPlan.AFTER_CHANNEL_POST and method == "sendMessage" and chat_id in self.channels:
            self.fire()
        elif self.plan is KillPlan.AFTER_EDIT and method == "editMessageText":
            self.fire()
        elif self.plan is KillPlan.AFTER_ANSWER and method == "answerCallbackQuery":
            self.fire()


@dataclass(frozen=True)
class DrillPlaces:
    """Neighborhoods of their own for a drill, each with one English channel.

    A second report of a place that has an open report is attached to it as corroboration (issue
    9) instead of getting a card of its own; a drill where every report needs its own card gives
    each report its own place."""

    count: int
    first_channel: int = -1003000000001

    def channels(self) -> dict[str, int]:
        return {f"drill-{n:02d}": self.first_channel - n for n in range(self.count)}

    def network_toml(self) -> str:
        """The [[neighborhoods]] to append to the network file."""
        return "".join(
            f'\n[[neighborhoods]]\nkey = "{key}"\nnames = {{ en = "Drill {key}", es = "Simulacro {key}" }}\n'
            f'channels = [{{ chat_id = {channel}, languages = ["en"] }}]\n'
            for key, channel in self.channels().items()
        )

    def add_to(self, fake: FakeTelegram) -> None:
        for key, channel in self.channels().items():
            fake.add_channel(channel, f"Drill {key}")


def _chat(params: dict[str, Any]) -> int | None:
    try:
        return int(params.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@contextmanager
def read_only(database: Path) -> Iterator[sqlite3.Connection]:
    """Look at the bot's database while it runs (WAL lets a reader in without blocking it)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    connection.row_factory = sqlite3.Row
    try:
        yield connection
    finally:
        connection.close()


def presses_in_group(fake: FakeTelegram, group: int) -> list[int]:
    """The update ids of every button press made in `group`, as Telegram offered them."""
    return [
        uid
        for uid, u in fake.world.update_history.items()
        if u.get("callback_query", {}).get("message", {}).get("chat", {}).get("id") == group
    ]


def telegram_update_ids(request_ids: Iterable[str]) -> set[int]:
    """The Telegram update ids among handled request ids ("telegram:<id>"; web requests are not)."""
    return {int(r.removeprefix("telegram:")) for r in request_ids if r.startswith("telegram:")}
