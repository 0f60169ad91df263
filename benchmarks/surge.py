"""Issue 8's figures: a raid's surge, measured from outside.

The real bot runs as `python -m bot` (its own process, Telegram's published limits in its rate
limiter) against the project's fake Bot API server on loopback, in this process. Every figure is
taken in one run on this machine, next to the limit it chases, so the ratios hold even where the
absolute seconds would differ on another machine.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import re
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from bot.fake_telegram import FakeTelegram
from bot.photos import sanitize_image
from storage.codec import to_text
from tests.crash.harness import BotProcess, DrillPlaces, Killer, KillPlan, read_only
from tests.e2e.harness import build_world
from tests.sample_network import ANA, CLOVIS_EN_CHANNEL, LUIS, MARTA, TOKEN, VADO_CHANNEL, VERIFIER_GROUP, network_toml

TELEGRAM_PER_SECOND = 30
TELEGRAM_GROUP_PER_MINUTE = 20
REF = re.compile(r"R-[2-9A-HJ-NP-Z]{4}")
PLACES = ["clovis", "vado", "las-cruces-downtown"]
# A place of its own for every report that needs its own card: a second report of a place with an
# open report is attached to it as corroboration (issue 9) instead.
DRILL = DrillPlaces(40)


@dataclass(frozen=True)
class Figure:
    name: str
    value: str
    target: str


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel JPEG with texture (a flat picture would compress to nothing), as a phone writes it."""
    rng = random.Random(8)
    tile = Image.effect_noise((500, 500), 60).convert("RGB")
    picture = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    for x in range(0, width, 500):
        for y in range(0, height, 500):
            if rng.random() < 0.6:
                picture.paste(tile, (x, y))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00")
    return out.getvalue()


# --- the bot under test -------------------------------------------------------------------------


class Bench:
    """One fake Telegram and one `python -m bot`, with what the figures need to watch them."""

    def __init__(self, fake: FakeTelegram, workdir: Path) -> None:
        self.fake = fake
        self.workdir = workdir
        (workdir / "network.toml").write_text(network_toml(extra=DRILL.network_toml()))
        DRILL.add_to(fake)
        self.bot = BotProcess(fake, workdir)
        self.first_answer: dict[int, float] = {}
        fake.after_call(self._after)
        fake.before_call(self._before)

    async def _before(self, method: str, params: dict[str, Any]) -> None:
        if method == "getUpdates":
            self.bot.ready.set()  # the bot is up and asking for updates

    async def _after(self, method: str, params: dict[str, Any]) -> None:
        try:
            chat = int(params.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return
        if chat > 0 and method.startswith("send"):
            self.first_answer.setdefault(chat, time.monotonic())

    async def start(self) -> None:
        await self.bot.start()
        await self.bot.wait_ready()

    async def stop(self) -> None:
        if self.bot.alive:
            await self.bot.stop_gracefully()
        self.bot.close()

    def residents(self, first: int, count: int) -> list[int]:
        people = list(range(first, first + count))
        for user_id in people:
            self.fake.add_user(user_id, f"Neighbour {user_id}", language_code="en")
        return people

    def rss_mb(self) -> float:
        return _status_kb(self.bot, "VmRSS") / 1024

    def cpu_seconds(self) -> float:
        assert self.bot.process is not None
        fields = Path(f"/proc/{self.bot.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def outbox_idle(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with read_only(self.bot.database) as db:
                waiting = db.execute("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0]
            if waiting == 0 and not self.fake.world.updates:
                await self.fake.settled(quiet=0.3, timeout=60)
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the outbox did not empty in {timeout}s")
            await asyncio.sleep(0.1)

    def panel(self, user_id: int) -> dict[str, Any] | None:
        for message in reversed(self.fake.bot_messages(user_id)):
            if "v1:form:" in str(message.get("reply_markup")):
                return message
        return None

    async def press_and_wait(self, user_id: int, data: str, timeout: float = 120) -> None:
        await self.fake.wait_until(
            lambda: data in str((self.panel(user_id) or {}).get("reply_markup")), timeout=timeout
        )
        panel = self.panel(user_id)
        assert panel is not None
        query = self.fake.user_presses_button(user_id, user_id, panel["message_id"], data)
        await self.fake.wait_for_callback_answer(query, timeout=timeout)

    async def report(self, user_id: int, words: str, place: str = "clovis") -> str:
        """A resident's whole report; returns its reference once the receipt is shown."""
        self.fake.user_sends_text(user_id, words)
        await self.press_and_wait(user_id, f"v1:form:nb:{place}")
        await self.press_and_wait(user_id, "v1:form:send")
        await self.fake.wait_until(
            lambda: any(REF.search(_text(m)) for m in self.fake.bot_messages(user_id)), timeout=60
        )
        return next(REF.search(_text(m)).group(0) for m in self.fake.bot_messages(user_id) if REF.search(_text(m)))

    def card(self, ref: str) -> dict[str, Any] | None:
        return next((m for m in self.fake.bot_messages(VERIFIER_GROUP) if ref in _text(m) and m.get("text")), None)

    async def card_of(self, ref: str, timeout: float = 300) -> dict[str, Any]:
        await self.fake.wait_until(lambda: self.card(ref) is not None, timeout=timeout, what=f"the card of {ref}")
        card = self.card(ref)
        assert card is not None
        return card

    def confirm(self, verifier: int, card: dict[str, Any]) -> str:
        data = next(
            b["callback_data"]
            for row in card["reply_markup"]["inline_keyboard"]
            for b in row
            if b.get("callback_data", "").startswith("v1:vote:c:")
        )
        return self.fake.user_presses_button(verifier, VERIFIER_GROUP, card["message_id"], data)

    async def post_in(self, channel: int, contains: str, timeout: float = 120) -> float:
        await self.fake.wait_for_bot_message(channel, lambda m: contains in _text(m), timeout=timeout)
        return time.monotonic()


def _text(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


def _status_kb(bot: BotProcess, field: str) -> int:
    assert bot.process is not None
    for line in Path(f"/proc/{bot.process.pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


async def with_bench(
    body: Callable[[Bench], Awaitable[list[Figure]]], make: Callable[[FakeTelegram, Path], Bench] = Bench
) -> list[Figure]:
    """`body` with a fresh fake Telegram and bot; `make` builds the Bench (PostgreSQL's: benchmarks/postgresql.py)."""
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as directory:
        async with FakeTelegram(token=TOKEN, bot_username="vigil_bench_bot") as fake:
            build_world(fake)
            bench = make(fake, Path(directory))
            try:
                return await body(bench)
            finally:
                if bench.bot.alive:
                    bench.bot.kill_now()
                    await bench.bot.reap()
                bench.bot.close()


# --- the scenarios ------------------------------------------------------------------------------


async def photo_surge(bench: Bench, photo: bytes, seconds_per_image: float) -> list[Figure]:
    await bench.start()
    people = bench.residents(600_000, 40)
    bot_cpu, fake_cpu = bench.cpu_seconds(), time.process_time()
    started = time.monotonic()
    for user_id in people:
        bench.fake.user_sends_document(user_id, photo, file_name="IMG_2041.JPG", mime_type="image/jpeg")
    await bench.fake.wait_until(lambda: all(u in bench.first_answer for u in people), timeout=300)
    waits = [bench.first_answer[u] - started for u in people]
    bot_cpu, fake_cpu = bench.cpu_seconds() - bot_cpu, time.process_time() - fake_cpu
    ideal = max(len(people) / TELEGRAM_PER_SECOND, len(people) * seconds_per_image / cores())
    await bench.outbox_idle()
    await asyncio.sleep(1.0)
    rss, peak = bench.rss_mb(), _status_kb(bench.bot, "VmHWM") / 1024
    await bench.stop()
    return [
        Figure("photo surge: 40 × 12 MP files, first answer p50", f"{statistics.median(waits):.2f} s", ""),
        Figure(
            "photo surge: first answer p99",
            f"{percentile(waits, 0.99):.2f} s = {percentile(waits, 0.99) / ideal:.2f} × ideal",
            f"≤ 1.5 × ideal ({ideal:.2f} s: max(40 / 30 msg/s, 40 × {seconds_per_image:.2f} s / {cores()} cores))",
        ),
        Figure("photo surge: first answer max", f"{max(waits):.2f} s", ""),
        Figure(
            "photo surge: CPU used by the bot / by the fake Telegram (same machine)",
            f"{bot_cpu:.2f} s / {fake_cpu:.2f} s",
            f"{cores()} cores × {max(waits):.2f} s = {cores() * max(waits):.2f} s",
        ),
        Figure("memory after the photo surge (RSS; peak during it)", f"{rss:.0f} MB (peak {peak:.0f} MB)", "≤ 150 MB"),
    ]


async def text_and_alert_surge(bench: Bench) -> list[Figure]:
    await bench.start()
    tom = bench.residents(610_000, 1)[0]
    ref = await bench.report(tom, "Agents in vests detaining people at the Clovis dairy gate")
    card = await bench.card_of(ref)
    await bench.fake.wait_for_callback_answer(bench.confirm(ANA, card), timeout=60)
    await bench.outbox_idle()
    people = bench.residents(620_000, 150)
    started = time.monotonic()
    for user_id in people:
        bench.fake.user_sends_text(user_id, f"Agents on the corner of Main, says {user_id}")
    pressed = time.monotonic()
    bench.confirm(LUIS, card)  # the second confirmation, behind 150 residents
    posted = await bench.post_in(CLOVIS_EN_CHANNEL, "")  # the channel's only post: the alert
    await bench.fake.wait_until(lambda: all(u in bench.first_answer for u in people), timeout=120)
    waits = [bench.first_answer[u] - started for u in people]
    ideal = len(people) / TELEGRAM_PER_SECOND
    await bench.stop()
    return [
        Figure(
            "text surge: 150 residents, first answer p50 / p99 / max",
            f"{statistics.median(waits):.2f} / {percentile(waits, 0.99):.2f} / {max(waits):.2f} s",
            f"Telegram's pace: {ideal:.2f} s for 150 answers at 30 msg/s (the first 30 may go at once)",
        ),
        Figure(
            "alert latency during the text surge (2nd confirmation → channel post)",
            f"{posted - pressed:.2f} s",
            "≤ 0.5 s",
        ),
    ]


async def press_during_sends(bench: Bench) -> list[Figure]:
    await bench.start()
    tom = bench.residents(630_000, 1)[0]
    ref = await bench.report(tom, "Two agents in CBP vests at the Vado gas station", place="vado")
    card = await bench.card_of(ref)
    await bench.fake.wait_for_callback_answer(bench.confirm(ANA, card), timeout=60)
    await bench.outbox_idle()
    people = bench.residents(640_000, 30)
    cpu_before = bench.cpu_seconds()
    for user_id in people:  # drafts ready to send: words and a place
        bench.fake.user_sends_text(user_id, f"Checkpoint seen by {user_id}")
    places = list(DRILL.channels())  # a card each: no report joins another
    await asyncio.gather(*(bench.press_and_wait(u, f"v1:form:nb:{places[i]}") for i, u in enumerate(people)))
    await asyncio.gather(
        *(
            bench.fake.wait_until(lambda u=u: "v1:form:send" in str((bench.panel(u) or {}).get("reply_markup")))
            for u in people
        )
    )
    queries = [bench.fake.user_presses_button(u, u, bench.panel(u)["message_id"], "v1:form:send") for u in people]  # type: ignore[index]
    pressed = time.monotonic()
    answer = bench.confirm(LUIS, card)
    await bench.fake.wait_for_callback_answer(answer, timeout=120)
    answered = time.monotonic()
    posted = await bench.post_in(VADO_CHANNEL, "")  # the channel's only post: the alert
    for query in queries:
        await bench.fake.wait_for_callback_answer(query, timeout=120)
    cpu = bench.cpu_seconds() - cpu_before
    await bench.stop()
    return [
        Figure(
            "a verifier's press while 30 residents press Send: answered / alert posted",
            f"{answered - pressed:.2f} s / {posted - pressed:.2f} s",
            "≤ 1 s",
        ),
        Figure("CPU seconds per report (bot process: words, place, Send)", f"{cpu / len(people) * 1000:.0f} ms", ""),
    ]


async def idle_latency(bench: Bench) -> list[Figure]:
    await bench.start()
    people = bench.residents(650_000, 8)
    places = list(DRILL.channels().items())[: len(people)]  # a card and a channel each
    refs = [
        await bench.report(u, f"Idle check {u}: agents at the dairy", place=key)
        for u, (key, _) in zip(people, places, strict=True)
    ]
    cards = [await bench.card_of(ref) for ref in refs]
    for card in cards:
        await bench.fake.wait_for_callback_answer(bench.confirm(ANA, card), timeout=60)
    await bench.outbox_idle()
    latencies = []
    for card, (_, channel) in zip(cards, places, strict=True):
        await bench.fake.settled(quiet=0.5, timeout=120)
        pressed = time.monotonic()
        bench.confirm(LUIS, card)
        latencies.append(await bench.post_in(channel, "") - pressed)
    await bench.stop()
    return [
        Figure(
            "idle alert latency (2nd confirmation → channel post), median of 8",
            f"{statistics.median(latencies) * 1000:.0f} ms",
            "≤ 50 ms",
        )
    ]


async def many_open_reports(bench: Bench) -> list[Figure]:
    await bench.start()  # creates the schema
    await bench.stop()
    bench.bot = BotProcess(bench.fake, bench.workdir)
    now = datetime.now(UTC)
    with sqlite3.connect(bench.workdir / "vigil.sqlite3") as db:
        for index in range(10_000):
            created = to_text(now - timedelta(minutes=index % 50))
            cursor = db.execute(
                "INSERT INTO reports (public_ref, reporter_pseudonym, neighborhood_key, indicators, description,"
                " reporter_language, created_at) VALUES (?, ?, ?, '[]', ?, 'en', ?)",
                (f"B-{index:05d}", f"pseudo-{index}", PLACES[index % 3], f"Open report {index}", created),
            )
            report_id = cursor.lastrowid
            db.execute("INSERT INTO reporter_contacts (report_id, chat_id) VALUES (?, ?)", (report_id, 700_000 + index))
            db.execute(
                "UPDATE reports SET card_chat_id = ?, card_message_id = ? WHERE id = ?",
                (VERIFIER_GROUP, 1_000_000 + index, report_id),
            )
            db.execute(
                "INSERT INTO deadlines (report_id, kind, due_at) VALUES (?, 'expire_report', ?)",
                (report_id, to_text(now + timedelta(hours=2))),
            )
    await bench.start()
    people = bench.residents(660_000, 10)
    await asyncio.gather(*(bench.report(u, f"Fresh report {u}", place="vado") for u in people))
    await asyncio.sleep(1.0)
    rss = bench.rss_mb()
    await bench.stop()
    return [Figure("memory with 10 000 open reports in the database (RSS)", f"{rss:.0f} MB", "≤ 150 MB")]


async def presses_across_kills(bench: Bench, kills: int = 40, reports: int = 30) -> list[Figure]:
    """Two verifiers confirm 30 reports while the bot is killed (kill -9) again and again."""
    rng = random.Random(20261129)
    await bench.start()
    people = bench.residents(670_000, reports)
    places = DRILL.channels()
    keys = list(places)[:reports]  # a card and a channel each
    refs = await asyncio.gather(
        *(bench.report(u, f"Kill drill {u}: vans at the dairy", place=key) for u, key in zip(people, keys, strict=True))
    )
    cards = {ref: await bench.card_of(ref, timeout=600) for ref in refs}
    await bench.outbox_idle(timeout=600)
    bench.bot.kill_now()
    await bench.bot.reap()
    channels = {places[key] for key in keys}
    killer = Killer(bench.fake, bench.bot, rng, channels)
    killer.install()
    todo = [(verifier, ref) for ref in refs for verifier in (ANA, MARTA)]
    rng.shuffle(todo)
    made: list[str] = []
    while bench.bot.kills < kills + 1:
        await bench.bot.start()
        await bench.bot.wait_ready()
        killer.arm(
            rng.choice([KillPlan.TIMER, KillPlan.TIMER, KillPlan.BEFORE_CONFIRMING_UPDATES, KillPlan.AFTER_ANSWER])
        )
        for _ in range(rng.randint(1, 3)):
            if todo:
                verifier, ref = todo.pop()
                made.append(bench.confirm(verifier, cards[ref]))
            await asyncio.sleep(rng.uniform(0.0, 0.1))
        try:
            await asyncio.wait_for(killer.fired.wait(), rng.uniform(0.05, 0.9))
        except TimeoutError:
            killer.plan = killer.plan or KillPlan.TIMER
            killer.fire()
        await bench.bot.reap()
        killer.arm(None)
    await bench.bot.start()
    await bench.bot.wait_ready()
    for verifier, ref in todo:
        made.append(bench.confirm(verifier, cards[ref]))
    await bench.outbox_idle(timeout=600)
    handled_ids = set()
    with read_only(bench.bot.database) as db:
        handled_ids = {
            int(row[0].removeprefix("telegram:"))
            for row in db.execute("SELECT request_id FROM handled_requests")
            if row[0].startswith("telegram:")
        }
        published = db.execute("SELECT COUNT(*) FROM reports WHERE status = 'published'").fetchone()[0]
        votes = db.execute("SELECT COUNT(*) FROM votes").fetchone()[0]
    press_ids = {
        uid for uid, u in bench.fake.world.update_history.items() if u.get("callback_query", {}).get("id") in made
    }
    lost = len(press_ids - handled_ids)
    posts = [m for c in channels for m in bench.fake.bot_messages(c) if not m.get("reply_to_message")]
    twice = max(0, votes - (len(made) - lost)) + max(0, len(posts) - published - _uncertain_posts(bench, channels))
    await bench.stop()
    return [
        Figure(
            f"presses lost / applied twice across {bench.bot.kills} kill -9 restarts "
            f"({len(made)} presses, {published} of {reports} reports published)",
            f"{lost} / {twice}",
            "0 / 0",
        )
    ]


def _uncertain_posts(bench: Bench, channels: set[int]) -> int:
    """Second copies the delivery policy allows (a post Telegram may have taken before a kill)."""
    with read_only(bench.bot.database) as db:
        return db.execute(
            "SELECT COALESCE(SUM(uncertain_attempts), 0) FROM outbox WHERE kind = 'channel_post'"
            f" AND chat_id IN ({','.join(str(c) for c in channels)})"
        ).fetchone()[0]


async def run() -> list[Figure]:
    photo = phone_photo()
    sanitize_image(photo)  # once first: the first call loads what the perceptual hash needs
    started = time.monotonic()
    for _ in range(3):
        sanitize_image(photo)
    seconds_per_image = (time.monotonic() - started) / 3
    figures = [
        Figure(
            "machine",
            f"{cores()} cores; one 12 MP photo cleaned in {seconds_per_image:.2f} s on one core",
            f"Telegram: {TELEGRAM_PER_SECOND} msg/s, {TELEGRAM_GROUP_PER_MINUTE} msg/min per group",
        )
    ]
    figures += await with_bench(lambda bench: photo_surge(bench, photo, seconds_per_image))
    figures += await with_bench(text_and_alert_surge)
    figures += await with_bench(press_during_sends)
    figures += await with_bench(idle_latency)
    figures += await with_bench(many_open_reports)
    figures += await with_bench(presses_across_kills)
    return figures
