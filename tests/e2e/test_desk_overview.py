"""Issue 9, item 10, end to end: the desk at a glance.

/queue in the verifier group lists open reports oldest first with their state, each linking to its
card; /stats gives the organizers 7- and 30-day figures, nothing about reporters. Both refuse
whoever they are not for.
"""

from __future__ import annotations

from tests.e2e.harness import (
    ANA,
    LUIS,
    MARTA,
    OTHER_GROUP,
    ROSA,
    STRANGER,
    TOM,
    VERIFIER_GROUP,
    TravelClock,
    running_vigil,
)
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import CLOVIS_DAIRY, prompt_for, publish, question_to, report_from_rosa, report_from_tom, wait_card


async def command_in(fake, chat_id: int, user_id: int, command: str, expect: str) -> dict:
    sent = fake.user_sends_text(user_id, command, chat_id=chat_id)
    return await fake.wait_for_bot_message(
        chat_id, lambda m: m["message_id"] > sent["message_id"] and expect in text_of(m)
    )


def link_of(card: dict) -> str:
    return f"https://t.me/c/{str(VERIFIER_GROUP)[4:]}/{card['message_id']}"


async def test_queue_lists_open_reports_oldest_first_with_votes_claims_questions_and_links(vigil, fake):
    empty = await command_in(fake, VERIFIER_GROUP, LUIS, "/queue", "No reports")
    assert "waiting for verification" in text_of(empty)

    live = await publish(fake, place="Vado", text="Vans and agents near the church in Vado")
    first = await report_from_tom(fake, text=CLOVIS_DAIRY)
    # Another place: a report of Vado, where the alert is live, would be attached to it (corroboration).
    second = await report_from_tom(fake, place="Downtown Las Cruces", text="Agents knocking on doors on Main St")
    luis = Verifier(fake, LUIS)
    await Verifier(fake, ANA).presses(card_in_group(fake, first), "👍")
    await luis.presses(card_in_group(fake, first), "🚶 30")
    await wait_card(fake, first, "Luis is on the way")
    prompt = await prompt_for(fake, luis, first)
    await luis.presses(prompt, "How many agents")
    await question_to(fake, TOM, first)
    await report_from_rosa(fake)  # Clovis too: attached to the first as corroboration
    await wait_card(fake, first, "2 residents report this")

    queue = await command_in(fake, VERIFIER_GROUP, LUIS, "/queue", "open reports")
    words = text_of(queue)
    assert "2 open reports" in words  # Rosa's attached report is not a third
    assert words.index(first) < words.index(second)  # oldest first
    lines = words.split("\n")
    state = lines[lines.index(next(line for line in lines if first in line)) + 1]
    assert "👥 2 residents" in state and "👍 1/2" in state and "👎 0/2" in state and "🚶 Luis until" in state
    other = lines[lines.index(next(line for line in lines if second in line)) + 1]
    assert "👥" not in other
    assert "1 question waiting for an answer" in state
    links = [e["url"] for e in queue.get("entities", []) if e["type"] == "text_link"]
    assert link_of(card_in_group(fake, first)) in links and link_of(card_in_group(fake, second)) in links
    assert "1 live alert" in words and live in words
    assert "Tom" not in words and str(TOM) not in str(queue)  # nothing about the reporter


async def test_queue_refuses_other_chats_and_whoever_is_no_longer_a_member(vigil, fake):
    await report_from_tom(fake, text=CLOVIS_DAIRY)
    refused = await command_in(fake, OTHER_GROUP, STRANGER, "/queue", "verifier group")
    assert "works in the verifier group" in text_of(refused)
    private = await Resident(fake, ROSA).sends_text("/queue", expect="grupo de verificadores")  # Rosa speaks Spanish
    assert "R-" not in text_of(private)
    # A message sent just before its sender was removed from the group still arrives: Telegram is
    # asked who is a member now, as for every button.
    gone = await command_in(fake, VERIFIER_GROUP, STRANGER, "/queue", "members of the verifier group")
    assert "R-" not in text_of(gone)


async def test_stats_give_organizers_the_desks_figures_and_nothing_about_reporters(fake, tmp_path):
    clock = TravelClock()
    async with running_vigil(fake, tmp_path, clock=clock) as vigil:
        published = await report_from_tom(fake, text=CLOVIS_DAIRY)
        clock.advance(minutes=4)
        await Verifier(fake, ANA).presses(await wait_card(fake, published, "needs"), "👍")
        clock.advance(minutes=2)
        await Verifier(fake, LUIS).presses(card_in_group(fake, published), "👍")
        await wait_card(fake, published, "📣 Posted")
        await report_from_rosa(fake)  # joins the live alert: corroboration
        await wait_card(fake, published, "2 residents report this")
        rejected = await report_from_tom(fake, place="Vado", text="Bus at the church")
        clock.advance(minutes=1)
        await Verifier(fake, LUIS).calls_false_alarm(await wait_card(fake, rejected, "needs"), "An old")
        await Verifier(fake, MARTA).calls_false_alarm(card_in_group(fake, rejected), "An old")
        await wait_card(fake, rejected, "closed as a false alarm")
        await Verifier(fake, ANA).presses(card_in_group(fake, rejected), "📣")
        await Verifier(fake, MARTA).presses(card_in_group(fake, rejected), "📣")
        await wait_card(fake, rejected, "Rumor check posted")
        await fake.settled()

        stats = await Resident(fake, ANA).sends_text("/stats", expect="7")  # Ana organizes; her client speaks Spanish
        words = text_of(stats)
        assert "Últimos 7 días" in words and "Últimos 30 días" in words
        assert words.count("Reportes: 3") == 2 and words.count("Publicados: 1") == 2
        assert words.count("añadidos a otro reporte de la misma zona: 1") == 2
        assert words.count("Rechazados: 1") == 2
        assert words.count("por motivo: 1 foto vieja") == 2
        assert words.count("Verificaciones de rumor publicadas: 1") == 2
        assert "De reporte a publicación: mediana 6 min, el 90 % en 6 min" in words
        assert "• Luis: 2 ·" in words and "• Ana: 1 · 4 min" in words
        assert "Tom" not in words and "#" not in words and published not in words and rejected not in words

        # Nine days on, the reports are purged (retention: 7 days); the 30-day figures keep them.
        clock.advance(days=9)
        assert (await vigil.services.retention.purge()).reports == 1  # the alert is still live
        later = text_of(await Resident(fake, ANA).sends_text("/stats", expect="30"))
        seven, thirty = later.split("Últimos 30 días")
        assert "Reportes: 0" in seven and "Reportes: 3" in thirty and "Rechazados: 1" in thirty
        assert "por motivo: 1 foto vieja" in thirty and "Verificaciones de rumor publicadas: 1" in thirty
        assert "Verificaciones de rumor publicadas: 0" in seven
        assert "• Luis: 2 ·" in thirty  # named while a vote of his is still on record (the live alert's)
        assert "• Ana: 1 · 4 min" in thirty

        in_group = await command_in(fake, VERIFIER_GROUP, ANA, "/stats", "30")
        assert "Luis" in text_of(in_group)
        refused = await command_in(fake, VERIFIER_GROUP, LUIS, "/stats", "/stats")
        assert "only for the organizers" in text_of(refused)
        elsewhere = await command_in(fake, OTHER_GROUP, ANA, "/stats", "/stats")
        assert "solo para quienes organizan" in text_of(elsewhere)  # not where others would read it


async def test_the_verifier_group_has_its_own_command_menu_in_each_language(vigil, fake):
    scope = f"chat:{VERIFIER_GROUP}"
    english = {c["command"]: c["description"] for c in fake.commands(scope=scope)}
    spanish = {c["command"]: c["description"] for c in fake.commands(scope=scope, language_code="es")}
    assert list(english) == ["queue", "stats", "status"] and english["queue"] == "Open reports, oldest first"
    assert spanish["queue"] == "Reportes abiertos, del más antiguo al más reciente"
