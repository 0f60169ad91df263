"""Steps for drill tests: start a drill from the /drill menu, find a scenario's card, play it."""

from __future__ import annotations

from bot.drills.library import builtin_scenarios
from bot.fake_telegram import FakeTelegram
from tests.e2e.harness import VERIFIER_GROUP, Vigil, button_data, buttons_of
from tests.e2e.people import Verifier, last_id, text_of

BANNER = "🧪 DRILL / SIMULACRO — "  # then "no action needed" in the reader's language

# A phrase of each built-in scenario's first resident's words (English), to find its card.
PHRASES = {
    "courthouse-lunch": "taco place",
    "worksite": "Five unmarked SUVs",
    "old-raid-photo": "RIGHT NOW",
    "highway-checkpoint": "checkpoint on US-70",
    "school-rumor": "every school",
    "wrong-place": "Walmart parking lot",
    "home-address": "412 Oak St",
}


async def open_drill_menu(fake: FakeTelegram, user_id: int, chat_id: int = VERIFIER_GROUP) -> dict:
    before = last_id(fake, chat_id)
    fake.user_sends_text(user_id, "/drill", chat_id=chat_id)
    return await fake.wait_for_bot_message(chat_id, lambda m: m["message_id"] > before)


async def press_on_menu(fake: FakeTelegram, user_id: int, menu: dict, label: str) -> dict:
    """Press a button of the /drill menu (by the start of its label); returns the callback answer."""
    current = next(m for m in fake.messages(menu["chat"]["id"]) if m["message_id"] == menu["message_id"])
    data = button_data(current, label)
    query = fake.user_presses_button(user_id, menu["chat"]["id"], menu["message_id"], data)
    answer = await fake.wait_for_callback_answer(query)
    await fake.settled()
    return answer


def menu_now(fake: FakeTelegram, menu: dict) -> dict:
    return next(m for m in fake.messages(menu["chat"]["id"]) if m["message_id"] == menu["message_id"])


async def start_drill(
    fake: FakeTelegram,
    organizer: int,
    *,
    only: tuple[str, ...] = (),
    pace: str = "surge",
    languages: str = "en",
    tags: bool = False,
) -> dict:
    """/drill, keep only the scenarios `only` (keys; all when empty), pick the pace ("one" or
    "surge") and languages ("en", "es" or "mix"), Start. Returns the menu as it stands after it."""
    menu = await open_drill_menu(fake, organizer)
    keys = [scenario.key for scenario in builtin_scenarios()]
    for index, key in enumerate(keys):
        if only and key not in only:
            # The first rows of the menu are the scenarios, in the library's order: untick it.
            await press_on_menu(fake, organizer, menu, buttons_of(menu_now(fake, menu))[index][1])
    await press_on_menu(fake, organizer, menu, _with_choice(menu_now(fake, menu), pace=pace))
    await press_on_menu(fake, organizer, menu, _with_choice(menu_now(fake, menu), mix=languages))
    if tags:  # the last row before Start: "show verifiers' tags in the report"
        await press_on_menu(fake, organizer, menu, buttons_of(menu_now(fake, menu))[-2][1])
    await press_on_menu(fake, organizer, menu, "v1:drill:go:")
    return menu_now(fake, menu)


def _with_choice(menu: dict, *, pace: str | None = None, mix: str | None = None) -> str:
    """The data of the menu's button that picks a pace or a language mix."""
    go = next(data for _, data in buttons_of(menu) if data.startswith("v1:drill:go:")).split(":")
    for _, data in buttons_of(menu):
        parts = data.split(":")
        if parts[2] != "set" or parts[3] != go[3] or parts[6] != go[6]:
            continue  # a scenario's or the tags' button
        if (pace is None or parts[4] == pace) and (mix is None or parts[5] == mix):
            return data
    raise AssertionError(f"no button for {pace or mix} on the drill menu")


def drill_card(fake: FakeTelegram, scenario: str) -> dict | None:
    """The card (with its buttons) of a drill scenario's first resident, if it is in the group."""
    for message in fake.bot_messages(VERIFIER_GROUP):
        text = text_of(message)
        if message.get("text") and PHRASES[scenario] in text and "v1:" in str(message.get("reply_markup")):
            if any(data.startswith(("v1:vote:", "v1:rumor:")) for _, data in buttons_of(message)):
                return message
    return None


async def wait_drill_card(fake: FakeTelegram, scenario: str) -> dict:
    await fake.wait_until(lambda: drill_card(fake, scenario) is not None, what=f"the card of {scenario}")
    card = drill_card(fake, scenario)
    assert card is not None
    return card


async def surge_arrives(vigil: Vigil, clock, scenarios: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """Move the clock past the surge's two minutes and let the alarm ring: every card arrives."""
    clock.advance(minutes=3)
    vigil.alarm_rings()
    for scenario in scenarios:
        await wait_drill_card(vigil.fake, scenario)
    await vigil.outbox_idle()


async def confirm(fake: FakeTelegram, scenario: str, *verifiers: Verifier, in_person: bool = False) -> None:
    for index, verifier in enumerate(verifiers):
        card = await wait_drill_card(fake, scenario)
        label = "📍" if in_person and index == 0 else "👍"
        answer = await verifier.presses(card, label)
        assert not answer.get("show_alert"), answer.get("text")
        await fake.settled()


async def false_alarm(fake: FakeTelegram, scenario: str, reason: str, *verifiers: Verifier) -> None:
    for verifier in verifiers:
        card = await wait_drill_card(fake, scenario)
        answer = await verifier.calls_false_alarm(card, reason)
        assert not answer.get("show_alert"), answer.get("text")
        await fake.settled()


async def rumor_check(fake: FakeTelegram, scenario: str, *verifiers: Verifier) -> None:
    for verifier in verifiers:
        await fake.wait_until(
            lambda: "📣" in str(buttons_of(drill_card(fake, scenario) or {})), what="the rumor check button"
        )
        card = await wait_drill_card(fake, scenario)
        answer = await verifier.presses(card, "📣")
        assert not answer.get("show_alert"), answer.get("text")
        await fake.settled()


async def after_action_report(fake: FakeTelegram, chat_id: int = VERIFIER_GROUP) -> dict:
    return await fake.wait_for_bot_message(chat_id, lambda m: "After-action report" in text_of(m), timeout=10)


async def drill_forgotten(vigil: Vigil) -> None:
    """Wait until the drill's reports are deleted (the alarm looks again until its report has left)."""

    async def left() -> int:
        async with vigil.services.database.unit_of_work() as repo:
            return await repo.drill_reports_left()

    for _ in range(100):
        if await left() == 0:
            return
        vigil.alarm_rings()
        await vigil.fake.settled(quiet=0.02)
    raise AssertionError(f"{await left()} drill reports are still stored after the after-action report")
