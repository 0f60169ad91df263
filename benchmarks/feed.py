"""Issue 20's figures: the public feed and `vigil export`.

- GET /feed/alerts.atom over HTTP with 500 alerts in the feed's window (each an Alert and its
  Cancel: 1 000 entries), answered by Vigil's own web server and FeedService: the first answer after
  a new message (the feed rendered again), an unchanged poll, and a conditional poll (304).
- The real bot against the fake Bot API: from the channel post of a newly confirmed alert to the
  moment a poller sees it in the feed.
- `vigil export` (the command, as a separate process) for 30 days × 12 neighborhoods.

    python -m benchmarks feed
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("PTB_TIMEDELTA", "true")

import aiohttp  # noqa: E402

from bot.domain.lifecycle import AlertStatus  # noqa: E402
from bot.fake_telegram import FakeTelegram  # noqa: E402
from bot.feed.service import FRESH_FOR, FeedService  # noqa: E402
from bot.feed.web import FeedSurface  # noqa: E402
from bot.i18n import Catalogs  # noqa: E402
from bot.network import parse_network  # noqa: E402
from bot.settings import ListenAddress  # noqa: E402
from bot.web.server import WebServer  # noqa: E402
from storage.database import Database  # noqa: E402
from tests.e2e.harness import build_world, running_vigil  # noqa: E402
from tests.e2e.people import Verifier, card_in_group, text_of  # noqa: E402
from tests.e2e.test_core_flow import report_from_tom, wait_card  # noqa: E402
from tests.history import NOVEMBER, close_alert, publish_alert, write_history  # noqa: E402
from tests.sample_network import ANA, CLOVIS_EN_CHANNEL, LUIS, SECRET, TOKEN, network_toml  # noqa: E402

ALERTS = 500
REPEATS = 50
FEED = '\n[feed]\nenabled = true\nsender = "alerts@nm-rapid-response.example.org"\ndays = 30\n'
NEIGHBORHOODS = tuple(f"barrio-{n:02}" for n in range(12))


class Figure(NamedTuple):
    name: str
    value: str
    target: str


def _ms(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms"


async def _alerts(database: Database, count: int, now: datetime) -> None:
    network = parse_network(network_toml(extra=FEED))
    catalogs = Catalogs.load()
    for n in range(count):
        at = now - timedelta(days=20) + timedelta(minutes=50 * n)
        report = await publish_alert(database, network, catalogs, at)
        await close_alert(database, network, catalogs, report, AlertStatus.ENDED, at + timedelta(hours=1), at)


async def feed_figures(directory: Path) -> list[Figure]:
    now = datetime.now(UTC)
    database = await Database.open(directory / "feed.sqlite3")
    network = parse_network(network_toml(extra=FEED))
    service = FeedService(database=database, network=network, catalogs=Catalogs.load(), clock=lambda: now)
    server = WebServer(ListenAddress("127.0.0.1", 0), [FeedSurface(service, None)])
    await _alerts(database, ALERTS, now)
    await server.start()
    url = f"http://127.0.0.1:{server.port}/feed/alerts.atom"
    cold: list[float] = []
    changed: list[float] = []
    warm: list[float] = []
    unchanged: list[float] = []
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(REPEATS):
                # As after a restart: every entry built again.
                service._cached, service._entries = None, {}
                started = time.perf_counter()
                async with http.get(url) as response:
                    await response.read()
                cold.append(time.perf_counter() - started)
                # As after a new message: the window read again, the entries already built reused.
                service._cached = None
                started = time.perf_counter()
                async with http.get(url) as response:
                    body = await response.read()
                    etag = response.headers["ETag"]
                changed.append(time.perf_counter() - started)
                await asyncio.sleep(FRESH_FOR)  # the next poll looks at the database again
                started = time.perf_counter()
                async with http.get(url) as response:
                    await response.read()
                warm.append(time.perf_counter() - started)
                started = time.perf_counter()
                async with http.get(url, headers={"If-None-Match": etag}) as response:
                    assert response.status == 304
                unchanged.append(time.perf_counter() - started)
    finally:
        await server.stop()
        await database.close()
    entries = body.count(b"<entry")
    return [
        Figure(f"GET /feed/alerts.atom, {ALERTS} alerts ({entries} entries), first after start", _ms(cold), "≤ 50 ms"),
        Figure("GET /feed/alerts.atom, after a new message", _ms(changed), "≤ 50 ms"),
        Figure("GET /feed/alerts.atom, unchanged (200, one small query)", _ms(warm), "≤ 50 ms"),
        Figure("GET /feed/alerts.atom with If-None-Match (304)", _ms(unchanged), "304"),
        Figure("feed size", f"{len(body) / 1024:.0f} KB", ""),
    ]


async def latency_figure(directory: Path) -> Figure:
    """From the channel post to the feed, through the real bot."""
    network = parse_network(network_toml(extra=FEED))
    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as fake:
        build_world(fake)
        async with (
            running_vigil(fake, directory, network=network, VIGIL_WEB_LISTEN="127.0.0.1:0") as vigil,
            aiohttp.ClientSession() as http,
        ):
            ref = await report_from_tom(fake)
            await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
            await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
            await fake.wait_until(
                lambda: any("Confirmed alert" in text_of(m) for m in fake.bot_messages(CLOVIS_EN_CHANNEL)),
                what="the channel post",
            )
            posted = time.perf_counter()
            while True:
                async with http.get(f"{vigil.web_base}/feed/alerts.atom") as response:
                    if b"<entry" in await response.read():
                        break
                await asyncio.sleep(0.005)
            seen = time.perf_counter() - posted
    return Figure("channel post → alert in the feed (polled every 5 ms)", f"{seen * 1000:.0f} ms", "≤ 1 s")


async def export_figures(directory: Path) -> list[Figure]:
    database_path = directory / "export.sqlite3"
    database = await Database.open(database_path)
    await write_history(
        database,
        first_day=NOVEMBER,
        days=30,
        neighborhoods=NEIGHBORHOODS,
        purge_before=NOVEMBER + timedelta(days=15),  # half of it already folded by the purge
    )
    await database.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "VIGIL_"))}
    root = Path(__file__).resolve().parents[1]
    env.update(
        PYTHONPATH=str(root),
        TELEGRAM_BOT_TOKEN=TOKEN,
        VIGIL_SECRET_KEY=SECRET,
        VIGIL_DATABASE=str(database_path),
        VIGIL_NETWORK_FILE=str(directory / "network.toml"),
    )
    figures = []
    for out in ("report.csv", "report.json"):
        args = ["export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", out, "--verifiers"]
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", *args], cwd=directory, env=env, check=True, capture_output=True)
        took = time.perf_counter() - started
        figures.append(Figure(f"vigil export, 30 days × 12 neighborhoods ({out})", f"{took:.2f} s", "≤ 2 s"))
    rows = (directory / "report.csv").read_text().count("\n") - 1
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "--help"], cwd=directory, env=env, check=True, capture_output=True)
    figures.append(
        Figure(
            f"  of which starting `vigil` at all ({rows} rows written)", f"{time.perf_counter() - started:.2f} s", ""
        )
    )
    return figures


async def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        (directory / "network.toml").write_text(network_toml(extra=FEED))
        figures = await feed_figures(directory)
        figures.append(await latency_figure(directory / "bot"))
        figures += await export_figures(directory)
    return figures


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(f"{figure.name}: {figure.value} (target {figure.target})")
