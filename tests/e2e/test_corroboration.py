"""Issue 9, item 3, end to end: corroboration instead of duplicates.

A second report for a neighborhood that already has an open report (pending, or a live alert) is
attached to it: one card counts the residents, the new report is folded into it (issue 18: an edit,
no message of its own), the resident is told plainly, nobody who reported it can verify it, a
verifier can detach it, the outcome reaches every resident, and /forgetme takes it out again.
"""

from __future__ import annotations

import io

from PIL import Image

from tests.e2e.harness import (
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    LUIS,
    MARTA,
    ROSA,
    STRANGER,
    TOM,
    VERIFIER_GROUP,
    button_data,
    buttons_of,
)
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import (
    ROSAS_WORDS,
    folded_into,
    report_from_rosa,
    report_from_tom,
    report_with_receipt,
    wait_card,
)

ATTACHED = "another resident reports this too"


def photos_in_group(fake) -> list[dict]:
    return [m for m in fake.bot_messages(VERIFIER_GROUP) if "photo" in m]


def cards_needing_verification(fake) -> list[dict]:
    return [m for m in fake.bot_messages(VERIFIER_GROUP) if "needs verification" in text_of(m)]


async def publish(fake, ref: str) -> None:
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "👍 Confirm")
    await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "👍 Confirm")
    await wait_card(fake, ref, "confirmed and published")
    await fake.wait_until(lambda: "Posted" in text_of(card_in_group(fake, ref)), what="the post links")


# --- attached, not a second card -----------------------------------------------------------


async def test_a_second_resident_is_attached_to_the_open_card_with_her_words_and_cleaned_photo(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs verification")
    rosas_ref, receipt = await report_from_rosa(fake)
    assert rosas_ref != ref
    assert "Los verificadores ya están revisando un reporte de esta zona" in receipt
    assert "el suyo se añadió" in receipt

    card = await wait_card(fake, ref, "2 residents report this")
    assert "👥" in text_of(card)
    assert len(cards_needing_verification(fake)) == 1  # no second card

    # Folded into the card: her words and her photo counted, no message of her own (issue 18).
    card = await folded_into(fake, ref, rosas_ref)
    words = text_of(card)
    assert ROSAS_WORDS in words and words.count("1 photo") == 2  # Tom's and hers
    assert "Rosa" not in str(card) and str(ROSA) not in str(card)
    assert f"🔗 Detach {rosas_ref}" in [label for label, _ in buttons_of(card)]
    await vigil.outbox_idle()
    assert [m["message_id"] for m in fake.bot_messages(VERIFIER_GROUP)] == [card["message_id"]]
    # Her photo, cleaned, goes under the card when a verifier asks for the media.
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "📎 Show media (2)")
    await fake.wait_until(lambda: len(photos_in_group(fake)) == 2, what="both photos")
    for photo in photos_in_group(fake):
        assert photo["reply_to_message"]["message_id"] == card["message_id"]
        cleaned = fake.file_bytes(photo["photo"][-1]["file_id"])
        assert b"Exif" not in cleaned and Image.open(io.BytesIO(cleaned)).getexif().get(0x8825) is None
    await vigil.outbox_idle()
    # The card's own buttons are unchanged: the quorum is the same two verifiers.
    assert "👍 Confirmed: 0/2" in text_of(card_in_group(fake, ref))


async def test_the_same_resident_writing_twice_counts_once(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs verification")
    first, _ = await report_from_rosa(fake)
    await wait_card(fake, ref, "2 residents report this")
    second, receipt = await report_from_rosa(fake, words="Ahora son cinco camionetas")
    assert "ya están revisando" in receipt
    await folded_into(fake, ref, second)
    await vigil.outbox_idle()
    card = card_in_group(fake, ref)
    assert "2 residents report this" in text_of(card)  # Tom and Rosa; Rosa once
    assert "Ahora son cinco camionetas" in text_of(card)
    assert first != second


async def test_a_report_during_a_live_alert_is_told_it_was_confirmed_and_where_it_was_published(vigil, fake):
    ref = await report_from_tom(fake)
    await publish(fake, ref)
    rosas_ref, receipt = await report_from_rosa(fake)
    assert "Los verificadores ya confirmaron un reporte de esta zona y publicaron una alerta" in receipt
    en_post = fake.bot_messages(CLOVIS_EN_CHANNEL)[0]["message_id"]
    es_post = fake.bot_messages(CLOVIS_ES_CHANNEL)[0]["message_id"]
    rosa_receipt = next(m for m in fake.bot_messages(ROSA) if rosas_ref in text_of(m))
    links = {e["url"] for e in rosa_receipt.get("entities", []) if e["type"] == "text_link"}
    assert links == {
        f"https://t.me/c/{str(CLOVIS_EN_CHANNEL)[4:]}/{en_post}",
        f"https://t.me/c/{str(CLOVIS_ES_CHANNEL)[4:]}/{es_post}",
    }
    assert "cuando la alerta termine" in receipt
    await wait_card(fake, ref, "2 residents report this")
    card = await folded_into(fake, ref, rosas_ref)
    assert f"🔗 Detach {rosas_ref}" in [label for label, _ in buttons_of(card)]
    # Nothing new reaches the public: the alert was already out, Rosa's report is evidence for it.
    await vigil.outbox_idle()
    assert len(fake.bot_messages(CLOVIS_EN_CHANNEL)) == 1 and len(fake.bot_messages(CLOVIS_ES_CHANNEL)) == 1

    # When the alert ends, Rosa hears it too, in Spanish, about her own reference.
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "✅ All clear")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "✅ All clear")
    ended = await fake.wait_for_bot_message(ROSA, lambda m: "La alerta de su reporte" in text_of(m))
    assert rosas_ref in text_of(ended) and "terminó" in text_of(ended)
    await vigil.outbox_idle()
    assert not any("Detach" in label for label, _ in buttons_of(card_in_group(fake, ref)))  # nothing to detach


# --- never the reporter --------------------------------------------------------------------


async def test_an_attached_reporter_cannot_vote_on_the_report_it_joined_and_the_quorum_is_unchanged(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs verification")
    luis_ref, receipt = await report_with_receipt(fake, LUIS, "Saw the same SUVs from the gas station")
    assert "Verifiers are already checking a report from this area" in receipt
    await wait_card(fake, ref, "2 residents report this")

    refused = await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍 Confirm")
    assert "You sent a report that was added to this one, so you cannot verify it." in refused["text"]
    refused = await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "📍 Confirm in person")
    assert "cannot verify it" in refused["text"]
    refused = await Verifier(fake, LUIS).presses(await folded_into(fake, ref, luis_ref), f"🔗 Detach {luis_ref}")
    assert "You sent this report" in refused["text"]
    await fake.settled()
    assert "👍 Confirmed: 0/2" in text_of(card_in_group(fake, ref))

    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "👍 Confirm")
    await wait_card(fake, ref, "Confirmed: 1/2")  # one more needed: Luis's report is not a vote
    await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "👍 Confirm")
    await wait_card(fake, ref, "confirmed and published")
    # Luis, as a resident, hears the outcome about his own reference.
    told = await fake.wait_for_bot_message(LUIS, lambda m: "published as an alert" in text_of(m))
    assert luis_ref in text_of(told)


# --- detach --------------------------------------------------------------------------------


async def test_a_verifier_detaches_a_wrongly_attached_report_and_it_gets_its_own_card(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs verification")
    rosas_ref, _ = await report_from_rosa(fake, words="Una patrulla de la policía local, nada más")
    await wait_card(fake, ref, "2 residents report this")
    reply = await folded_into(fake, ref, rosas_ref)  # the card, with her report folded in
    detach = f"🔗 Detach {rosas_ref}"

    refused = await Verifier(fake, STRANGER).presses(reply, detach)
    assert "not authorized" in refused["text"]
    refused = await Verifier(fake, TOM).presses(reply, detach)  # Tom reported it, and is not in the group
    assert "not authorized" in refused["text"]
    await fake.settled()
    assert "2 residents report this" in text_of(card_in_group(fake, ref))
    assert len(cards_needing_verification(fake)) == 1

    # Two verifiers press at the same moment: one detaches it, the other is told it is done.
    data = button_data(reply, detach)
    queries = [fake.user_presses_button(who, VERIFIER_GROUP, reply["message_id"], data) for who in (MARTA, LUIS)]
    answers = sorted([(await fake.wait_for_callback_answer(q))["text"] for q in queries])
    assert answers == [
        f"{rosas_ref} is no longer attached to another report.",
        f"{rosas_ref} was detached from {ref}: it gets its own card now.",
    ]
    await fake.wait_until(lambda: own_card(fake, rosas_ref) is not None, what="a card of its own")
    own = own_card(fake, rosas_ref)
    assert own is not None and "needs verification" in text_of(own)
    assert own["message_id"] != reply["message_id"]
    assert "Una patrulla de la policía local" in text_of(own) and "1 photo" in text_of(own)
    assert "👍 Confirm" in [label for label, _ in buttons_of(own)]
    assert "📎 Show media (1)" in [label for label, _ in buttons_of(own)]  # her photo went with her report
    await fake.wait_until(lambda: "residents report this" not in text_of(card_in_group(fake, ref)), what="count")
    old = card_in_group(fake, ref)
    assert rosas_ref not in text_of(old) and "Una patrulla" not in text_of(old)
    assert detach not in [label for label, _ in buttons_of(old)]
    # It is a report of its own now: a vote on it does not touch Tom's.
    await Verifier(fake, LUIS).calls_false_alarm(own, "Wrong place")
    await fake.wait_until(lambda: "False alarm: 1/2" in text_of(own_card(fake, rosas_ref) or {}), what="the vote")
    assert "False alarm: 0/2" in text_of(card_in_group(fake, ref))
    assert len([m for m in fake.bot_messages(VERIFIER_GROUP) if "needs verification" in text_of(m)]) == 2


def own_card(fake, ref: str) -> dict | None:
    """A report's own card (with its tally), not the reply it had while it was attached."""
    cards = [
        m for m in fake.bot_messages(VERIFIER_GROUP) if f"Report {ref} —" in text_of(m) and "Confirmed:" in text_of(m)
    ]
    return cards[-1] if cards else None


def _current(fake, message: dict) -> dict:
    return next(m for m in fake.messages(VERIFIER_GROUP) if m["message_id"] == message["message_id"])


# --- outcome and erasure -------------------------------------------------------------------


async def test_the_outcome_reaches_the_attached_reporter_in_her_language(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs verification")
    rosas_ref, _ = await report_from_rosa(fake)
    await wait_card(fake, ref, "2 residents report this")
    # Before rejecting, the verifier is warned that Rosa's report would close with it.
    reasons = await Verifier(fake, ANA).reasons_for(card_in_group(fake, ref))
    assert "1 other resident's report is attached" in text_of(reasons) and "Detach" in text_of(reasons)
    await Verifier(fake, ANA).presses(reasons, "Other")
    await Verifier(fake, LUIS).calls_false_alarm(card_in_group(fake, ref), "Other")
    told = await fake.wait_for_bot_message(ROSA, lambda m: "no se pudo confirmar" in text_of(m))
    assert rosas_ref in text_of(told) and ref not in text_of(told)
    await fake.wait_for_bot_message(TOM, lambda m: "could not be confirmed" in text_of(m))
    await vigil.outbox_idle()
    assert not any("Detach" in label for label, _ in buttons_of(card_in_group(fake, ref)))  # closed with it


async def test_forgetme_of_an_attached_reporter_removes_her_reply_and_photo_and_the_count_drops(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs verification")
    rosas_ref, _ = await report_from_rosa(fake)
    await wait_card(fake, ref, "2 residents report this")
    await folded_into(fake, ref, rosas_ref)
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "📎 Show media (2)")
    await fake.wait_until(lambda: len(photos_in_group(fake)) == 2, what="both photos")
    album_id = photos_in_group(fake)[1]["message_id"]  # Tom's report's media first, then hers
    await vigil.outbox_idle()

    rosa = Resident(fake, ROSA)
    question = await rosa.sends_text("/forgetme", expect="Borrar todo")
    await rosa.taps("🗑", question)
    assert "se retiró 1 reporte" in text_of(rosa.current(question["message_id"]))
    await fake.wait_until(lambda: rosas_ref not in text_of(card_in_group(fake, ref)), what="withdrawal")
    assert ROSAS_WORDS not in text_of(card_in_group(fake, ref))
    await fake.wait_until(
        lambda: all(m["message_id"] != album_id for m in fake.messages(VERIFIER_GROUP)), what="the photo's removal"
    )
    await fake.wait_until(lambda: "residents report this" not in text_of(card_in_group(fake, ref)), what="count")
    # Tom's report is untouched and still open.
    assert "needs verification" in text_of(card_in_group(fake, ref))


async def test_when_the_first_reporter_erases_their_data_the_attached_report_gets_its_own_card(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs verification")
    rosas_ref, _ = await report_from_rosa(fake)
    await wait_card(fake, ref, "2 residents report this")
    await folded_into(fake, ref, rosas_ref)
    await vigil.outbox_idle()

    tom = Resident(fake, TOM)
    question = await tom.sends_text("/forgetme", expect="Erase everything")
    await tom.taps("🗑", question)
    await wait_card(fake, ref, "withdrawn by the reporter")
    # Rosa's evidence does not vanish with Tom's report: it is a report of its own now.
    await fake.wait_until(lambda: own_card(fake, rosas_ref) is not None, what="a card of its own")
    own = own_card(fake, rosas_ref)
    assert own is not None and "needs verification" in text_of(own) and ROSAS_WORDS in text_of(own)
