"""Issue 9, item 3, end to end: corroboration instead of duplicates.

A second report for a neighborhood that already has an open report (pending, or a live alert) is
attached to it: one card counts the residents, the new report arrives as a reply under it, the
resident is told plainly, nobody who reported it can verify it, a verifier can detach it, the
outcome reaches every resident, and /forgetme removes the reply.
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
from tests.e2e.steps import REF, ROSAS_WORDS, ref_in, report_from_rosa, report_from_tom, wait_card

ATTACHED = "another resident reports this too"


async def report_in_words(fake, who: int, words: str, place: str = "Clovis") -> tuple[str, str]:
    """An English-speaking resident reports `place` in words only; returns the reference and receipt."""
    resident = Resident(fake, who)
    await resident.sends_text(words, expect="Where")
    await resident.taps(place)
    panel_id = resident.panel()["message_id"]
    await resident.taps("✅")
    await fake.wait_until(lambda: REF.search(text_of(resident.current(panel_id))) is not None, what="the receipt")
    receipt = text_of(resident.current(panel_id))
    return ref_in(receipt), receipt


async def reply_of(fake, ref: str) -> dict:
    """The attached report's reply in the verifier group, as it is now."""
    await fake.wait_until(lambda: _reply(fake, ref) is not None, what=f"the reply of {ref}")
    reply = _reply(fake, ref)
    assert reply is not None
    return reply


def _reply(fake, ref: str) -> dict | None:
    for message in fake.bot_messages(VERIFIER_GROUP):
        if message.get("text") and f"Report {ref}" in text_of(message):
            return message
    return None


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

    reply = await reply_of(fake, rosas_ref)
    words = text_of(reply)
    assert ATTACHED in words and f"added to {ref}" in words and ROSAS_WORDS in words
    assert "1 photo above" in words
    assert "Rosa" not in str(reply) and str(ROSA) not in str(reply)
    assert [label for label, _ in buttons_of(reply)] == ["🔗 Detach: it is something else"]
    # Her photo, cleaned, replies to the card; her words reply to the photo: all of it under the card.
    album_id = reply["reply_to_message"]["message_id"]
    album = next(m for m in fake.bot_messages(VERIFIER_GROUP) if m["message_id"] == album_id)
    assert "photo" in album and album["reply_to_message"]["message_id"] == card["message_id"]
    cleaned = fake.file_bytes(album["photo"][-1]["file_id"])
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
    await reply_of(fake, second)
    await vigil.outbox_idle()
    card = card_in_group(fake, ref)
    assert "2 residents report this" in text_of(card)  # Tom and Rosa; Rosa once
    assert "Ahora son cinco camionetas" in text_of(await reply_of(fake, second))
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
    reply = await reply_of(fake, rosas_ref)
    assert reply["reply_to_message"]["message_id"] in {
        m["message_id"] for m in fake.bot_messages(VERIFIER_GROUP) if "photo" in m
    }
    # Nothing new reaches the public: the alert was already out, Rosa's report is evidence for it.
    await vigil.outbox_idle()
    assert len(fake.bot_messages(CLOVIS_EN_CHANNEL)) == 1 and len(fake.bot_messages(CLOVIS_ES_CHANNEL)) == 1

    # When the alert ends, Rosa hears it too, in Spanish, about her own reference.
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "✅ All clear")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "✅ All clear")
    ended = await fake.wait_for_bot_message(ROSA, lambda m: "La alerta de su reporte" in text_of(m))
    assert rosas_ref in text_of(ended) and "terminó" in text_of(ended)
    await vigil.outbox_idle()
    assert buttons_of(await reply_of(fake, rosas_ref)) == []  # nothing left to detach


# --- never the reporter --------------------------------------------------------------------


async def test_an_attached_reporter_cannot_vote_on_the_report_it_joined_and_the_quorum_is_unchanged(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs verification")
    luis_ref, receipt = await report_in_words(fake, LUIS, "Saw the same SUVs from the gas station")
    assert "Verifiers are already checking a report from this area" in receipt
    await wait_card(fake, ref, "2 residents report this")

    refused = await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍 Confirm")
    assert "You sent a report that was added to this one, so you cannot verify it." in refused["text"]
    refused = await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "📍 Confirm in person")
    assert "cannot verify it" in refused["text"]
    refused = await Verifier(fake, LUIS).presses(await reply_of(fake, luis_ref), "🔗")
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
    reply = await reply_of(fake, rosas_ref)

    refused = await Verifier(fake, STRANGER).presses(reply, "🔗")
    assert "not authorized" in refused["text"]
    refused = await Verifier(fake, TOM).presses(reply, "🔗")  # Tom reported it, and is not in the group
    assert "not authorized" in refused["text"]
    await fake.settled()
    assert "2 residents report this" in text_of(card_in_group(fake, ref))
    assert len(cards_needing_verification(fake)) == 1

    # Two verifiers press at the same moment: one detaches it, the other is told it is done.
    data = button_data(reply, "🔗")
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
    assert "Una patrulla de la policía local" in text_of(own) and "1 photo above" in text_of(own)
    assert "👍 Confirm" in [label for label, _ in buttons_of(own)]
    await fake.wait_until(lambda: "was detached from" in text_of(_current(fake, reply)), what="the reply's edit")
    old = _current(fake, reply)
    assert buttons_of(old) == [] and "Una patrulla" not in text_of(old)
    await fake.wait_until(lambda: "residents report this" not in text_of(card_in_group(fake, ref)), what="count")
    # It is a report of its own now: a vote on it does not touch Tom's.
    await Verifier(fake, LUIS).calls_false_alarm(own, "Wrong place")
    await fake.wait_until(lambda: "False alarm: 1/2" in text_of(own_card(fake, rosas_ref) or {}), what="the vote")
    assert "False alarm: 0/2" in text_of(card_in_group(fake, ref))
    assert len([m for m in fake.bot_messages(VERIFIER_GROUP) if "needs verification" in text_of(m)]) == 2


def own_card(fake, ref: str) -> dict | None:
    """A report's own card (with its tally), not the reply it had while it was attached."""
    cards = [m for m in fake.bot_messages(VERIFIER_GROUP) if ref in text_of(m) and "Confirmed:" in text_of(m)]
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
    assert buttons_of(await reply_of(fake, rosas_ref)) == []  # closed with the report it joined


async def test_forgetme_of_an_attached_reporter_removes_her_reply_and_photo_and_the_count_drops(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs verification")
    rosas_ref, _ = await report_from_rosa(fake)
    await wait_card(fake, ref, "2 residents report this")
    reply = await reply_of(fake, rosas_ref)
    album_id = reply["reply_to_message"]["message_id"]
    await vigil.outbox_idle()

    rosa = Resident(fake, ROSA)
    question = await rosa.sends_text("/forgetme", expect="Borrar todo")
    await rosa.taps("🗑", question)
    assert "se retiró 1 reporte" in text_of(rosa.current(question["message_id"]))
    await fake.wait_until(lambda: "withdrawn by the reporter" in text_of(_current(fake, reply)), what="withdrawal")
    withdrawn = _current(fake, reply)
    assert ROSAS_WORDS not in text_of(withdrawn) and buttons_of(withdrawn) == []
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
    reply = await reply_of(fake, rosas_ref)
    await vigil.outbox_idle()

    tom = Resident(fake, TOM)
    question = await tom.sends_text("/forgetme", expect="Erase everything")
    await tom.taps("🗑", question)
    await wait_card(fake, ref, "withdrawn by the reporter")
    # Rosa's evidence does not vanish with Tom's report: it is a report of its own now.
    await fake.wait_until(lambda: own_card(fake, rosas_ref) is not None, what="a card of its own")
    own = own_card(fake, rosas_ref)
    assert own is not None and "needs verification" in text_of(own) and ROSAS_WORDS in text_of(own)
    await fake.wait_until(lambda: "was withdrawn" in text_of(_current(fake, reply)), what="the reply's edit")
    assert buttons_of(_current(fake, reply)) == []
