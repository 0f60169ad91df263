"""Issue 19's figures: a surge drill reaches nobody outside, and real reports keep their speed.

The real bot (`python -m bot`, Telegram's published limits in its rate limiter) runs against the
fake Bot API on loopback, as in benchmarks/surge.py. A real report is timed twice, from the
resident's Send to its card in the verifier group and from the second confirmation to the channel
post: once on a quiet desk, once in the middle of a surge drill (10 simulated reports in 2 minutes,
all 7 built-in scenarios plus 3 corroborating). Then every drill card is confirmed by two verifiers,
so the drill tries to publish everywhere, and every chat of the fake is counted.
"""

from __future__ import annotations

import asyncio
import time

from benchmarks.surge import DRILL, Bench, Figure, _text, with_bench
from tests.sample_network import ANA, LUIS, MARTA, VERIFIER_GROUP

BANNER = "🧪 DRILL / SIMULACRO"
SUBSCRIBER = 700_001


async def subscribe(bench: Bench, user_id: int) -> None:
    bench.fake.add_user(user_id, "Subscriber", language_code="en")
    bench.fake.user_sends_text(user_id, "/subscribe")
    await bench.fake.wait_until(lambda: bool(bench.fake.bot_messages(user_id)), timeout=60)
    for key in ("clovis", "vado", "las-cruces-downtown", "drill-00", "drill-01"):
        prompt = bench.fake.bot_messages(user_id)[0]
        query = bench.fake.user_presses_button(user_id, user_id, prompt["message_id"], f"v1:sub:t:{key}")
        await bench.fake.wait_for_callback_answer(query, timeout=60)


async def real_report(bench: Bench, user_id: int, words: str, place: str) -> tuple[str, float, float]:
    """(its reference, Send → card in the group, 2nd confirmation → channel post) of one real
    report in a place of its own (benchmarks.surge.DRILL's, one channel each, so that it opens a card
    of its own); returns once the subscriber has the alert too."""
    channel = DRILL.channels()[place]
    posts = len(bench.fake.bot_messages(channel))
    direct = len(bench.fake.bot_messages(SUBSCRIBER))
    started = time.monotonic()
    ref = await bench.report(user_id, words, place)
    card = await bench.card_of(ref)
    to_card = time.monotonic() - started
    await bench.fake.wait_for_callback_answer(bench.confirm(ANA, card), timeout=120)
    pressed = time.monotonic()
    bench.confirm(LUIS, card)
    await bench.fake.wait_until(lambda: len(bench.fake.bot_messages(channel)) > posts, timeout=120)
    posted = time.monotonic()
    await bench.fake.wait_until(lambda: len(bench.fake.bot_messages(SUBSCRIBER)) > direct, timeout=120)
    return ref, to_card, posted - pressed


def outside_messages(bench: Bench, before: dict[int, int]) -> int:
    """Bot messages since `before` in every chat of the fake except the verifier group."""
    return sum(
        len(bench.fake.bot_messages(chat)) - before.get(chat, 0)
        for chat in bench.fake.world.messages
        if chat != VERIFIER_GROUP
    )


def snapshot(bench: Bench) -> dict[int, int]:
    return {chat: len(bench.fake.bot_messages(chat)) for chat in bench.fake.world.messages}


async def start_surge(bench: Bench) -> None:
    """/drill in the group, then the menu's Start as it comes (every scenario, a surge, both languages)."""
    before = max((m["message_id"] for m in bench.fake.bot_messages(VERIFIER_GROUP)), default=0)
    bench.fake.user_sends_text(ANA, "/drill", chat_id=VERIFIER_GROUP)
    menu = await bench.fake.wait_for_bot_message(
        VERIFIER_GROUP, lambda m: m["message_id"] > before and "v1:drill:go:" in str(m.get("reply_markup")), timeout=60
    )
    data = next(
        b["callback_data"]
        for row in menu["reply_markup"]["inline_keyboard"]
        for b in row
        if b.get("callback_data", "").startswith("v1:drill:go:")
    )
    query = bench.fake.user_presses_button(ANA, VERIFIER_GROUP, menu["message_id"], data)
    await bench.fake.wait_for_callback_answer(query, timeout=60)


def drill_cards(bench: Bench) -> list[dict]:
    return [
        m
        for m in bench.fake.bot_messages(VERIFIER_GROUP)
        if _text(m).startswith(BANNER) and "v1:vote:c:" in str(m.get("reply_markup"))
    ]


async def surge_drill(bench: Bench) -> list[Figure]:
    await bench.start()
    await subscribe(bench, SUBSCRIBER)
    _, *quiet = await real_report(
        bench, bench.residents(710_000, 1)[0], "Agents in vests at the dairy gate", "drill-00"
    )
    await bench.outbox_idle()
    last = max(m["message_id"] for m in bench.fake.bot_messages(VERIFIER_GROUP))
    await start_surge(bench)
    await asyncio.sleep(20)  # a sixth of the way into the surge's two minutes
    ref, *busy = await real_report(bench, bench.residents(720_000, 1)[0], "Agents stopping cars on US-70", "drill-01")
    before_drill = snapshot(bench)  # every chat, the real report's alert and direct message included
    await bench.fake.wait_until(lambda: len(drill_cards(bench)) >= 7, timeout=400, what="the 7 drill cards")
    for card in drill_cards(bench):
        for verifier in (LUIS, MARTA):
            await bench.fake.wait_for_callback_answer(bench.confirm(verifier, card), timeout=120)
    await bench.outbox_idle()
    unmarked = sum(
        1
        for m in bench.fake.bot_messages(VERIFIER_GROUP)
        if m["message_id"] > last and not _text(m).startswith(BANNER) and ref not in _text(m)
    )
    outside = outside_messages(bench, before_drill)
    await bench.stop()
    return [
        Figure("drill: messages outside the verifier group (10-report surge, all published)", f"{outside}", "0"),
        Figure("drill: messages in the group without the banner (the real report's aside)", f"{unmarked}", "0"),
        Figure(
            "real report, Send → card in group: quiet / during the surge",
            f"{quiet[0]:.2f} / {busy[0]:.2f} s",
            "as fast during the drill",
        ),
        Figure(
            "real report, 2nd confirmation → channel post: quiet / during the surge",
            f"{quiet[1]:.2f} / {busy[1]:.2f} s",
            "as fast during the drill",
        ),
    ]


async def run() -> list[Figure]:
    return await with_bench(surge_drill)
