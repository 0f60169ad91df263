"""Issue 18's figures: a city-wide raid seen from the verifier group.

36 residents in 12 neighborhoods (three each: the first report of a place gets a card, the two
others are attached to it as corroboration) press Send within one second, text only; then 36 others
in 12 other neighborhoods, with a photo each. The real bot runs as `python -m bot` (Telegram's
limits in its rate limiter) against the fake Bot API, which enforces Telegram's limits over every
sliding window (30 messages a second, 20 a minute per group) and answers 429 past them.

For every report: Send → the moment a message in the group shows its reference (its card sent, or
the card it joined edited to show it). Then the group's messages per report, every request into the
group (edits too), and the 429s, next to Telegram's 20 a minute.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from typing import Any

from PIL import Image

from benchmarks.surge import DRILL, TELEGRAM_GROUP_PER_MINUTE, Bench, Figure, _text, percentile, with_bench
from bot.text_length import CAPTION_LIMIT, utf16_length
from tests.sample_network import VERIFIER_GROUP

REF = re.compile(r"R-[2-9A-HJ-NP-Z]{4}")
NEIGHBORHOODS = 12
PER_NEIGHBORHOOD = 3
SENDS = {"sendmessage", "sendphoto", "sendvideo", "sendvoice", "sendmediagroup", "senddocument"}
EDITS = {"editmessagetext", "editmessagecaption", "editmessagemedia", "editmessagereplymarkup", "deletemessage"}
WORDS = [
    "Three unmarked SUVs and agents in vests outside the laundromat",
    "They are taking people from the bus stop into a van",
    "Agents at the corner asking everyone for papers",
]


def street_photo(seed: int) -> bytes:
    """A phone-sized photo (1600 × 1200) with some texture, different for each resident."""
    picture = Image.effect_noise((1600, 1200), 40 + seed % 20).convert("RGB")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


class Refusals:
    """The fake's 429s, told apart: into the verifier group, and anywhere else (the 30 a second in
    all, a resident's private chat)."""

    def __init__(self, bench: Bench) -> None:
        self.group = 0
        self.elsewhere = 0
        flood = bench.fake.api.flood
        assert flood is not None, "enforce the flood limits first"
        check = flood.check

        def counted(chat_id: int | None, now: float) -> None:
            before = flood.refusals
            try:
                check(chat_id, now)
            finally:
                if flood.refusals != before:
                    if chat_id == VERIFIER_GROUP:
                        self.group += 1
                    else:
                        self.elsewhere += 1

        flood.check = counted  # type: ignore[method-assign]


class Watch:
    """When each reference first shows in the verifier group, and every request made into it."""

    def __init__(self, bench: Bench) -> None:
        self.seen: dict[str, float] = {}
        self.sends = 0
        self.edits = 0
        bench.fake.after_call(self._after)

    async def _after(self, method: str, params: dict[str, Any]) -> None:
        if str(params.get("chat_id")) != str(VERIFIER_GROUP):
            return
        name = method.lower()
        self.sends += name in SENDS
        self.edits += name in EDITS
        text = str(params.get("text") or params.get("caption") or "")
        now = time.monotonic()
        for ref in REF.findall(text):
            self.seen.setdefault(ref, now)


async def prepare(bench: Bench, user: int, place: str, words: str, photo: bytes | None) -> None:
    """Everything but Send: the words (or a photo captioned with them) and the place."""
    if photo is None:
        bench.fake.user_sends_text(user, words)
    else:
        bench.fake.user_sends_photo(user, photo, caption=words)
    await bench.press_and_wait(user, f"v1:form:nb:{place}")
    await bench.fake.wait_until(
        lambda: "v1:form:send" in str((bench.panel(user) or {}).get("reply_markup")), timeout=120
    )


async def raid(bench: Bench, refused: Refusals, first_user: int, places: list[str], *, photos: bool) -> dict[str, Any]:
    people = bench.residents(first_user, len(places) * PER_NEIGHBORHOOD)
    where = [places[i % len(places)] for i in range(len(people))]
    await asyncio.gather(
        *(
            prepare(bench, u, p, WORDS[i % len(WORDS)] + f" ({u})", street_photo(u) if photos else None)
            for i, (u, p) in enumerate(zip(people, where, strict=True))
        )
    )
    await bench.fake.settled(quiet=0.5, timeout=120)
    watch = Watch(bench)
    group_refusals, other_refusals = refused.group, refused.elsewhere
    pressed: dict[int, float] = {}
    for user in people:  # everyone presses Send within one second
        panel = bench.panel(user)
        assert panel is not None
        bench.fake.user_presses_button(user, user, panel["message_id"], "v1:form:send")
        pressed[user] = time.monotonic()
        await asyncio.sleep(1.0 / len(people))
    refs: dict[int, str] = {}
    for user in people:
        await bench.fake.wait_until(
            lambda u=user: any(REF.search(_text(m)) for m in bench.fake.bot_messages(u)), timeout=120
        )
        refs[user] = next(REF.search(_text(m)).group(0) for m in bench.fake.bot_messages(user) if REF.search(_text(m)))
    try:
        await bench.fake.wait_until(lambda: all(r in watch.seen for r in refs.values()), timeout=180, what="all")
    except AssertionError:
        missing = [r for r in refs.values() if r not in watch.seen]
        shown = [_text(m)[:300] for m in bench.fake.bot_messages(VERIFIER_GROUP)]
        raise AssertionError(f"never shown in the group: {missing}; the group shows {shown}") from None
    await bench.outbox_idle()
    delays = [watch.seen[refs[u]] - pressed[u] for u in people]
    return {
        "delays": delays,
        "sends": watch.sends,
        "edits": watch.edits,
        "reports": len(people),
        "refusals": refused.group - group_refusals,
        "other_refusals": refused.elsewhere - other_refusals,
        # As Telegram counts them (after the HTML is parsed), each card as it stands now.
        "card_lengths": [
            utf16_length(_text(m))
            for m in bench.fake.bot_messages(VERIFIER_GROUP)
            if "Confirmed:" in _text(m) and any(r in _text(m) for r in refs.values())
        ],
    }


def figures(label: str, result: dict[str, Any]) -> list[Figure]:
    delays = result["delays"]
    over = sum(length > CAPTION_LIMIT for length in result["card_lengths"])
    return [
        Figure(
            f"raid, {label}: Send → visible in the group, p50 / p90 / p99 / max",
            " / ".join(f"{percentile(delays, q):.1f}" for q in (0.5, 0.9, 0.99)) + f" / {max(delays):.1f} s",
            f"group: {TELEGRAM_GROUP_PER_MINUTE} messages a minute (issue 18 before: p90 81 s, max 90 s)",
        ),
        Figure(
            f"raid, {label}: group messages per report (requests into the group, edits included)",
            f"{result['sends'] / result['reports']:.2f} ({result['sends'] + result['edits']} for {result['reports']})",
            "≤ 1 (before: 1 text, 2 with a photo)",
        ),
        Figure(
            f"raid, {label}: 429s from Telegram, into the group / elsewhere (from the Sends on)",
            f"{result['refusals']} / {result['other_refusals']}",
            "0",
        ),
        Figure(
            f"raid, {label}: cards longer than a caption ({CAPTION_LIMIT} UTF-16 units)",
            f"{over} of {len(result['card_lengths'])}",
            "why the card stays a text message",
        ),
    ]


async def run() -> list[Figure]:
    async def body(bench: Bench) -> list[Figure]:
        bench.fake.enforce_flood_limits()
        refused = Refusals(bench)
        await bench.start()
        places = list(DRILL.channels())
        text = await raid(bench, refused, 700_000, places[:NEIGHBORHOODS], photos=False)
        await asyncio.sleep(61)  # the group's sliding minute starts afresh
        photo = await raid(bench, refused, 710_000, places[NEIGHBORHOODS : 2 * NEIGHBORHOODS], photos=True)
        await bench.stop()
        whole = Figure(
            "raid: 429s from Telegram in the whole run, into the group / elsewhere (drafts written at once too)",
            f"{refused.group} / {refused.elsewhere}",
            "0 / 0",
        )
        return [*figures("text", text), *figures("a photo each", photo), whole]

    return await with_bench(body)
