"""Issue 12's figures: one alert to 5 000 subscribers by direct message, within Telegram's limits.

The real Application (bot.app, bot.runner, the default PriorityRateLimiter with Telegram's
published limits) runs in this process against the fake Bot API server on loopback, which here
enforces those limits itself and answers 429 past them. 5 000 subscribers of Clovis each get the
alert after the channel posts; meanwhile a resident writes to the bot and an organizer asks
/status. Figures next to the limits they chase:

    python -m benchmarks.fanout        # this one alone
    python -m benchmarks fanout        # through the lead's runner
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.fake_telegram import FakeTelegram  # noqa: E402
from tests.e2e.harness import build_world, running_vigil  # noqa: E402
from tests.e2e.people import Verifier, card_in_group, text_of  # noqa: E402
from tests.e2e.steps import report_from_tom, wait_card  # noqa: E402
from tests.sample_network import ADMIN, ANA, CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL, LUIS, ROSA, TOKEN  # noqa: E402

SUBSCRIBERS = 5_000
FIRST_SUBSCRIBER = 100_000
TELEGRAM_PER_SECOND = 30


class Figure(NamedTuple):
    """(figure, measured value, limit or target); also readable as .name, .value, .target."""

    name: str
    value: str
    target: str


async def run(subscribers: int = SUBSCRIBERS) -> list[tuple[str, str, str]]:
    async with FakeTelegram(token=TOKEN, bot_username="vigil_bench_bot", flood_limits=True) as fake:
        build_world(fake)
        for chat_id in range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + subscribers):
            fake.add_user(chat_id, "Subscriber", language_code="es" if chat_id % 3 else "en")
            fake.world.users[chat_id].started_bot = True  # each once wrote /subscribe to the bot
        with tempfile.TemporaryDirectory() as folder:
            async with running_vigil(fake, Path(folder)) as vigil:
                return await _measure(fake, vigil, subscribers)


async def _measure(fake: FakeTelegram, vigil, subscribers: int) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    services = vigil.services
    async with services.database.unit_of_work() as repo:
        for chat_id in range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + subscribers):
            await repo.subscribe(chat_id, "clovis", "es" if chat_id % 3 else "en")
    ref = await report_from_tom(fake)
    await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
    loop = asyncio.get_running_loop()
    confirmed = loop.time()
    answer = await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
    press_answered = loop.time() - confirmed
    await fake.wait_until(
        lambda: fake.bot_messages(CLOVIS_EN_CHANNEL) and fake.bot_messages(CLOVIS_ES_CHANNEL),
        timeout=30,
        what="the channel posts",
    )
    posted = loop.time() - confirmed

    # Mid-way: a resident writes, and an organizer looks at /status.
    await asyncio.sleep(20)
    resident_wait = await _answer_time(fake, ROSA, "/help", "Vigil")
    status = await _answer(fake, ADMIN, "/status", "📬")
    progress = next((line.strip() for line in status.splitlines() if ref in line), "(no progress line)")

    def delivered() -> int:
        return sum(
            1 for chat_id in range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + subscribers) if fake.world.messages.get(chat_id)
        )

    started = time.monotonic()
    while delivered() < subscribers:
        if time.monotonic() - started > 900:
            break
        await asyncio.sleep(0.5)
    done = loop.time() - confirmed
    times = [
        at
        for (method, params), at in zip(fake.api.requests, fake.api.request_times, strict=True)
        if method == "sendMessage" and int(params.get("chat_id", 0)) >= FIRST_SUBSCRIBER
    ]
    first_dm = min(times) - confirmed if times else float("nan")
    rate = (len(times) - 1) / (max(times) - min(times)) if len(times) > 1 else float("nan")
    ideal = subscribers / TELEGRAM_PER_SECOND
    twice = sum(
        1
        for chat_id in range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + subscribers)
        if len(fake.world.messages.get(chat_id, {})) > 1
    )
    return [
        Figure(
            "fan-out: 2nd confirmation answered",
            f"{press_answered:.2f} s",
            "at once" + ("" if "confirmed" in answer.get("text", "") else " (unexpected answer)"),
        ),
        Figure("fan-out: 2nd confirmation → both channel posts", f"{posted:.2f} s", "≤ 1 s, before any direct message"),
        Figure("fan-out: 2nd confirmation → first direct message", f"{first_dm:.2f} s", "after the channel posts"),
        Figure(
            f"fan-out: {subscribers} subscribers, 2nd confirmation → last direct message",
            f"{done:.0f} s = {done / ideal:.2f} × ideal",
            f"ideal {ideal:.0f} s at 30 msg/s (issue: about 3 minutes)",
        ),
        Figure("fan-out: direct messages per second", f"{rate:.1f}", f"≤ {TELEGRAM_PER_SECOND} (Telegram's limit)"),
        Figure("fan-out: subscribers who got it / got it twice", f"{delivered()} / {twice}", f"{subscribers} / 0"),
        Figure("fan-out: 429 answers from Telegram (limits enforced by the fake)", str(fake.flood_refusals), "0"),
        Figure("fan-out: a resident's /help answered during it", f"{resident_wait:.2f} s", "seconds, not minutes"),
        Figure("fan-out: /status during it", progress, "shows the progress"),
    ]


async def _answer(fake: FakeTelegram, user_id: int, text: str, expect: str) -> str:
    before = max((m["message_id"] for m in fake.bot_messages(user_id)), default=0)
    fake.user_sends_text(user_id, text)
    reply = await fake.wait_for_bot_message(
        user_id, lambda m: m["message_id"] > before and expect in text_of(m), timeout=60
    )
    return text_of(reply)


async def _answer_time(fake: FakeTelegram, user_id: int, text: str, expect: str) -> float:
    loop = asyncio.get_running_loop()
    asked = loop.time()
    await _answer(fake, user_id, text, expect)
    return loop.time() - asked


if __name__ == "__main__":
    rows = asyncio.run(run())
    width = max(len(name) for name, _, _ in rows)
    for name, value, target in rows:
        print(f"{name.ljust(width)}  {value}  ({target})")
