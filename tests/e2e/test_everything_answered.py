"""Issue 11, item 3, end to end: everything a resident sends gets a short answer in their language,
and nothing a report cannot use (a contact's phone number above all) is kept."""

from __future__ import annotations

import pytest

from tests.e2e.harness import ANA, OTHER_GROUP, ROSA, STRANGER, TOM, VERIFIER_GROUP
from tests.e2e.people import Resident, card_in_group, last_id, text_of
from tests.e2e.steps import files_of, ref_in

CANNOT_USE = "I can't use that in a report"


async def _answer(fake, chat_id: int, before: int) -> str:
    reply = await fake.wait_for_bot_message(chat_id, lambda m: m["message_id"] > before)
    await fake.settled()
    assert len([m for m in fake.bot_messages(chat_id) if m["message_id"] > before]) == 1, "exactly one answer"
    return text_of(reply)


@pytest.mark.parametrize(
    "send",
    [
        lambda fake: fake.user_sends_sticker(TOM),
        lambda fake: fake.user_sends_dice(TOM),
        lambda fake: fake.user_sends_poll(TOM, "Lunch?", ["Tacos", "Pho"]),
        lambda fake: fake.user_sends_game(TOM, "Runner"),
    ],
    ids=["sticker", "dice", "poll", "game"],
)
async def test_stickers_dice_polls_and_games_are_answered_with_what_a_report_can_hold(vigil, fake, send):
    before = last_id(fake, TOM)
    send(fake)
    answer = await _answer(fake, TOM, before)
    assert CANNOT_USE in answer and "photos" in answer and "/help" in answer


async def test_the_answer_is_in_the_residents_language(vigil, fake):
    before = last_id(fake, ROSA)
    fake.user_sends_sticker(ROSA)
    assert "No puedo usar eso en un reporte" in await _answer(fake, ROSA, before)


async def test_a_contact_card_is_refused_with_the_reason_and_its_number_is_never_stored(vigil, fake):
    before = last_id(fake, TOM)
    fake.user_sends_contact(TOM, "+15755550199", "Primo Zq", contact_user_id=777001)
    answer = await _answer(fake, TOM, before)
    assert "phone number" in answer and "does not keep it" in answer
    for path in files_of(vigil.settings.database):
        data = path.read_bytes()
        assert b"5755550199" not in data and b"Primo Zq" not in data


async def test_a_venue_suggests_the_neighborhood_like_a_location_and_keeps_no_coordinates(vigil, fake):
    fake.user_sends_venue(TOM, 32.1120, -106.6630, "Lavanderia Zq", "100 Main St")
    await fake.wait_for_bot_message(TOM, lambda m: "Based on your location" in text_of(m))
    panel = await fake.wait_for_bot_message(TOM, lambda m: "not sent yet" in text_of(m))
    assert "📍 Where: Vado" in text_of(panel)
    await fake.settled()
    for path in files_of(vigil.settings.database):
        data = path.read_bytes()
        assert b"32.112" not in data and b"Lavanderia Zq" not in data


async def test_an_unknown_command_points_to_help(vigil, fake):
    before = last_id(fake, TOM)
    fake.user_sends_text(TOM, "/sighting now")
    assert "/help" in await _answer(fake, TOM, before)


async def test_an_edit_while_writing_does_not_change_the_draft_and_says_how_to_correct(vigil, fake):
    tom = Resident(fake, TOM)
    words = fake.user_sends_text(TOM, "three vans on Main")
    await fake.wait_for_bot_message(TOM, lambda m: "three vans on Main" in text_of(m))
    await fake.settled()
    before = last_id(fake, TOM)
    fake.user_edits_message(TOM, words["message_id"], "four vans on Main")
    answer = await _answer(fake, TOM, before)
    assert "does not change your report" in answer and "new message" in answer
    assert "three vans on Main" in text_of(tom.panel()) and "four vans" not in text_of(tom.panel())


async def test_an_edit_after_sending_does_not_rewrite_the_card_and_says_how_to_add_something(vigil, fake):
    tom = Resident(fake, TOM)
    words = fake.user_sends_text(TOM, "three vans on Main")
    await fake.wait_for_bot_message(TOM, lambda m: "not sent yet" in text_of(m))
    await tom.taps("Vado")
    panel_id = tom.panel()["message_id"]
    await tom.taps("✅")
    await fake.wait_until(lambda: "reference is" in text_of(tom.current(panel_id)))
    ref = ref_in(text_of(tom.current(panel_id)))
    await vigil.outbox_idle()
    card_before = card_in_group(fake, ref)
    before = last_id(fake, TOM)
    group_requests = len(fake.requests)
    fake.user_edits_message(TOM, words["message_id"], "four vans on Main")
    answer = await _answer(fake, TOM, before)
    assert "already sent" in answer and "Send to verifiers" in answer
    await vigil.outbox_idle()
    assert card_in_group(fake, ref) == card_before
    assert not [p for name, p in fake.requests[group_requests:] if str(p.get("chat_id")) == str(VERIFIER_GROUP)]


async def test_a_command_in_another_group_gets_one_polite_line_then_quiet(vigil, fake):
    before = last_id(fake, OTHER_GROUP)
    fake.user_sends_text(STRANGER, "/start@vigil_test_bot", chat_id=OTHER_GROUP)
    answer = await _answer(fake, OTHER_GROUP, before)
    assert "private chat" in answer and "@vigil_test_bot" in answer
    before = last_id(fake, OTHER_GROUP)
    fake.user_sends_text(STRANGER, "/report@vigil_test_bot", chat_id=OTHER_GROUP)
    await vigil.outbox_idle()
    await fake.settled(quiet=0.5)
    assert last_id(fake, OTHER_GROUP) == before  # not a second time within the quiet period


async def test_an_unknown_command_in_the_verifier_group_is_deliberately_left_unanswered(vigil, fake):
    before = last_id(fake, VERIFIER_GROUP)
    fake.user_sends_text(ANA, "/report@vigil_test_bot", chat_id=VERIFIER_GROUP)
    await vigil.outbox_idle()
    await fake.settled(quiet=0.5)
    assert last_id(fake, VERIFIER_GROUP) == before
