"""Issue 21's figures: `vigil backup` of a 10 000-report database while the bot handles a surge.

The real Application runs in this process against the fake Bot API on loopback, on a database
filled beforehand with 10 000 closed reports (their votes, alerts and settled outbox messages, as
a busy week leaves them). While 40 residents report at once, `python -m bot backup` copies the
database from a process of its own, as cron or the systemd timer would run it. Meanwhile a probe in
the bot takes a unit of work with one write every 20 ms, as a verifier's press would: its longest
wait during the copy is what the copy could cost an update (the same probe over the same surge
without a copy gives the baseline; the waits while the command's Python starts up, before it copies, are
shown apart). The copy is then checked as `vigil restore` checks it. The machine's other load shows
in every wait: compare the copy's line with the baseline of the same run.

    python -m benchmarks backup
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.fake_telegram import FakeTelegram  # noqa: E402
from bot.rate_limits import PriorityRateLimiter  # noqa: E402
from bot.services.pseudonyms import Pseudonyms  # noqa: E402
from storage.backup import check_backup  # noqa: E402
from storage.codec import to_text  # noqa: E402
from storage.database import Database  # noqa: E402
from tests.e2e.harness import build_world, button_data, buttons_of, running_vigil  # noqa: E402
from tests.sample_network import SECRET, TOKEN  # noqa: E402

REPORTS = 10_000
RESIDENTS = 40
FIRST_RESIDENT = 500_000
PROBE_EVERY_SECONDS = 0.02
PATIENCE = 60.0
PLACES = ["Clovis", "Vado", "Downtown"]
WORDS = (
    "Two unmarked white SUVs and a van stopped outside the laundromat on Main; four agents in vests are "
    "asking people for papers at the door and one person was taken to the van."
)


class Figure(NamedTuple):
    name: str
    value: str
    target: str


async def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        await _fill(workdir / "vigil.sqlite3")
        async with FakeTelegram(token=TOKEN, bot_username="vigil_bench_bot") as fake:
            build_world(fake)
            for user_id in range(FIRST_RESIDENT, FIRST_RESIDENT + 2 * RESIDENTS):
                fake.add_user(user_id, f"Neighbour {user_id}", language_code="en")
            # Telegram's pacing off (the fake does not enforce it either): the surge is as dense on the
            # database as the machine allows, instead of waiting 20 cards a minute for the group.
            limits_off = PriorityRateLimiter(overall_per_second=0, group_per_minute=0)
            async with running_vigil(fake, workdir, rate_limiter=limits_off) as vigil:
                return await _measure(fake, vigil, workdir)


async def _fill(path: Path) -> None:
    """10 000 closed reports of the last days, with what they leave behind."""
    database = await Database.open(path)
    await database.close()
    now = datetime.now(UTC)
    reports, votes, alerts, outbox = [], [], [], []
    for n in range(1, REPORTS + 1):
        sent = now - timedelta(hours=2, seconds=30 * n)
        status = ("published", "rejected", "expired")[n % 3]
        reports.append(
            (
                n,
                f"B-{n:05d}",
                f"pseudonym-{n % 997:04d}",
                ("clovis", "vado", "las-cruces-downtown")[n % 3],
                json.dumps(["vehicles"]),
                WORDS,
                "en",
                status,
                to_text(sent),
                to_text(sent + timedelta(minutes=9)),
            )
        )
        for verifier in ("a", "b"):
            votes.append((n, f"verifier-{verifier}", "Ana", "confirm", to_text(sent + timedelta(minutes=4))))
        if status == "published":
            alerts.append((n, to_text(sent + timedelta(minutes=5)), to_text(sent + timedelta(minutes=5))))
        for kind, chat in (("card", -1001000000001), ("channel_post", -1002000000002)):
            payload = json.dumps({"text": WORDS * 2})
            outbox.append((n, kind, chat, payload, to_text(sent), to_text(sent), to_text(sent)))
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO reports (id, public_ref, reporter_pseudonym, neighborhood_key, indicators, description,"
            " reporter_language, status, created_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            reports,
        )
        connection.executemany(
            "INSERT INTO votes (report_id, verifier_pseudonym, verifier_name, kind, cast_at) VALUES (?, ?, ?, ?, ?)",
            votes,
        )
        connection.executemany(
            "INSERT INTO alerts (report_id, status, published_at, last_active_at) VALUES (?, 'ended', ?, ?)", alerts
        )
        connection.executemany(
            "INSERT INTO outbox (report_id, kind, chat_id, payload, status, attempts, next_attempt_at, created_at,"
            " finished_at) VALUES (?, ?, ?, ?, 'sent', 1, ?, ?, ?)",
            outbox,
        )


async def _report(fake: FakeTelegram, user_id: int, place: str, words: str) -> None:
    """A resident's words, the place, Send: as tests.e2e.people.quick_report, with a benchmark's
    patience (on a loaded machine an answer may take longer than a test's 5 s)."""
    fake.user_sends_text(user_id, words)
    await fake.wait_for_bot_message(user_id, lambda m: "Where" in (m.get("text") or ""), timeout=PATIENCE)
    for label in (place, "✅"):
        await fake.wait_until(
            lambda label=label: _shows(fake, user_id, label),  # type: ignore[misc]
            timeout=PATIENCE,
            what=f"the {label} button",
        )
        panel = _panel(fake, user_id)
        query = fake.user_presses_button(user_id, user_id, panel["message_id"], button_data(panel, label))
        await fake.wait_for_callback_answer(query, timeout=PATIENCE)


def _panel(fake: FakeTelegram, user_id: int) -> dict:
    messages = reversed(fake.bot_messages(user_id))
    return next(m for m in messages if any(data.startswith("v1:form:") for _, data in buttons_of(m)))


def _shows(fake: FakeTelegram, user_id: int, label: str) -> bool:
    try:
        button_data(_panel(fake, user_id), label)
    except (AssertionError, StopIteration):
        return False
    return True


async def _surge(fake: FakeTelegram, first: int) -> None:
    await asyncio.gather(
        *(
            _report(fake, user_id, PLACES[n % 3], f"{WORDS} ({n})")
            for n, user_id in enumerate(range(first, first + RESIDENTS))
        )
    )


async def _probe(vigil, until: asyncio.Event) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """(when it asked, how long it took) for a unit of work with one write, again and again."""
    waits = []
    while not until.is_set():
        started = time.monotonic()
        async with vigil.services.database.unit_of_work() as repo:
            await repo.probe_write(datetime.now(UTC))
        waits.append((started, time.monotonic() - started))
        await asyncio.sleep(PROBE_EVERY_SECONDS)
    return waits


async def _report_count(vigil) -> int:  # type: ignore[no-untyped-def]
    async with vigil.services.database.unit_of_work() as repo:
        return sum((await repo.reports_by_status(by_neighborhood=False)).values())


async def _backup(workdir: Path, target: Path) -> tuple[float, float]:
    """`python -m bot backup` in a process of its own: (its wall time, the copy's own seconds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "VIGIL_"))}
    env.update(VIGIL_DATABASE=str(workdir / "vigil.sqlite3"), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        str(target),
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"vigil backup failed: {stderr.decode()}")
    copy = re.search(r"in ([\d.]+) s\)", stdout.decode())
    return wall, float(copy.group(1)) if copy else float("nan")


async def _measure(fake: FakeTelegram, vigil, workdir: Path) -> list[Figure]:  # type: ignore[no-untyped-def]
    size_mb = (workdir / "vigil.sqlite3").stat().st_size / 1e6
    # Baseline: the surge and the probe, no copy.
    stop = asyncio.Event()
    probe = asyncio.create_task(_probe(vigil, stop))
    await _surge(fake, FIRST_RESIDENT)
    stop.set()
    baseline = [took for _, took in await probe]
    await vigil.outbox_idle(timeout=120)
    # The same surge (other residents), and the copy in the middle of it.
    stop = asyncio.Event()
    probe = asyncio.create_task(_probe(vigil, stop))
    before = await _report_count(vigil)
    surge = asyncio.create_task(_surge(fake, FIRST_RESIDENT + RESIDENTS))
    while await _report_count(vigil) < before + RESIDENTS // 4:  # the copy starts amid the Sends
        await asyncio.sleep(0.05)
    target = workdir / "backups" / "during-the-surge.sqlite3"
    began = time.monotonic()
    wall, copy_seconds = await _backup(workdir, target)
    ended = time.monotonic()
    await surge
    stop.set()
    probes = await probe
    # The copy itself is the end of the process's life (Python starts up first): its window is the
    # copy's own seconds before the process ended, plus 50 ms for the process to exit.
    copy_began = ended - copy_seconds - 0.05
    during = [took for asked, took in probes if asked + took >= copy_began and asked <= ended]
    starting = [took for asked, took in probes if asked + took >= began and asked <= copy_began]
    await vigil.outbox_idle(timeout=120)
    check = check_backup(target, Pseudonyms(SECRET).key_check())
    return [
        Figure("backup: database", f"{REPORTS} reports, {size_mb:.1f} MB", "10 000 reports"),
        Figure("backup: the copy (during a surge)", f"{copy_seconds:.2f} s", "<= 2 s"),
        Figure("backup: `vigil backup`, process and all", f"{wall:.2f} s", "<= 2 s"),
        Figure(
            "backup: longest write wait during the copy",
            f"{max(during, default=0) * 1000:.0f} ms ({len(during)} probes)",
            "<= 100 ms",
        ),
        Figure(
            "backup: longest write wait, the command starting up",
            f"{max(starting, default=0) * 1000:.0f} ms ({len(starting)} probes)",
            "(its Python starting, no copy yet)",
        ),
        Figure("backup: longest write wait, same surge, no copy", f"{max(baseline) * 1000:.0f} ms", "(baseline)"),
        Figure("backup: restore check (integrity, key, schema)", f"ok, {check.reports} reports", "verified"),
    ]


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(f"{figure.name:52}  {figure.value:24}  {figure.target}")
