"""Issue 17: a resident who just types the answer to the verifiers' question (without Telegram's
reply gesture, as most people do) gets one tap to say it is the answer, or part of a report."""

from __future__ import annotations

from tests.e2e.harness import LUIS, ROSA, TOM, VERIFIER_GROUP, buttons_of, jpeg_bytes
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import CLOVIS_DAIRY, prompt_for, question_to, report_from_tom, send_draft, wait_card


async def ask_own_question(fake, ref: str, words: str) -> None:
    prompt = await prompt_for(fake, Verifier(fake, LUIS), ref)
    fake.user_sends_text(LUIS, words, chat_id=VERIFIER_GROUP, reply_to=prompt["message_id"])
    await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: f"Sent to the reporter of {ref}" in text_of(m))


async def rosa_reports_vado(fake, *, words: str | None = None) -> str:
    """Rosa (Spanish client) sends a photo, or words, taps Vado and Send; returns the reference."""
    rosa = Resident(fake, ROSA)
    if words is None:
        await rosa.sends_photo(jpeg_bytes(), expect="Dónde")
    else:
        await rosa.sends_text(words, expect="Dónde")
    await rosa.taps("Vado")
    ref = await send_draft(rosa)
    await wait_card(fake, ref, "needs verification")
    return ref


async def tom_is_asked(fake, question: str) -> tuple[str, Resident]:
    """Tom reports; Luis asks him `question`, which reaches him. Returns the reference and Tom."""
    ref = await report_from_tom(fake, text=CLOVIS_DAIRY)
    await ask_own_question(fake, ref, question)
    await question_to(fake, TOM, ref)
    return ref, Resident(fake, TOM)


def panel_with(fake, user_id: int, words: str) -> bool:
    """Whether a draft panel showing `words` has arrived (none may have yet)."""
    return any(words in text_of(m) and "v1:form:" in str(m.get("reply_markup")) for m in fake.bot_messages(user_id))


def choice_under(fake, user_id: int, message_id: int) -> dict:
    return next(
        m
        for m in fake.bot_messages(user_id)
        if (m.get("reply_to_message") or {}).get("message_id") == message_id and buttons_of(m)
    )


async def test_typed_words_become_the_answer_in_one_tap(vigil, fake):
    ref, tom = await tom_is_asked(fake, "How many agents, roughly?")

    typed = fake.user_sends_text(TOM, "I think 5 or 6 agents")
    await fake.wait_for_bot_message(TOM, lambda m: "waiting for your answer" in text_of(m))
    choice = choice_under(fake, TOM, typed["message_id"])
    assert ref in text_of(choice)
    assert [label for label, _ in buttons_of(choice)] == [
        "💬 Yes, it answers the verifiers' question",
        "📝 No, it is a new report",
    ]
    await tom.taps("💬", choice)
    shown = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "I think 5 or 6 agents" in text_of(m))
    assert shown["reply_to_message"]["message_id"] == card_in_group(fake, ref)["message_id"]
    assert f"The reporter of {ref} answered" in text_of(shown)
    # the choice is edited to say where the words went (the edit may follow the group's answer)
    await fake.wait_until(
        lambda: "passed on to the verifiers" in text_of(tom.current(choice["message_id"])), what="the choice edited"
    )
    await wait_card(fake, ref, "1 answer")
    # answered: the next plain message is part of a report again, without a question
    await tom.sends_text("Now a checkpoint on Main", expect="Main")
    assert not any("waiting for your answer" in text_of(m) for m in fake.bot_messages(TOM))  # asked once, then edited


async def test_typed_words_can_be_a_new_report_instead_and_nothing_is_lost(vigil, fake):
    ref, tom = await tom_is_asked(fake, "Are they still there?")

    typed = fake.user_sends_text(TOM, "Another raid at the laundromat on 5th")
    await fake.wait_for_bot_message(TOM, lambda m: "waiting for your answer" in text_of(m))
    await tom.taps("📝", choice_under(fake, TOM, typed["message_id"]))
    await fake.wait_until(lambda: panel_with(fake, TOM, "laundromat"), what="the words in a new draft")
    assert "not sent yet" in text_of(tom.panel())
    await fake.settled()
    assert not any("laundromat" in text_of(m) for m in fake.bot_messages(VERIFIER_GROUP))


async def test_a_photo_sent_in_spanish_becomes_the_answer_in_one_tap(vigil, fake):
    rosa = Resident(fake, ROSA)
    ref = await rosa_reports_vado(fake)
    await ask_own_question(fake, ref, "Can you send a photo of the vans?")
    await question_to(fake, ROSA, ref)

    sent = fake.user_sends_photo(ROSA, jpeg_bytes(color=(10, 200, 10)))
    await fake.wait_for_bot_message(ROSA, lambda m: "esperan su respuesta" in text_of(m))
    choice = choice_under(fake, ROSA, sent["message_id"])
    assert [label for label, _ in buttons_of(choice)] == [
        "💬 Sí, responde a la pregunta de los verificadores",
        "📝 No, es un reporte nuevo",
    ]
    await rosa.taps("💬", choice)
    photo = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "photo" in m and "answered" in text_of(m))
    assert photo["reply_to_message"]["message_id"] == card_in_group(fake, ref)["message_id"]
    await fake.wait_until(
        lambda: "Gracias. Su respuesta" in text_of(rosa.current(choice["message_id"])), what="the choice edited"
    )


async def test_spanish_words_chosen_as_a_new_report_join_the_draft(vigil, fake):
    rosa = Resident(fake, ROSA)
    ref = await rosa_reports_vado(fake, words="Camionetas frente a la iglesia")
    await ask_own_question(fake, ref, "Which street?")
    await question_to(fake, ROSA, ref)

    typed = fake.user_sends_text(ROSA, "Otra redada en la lavandería")
    await fake.wait_for_bot_message(ROSA, lambda m: "esperan su respuesta" in text_of(m))
    await rosa.taps("📝", choice_under(fake, ROSA, typed["message_id"]))
    await fake.wait_until(lambda: panel_with(fake, ROSA, "lavandería"), what="the words in a new draft")
    await fake.wait_for_bot_message(ROSA, lambda m: "Es parte de su reporte" in text_of(m))


async def test_a_reply_and_the_quick_answer_buttons_work_as_before(vigil, fake):
    ref = await report_from_tom(fake, text=CLOVIS_DAIRY)
    luis = Verifier(fake, LUIS)
    prompt = await prompt_for(fake, luis, ref)
    await luis.presses(prompt, "How many agents")
    question = await question_to(fake, TOM, ref)
    await Resident(fake, TOM).taps("3 to 5", question)
    await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "3 to 5" in text_of(m))
    await ask_own_question(fake, ref, "Which street?")
    second = await question_to(fake, TOM, ref, count=2)
    fake.user_sends_text(TOM, "Prince street", reply_to=second["message_id"])
    await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "Prince street" in text_of(m))
    await fake.settled()
    assert not any("waiting for your answer" in text_of(m) for m in fake.bot_messages(TOM))
