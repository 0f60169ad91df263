"""The same bot on PostgreSQL (issue 22): the idle alert latency, and the text and photo surges next
to SQLite's in the same run, on a throwaway local server with fsync on (tests/postgresql.py).

python -m benchmarks postgresql
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import psycopg

from benchmarks.surge import (
    Bench,
    Figure,
    cores,
    idle_latency,
    phone_photo,
    photo_surge,
    text_and_alert_surge,
    with_bench,
)
from bot.fake_telegram import FakeTelegram
from bot.photos import sanitize_image
from tests import postgresql
from tests.crash.harness import BotProcess


class PostgresBench(Bench):
    """A Bench whose bot keeps its data on the PostgreSQL server at `url`."""

    def __init__(self, fake: FakeTelegram, workdir: Path, url: str) -> None:
        super().__init__(fake, workdir)
        self.bot.close()
        self.bot = BotProcess(fake, workdir, database=url)
        self.url = url

    async def outbox_idle(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            async with await psycopg.AsyncConnection.connect(self.url) as db:
                cursor = await db.execute("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")
                row = await cursor.fetchone()
            if row is not None and row[0] == 0 and not self.fake.world.updates:
                await self.fake.settled(quiet=0.3, timeout=60)
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the outbox did not empty in {timeout}s")
            await asyncio.sleep(0.1)


async def on_backend(
    server: postgresql.LocalPostgres | None, name: str, body: Callable[[Bench], Awaitable[list[Figure]]]
) -> list[Figure]:
    """`body` on SQLite (server None) or on a fresh database of `server`."""
    if server is None:
        return await with_bench(body)
    url = server.create_database(name)
    return await with_bench(body, lambda fake, workdir: PostgresBench(fake, workdir, url))


def _seconds(figure: Figure) -> float:
    return float(figure.value.split()[0].split("/")[-1])


async def run() -> list[Figure]:
    # VIGIL_BENCH_SYNCHRONOUS_COMMIT=off: COMMIT waits for no disk flush, SQLite's own setting here
    # (WAL with synchronous=NORMAL); on (the default): every COMMIT is flushed, PostgreSQL's default.
    synchronous = os.environ.get("VIGIL_BENCH_SYNCHRONOUS_COMMIT", "on") != "off"
    server = postgresql.start_server(durable=True, synchronous_commit=synchronous)
    if server is None:
        return [Figure("PostgreSQL", "not measured", postgresql.MISSING)]
    try:
        photo = phone_photo()
        sanitize_image(photo)
        started = time.monotonic()
        sanitize_image(photo)
        seconds_per_image = time.monotonic() - started
        figures: list[Figure] = []
        (idle,) = await on_backend(server, "bench_idle", idle_latency)
        figures.append(Figure(f"PostgreSQL: {idle.name}", idle.value, idle.target))
        for label, body in (
            ("text surge", text_and_alert_surge),
            ("photo surge", lambda bench: photo_surge(bench, photo, seconds_per_image)),
        ):
            on_sqlite = await on_backend(None, "", body)
            on_postgresql = await on_backend(server, f"bench_{label.split()[0]}", body)
            for lite, pg in zip(on_sqlite, on_postgresql, strict=True):
                if not pg.value[:1].isdigit():
                    continue
                figures.append(Figure(f"PostgreSQL: {pg.name}", pg.value, f"SQLite, same run: {lite.value}"))
            # the headline figure of each surge: the first answers' p99 (photo) or the alert's latency (text)
            lite_key, pg_key = on_sqlite[1], on_postgresql[1]
            ratio = _seconds(pg_key) / max(_seconds(lite_key), 1e-3)
            figures.append(
                Figure(f"PostgreSQL / SQLite, {label}: {pg_key.name}", f"{ratio:.2f} ×", f"≤ 1.2 × ({cores()} cores)")
            )
        return figures
    finally:
        postgresql.remove(server)
