"""Issue 17's figures: the 429 storm, measured from outside.

The real bot (`python -m bot`, Telegram's published limits in its rate limiter) against the fake
Bot API that *enforces* them over sliding windows (30 messages in any second, 20 in any minute
into a group, about one a second into a private chat) and answers 429 with retry_after past them.
100 residents write at the same moment: how many never got an answer, and how many requests
Telegram refused. Then, on a quiet bot under the same limits, the second confirmation → the
channel post.
"""

from __future__ import annotations

import asyncio
import time

from benchmarks.surge import Bench, Figure, idle_latency, percentile, with_bench

STORM_RESIDENTS = 100
ANSWER_TIMEOUT_SECONDS = 60.0


async def storm(bench: Bench) -> list[Figure]:
    bench.fake.enforce_flood_limits()
    await bench.start()
    people = bench.residents(700_000, STORM_RESIDENTS)
    started = time.monotonic()
    for user_id in people:
        bench.fake.user_sends_text(user_id, f"Agents at the corner of 5th and Main, seen by {user_id}")
    deadline = started + ANSWER_TIMEOUT_SECONDS
    while time.monotonic() < deadline and len([u for u in people if u in bench.first_answer]) < len(people):
        await asyncio.sleep(0.05)
    answered = [bench.first_answer[u] - started for u in people if u in bench.first_answer]
    await bench.outbox_idle()
    refused = bench.fake.flood_refusals
    await bench.stop()
    return [
        Figure(
            f"429 storm: {STORM_RESIDENTS} residents write at once, never answered (in a minute)",
            f"{STORM_RESIDENTS - len(answered)}",
            "0",
        ),
        Figure("429 storm: requests refused with 429 by the (sliding-window) fake", f"{refused}", "0"),
        Figure(
            "429 storm: first answer p50 / p99 / max",
            f"{percentile(answered, 0.5):.2f} / {percentile(answered, 0.99):.2f} / {max(answered):.2f} s"
            if answered
            else "none",
            f"Telegram's pace: {STORM_RESIDENTS / 30:.1f} s",
        ),
    ]


async def idle_under_limits(bench: Bench) -> list[Figure]:
    bench.fake.enforce_flood_limits()
    figures = await idle_latency(bench)
    figures.append(Figure("idle alert latency run: requests refused with 429", f"{bench.fake.flood_refusals}", "0"))
    return figures


async def run() -> list[Figure]:
    return [*await with_bench(storm), *await with_bench(idle_under_limits)]
