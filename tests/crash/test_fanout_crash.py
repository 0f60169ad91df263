"""The fan-out to subscribers survives SIGKILL: each subscriber gets each message once.

The real bot (`python -m bot`, Telegram's limits in its rate limiter) sends an alert and its
"Still active" to 240 subscribers while it is killed again and again: at random moments, and
right after Telegram stored a direct message whose answer then never arrives. After the last
restart every subscriber must have each message exactly once, except that a second copy is
allowed, like a channel post's, only where the outbox recorded a request Telegram never
confirmed (never a third). Every direct message ends sent.
"""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path
from typing import Any

from bot.fake_telegram import FakeTelegram
from storage.database import Database
from tests.crash.harness import BotProcess, read_only
from tests.e2e.harness import build_world
from tests.e2e.people import Verifier, card_in_group, text_of
from tests.e2e.steps import report_from_tom, wait_card
from tests.sample_network import ANA, LUIS, TOKEN, network_toml

SUBSCRIBERS = 240
FIRST = 200_000
KILLS = int(os.environ.get("VIGIL_CRASH_FANOUT_KILLS", "8"))


async def test_each_subscriber_gets_each_message_once_through_kills(tmp_path: Path):
    rng = random.Random(int(os.environ.get("VIGIL_CRASH_SEED", "12")))
    (tmp_path / "network.toml").write_text(network_toml())
    database = await Database.open(tmp_path / "vigil.sqlite3")
    async with database.unit_of_work() as repo:
        for chat_id in range(FIRST, FIRST + SUBSCRIBERS):
            await repo.subscribe(chat_id, "clovis", "es" if chat_id % 2 else "en")
    await database.close()

    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as fake:
        build_world(fake)
        for chat_id in range(FIRST, FIRST + SUBSCRIBERS):
            fake.add_user(chat_id, "Subscriber", language_code="en")
            fake.world.users[chat_id].started_bot = True
        bot = BotProcess(fake, tmp_path)
        kill_after_stored = {"armed": False}

        async def before(method: str, params: dict[str, Any]) -> None:
            if method == "getUpdates":
                bot.ready.set()

        async def after(method: str, params: dict[str, Any]) -> None:
            # Telegram stored a direct message; the bot dies before the answer reaches it.
            if kill_after_stored["armed"] and method == "sendMessage" and int(params["chat_id"]) >= FIRST:
                kill_after_stored["armed"] = False
                bot.kill_now()

        fake.before_call(before)
        fake.after_call(after)
        try:
            await bot.start()
            await bot.wait_ready()
            ref = await report_from_tom(fake)
            await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
            await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
            still_pressed = False
            for kill in range(KILLS):
                await asyncio.sleep(rng.uniform(0.3, 1.5))
                if kill % 2:
                    # Right after Telegram stored a direct message, if one is still on its way soon.
                    kill_after_stored["armed"] = True
                    await _until(lambda: not bot.alive or not kill_after_stored["armed"], 3, required=False)
                    kill_after_stored["armed"] = False
                bot.kill_now()
                await bot.reap()
                await bot.start()
                await bot.wait_ready()
                if not still_pressed and kill >= KILLS // 2:
                    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "🔄")
                    still_pressed = True
            if not still_pressed:
                await Verifier(fake, ANA).presses(card_in_group(fake, ref), "🔄")
            await _until(lambda: _settled(bot.database) and _count(fake, "🔄") == SUBSCRIBERS, 120)
            await fake.settled()

            with read_only(bot.database) as db:
                rows = db.execute(
                    "SELECT chat_id, kind, status, uncertain_attempts FROM outbox"
                    " WHERE kind IN ('subscriber_alert', 'subscriber_update')"
                ).fetchall()
            assert {row["status"] for row in rows} == {"sent"}
            uncertain = {(row["chat_id"], row["kind"]) for row in rows if row["uncertain_attempts"]}
            twice = []
            for chat_id in range(FIRST, FIRST + SUBSCRIBERS):
                texts = [text_of(m) for m in fake.bot_messages(chat_id)]
                for kind, marker in (("subscriber_alert", "🚨"), ("subscriber_update", "🔄")):
                    copies = sum(marker in text for text in texts)
                    assert copies >= 1, f"subscriber {chat_id} never got the {kind}"
                    assert copies <= 2 and (copies == 1 or (chat_id, kind) in uncertain), (chat_id, kind, copies)
                    twice += [chat_id] * (copies - 1)
            assert bot.kills >= KILLS
            print(
                f"\nfan-out crash test: {bot.kills} kills, {SUBSCRIBERS} subscribers x 2 messages, "
                f"{len(twice)} second copies (each after an unconfirmed request), none lost"
            )
            assert await bot.stop_gracefully() == 0
        finally:
            bot.kill_now()
            await bot.reap()
            bot.close()


def _count(fake: FakeTelegram, marker: str) -> int:
    return sum(
        any(marker in text_of(m) for m in fake.bot_messages(chat_id)) for chat_id in range(FIRST, FIRST + SUBSCRIBERS)
    )


def _settled(database: Path) -> bool:
    with read_only(database) as db:
        waiting = db.execute("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0]
    return waiting == 0


async def _until(predicate, timeout: float, *, required: bool = True) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            if required:
                raise AssertionError(f"not done after {timeout} s")
            return
        await asyncio.sleep(0.05)
