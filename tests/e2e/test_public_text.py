"""Issue 9, item 9, end to end: the public words are the verifiers' call, and the quorum confirms
exactly those words.

The card previews exactly what will be posted: by default where, which signs and when, none of the
resident's words. A verifier may include those words or write a public note (by replying to the
bot's prompt). A change makes a new version, clearing the confirmations of the earlier one, so two
distinct verifiers always approve the exact words that go out, and the post keeps them.
"""

from __future__ import annotations

from tests.e2e.harness import (
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    LUIS,
    MARTA,
    ROSA,
    STRANGER,
    VADO_CHANNEL,
    VERIFIER_GROUP,
    buttons_of,
)
from tests.e2e.people import Verifier, card_in_group, text_of
from tests.e2e.steps import alerts_to, post, report_from_tom, subscribe, wait_card

AT_MY_DOOR = "They are at my door right now, 412 Oak St, two agents in vests"
SEPARATOR = "┈┈┈┈┈┈┈┈"


def preview_of(card: dict) -> str:
    """The part of the card that shows the post, between its two separator lines."""
    text = text_of(card)
    assert text.count(SEPARATOR) == 2, text
    return text.split(SEPARATOR)[1]


def posts(fake) -> list[str]:
    return [text_of(m) for chat in (CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL) for m in fake.bot_messages(chat)]


async def publish(fake, ref: str, *verifiers: int) -> tuple[dict, dict]:
    for verifier in verifiers:
        await Verifier(fake, verifier).presses(card_in_group(fake, ref), "👍")
    return await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL), await fake.wait_for_bot_message(CLOVIS_ES_CHANNEL)


async def note_prompt(fake, verifier: Verifier, ref: str) -> dict:
    answer = await verifier.presses(card_in_group(fake, ref), "✏️")
    assert "Reply to the prompt below the card" in answer["text"]
    prompt = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: f"Public note for {ref}" in text_of(m))
    assert prompt["reply_to_message"]["message_id"] == card_in_group(fake, ref)["message_id"]
    return prompt


async def test_by_default_the_post_says_where_what_and_when_and_none_of_the_residents_words(vigil, fake):
    await subscribe(fake, ROSA, "Clovis")  # a subscriber's copy is the same text
    ref = await report_from_tom(fake, indicators=("Several vehicles",), text=AT_MY_DOOR)
    card = await wait_card(fake, ref, "needs verification")
    assert AT_MY_DOOR in text_of(card)  # the verifiers read it on the card...
    preview = preview_of(card)
    assert "Public post, version 1" in text_of(card) and "English · Español" in text_of(card)
    assert "Confirmed alert: Clovis" in preview and "Several vehicles parked haphazardly" in preview
    assert "412 Oak St" not in preview  # ...but the preview does not carry it
    assert "🗣 Include their words" in [label for label, _ in buttons_of(card)]

    english, spanish = await publish(fake, ref, ANA, LUIS)
    assert "Confirmed alert: Clovis" in text_of(english) and "Alerta confirmada: Clovis" in text_of(spanish)
    # the preview was exactly the English post (the card is in English)
    assert preview.strip() == text_of(english).strip()
    await vigil.outbox_idle()
    (copy,) = alerts_to(fake, ROSA)
    assert "Alerta confirmada: Clovis" in text_of(copy)
    assert len(posts(fake)) == 2
    for posted in [*posts(fake), text_of(copy)]:
        assert "412 Oak St" not in posted and "my door" not in posted


async def test_a_verifier_includes_the_residents_words_and_the_post_carries_them(vigil, fake):
    ref = await report_from_tom(fake, text="Five unmarked SUVs outside the dairy on the Clovis highway")
    card = await wait_card(fake, ref, "needs verification")
    answer = await Verifier(fake, LUIS).presses(card, "🗣 Include their words")
    assert "now version 2" in answer["text"] and not answer["show_alert"]
    card = await wait_card(fake, ref, "Public post, version 2")
    assert "Five unmarked SUVs" in preview_of(card)
    assert "✏️ Last changed by Luis." in text_of(card)
    assert "🙊 Remove their words" in [label for label, _ in buttons_of(card)]

    english, spanish = await publish(fake, ref, ANA, LUIS)
    assert "Five unmarked SUVs outside the dairy" in text_of(english)
    assert "Five unmarked SUVs outside the dairy" in text_of(spanish)


async def test_a_note_written_in_reply_to_the_prompt_is_previewed_posted_and_kept_when_the_alert_ends(vigil, fake):
    ref = await report_from_tom(fake, text=AT_MY_DOOR)
    await wait_card(fake, ref, "needs verification")
    prompt = await note_prompt(fake, Verifier(fake, LUIS), ref)
    note = "Near Main St and 5th: agents at the dairy gate, stopping cars"
    fake.user_sends_text(LUIS, note, chat_id=VERIFIER_GROUP, reply_to=prompt["message_id"])
    reply = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: f"The public text of {ref} is now" in text_of(m))
    assert "version 2" in text_of(reply)
    card = await wait_card(fake, ref, "Public post, version 2")
    assert f"From the verifiers: {note}" in preview_of(card) and "412 Oak St" not in preview_of(card)
    assert {"✏️ Edit the note", "🗑 Remove the note"} <= {label for label, _ in buttons_of(card)}

    english, spanish = await publish(fake, ref, ANA, MARTA)
    assert note in text_of(english) and "412 Oak St" not in text_of(english)
    assert f"De los verificadores: {note}" in text_of(spanish)

    # The alert's later edits keep exactly the confirmed text.
    for verifier in (ANA, LUIS):
        await Verifier(fake, verifier).presses(await wait_card(fake, ref, "Still active"), "✅ All clear")
    await fake.wait_until(lambda: "ENDED" in text_of(post(fake, CLOVIS_EN_CHANNEL)), what="the edit")
    edited = text_of(post(fake, CLOVIS_EN_CHANNEL))
    assert edited.endswith(text_of(english)) and note in edited and "412 Oak St" not in edited


async def test_a_change_after_a_confirmation_clears_it_and_publication_needs_two_of_the_new_version(vigil, fake):
    ref = await report_from_tom(fake, text="Five unmarked SUVs outside the dairy on the Clovis highway")
    await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs verification"), "👍")
    await wait_card(fake, ref, "Confirmed: 1/2 — Ana")

    answer = await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "🗣 Include their words")
    assert "The confirmation of Ana was cleared" in answer["text"]
    card = await wait_card(fake, ref, "Public post, version 2")
    assert "Confirmed: 0/2" in text_of(card)
    assert "The public text changed after Ana confirmed" in text_of(card)
    assert "Confirm again to approve version 2" in text_of(card)

    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")  # one confirmation of version 2
    await wait_card(fake, ref, "Confirmed: 1/2 — Luis")
    await fake.settled()
    assert posts(fake) == []  # Ana's earlier confirmation does not count for the new words

    again = await Verifier(fake, ANA).presses(card_in_group(fake, ref), "👍")
    assert again["text"] and not again["show_alert"]  # Ana may confirm the new version
    english, _ = await publish(fake, ref)
    assert "Five unmarked SUVs" in text_of(english)
    card = await wait_card(fake, ref, "confirmed and published")
    assert "Confirmed: 2/2 — Luis, Ana" in text_of(card)
    assert "changed after" not in text_of(card)


async def test_outsiders_cannot_change_the_text_by_button_nor_by_replying_to_the_prompt(vigil, fake):
    ref = await report_from_tom(fake, text=AT_MY_DOOR)
    await wait_card(fake, ref, "needs verification")
    refused = await Verifier(fake, STRANGER).presses(card_in_group(fake, ref), "🗣 Include their words")
    assert refused["show_alert"] and "not authorized" in refused["text"]
    prompt = await note_prompt(fake, Verifier(fake, MARTA), ref)
    fake.set_member_status(VERIFIER_GROUP, MARTA, "left")
    fake.user_sends_text(MARTA, "Agents at 412 Oak St", chat_id=VERIFIER_GROUP, reply_to=prompt["message_id"])
    refused = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "not authorized" in text_of(m))
    assert refused["reply_to_message"]["from"]["id"] == MARTA
    await fake.settled()
    assert "Public post, version 1" in text_of(card_in_group(fake, ref))
    assert "412 Oak St" not in preview_of(card_in_group(fake, ref))


async def test_a_note_too_long_for_the_post_is_refused_with_a_clear_message(vigil, fake):
    ref = await report_from_tom(fake, text=AT_MY_DOOR)
    await wait_card(fake, ref, "needs verification")
    prompt = await note_prompt(fake, Verifier(fake, LUIS), ref)
    fake.user_sends_text(LUIS, "agents " * 60, chat_id=VERIFIER_GROUP, reply_to=prompt["message_id"])
    refused = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "note is too long" in text_of(m))
    assert "419 characters; at most 400" in text_of(refused) and "shorter" in text_of(refused)
    await fake.settled()
    assert "Public post, version 1" in text_of(card_in_group(fake, ref))
    # a shorter one is taken
    fake.user_sends_text(LUIS, "Agents at the dairy gate", chat_id=VERIFIER_GROUP, reply_to=prompt["message_id"])
    await wait_card(fake, ref, "From the verifiers: Agents at the dairy gate")


async def test_a_bilingual_channel_gets_the_note_once_under_both_languages_labels(vigil, fake):
    ref = await report_from_tom(fake, place="Vado", indicators=("Tents, buses",), text=AT_MY_DOOR)
    await wait_card(fake, ref, "needs verification")
    prompt = await note_prompt(fake, Verifier(fake, MARTA), ref)
    fake.user_sends_text(MARTA, "Walmart parking lot, Vado", chat_id=VERIFIER_GROUP, reply_to=prompt["message_id"])
    card = await wait_card(fake, ref, "Public post, version 2")
    assert "Español · English" in text_of(card)
    for verifier in (LUIS, ANA):
        await Verifier(fake, verifier).presses(card_in_group(fake, ref), "👍")
    await fake.wait_until(lambda: len(fake.bot_messages(VADO_CHANNEL)) == 1)
    post = text_of(fake.bot_messages(VADO_CHANNEL)[0])
    assert post.count("Walmart parking lot, Vado") == 1
    assert "De los verificadores: / From the verifiers: Walmart parking lot, Vado" in post
    assert "412 Oak St" not in post


async def test_a_confirmation_pressed_on_a_card_showing_an_earlier_version_is_refused(vigil, fake):
    ref = await report_from_tom(fake, text="Five unmarked SUVs outside the dairy on the Clovis highway")
    seen_by_ana = await wait_card(fake, ref, "needs verification")  # Ana reads version 1...
    await Verifier(fake, LUIS).presses(seen_by_ana, "🗣 Include their words")  # ...Luis changes it meanwhile
    refused = await Verifier(fake, ANA).presses(seen_by_ana, "👍")  # the button of the card she read
    assert refused["show_alert"] and "versión 2" in refused["text"]  # Ana's client is Spanish
    card = await wait_card(fake, ref, "Public post, version 2")  # the edit that was on its way
    assert "Confirmed: 0/2" in text_of(card)
    accepted = await Verifier(fake, ANA).presses(card, "👍")  # the card as it is now
    assert not accepted["show_alert"]
    await wait_card(fake, ref, "Confirmed: 1/2 — Ana")
