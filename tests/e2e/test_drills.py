"""Drills (issue 19): the desk practises on the built-in scenarios, and nobody outside hears of it.

1. every scenario played to its expected outcome: the after-action report says 7 of 7;
2. a wrong decision shows in the report, without a name;
3. nothing reaches a public channel, a subscriber or a real resident (every chat of the fake is
   scanned), and every drill message in the group starts with the banner;
4. /drill is refused for anyone but an organizer;
5. the drill's reports are gone once the after-action report is delivered;
6. a real report sent during a surge reaches the group before the drill's waiting messages.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.network import parse_network
from bot.rate_limits import PriorityRateLimiter
from tests.e2e.drill_steps import (
    BANNER,
    after_action_report,
    confirm,
    drill_card,
    drill_forgotten,
    false_alarm,
    menu_now,
    open_drill_menu,
    press_on_menu,
    rumor_check,
    start_drill,
    surge_arrives,
    wait_drill_card,
)
from tests.e2e.harness import (
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    DOWNTOWN_CHANNEL,
    LUIS,
    MARTA,
    ROSA,
    STRANGER,
    TOM,
    VADO_CHANNEL,
    VERIFIER_GROUP,
    TravelClock,
    buttons_of,
    running_vigil,
)
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import prompt_for, report_from_tom, wait_card
from tests.sample_network import network_toml

ALL = (
    "courthouse-lunch",
    "worksite",
    "old-raid-photo",
    "highway-checkpoint",
    "school-rumor",
    "wrong-place",
    "home-address",
)
PUBLIC = (DOWNTOWN_CHANNEL, VADO_CHANNEL, CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL)
PEOPLE = (TOM, ROSA, ANA, LUIS, MARTA, STRANGER)


@pytest.fixture
def clock():
    return TravelClock()


def unpaced() -> PriorityRateLimiter:
    """Telegram's pace (20 messages a minute into one group) would spread a surge's cards over
    minutes of real time; these tests are about where messages go, so the client-side pacing is off."""
    return PriorityRateLimiter(overall_per_second=0, group_per_minute=0)


@pytest.fixture
async def vigil(fake, tmp_path, clock):
    async with running_vigil(fake, tmp_path, clock=clock, rate_limiter=unpaced()) as running:
        yield running


async def subscribe(fake, user_id: int) -> None:
    """A real subscriber of every neighborhood: a drill must never write to them."""
    resident = Resident(fake, user_id)
    prompt = await resident.sends_text("/subscribe")
    for key in ("las-cruces-downtown", "vado", "clovis"):
        await resident.taps(f"v1:sub:t:{key}", resident.current(prompt["message_id"]))


def nothing_outside(fake, *, people_before: dict[int, int]) -> None:
    for channel in PUBLIC:
        assert fake.bot_messages(channel) == [], f"a drill message reached channel {channel}"
    for person in PEOPLE:
        assert len(fake.bot_messages(person)) == people_before[person], f"a drill message reached user {person}"
    # Every chat the fake knows of: nothing but the verifier group (and the people's own earlier messages).
    for chat_id in fake.world.messages:
        if chat_id in (VERIFIER_GROUP, *PEOPLE):
            continue
        assert fake.bot_messages(chat_id) == [], f"a drill message reached chat {chat_id}"


def drill_messages_marked(fake, since: int) -> None:
    for message in fake.bot_messages(VERIFIER_GROUP):
        if message["message_id"] > since:
            assert text_of(message).startswith(BANNER), text_of(message)[:80]


async def play_every_scenario_right(fake) -> None:
    luis, marta = Verifier(fake, LUIS), Verifier(fake, MARTA)
    await false_alarm(fake, "courthouse-lunch", "Not enforcement", luis, marta)
    await confirm(fake, "worksite", luis, marta)
    old = await wait_drill_card(fake, "old-raid-photo")
    assert "this photo was already sent with" in text_of(old)  # an earlier drill report's photo
    await false_alarm(fake, "old-raid-photo", "An old or recycled photo", luis, marta)
    await confirm(fake, "highway-checkpoint", luis, marta, in_person=True)
    await false_alarm(fake, "school-rumor", "Could not be verified", luis, marta)
    await rumor_check(fake, "school-rumor", luis, marta)
    await false_alarm(fake, "wrong-place", "Wrong place", luis, marta)
    await confirm(fake, "home-address", luis, marta)


async def test_a_surge_drill_played_right_reaches_nobody_outside_and_reports_seven_of_seven(vigil, fake, clock):
    await subscribe(fake, TOM)
    people_before = {person: len(fake.bot_messages(person)) for person in PEOPLE}
    since = fake.bot_messages(VERIFIER_GROUP)[-1]["message_id"] if fake.bot_messages(VERIFIER_GROUP) else 0
    started = await start_drill(fake, ANA)
    assert "10 reportes simulados" in text_of(started)  # Ana reads Spanish
    await surge_arrives(vigil, clock, ALL)
    assert "👥 3 residents report this" in text_of(await wait_drill_card(fake, "worksite"))
    await play_every_scenario_right(fake)
    report = text_of(await after_action_report(fake))
    assert "7 of 7 decisions matched the expected outcome" in report
    assert "Nothing was missed." in report
    assert "Verifiers' tags" not in report  # not asked for
    assert "the public words kept the address out: yes" in report
    assert "Luis" not in report and "Marta" not in report
    await vigil.outbox_idle()
    nothing_outside(fake, people_before=people_before)
    drill_messages_marked(fake, since)
    # The card shows where the post would have gone instead of a link.
    assert any("🧪 Would have been posted" in text_of(m) for m in fake.bot_messages(VERIFIER_GROUP))
    # Once the report is delivered, the drill's reports are gone; it counted nowhere.
    await drill_forgotten(vigil)
    async with vigil.services.database.unit_of_work() as repo:
        assert await repo.outcomes_since(clock() - timedelta(days=30)) == {}
    again = await open_drill_menu(fake, ANA)
    fake.user_sends_text(ANA, "/drill report", chat_id=VERIFIER_GROUP)
    kept = await fake.wait_for_bot_message(
        VERIFIER_GROUP, lambda m: m["message_id"] > again["message_id"] and "After-action report" in text_of(m)
    )
    assert "7 of 7" in text_of(kept)


async def test_a_wrong_decision_shows_in_the_report_without_a_name(vigil, fake, clock):
    await start_drill(fake, ANA, only=("courthouse-lunch", "highway-checkpoint"), tags=True)
    await surge_arrives(vigil, clock, ("courthouse-lunch", "highway-checkpoint"))
    luis, marta = Verifier(fake, LUIS), Verifier(fake, MARTA)
    await confirm(fake, "courthouse-lunch", luis, marta)  # agents at lunch: should have been a false alarm
    await confirm(fake, "highway-checkpoint", luis, marta)  # right, but nobody went in person
    report = text_of(await after_action_report(fake))
    assert "1 of 2 decisions matched the expected outcome" in report
    assert "1 of 2 decisions differed from the expected outcome" in report
    assert "the decision differed" in report
    assert "nobody went to look in person" in report
    assert "Luis" not in report and "Marta" not in report
    assert "Verifiers' tags (as in /stats): " in report  # the organizer asked for them


async def test_drill_is_refused_for_anyone_but_an_organizer(vigil, fake):
    refused = await open_drill_menu(fake, LUIS)
    assert "organizers" in text_of(refused)
    private = await Resident(fake, STRANGER).sends_text("/drill")
    assert "organizers" in text_of(private)
    # The organizer's menu cannot be used by someone else either.
    menu = await open_drill_menu(fake, ANA)
    answer = await press_on_menu(fake, LUIS, menu, "v1:drill:go:")
    assert answer["show_alert"] and "organizers" in answer["text"]
    async with vigil.services.database.unit_of_work() as repo:
        assert await repo.running_drill() is None


async def test_drill_posts_go_only_to_the_drill_channel_when_there_is_one(fake, tmp_path, clock):
    drill_channel = -1009000000001
    fake.add_channel(drill_channel, "Vigil drills")
    network = parse_network(network_toml()).model_copy(update={"drill_channel": drill_channel})
    async with running_vigil(fake, tmp_path, clock=clock, network=network, rate_limiter=unpaced()) as vigil:
        await start_drill(fake, ANA, only=("home-address",))
        await surge_arrives(vigil, clock, ("home-address",))
        await confirm(fake, "home-address", Verifier(fake, LUIS), Verifier(fake, MARTA))
        await after_action_report(fake)
        await vigil.outbox_idle()
        posts = fake.bot_messages(drill_channel)
        assert posts and all(text_of(p).startswith(BANNER) for p in posts)
        assert all("412 Oak St" not in text_of(p) for p in posts)
        for channel in PUBLIC:
            assert fake.bot_messages(channel) == []


async def test_a_real_report_overtakes_the_drill_surge_and_never_joins_it(vigil, fake, clock):
    await start_drill(fake, ANA)
    # Hold the outbox while the surge and then a real report are queued, so what follows shows the
    # order the queue chooses, not which request happened to be made first.
    await vigil.services.dispatcher.stop()
    clock.advance(minutes=3)
    vigil.alarm_rings()

    async def sent() -> int:
        async with vigil.services.database.unit_of_work() as repo:
            drill = await repo.running_drill()
            assert drill is not None
            return sum(row.sent for row in await repo.planned_reports(drill.id))

    for _ in range(200):
        if await sent() == 10:
            break
        await fake.settled(quiet=0.02)
    assert await sent() == 10
    before = fake.bot_messages(VERIFIER_GROUP)[-1]["message_id"]
    ref = await report_from_tom(fake)  # in Clovis, where two drill scenarios are open
    await vigil.services.dispatcher.start()
    real = await wait_card(fake, ref, ref)
    after = [m for m in fake.bot_messages(VERIFIER_GROUP) if m["message_id"] > before]
    # Its album and its card come before any message of the drill, though queued after all of them.
    assert all(not text_of(m).startswith(BANNER) for m in after if m["message_id"] <= real["message_id"])
    await vigil.outbox_idle(timeout=20)
    assert len([m for m in fake.bot_messages(VERIFIER_GROUP) if text_of(m).startswith(BANNER)]) > 10
    assert "👥" not in text_of(card_in_group(fake, ref))  # a real report never joins a drill's


def ref_of(card: dict) -> str:
    match = re.search(r"R-[0-9A-Z]{4}", text_of(card))
    assert match is not None
    return match.group(0)


async def test_the_simulated_resident_answers_from_the_script_and_says_i_cant_say_to_a_written_question(
    vigil, fake, clock
):
    await start_drill(fake, ANA, only=("courthouse-lunch",), pace="one")
    card = await wait_drill_card(fake, "courthouse-lunch")  # one at a time: the first arrives at once
    ref = ref_of(card)
    luis = Verifier(fake, LUIS)
    prompt = await prompt_for(fake, luis, ref)
    await luis.presses(prompt, "How many agents")
    quick = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: f"The reporter of {ref} answered" in text_of(m))
    assert text_of(quick).endswith("1 or 2")  # the script answers many = "few"
    assert text_of(quick).startswith(BANNER)
    fake.user_sends_text(LUIS, "Which taco place exactly?", chat_id=VERIFIER_GROUP, reply_to=prompt["message_id"])
    written = await fake.wait_for_bot_message(
        VERIFIER_GROUP,
        lambda m: f"The reporter of {ref} answered" in text_of(m) and m["message_id"] > quick["message_id"],
    )
    assert "I can't say." in text_of(written)
    assert fake.bot_messages(TOM) == [] and fake.bot_messages(ROSA) == []


async def test_drill_stop_reports_at_once_what_is_still_open_and_forgets_the_drill(vigil, fake, clock):
    await start_drill(fake, ANA, only=("courthouse-lunch", "worksite"), pace="one")
    await wait_drill_card(fake, "courthouse-lunch")
    fake.user_sends_text(ANA, "/drill stop", chat_id=VERIFIER_GROUP)
    report = await after_action_report(fake)
    assert "0 of 2 decisions matched" in text_of(report)
    assert text_of(report).count("still open") == 2  # the second scenario never arrived
    await vigil.outbox_idle()
    await drill_forgotten(vigil)
    # The old card is still in the group; its buttons find nothing.
    answer = await Verifier(fake, LUIS).presses(await wait_drill_card(fake, "courthouse-lunch"), "👍")
    assert answer["show_alert"]


async def test_with_a_real_report_open_the_organizer_confirms_before_a_drill_starts(vigil, fake):
    await report_from_tom(fake)
    menu = await open_drill_menu(fake, ANA)
    await press_on_menu(fake, ANA, menu, "v1:drill:go:")
    asked = menu_now(fake, menu)
    assert "1 reporte real" in text_of(asked)  # Ana reads Spanish: "1 real report is waiting"
    async with vigil.services.database.unit_of_work() as repo:
        assert await repo.running_drill() is None
    await press_on_menu(fake, ANA, menu, "v1:drill:no:")
    async with vigil.services.database.unit_of_work() as repo:
        assert await repo.running_drill() is None
    assert "v1:drill:" not in str(menu_now(fake, menu).get("reply_markup"))  # "No drill was started."
    menu = await open_drill_menu(fake, ANA)
    await press_on_menu(fake, ANA, menu, "v1:drill:go:")
    await press_on_menu(fake, ANA, menu, "v1:drill:sure:")
    assert "10 reportes simulados" in text_of(menu_now(fake, menu))


async def test_one_at_a_time_the_next_scenario_arrives_once_the_previous_is_settled(vigil, fake):
    await start_drill(fake, ANA, only=("wrong-place", "home-address"), pace="one")
    await wait_drill_card(fake, "wrong-place")
    await vigil.outbox_idle()
    assert drill_card(fake, "home-address") is None  # not before the first is settled
    await false_alarm(fake, "wrong-place", "Wrong place", Verifier(fake, LUIS), Verifier(fake, MARTA))
    await confirm(fake, "home-address", Verifier(fake, LUIS), Verifier(fake, MARTA))
    report = text_of(await after_action_report(fake))
    assert "2 of 2 decisions matched the expected outcome" in report


async def test_a_drill_started_in_private_reports_to_the_group_and_the_organizer(vigil, fake, clock):
    menu = await open_drill_menu(fake, ANA, chat_id=ANA)
    for index in range(1, 7):  # everything is ticked at first: keep only the first scenario
        await press_on_menu(fake, ANA, menu, buttons_of(menu_now(fake, menu))[index][1])
    await press_on_menu(fake, ANA, menu, "v1:drill:go:")
    await wait_drill_card(fake, "courthouse-lunch")  # the cards still go to the verifier group
    fake.user_sends_text(ANA, "/drill stop", chat_id=ANA)
    await after_action_report(fake)
    await after_action_report(fake, ANA)
