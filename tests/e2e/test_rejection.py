"""Issue 9, items 7 and 8, end to end through the fake Bot API server.

7. False alarm asks for a reason (buttons under the card); the vote is cast with it; the resident
   is told kindly, in their language, what the verifiers found; the reporter's track record on a
   later card counts false alarms by reason.
8. The rumor check: after a rejection, two distinct verifiers post "not confirmed" to every channel
   of the neighborhood, in each channel's language; everyone else, and a third press, is refused.
"""

from __future__ import annotations

import pytest

from bot import callback_data as cb
from bot.domain.rejection import RejectionReason
from tests.e2e.harness import (
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    LUIS,
    MARTA,
    ROSA,
    STRANGER,
    TOM,
    VADO_CHANNEL,
    VERIFIER_GROUP,
    TravelClock,
    buttons_of,
    jpeg_bytes,
    running_vigil,
)
from tests.e2e.people import Resident, Verifier, card_in_group, report_in_words, text_of
from tests.e2e.steps import report_from_tom, send_draft, wait_card

TACO = "Saw two ICE guys at the taco place next to the dairy on the Clovis highway!!"
REASONS = [
    "Not enforcement (e.g. agents at lunch near their office)",
    "An old or recycled photo",
    "Wrong place",
    "Could not be verified",
    "A duplicate of another report",
    "Other",
]
OLD_PHOTO, DUPLICATE = REASONS[1], REASONS[4]
# A report with a photo and no other report around it: it can be an old photo, not a duplicate.
REASONS_FOR_A_LONE_PHOTO = [r for r in REASONS if r != DUPLICATE]


def pickers(fake) -> list[dict]:
    return [m for m in fake.bot_messages(VERIFIER_GROUP) if "a false alarm?" in text_of(m)]


async def press_stale(fake, user_id: int, card: dict, data: str) -> dict:
    """Press a button the card no longer shows, as a client that has not refreshed it still may."""
    stored = fake.world.message(VERIFIER_GROUP, card["message_id"])
    shown = stored.data.get("reply_markup")
    stored.data["reply_markup"] = {"inline_keyboard": [[{"text": "an old button", "callback_data": data}]]}
    query = fake.user_presses_button(user_id, VERIFIER_GROUP, card["message_id"], data)
    stored.data["reply_markup"] = shown  # everyone else still sees the card as it is
    return await fake.wait_for_callback_answer(query)


def report_id_of(card: dict) -> int:
    """The report's id, as the card's buttons carry it (a stale client may still press anything)."""
    # (decoded: a confirmation's payload also names the version of the public text the card shows)
    first = cb.decode(next(data for _, data in buttons_of(card) if data.startswith("v1:")))
    return first.report_id  # type: ignore[union-attr]


async def rejected_report_from_tom(fake, reason: str = "Not enforcement") -> str:
    ref = await report_from_tom(fake, text=TACO)
    await Verifier(fake, ANA).calls_false_alarm(await wait_card(fake, ref, "needs"), reason)
    await Verifier(fake, LUIS).calls_false_alarm(card_in_group(fake, ref), reason)
    await wait_card(fake, ref, "closed as a false alarm")
    return ref


# --- 7. a rejection with a reason ----------------------------------------------------------------


async def test_false_alarm_offers_the_reasons_under_the_card_and_the_vote_counts_with_the_one_picked(vigil, fake):
    ref = await report_from_tom(fake, text=TACO)
    card = await wait_card(fake, ref, "needs verification")
    luis = Verifier(fake, LUIS)
    answer = await luis.presses(card, "👎")
    assert "Pick a reason below the card" in answer["text"] and not answer["show_alert"]
    picker = await luis.reasons_for(card_in_group(fake, ref))
    assert f"Why is {ref} a false alarm?" in text_of(picker)
    assert "attached" not in text_of(picker)  # nobody else's report closes with this one
    assert [label for label, _ in buttons_of(picker)] == REASONS_FOR_A_LONE_PHOTO
    await vigil.outbox_idle()
    assert "False alarm: 0/2" in text_of(card_in_group(fake, ref))  # offering reasons is not a vote

    counted = await luis.presses(picker, "An old or recycled photo")
    assert f"your vote on {ref} is counted" in counted["text"]
    card = await wait_card(fake, ref, "False alarm: 1/2 — Luis")
    assert "  • Luis: An old or recycled photo" in text_of(card)  # the next verifier sees what Luis found
    async with vigil.services.database.unit_of_work() as repo:
        (vote,) = await repo.votes(report_id_of(card))
    assert vote.reason is RejectionReason.OLD_PHOTO

    # Each verifier counts once, whichever picker they use; outsiders get no picker and no vote.
    again = await luis.presses(pickers(fake)[0], "Wrong place")
    assert again["show_alert"] and "already voted" in again["text"]
    before = len(pickers(fake))
    stranger = Verifier(fake, STRANGER)
    assert "not authorized" in (await stranger.presses(card_in_group(fake, ref), "👎"))["text"]
    assert "not authorized" in (await stranger.presses(picker, "Wrong place"))["text"]
    await vigil.outbox_idle()
    assert len(pickers(fake)) == before
    assert "False alarm: 1/2 — Luis" in text_of(card_in_group(fake, ref))


async def test_a_card_sent_before_reasons_existed_asks_for_one_too(vigil, fake):
    ref = await report_from_tom(fake, text=TACO)
    card = await wait_card(fake, ref, "needs verification")
    # The old card's False alarm button, as a client may still show it after an upgrade.
    answer = await press_stale(fake, MARTA, card, f"v1:vote:f:{report_id_of(card)}")
    assert "Pick a reason below the card" in answer["text"]
    await fake.wait_until(lambda: len(pickers(fake)) == 1, what="the reasons")
    await vigil.outbox_idle()
    assert "False alarm: 0/2" in text_of(card_in_group(fake, ref))


async def test_a_spanish_reporter_is_told_in_spanish_what_the_verifiers_found_and_a_tie_goes_to_the_last_vote(
    vigil, fake
):
    rosa = Resident(fake, ROSA)
    await rosa.sends_photo(
        jpeg_bytes(), caption="Dicen en Facebook que hay migra en la iglesia de Vado, miren la foto", expect="Dónde"
    )
    await rosa.taps("Vado")
    ref = await send_draft(rosa)
    await Verifier(fake, ANA).calls_false_alarm(await wait_card(fake, ref, "needs"), "Not enforcement")
    answer = await Verifier(fake, LUIS).calls_false_alarm(card_in_group(fake, ref), "An old or recycled photo")
    assert "closed as a false alarm" in answer["text"]
    card = await wait_card(fake, ref, "closed as a false alarm")
    assert "What the verifiers found: An old or recycled photo" in text_of(card)  # one each: the deciding vote's reason
    notice = await fake.wait_for_bot_message(ROSA, lambda m: "revisaron su reporte" in text_of(m))
    words = text_of(notice)
    assert ref in words and "la foto parece ser una más antigua" in words and "Gracias por reportar" in words
    assert "Ana" not in words and "Luis" not in words  # never who voted
    async with vigil.services.database.unit_of_work() as repo:
        rejection = await repo.rejection(report_id_of(card))
    assert rejection.reason is RejectionReason.OLD_PHOTO


async def test_the_track_record_on_a_later_card_counts_false_alarms_by_reason(vigil, fake):
    first = await rejected_report_from_tom(fake, "An old or recycled photo")
    first_card = card_in_group(fake, first)
    assert "no earlier reports on record" in text_of(first_card)  # its own outcome is not "earlier"
    await rejected_report_from_tom(fake, "Not enforcement")
    later = await report_from_tom(fake, place="Vado", text="Buses at the church in Vado")
    card = await wait_card(fake, later, "needs verification")
    assert "2 false alarms" in text_of(card)
    assert "👎 Earlier false alarms: 1 not enforcement, 1 old photo" in text_of(card)
    assert "Tom" not in text_of(card)


# --- 8. the rumor check --------------------------------------------------------------------------


def rumor_posts(fake, chat_id: int) -> list[dict]:
    return [m for m in fake.bot_messages(chat_id) if "Rumor check" in text_of(m) or "Verificación" in text_of(m)]


async def test_two_verifiers_post_a_rumor_check_to_every_channel_in_its_language_and_a_third_press_is_refused(
    vigil, fake
):
    ref = await rejected_report_from_tom(fake)
    card = card_in_group(fake, ref)
    assert [label for label, _ in buttons_of(card)] == ["📣 Post a rumor check", "🔇 Mute reporter (admins)"]

    marta, luis = Verifier(fake, MARTA), Verifier(fake, LUIS)
    first = await marta.presses(card, "📣")
    assert "1/2 for a rumor check" in first["text"] and not first["show_alert"]
    await wait_card(fake, ref, "📣 Rumor check: 1/2 — Marta")
    again = await marta.presses(card_in_group(fake, ref), "📣")
    assert again["show_alert"] and "You already asked for a rumor check" in again["text"]
    for outsider in (STRANGER, TOM):  # Tom, the reporter, is not in the group either
        refused = await Verifier(fake, outsider).presses(card_in_group(fake, ref), "📣")
        assert refused["show_alert"] and "not authorized" in refused["text"]
    await vigil.outbox_idle()
    assert rumor_posts(fake, CLOVIS_EN_CHANNEL) == [] and rumor_posts(fake, CLOVIS_ES_CHANNEL) == []

    posted = await luis.presses(card_in_group(fake, ref), "📣")
    assert "being posted to the channels" in posted["text"]
    english = await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL, lambda m: "Rumor check" in text_of(m))
    spanish = await fake.wait_for_bot_message(CLOVIS_ES_CHANNEL, lambda m: "Verificación de rumor" in text_of(m))
    assert "We checked reports of immigration agents in Clovis at" in text_of(english)
    assert "not confirmed" in text_of(english) and "Please don't share unverified posts" in text_of(english)
    assert "no se confirmaron" in text_of(spanish) and "no comparta publicaciones sin verificar" in text_of(spanish)
    assert "Rumor check" not in text_of(spanish)  # each channel in its own language
    for post in (english, spanish):
        assert TACO not in text_of(post)  # the resident's words are not repeated in public
        urls = [b.get("url", "") for row in post["reply_markup"]["inline_keyboard"] for b in row]
        assert any("start=report-clovis" in url for url in urls)

    card = await wait_card(fake, ref, "Rumor check posted at")
    await fake.wait_until(lambda: "posting…" not in text_of(card_in_group(fake, ref)), what="the links")
    card = card_in_group(fake, ref)
    links = [e["url"] for e in card.get("entities", []) if e["type"] == "text_link"]
    assert f"https://t.me/c/{str(CLOVIS_EN_CHANNEL)[4:]}/{english['message_id']}" in links
    assert f"https://t.me/c/{str(CLOVIS_ES_CHANNEL)[4:]}/{spanish['message_id']}" in links
    assert [label for label, _ in buttons_of(card)] == ["🔇 Mute reporter (admins)"]

    # A client still showing the button: a third verifier is refused, and nothing is posted again.
    third = await press_stale(fake, MARTA, card, f"v1:rumor:{report_id_of(card)}")
    assert third["show_alert"] and "was already posted" in third["text"]
    await vigil.outbox_idle()
    assert len(rumor_posts(fake, CLOVIS_EN_CHANNEL)) == 1 and len(rumor_posts(fake, CLOVIS_ES_CHANNEL)) == 1
    assert fake.bot_messages(VADO_CHANNEL) == []


async def test_the_reporter_cannot_ask_for_a_rumor_check_on_their_own_report(vigil, fake):
    # Ana is a verifier, and also a resident who reports
    ana_as_resident = Resident(fake, ANA)
    await ana_as_resident.sends_text("Dicen que hay migra en la lechería de Clovis", expect="Dónde")
    await ana_as_resident.taps("Clovis")
    ref = await send_draft(ana_as_resident)
    await Verifier(fake, LUIS).calls_false_alarm(await wait_card(fake, ref, "needs"), "Wrong place")
    await Verifier(fake, MARTA).calls_false_alarm(card_in_group(fake, ref), "Wrong place")
    card = await wait_card(fake, ref, "closed as a false alarm")
    own = await Verifier(fake, ANA).presses(card, "📣")
    assert own["show_alert"] and "no puede verificar" in own["text"]  # Ana's client speaks Spanish
    await vigil.outbox_idle()
    assert "Rumor check:" not in text_of(card_in_group(fake, ref))


async def test_no_rumor_check_for_a_report_that_is_not_rejected(vigil, fake):
    ref = await report_from_tom(fake, text=TACO)
    card = await wait_card(fake, ref, "needs verification")
    assert not any(label.startswith("📣") for label, _ in buttons_of(card))
    refused = await press_stale(fake, LUIS, card, f"v1:rumor:{report_id_of(card)}")
    assert refused["show_alert"] and "only be posted for a report closed as a false alarm" in refused["text"]
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
    published = await wait_card(fake, ref, "confirmed and published")
    assert not any(label.startswith("📣 Post") for label, _ in buttons_of(published))
    refused = await press_stale(fake, MARTA, published, f"v1:rumor:{report_id_of(card)}")
    assert "only be posted for a report closed as a false alarm" in refused["text"]
    await vigil.outbox_idle()
    assert rumor_posts(fake, CLOVIS_EN_CHANNEL) == [] and rumor_posts(fake, CLOVIS_ES_CHANNEL) == []


@pytest.fixture
def clock():
    return TravelClock()


async def test_a_rumor_check_is_refused_a_day_after_the_rejection(fake, tmp_path, clock):
    async with running_vigil(fake, tmp_path, clock=clock) as vigil:
        ref = await rejected_report_from_tom(fake)
        await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "📣")
        clock.advance(hours=24, minutes=1)
        late = await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "📣")
        assert late["show_alert"] and "within 24 hours of the report being closed" in late["text"]
        await vigil.outbox_idle()
        assert rumor_posts(fake, CLOVIS_EN_CHANNEL) == []


async def test_a_redelivered_rumor_check_press_posts_nothing_more(fake, tmp_path):
    async with running_vigil(fake, tmp_path) as vigil:
        ref = await rejected_report_from_tom(fake)
        await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "📣")
        card = await wait_card(fake, ref, "1/2 — Marta")
        data = next(d for t, d in buttons_of(card) if t.startswith("📣"))
        query = fake.user_presses_button(LUIS, VERIFIER_GROUP, card["message_id"], data)
        await fake.wait_for_callback_answer(query)
        await vigil.outbox_idle()
        assert len(rumor_posts(fake, CLOVIS_EN_CHANNEL)) == 1
    # Telegram offers the same update again, as after a crash before the bot confirmed it
    fake.redeliver(fake.update_id_of_query(query))
    async with running_vigil(fake, tmp_path) as vigil:
        await fake.wait_until(lambda: not fake.world.updates, what="the update to be fetched")
        await fake.settled()
        await vigil.outbox_idle()
        assert len(rumor_posts(fake, CLOVIS_EN_CHANNEL)) == 1 and len(rumor_posts(fake, CLOVIS_ES_CHANNEL)) == 1
        async with vigil.services.database.unit_of_work() as repo:
            rejection = await repo.rejection(report_id_of(card))
        assert [s.verifier_name for s in rejection.supporters] == ["Marta", "Luis"]


async def test_a_resident_whose_report_was_attached_hears_what_the_verifiers_found_too(vigil, fake):
    ref = await report_from_tom(fake, text=TACO)
    await wait_card(fake, ref, "needs verification")
    rosa = Resident(fake, ROSA)
    await rosa.sends_text("Dicen que hay migra en la lechería de Clovis", expect="Dónde")
    await rosa.taps("Clovis")
    rosas_ref = await send_draft(rosa)
    await wait_card(fake, ref, "2 residents report this")
    await Verifier(fake, ANA).calls_false_alarm(card_in_group(fake, ref), "Not enforcement")
    await Verifier(fake, LUIS).calls_false_alarm(card_in_group(fake, ref), "Not enforcement")
    told = await fake.wait_for_bot_message(ROSA, lambda m: "no parecía ser un operativo de inmigración" in text_of(m))
    assert rosas_ref in text_of(told) and ref not in text_of(told)
    found = "did not seem to be an immigration enforcement operation"
    await fake.wait_for_bot_message(TOM, lambda m: found in text_of(m))


# --- issue 23: reasons that fit the report, and one reasons message per report ----------------------


def pickers_for(fake, ref: str) -> list[dict]:
    return [m for m in pickers(fake) if ref in text_of(m)]


async def test_a_report_in_words_only_is_offered_no_photo_reason_and_a_forged_one_casts_no_vote(vigil, fake):
    ref = await report_in_words(fake, TOM, TACO, "Clovis")  # R-S9Q5 of the issue: words only, no photo
    card = await wait_card(fake, ref, "needs verification")
    picker = await Verifier(fake, LUIS).reasons_for(card)
    assert [label for label, _ in buttons_of(picker)] == [REASONS[0], REASONS[2], REASONS[3], REASONS[5]]

    # An "old photo" button all the same (a picker drawn before this rule, or forged): refused, no vote.
    forged = cb.encode(cb.FalseAlarm(report_id_of(card), RejectionReason.OLD_PHOTO))
    refused = await press_stale(fake, ANA, picker, forged)  # Ana's Telegram is in Spanish
    assert refused["show_alert"] and f"Ese motivo no corresponde a lo que contiene {ref}" in refused["text"]
    await vigil.outbox_idle()
    assert "False alarm: 0/2" in text_of(card_in_group(fake, ref))

    await Verifier(fake, ANA).presses(picker, "Could not be verified")
    await Verifier(fake, LUIS).presses(picker, "Could not be verified")
    notice = await fake.wait_for_bot_message(TOM, lambda m: "could not confirm it" in text_of(m))
    assert ref in text_of(notice) and "photo" not in text_of(notice)


async def test_an_old_photo_is_told_as_such_to_its_reporter_and_as_the_other_reports_to_a_resident_who_joined(
    vigil, fake
):
    ref = await report_from_tom(fake, text=TACO)  # with a photo
    await wait_card(fake, ref, "needs verification")
    rosas_ref = await report_in_words(fake, ROSA, "Dicen que hay migra en la lechería de Clovis", "Clovis")
    await wait_card(fake, ref, "2 residents report this")
    await Verifier(fake, ANA).calls_false_alarm(card_in_group(fake, ref), OLD_PHOTO)
    await Verifier(fake, LUIS).calls_false_alarm(card_in_group(fake, ref), OLD_PHOTO)
    told_tom = await fake.wait_for_bot_message(TOM, lambda m: "the photo seems to be an older one" in text_of(m))
    assert ref in text_of(told_tom)
    told_rosa = await fake.wait_for_bot_message(ROSA, lambda m: "revisaron su reporte" in text_of(m))
    assert rosas_ref in text_of(told_rosa) and "la foto parece" not in text_of(told_rosa)  # she sent no photo
    assert "junto con el reporte de la misma zona al que se agregó" in text_of(told_rosa)


async def test_each_false_alarm_press_reuses_the_one_reasons_message_under_the_card(vigil, fake):
    """Issue 23, item 3: two presses by two verifiers, and by the same one, make one message."""
    ref = await report_from_tom(fake, text=TACO)
    card = await wait_card(fake, ref, "needs verification")
    luis, marta = Verifier(fake, LUIS), Verifier(fake, MARTA)
    first = await luis.presses(card, "👎")
    assert "Pick a reason below the card" in first["text"]
    again = await luis.presses(card, "👎")  # the same verifier, before or after it arrived
    other = await marta.presses(card, "👎")  # another verifier
    for answer in (again, other):
        assert not answer["show_alert"] and f"The reasons for {ref} are already in the message" in answer["text"]
    await fake.settled()
    await vigil.outbox_idle()
    (picker,) = pickers_for(fake, ref)
    assert picker["reply_to_message"]["message_id"] == card["message_id"]
    assert [label for label, _ in buttons_of(picker)] == REASONS_FOR_A_LONE_PHOTO

    # What it should say changed (Rosa's report was attached since, and closes with it): the same
    # message is edited to warn, still no second one.
    await report_in_words(fake, ROSA, "Dicen que hay migra en la lechería de Clovis", "Clovis")
    await wait_card(fake, ref, "2 residents report this")
    await marta.presses(card_in_group(fake, ref), "👎")
    await fake.settled()
    await vigil.outbox_idle()
    (edited,) = pickers_for(fake, ref)
    assert edited["message_id"] == picker["message_id"] and "1 other resident's report is attached" in text_of(edited)

    # And it still casts each verifier's vote.
    await luis.presses(edited, "Not enforcement")
    await marta.presses(edited, "Not enforcement")
    await wait_card(fake, ref, "closed as a false alarm")
    assert len(pickers_for(fake, ref)) == 1
