"""Issue 4: a hostile account floods while 200 ordinary residents report at once."""

from __future__ import annotations

import asyncio
import time

from bot.callback_data import Form, FormStep, encode
from bot.rate_limits import PriorityRateLimiter
from tests.e2e.harness import VERIFIER_GROUP, running_vigil
from tests.e2e.people import text_of
from tests.e2e.steps import REF

ORDINARY = range(100_001, 100_201)  # 200 residents
HOSTILE = 666_001
PLACES = ("clovis", "vado", "las-cruces-downtown")


def newest_panel(fake, user_id: int) -> dict | None:
    for message in reversed(fake.bot_messages(user_id)):
        markup = message.get("reply_markup") or {}
        if any(
            b.get("callback_data", "").startswith("v1:form:") for row in markup.get("inline_keyboard", []) for b in row
        ):
            return message
    return None


def shows(panel: dict | None, data: str) -> bool:
    markup = (panel or {}).get("reply_markup") or {}
    return any(b.get("callback_data") == data for row in markup.get("inline_keyboard", []) for b in row)


async def press(fake, user_id: int, data: str) -> dict:
    await fake.wait_until(lambda: shows(newest_panel(fake, user_id), data), timeout=60)
    panel = newest_panel(fake, user_id)
    assert panel is not None
    query = fake.user_presses_button(user_id, user_id, panel["message_id"], data)
    return await fake.wait_for_callback_answer(query, timeout=60)


async def one_report(fake, user_id: int, words: str, place: str) -> None:
    sent = fake.user_sends_text(user_id, words)
    # the panel that answers this text, not an older one still on screen
    await fake.wait_until(
        lambda: (newest_panel(fake, user_id) or {}).get("message_id", 0) > sent["message_id"], timeout=60
    )
    choose = encode(Form(FormStep.NEIGHBORHOOD, place))
    if not shows(newest_panel(fake, user_id), choose):  # a kept draft already has a place
        await press(fake, user_id, encode(Form(FormStep.CHANGE_NEIGHBORHOOD)))
    await press(fake, user_id, choose)
    await press(fake, user_id, encode(Form(FormStep.SUBMIT)))


def references(fake, user_id: int) -> list[str]:
    """The references of the reports a resident was told were sent to the verifiers."""
    receipts = [text_of(m) for m in fake.bot_messages(user_id) if "Sent to the verifiers" in text_of(m)]
    return [match.group(0) for text in receipts if (match := REF.search(text))]


async def test_a_flood_throttles_the_hostile_account_and_loses_no_ordinary_report(fake, tmp_path):
    for user_id in [*ORDINARY, HOSTILE]:
        fake.add_user(user_id, f"Resident {user_id}", language_code="en")
    # Telegram's own pace (20 messages a minute into one group) would spread 200 cards over ten
    # minutes of real time; this test is about Vigil's limits, so the client-side pacing is off.
    unpaced = PriorityRateLimiter(overall_per_second=0, group_per_minute=0)
    async with running_vigil(fake, tmp_path, rate_limiter=unpaced) as vigil:
        started = time.monotonic()

        async def hostile() -> None:
            for attempt in range(12):
                await one_report(fake, HOSTILE, f"FAKE RAID #{attempt} everyone run", PLACES[attempt % 3])

        await asyncio.gather(
            hostile(),
            *(
                one_report(fake, user_id, f"Ordinary report from {user_id}", PLACES[user_id % 3])
                for user_id in ORDINARY
            ),
        )
        elapsed = time.monotonic() - started
        await vigil.outbox_idle(timeout=60)  # the cards follow the receipts through the outbox

        # Each report reaches the group once: as a card, or (issue 9: corroboration) folded into the
        # open card of its neighborhood that it was attached to (issue 18), by its reference.
        cards = [text_of(m) for m in fake.bot_messages(VERIFIER_GROUP) if "needs verification" in text_of(m)]
        for user_id in ORDINARY:
            (ref,) = references(fake, user_id)
            assert sum(ref in card for card in cards) == 1, user_id
        hostile_refs = references(fake, HOSTILE)
        assert len(hostile_refs) == 3  # the burst of reports_per_hour, then nothing
        assert all(sum(ref in card for card in cards) == 1 for ref in hostile_refs)

        def refusals() -> int:
            return sum(
                "several reports in a short time" in text_of(m) or "still with the verifiers" in text_of(m)
                for m in fake.bot_messages(HOSTILE)
            )

        await fake.wait_until(lambda: refusals() >= 9)  # the last notice follows its button answer
        await fake.settled()
        assert refusals() == 9
        print(
            f"\nflood: 200 ordinary + 1 hostile x12 handled in {elapsed:.1f}s; "
            f"{len(cards)} cards and corroborations reached the verifier group"
        )
