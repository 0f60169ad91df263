"""Issue 9, end to end: the verifier desk, through the fake Bot API server.

1. Ask the reporter, anonymously: quick questions and the verifier's own words; the resident
   answers with a button, words or a photo; answers reach the group as replies to the card.
2. "I'm going to check" with an ETA, one reminder at the ETA, and confirmation in person.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.services.presses import Press
from tests.e2e.harness import (
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    LUIS,
    ROSA,
    STRANGER,
    TOM,
    VERIFIER_GROUP,
    TravelClock,
    button_data,
    buttons_of,
    jpeg_bytes,
    running_vigil,
)
from tests.e2e.people import Resident, Verifier, card_in_group, report_in_words, text_of
from tests.e2e.steps import CLOVIS_DAIRY, from_bot_in, gps_exif, prompt_for, question_to, report_from_tom, wait_card


async def test_a_quick_question_reaches_the_reporter_anonymously_and_a_tapped_answer_reaches_the_card(vigil, fake):
    ref = await report_from_tom(fake, text=CLOVIS_DAIRY)
    luis = Verifier(fake, LUIS)
    prompt = await prompt_for(fake, luis, ref)
    answer = await luis.presses(prompt, "How many agents")
    assert f"Sent to the reporter of {ref}" in answer["text"] and "1/3" in answer["text"]

    question = await question_to(fake, TOM, ref)  # the receipt is the first message naming the ref
    words = text_of(question)
    assert "How many agents do you see?" in words and "Only answer if it is safe" in words
    assert "Luis" not in words and str(LUIS) not in str(question)  # who asked stays in the group
    assert [label for label, _ in buttons_of(question)] == ["1 or 2", "3 to 5", "6 or more", "I can't tell"]
    await wait_card(fake, ref, "Questions to the reporter: 1/3 · answered: 0")

    tom = Resident(fake, TOM)
    thanks = await tom.taps("6 or more", question)
    assert "passed on to the verifiers" in thanks["text"]
    shown = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: f"The reporter of {ref} answered" in text_of(m))
    assert shown["reply_to_message"]["message_id"] == card_in_group(fake, ref)["message_id"]
    assert "How many agents do you see?" in text_of(shown) and "6 or more" in text_of(shown)
    assert "Tom" not in str(shown) and str(TOM) not in str(shown) and "tom_lc" not in str(shown)
    assert "forward_origin" not in shown and "forward_from" not in shown
    card = await wait_card(fake, ref, "answered: 1")
    assert "Luis: How many agents do you see? — 1 answer" in text_of(card)


async def test_a_quick_answer_counts_once_and_the_question_then_shows_it_without_buttons(vigil, fake):
    """Issue 23, item 2: Tom taps "3 to 5", then "6 or more" on the same question (a stale button)."""
    ref = await report_from_tom(fake, text=CLOVIS_DAIRY)
    luis = Verifier(fake, LUIS)
    await luis.presses(await prompt_for(fake, luis, ref), "How many agents")
    question = await question_to(fake, TOM, ref)

    # Both taps leave Tom's phone before the bot has handled the first: the second is a stale button.
    first = fake.user_presses_button(TOM, TOM, question["message_id"], button_data(question, "3 to 5"))
    second = fake.user_presses_button(TOM, TOM, question["message_id"], button_data(question, "6 or more"))
    assert "passed on to the verifiers" in (await fake.wait_for_callback_answer(first))["text"]
    refused = await fake.wait_for_callback_answer(second)
    assert refused["show_alert"] and "You already answered this question: 3 to 5." in refused["text"]
    await fake.settled()
    await vigil.outbox_idle()

    answers = from_bot_in(fake, VERIFIER_GROUP, f"The reporter of {ref} answered")
    assert len(answers) == 1, [text_of(m) for m in answers]  # the group gets one answer
    assert "3 to 5" in text_of(answers[0]) and "6 or more" not in text_of(answers[0])
    card = await wait_card(fake, ref, "answered: 1")
    assert "Luis: How many agents do you see? — 1 answer" in text_of(card)
    # His chat keeps what he answered, and nothing invites another tap.
    shown = Resident(fake, TOM).current(question["message_id"])
    assert "How many agents do you see?" in text_of(shown)
    assert "You answered: 3 to 5" in text_of(shown) and "Tap an answer below" not in text_of(shown)
    assert buttons_of(shown) == []

    # A reply in words still adds to it: that is a second answer, and the card counts it.
    fake.user_sends_text(TOM, "Two more cars just arrived", reply_to=question["message_id"])
    await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "Two more cars just arrived" in text_of(m))
    await wait_card(fake, ref, "— 2 answers")


async def test_a_spanish_resident_sees_the_answer_they_tapped_in_spanish(vigil, fake):
    ref = await report_in_words(fake, ROSA, "Cinco camionetas sin placas frente a la iglesia en Vado", "Vado")
    luis = Verifier(fake, LUIS)
    await luis.presses(await prompt_for(fake, luis, ref), "Are they still there")
    question = await question_to(fake, ROSA, ref)
    rosa = Resident(fake, ROSA)
    await rosa.taps("Sí, siguen ahí", question)
    await fake.settled()
    await vigil.outbox_idle()
    shown = rosa.current(question["message_id"])
    assert "Usted respondió: Sí, siguen ahí" in text_of(shown) and buttons_of(shown) == []


async def test_a_verifiers_own_question_in_spanish_answered_in_words_and_with_a_cleaned_photo(vigil, fake):
    rosa = Resident(fake, ROSA)
    await rosa.sends_photo(jpeg_bytes(), expect="Dónde")
    await rosa.taps("Vado")
    await rosa.sends_text("Cinco camionetas sin placas frente a la iglesia en Vado", expect="camionetas")
    panel_id = rosa.panel()["message_id"]
    await rosa.taps("✅")
    await fake.wait_until(lambda: "R-" in text_of(rosa.current(panel_id)), what="the receipt")
    ref = next(w.strip(".,:<>b/") for w in text_of(rosa.current(panel_id)).split() if w.startswith("R-"))[:6]
    await wait_card(fake, ref, "needs verification")

    prompt = await prompt_for(fake, Verifier(fake, LUIS), ref)
    fake.user_sends_text(
        LUIS, "Which street, and are the agents wearing vests?", chat_id=VERIFIER_GROUP, reply_to=prompt["message_id"]
    )
    await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: f"Sent to the reporter of {ref}" in text_of(m))
    question = await question_to(fake, ROSA, ref)
    assert "Los verificadores de la red tienen una pregunta" in text_of(question)
    assert "Which street, and are the agents wearing vests?" in text_of(question)
    assert "Responda solo si es seguro" in text_of(question) and buttons_of(question) == []

    fake.user_sends_text(ROSA, "6, con chalecos de ICE, en la calle Main", reply_to=question["message_id"])
    thanks = await fake.wait_for_bot_message(ROSA, lambda m: "Gracias. Su respuesta" in text_of(m))
    assert thanks
    words = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "6, con chalecos de ICE" in text_of(m))
    assert words["reply_to_message"]["message_id"] == card_in_group(fake, ref)["message_id"]
    assert "Rosa" not in str(words)

    fake.user_sends_photo(ROSA, jpeg_bytes(color=(10, 200, 10), exif=gps_exif()), reply_to=question["message_id"])
    photo = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "photo" in m and "answered" in text_of(m))
    assert photo["reply_to_message"]["message_id"] == card_in_group(fake, ref)["message_id"]
    cleaned = fake.file_bytes(photo["photo"][-1]["file_id"])
    assert b"Exif" not in cleaned and Image.open(io.BytesIO(cleaned)).getexif().get(0x8825) is None
    await wait_card(fake, ref, "2 answers")
    # no draft was started by any of the answers
    assert not any(
        "v1:form:" in data for m in fake.bot_messages(ROSA) for _, data in buttons_of(m) if m["message_id"] > panel_id
    )


async def test_refusals_a_stranger_the_question_limit_and_an_answer_after_the_report_closed(vigil, fake):
    ref = await report_from_tom(fake, text=CLOVIS_DAIRY)
    card = card_in_group(fake, ref)
    refused = await Verifier(fake, STRANGER).presses(card, "❓")
    assert "not authorized" in refused["text"]
    await fake.settled()
    assert from_bot_in(fake, VERIFIER_GROUP, "Ask the reporter of") == []
    refused_tom = await Verifier(fake, TOM).presses(card, "❓")  # Tom is not in the group
    assert "not authorized" in refused_tom["text"]

    luis = Verifier(fake, LUIS)
    prompt = await prompt_for(fake, luis, ref)
    for label in ("How many agents", "Are they detaining", "Are they still there"):
        await luis.presses(prompt, label)
    over = await luis.presses(prompt, "Do you see agency markings")
    assert "already has 3 questions" in over["text"]
    await vigil.outbox_idle()
    assert len(from_bot_in(fake, TOM, "have a question about your report")) == 3

    # The report closes as a false alarm; Tom's late answer is not passed on.
    await Verifier(fake, ANA).calls_false_alarm(card_in_group(fake, ref))
    await Verifier(fake, LUIS).calls_false_alarm(card_in_group(fake, ref))
    await wait_card(fake, ref, "false alarm")
    await vigil.outbox_idle()
    question = from_bot_in(fake, TOM, "have a question about your report")[0]
    before = len(from_bot_in(fake, VERIFIER_GROUP, "answered"))
    fake.user_sends_text(TOM, "they are gone now", reply_to=question["message_id"])
    closed = await fake.wait_for_bot_message(TOM, lambda m: "is closed, so your answer was not passed on" in text_of(m))
    assert ref in text_of(closed)
    tapped = await Resident(fake, TOM).taps("No, they left", from_bot_in(fake, TOM, "Are they still there?")[0])
    assert "is closed" in tapped["text"]
    await vigil.outbox_idle()
    assert len(from_bot_in(fake, VERIFIER_GROUP, "answered")) == before
    # and asking more is refused on a closed report
    assert "already closed" in (await luis.presses(prompt, "Do you see agency markings"))["text"]


async def test_a_reply_that_is_not_to_a_question_still_starts_a_report(vigil, fake):
    tom = Resident(fake, TOM)
    fake.user_sends_text(TOM, "/help")
    help_message = await fake.wait_for_bot_message(TOM)
    fake.user_sends_text(TOM, "Agents at the Walmart in Vado", reply_to=help_message["message_id"])
    panel = await fake.wait_for_bot_message(TOM, lambda m: "Where" in text_of(m))
    assert "Agents at the Walmart in Vado" in text_of(tom.current(panel["message_id"]))


# --- 2. going to check ------------------------------------------------------------------------


@pytest.fixture
def clock():
    return TravelClock()


def claim_reminders(fake) -> list[dict]:
    return [m for m in fake.bot_messages(VERIFIER_GROUP) if text_of(m).startswith("🚶 ")]


async def test_a_claim_shows_on_the_card_reminds_the_claimer_once_at_the_eta_and_then_shows_expired(
    fake, tmp_path, clock
):
    async with running_vigil(fake, tmp_path, clock=clock) as vigil:
        ref = await report_from_tom(fake, text=CLOVIS_DAIRY)
        luis = Verifier(fake, LUIS)
        answer = await luis.presses(card_in_group(fake, ref), "🚶 30")
        assert "on the way to check" in answer["text"] and not answer["show_alert"]
        card = await wait_card(fake, ref, "Luis is on the way to check, until")
        assert "ran out" not in text_of(card)

        clock.advance(minutes=29)
        vigil.alarm_rings()
        await vigil.outbox_idle()
        assert claim_reminders(fake) == []

        clock.advance(minutes=2)
        vigil.alarm_rings()
        reminder = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: text_of(m).startswith("🚶 Luis:"))
        assert ref in text_of(reminder) and "Confirm in person" in text_of(reminder)
        assert reminder["reply_to_message"]["message_id"] == card_in_group(fake, ref)["message_id"]
        await wait_card(fake, ref, "Luis's check ran out at")

        clock.advance(minutes=5)
        vigil.alarm_rings()
        await vigil.outbox_idle()
        assert len(claim_reminders(fake)) == 1  # one reminder per claim


async def test_confirmed_in_person_says_so_publicly_but_still_needs_two_distinct_verifiers(vigil, fake):
    ref = await report_from_tom(fake, text=CLOVIS_DAIRY)
    ana, luis = Verifier(fake, ANA), Verifier(fake, LUIS)
    await ana.presses(card_in_group(fake, ref), "🚶 15")
    await wait_card(fake, ref, "Ana is on the way")
    counted = await ana.presses(card_in_group(fake, ref), "📍")
    assert "cuenta" in counted["text"] or "counted" in counted["text"]
    card = await wait_card(fake, ref, "Confirmed: 1/2 — Ana (in person)")
    assert "Ana is on the way" not in text_of(card)  # she went and voted
    again = await ana.presses(card_in_group(fake, ref), "👍")
    assert again["show_alert"]  # one vote per verifier, in person or not
    await vigil.outbox_idle()
    assert fake.bot_messages(CLOVIS_EN_CHANNEL) == []  # one confirmation, in person, is not a quorum

    await luis.presses(card_in_group(fake, ref), "👍 Confirm")
    await fake.wait_until(lambda: fake.bot_messages(CLOVIS_EN_CHANNEL) and fake.bot_messages(CLOVIS_ES_CHANNEL))
    assert "Confirmed in person by a verifier." in text_of(fake.bot_messages(CLOVIS_EN_CHANNEL)[0])
    assert "Confirmado en persona por un verificador." in text_of(fake.bot_messages(CLOVIS_ES_CHANNEL)[0])
    assert "Ana" not in text_of(fake.bot_messages(CLOVIS_EN_CHANNEL)[0])


async def test_refusals_a_stranger_cannot_claim_nor_confirm_in_person_and_a_closed_report_takes_no_claim(vigil, fake):
    ref = await report_from_tom(fake, text=CLOVIS_DAIRY)
    stranger = Verifier(fake, STRANGER)
    assert "not authorized" in (await stranger.presses(card_in_group(fake, ref), "🚶 60"))["text"]
    assert "not authorized" in (await stranger.presses(card_in_group(fake, ref), "📍"))["text"]
    await vigil.outbox_idle()
    assert "on the way" not in text_of(card_in_group(fake, ref)) and "1/2" not in text_of(card_in_group(fake, ref))
    old_card = card_in_group(fake, ref)
    await Verifier(fake, ANA).calls_false_alarm(old_card)
    await Verifier(fake, LUIS).calls_false_alarm(old_card)
    await wait_card(fake, ref, "false alarm")
    assert buttons_of(card_in_group(fake, ref)) == [
        ("📣 Post a rumor check", "v1:rumor:1"),
        ("🔇 Mute reporter (admins)", "v1:mute:m:1"),
    ]
    # a client may still show the old buttons
    late = await vigil.services.desk.go_check(Press(1, LUIS, "Luis", chat_id=VERIFIER_GROUP), 15)
    assert late.outcome == "closed"
