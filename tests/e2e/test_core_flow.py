"""Issue 2, end to end: a sighting becomes a public alert only after two verifiers confirm it.

Real python-telegram-bot Application, real HTTP, a strict fake Bot API on 127.0.0.1; every test runs
on SQLite and on a real PostgreSQL server (the `database_target` fixture).
"""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.e2e.harness import (
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    DOWNTOWN_CHANNEL,
    LUIS,
    MARTA,
    OTHER_GROUP,
    ROSA,
    STRANGER,
    TOM,
    VADO_CHANNEL,
    VERIFIER_GROUP,
    buttons_of,
    jpeg_bytes,
    running_vigil,
)
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import CLOVIS_DAIRY, ref_in, report_from_tom, send_draft, wait_card


@pytest.fixture
async def vigil(fake, tmp_path, database_target):
    async with running_vigil(fake, tmp_path, VIGIL_DATABASE=database_target) as running:
        yield running


# --- 1. A resident reports -----------------------------------------------------------------


async def test_photo_then_two_taps_sends_a_report_and_gives_a_receipt(vigil, fake):
    tom = Resident(fake, TOM)
    prompt = await tom.sends_photo(jpeg_bytes(), expect="Where is this happening?")
    assert "1 photo" in text_of(prompt)
    place_buttons = [text for text, _ in buttons_of(prompt)]
    assert {"Downtown Las Cruces", "Vado", "Clovis"} <= set(place_buttons)

    await tom.taps("Vado")  # tap 1
    review = tom.panel()
    assert "Vado" in text_of(review)
    assert any(text.startswith("⬜ Several vehicles") for text, _ in buttons_of(review))
    await tom.taps("✅ Send to verifiers")  # tap 2

    receipt = tom.current(review["message_id"])
    assert "Sent to the verifiers" in text_of(receipt)
    assert buttons_of(receipt) == []
    ref = ref_in(text_of(receipt))
    card = await wait_card(fake, ref, "needs verification")
    assert "Vado" in text_of(card)


async def test_report_command_and_text_start_a_draft_that_asks_only_for_what_is_missing(vigil, fake):
    tom = Resident(fake, TOM)
    first = await tom.sends_text("/report", expect="Where is this happening?")
    assert "not sent yet" in text_of(first)
    await tom.taps("Clovis")
    panel = await tom.sends_text("White bus and two vans near the dairy", expect="White bus")
    assert "Clovis" in text_of(panel) and "Where is this happening" not in text_of(panel)
    # the older panel lost its buttons, so only one live draft is on screen
    assert buttons_of(tom.current(first["message_id"])) == []


async def test_indicator_checklist_toggles_on_the_same_message(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_text("Agents at the trailer park", expect="Where")
    await tom.taps("Clovis")
    panel_id = tom.panel()["message_id"]
    await tom.taps("⬜ Agents approaching a particular house")
    await tom.taps("⬜ A road checkpoint")
    await tom.taps("☑️ A road checkpoint")  # un-tick
    panel = tom.current(panel_id)
    assert any(t.startswith("☑️ Agents approaching a particular house") for t, _ in buttons_of(panel))
    assert any(t.startswith("⬜ A road checkpoint") for t, _ in buttons_of(panel))
    ref = await send_draft(tom)
    card = await wait_card(fake, ref, "needs verification")
    assert "Agents approaching a particular house" in text_of(card)
    assert "A road checkpoint" not in text_of(card)


async def test_cancel_discards_the_draft_and_sends_nothing(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_text("Something on Main street", expect="Where")
    panel_id = tom.panel()["message_id"]
    await tom.taps("✖️ Cancel")
    assert "Nothing was sent" in text_of(tom.current(panel_id))
    await fake.settled()  # the bot is idle: whatever it would do, it has done
    assert fake.bot_messages(VERIFIER_GROUP) == []


async def test_send_without_place_or_content_is_refused_with_a_clear_message(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_text("/report", expect="Where")
    await tom.taps("Clovis")
    answer = await tom.taps("✅")
    assert answer["show_alert"] and "Add a photo" in answer["text"]
    await tom.taps("📍 Change place")
    assert "Where is this happening" in text_of(tom.panel())
    assert fake.bot_messages(VERIFIER_GROUP) == []


async def test_too_long_text_is_refused_and_the_draft_is_kept(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_text("Agents at the dairy", expect="Where")
    refusal = await tom.sends_text("🚨" * 500, expect="too long")
    assert "Nothing was added" in text_of(refusal)
    await tom.taps("Clovis")
    ref = await send_draft(tom)
    card = await wait_card(fake, ref, "needs verification")
    assert "Agents at the dairy" in text_of(card)


async def test_a_file_that_is_not_an_image_is_refused_and_the_bot_keeps_working(vigil, fake):
    tom = Resident(fake, TOM)
    before = len(fake.bot_messages(TOM))
    fake.user_sends_document(TOM, b"%PDF-1.4 not a photo", file_name="flyer.pdf", mime_type="application/pdf")
    refusal = await fake.wait_for_bot_message(TOM, lambda m: "not a photo" in text_of(m))
    assert len(fake.bot_messages(TOM)) == before + 1 and refusal
    fake.user_sends_document(TOM, b"\xff\xd8\xff\xe0 truncated", file_name="x.jpg", mime_type="image/jpeg")
    await fake.wait_for_bot_message(TOM, lambda m: "could not be read" in text_of(m))
    await tom.sends_photo(jpeg_bytes(), expect="1 photo")


async def test_location_suggests_the_neighborhood_and_is_not_kept(vigil, fake):
    fake.user_sends_location(TOM, 32.1120, -106.6630)
    await fake.wait_for_bot_message(TOM, lambda m: "Based on your location" in text_of(m))
    panel = await fake.wait_for_bot_message(TOM, lambda m: "not sent yet" in text_of(m))
    assert "📍 Where: Vado" in text_of(panel)


# --- 2. Verifiers see a card -------------------------------------------------------------


async def test_card_shows_photos_place_indicators_words_time_and_vote_buttons(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_photo(jpeg_bytes((10, 10, 200)), caption=CLOVIS_DAIRY, expect="Where")
    fake.user_sends_photo(TOM, jpeg_bytes((10, 200, 10)))
    await fake.wait_until(lambda: "2 photos" in text_of(tom.panel()))
    await tom.taps("Clovis")
    await tom.taps("⬜ Several vehicles")
    ref = await send_draft(tom)
    card = await wait_card(fake, ref, "needs verification")
    text = text_of(card)
    for expected in (
        "Clovis",
        "Several vehicles parked haphazardly",
        CLOVIS_DAIRY,
        "2 photos",
        "Confirmed: 0/2",
        "False alarm: 0/2",
    ):
        assert expected in text
    assert re.search(r"\d{2}:\d{2} MST", text), text  # local time of the network
    assert [t for t, _ in buttons_of(card)] == [
        "👍 Confirm",
        "👎 False alarm",
        "📍 Confirm in person",
        "🗣 Include their words",
        "✏️ Write a public note",
        "🚶 15 min",
        "🚶 30 min",
        "🚶 60 min",
        "❓ Ask the reporter",
        "📎 Show media (2)",
        "🔇 Mute reporter (admins)",
    ]
    # One message in the group: the photos wait for a verifier who wants them (issue 18)
    assert [m["message_id"] for m in fake.bot_messages(VERIFIER_GROUP)] == [card["message_id"]]
    await Verifier(fake, ANA).presses(card, "📎 Show media")
    await fake.wait_until(lambda: len([m for m in fake.bot_messages(VERIFIER_GROUP) if m.get("photo")]) == 2)
    album = [m for m in fake.bot_messages(VERIFIER_GROUP) if m.get("photo")]
    assert album[0].get("media_group_id") and album[0]["reply_to_message"]["message_id"] == card["message_id"]
    await fake.wait_until(lambda: "📎 Show media (2)" not in [t for t, _ in buttons_of(card_in_group(fake, ref))])
    assert "2 photos" in text_of(card_in_group(fake, ref))
    # the card never names the reporter
    assert "Tom" not in text and "tom_lc" not in text and str(TOM) not in text


async def test_card_is_edited_as_votes_arrive(vigil, fake):
    ref = await report_from_tom(fake)
    card = await wait_card(fake, ref, "needs verification")
    answer = await Verifier(fake, ANA).presses(card, "👍")
    assert "cuenta" in answer["text"]
    card = await wait_card(fake, ref, "Confirmed: 1/2 — Ana")
    assert [t for t, _ in buttons_of(card)] == [
        "👍 Confirm",
        "👎 False alarm",
        "📍 Confirm in person",
        "🗣 Include their words",
        "✏️ Write a public note",
        "🚶 15 min",
        "🚶 30 min",
        "🚶 60 min",
        "❓ Ask the reporter",
        "📎 Show media (1)",
        "🔇 Mute reporter (admins)",
    ]


# --- 3. Two distinct verifiers publish -----------------------------------------------------


async def test_second_distinct_confirmation_publishes_to_the_neighborhood_channels(vigil, fake):
    ref = await report_from_tom(fake, indicators=("Several vehicles", "Agency markings"))
    card = await wait_card(fake, ref, "needs verification")
    await Verifier(fake, ANA).presses(card, "👍")
    assert fake.bot_messages(CLOVIS_EN_CHANNEL) == []
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")

    english = await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL)
    spanish = await fake.wait_for_bot_message(CLOVIS_ES_CHANNEL)
    text = text_of(english)
    for expected in (
        "Confirmed alert: Clovis",
        "Several vehicles parked haphazardly",
        "Agency markings visible",
        "Confirmed by 2 verifiers",
        "Know your rights",
        "+1-575-555-0100",
    ):
        assert expected in text, expected
    # Issue 9: the resident's own words reach a channel only if a verifier includes them.
    assert CLOVIS_DAIRY not in text and CLOVIS_DAIRY not in text_of(spanish)
    assert re.search(r"\d{2}:\d{2} MST", text)
    assert "Alerta confirmada: Clovis" in text_of(spanish) and "Conozca sus derechos" in text_of(spanish)
    # the Spanish post names the time zone as the English one does ("14:05 MST"), not "14:05 -0700"
    (zone,) = set(re.findall(r"\d{2}:\d{2} ([A-Z]{3,4})\b", text))
    assert re.search(rf"\d{{2}}:\d{{2}} {zone}\b", text_of(spanish)), text_of(spanish)
    assert not re.search(r"\d{2}:\d{2} [+-]\d{4}", text_of(spanish)), text_of(spanish)
    for post in (english, spanish):
        assert "Tom" not in text_of(post) and "tom_lc" not in text_of(post)
    # nothing went to other neighborhoods
    assert fake.bot_messages(VADO_CHANNEL) == [] and fake.bot_messages(DOWNTOWN_CHANNEL) == []

    card = await wait_card(fake, ref, "confirmed and published")
    # the vote buttons are gone; what is left are the buttons of a live alert (issue 3), and its
    # photo on demand (issue 18)
    assert [text for text, _ in buttons_of(card)] == [
        "🔄 Still active",
        "✅ All clear",
        "↩️ Retract",
        "❓ Ask the reporter",
        "📎 Show media (1)",
    ]
    await fake.wait_until(lambda: text_of(card_in_group(fake, ref)).count("📣 Posted") == 2, what="both links")
    card = card_in_group(fake, ref)
    assert "Confirmed: 2/2 — Ana, Luis" in text_of(card)
    links = [e["url"] for e in card.get("entities", []) if e["type"] == "text_link"]
    assert f"https://t.me/c/{str(CLOVIS_EN_CHANNEL)[4:]}/{english['message_id']}" in links
    assert f"https://t.me/c/{str(CLOVIS_ES_CHANNEL)[4:]}/{spanish['message_id']}" in links

    notice = await fake.wait_for_bot_message(TOM, lambda m: "confirmed by two verifiers" in text_of(m))
    assert ref in text_of(notice)


async def test_bilingual_channel_gets_one_post_in_both_languages(vigil, fake):
    ref = await report_from_tom(
        fake, place="Vado", indicators=("Tents, buses",), text="White bus and two vans at Walmart"
    )
    # A verifier includes the resident's words (issue 9), then both confirm that version.
    await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "🗣 Include their words")
    await Verifier(fake, ANA).presses(await wait_card(fake, ref, "version 2"), "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
    await fake.wait_until(lambda: len(fake.bot_messages(VADO_CHANNEL)) == 1)
    await fake.settled()  # the bot is idle: whatever it would do, it has done
    posts = fake.bot_messages(VADO_CHANNEL)
    assert len(posts) == 1
    text = text_of(posts[0])
    assert text.index("Alerta confirmada: Vado") < text.index("Confirmed alert: Vado")  # channel order: es, en
    assert "Carpas, autobuses o camionetas" in text and "Tents, buses or vans" in text
    assert text.count("White bus and two vans at Walmart") == 1


async def test_same_verifier_pressing_twice_counts_once(vigil, fake):
    ref = await report_from_tom(fake)
    ana = Verifier(fake, ANA)
    await ana.presses(await wait_card(fake, ref, "needs"), "👍")
    await wait_card(fake, ref, "1/2")
    again = await ana.presses(card_in_group(fake, ref), "👍")
    assert again["show_alert"]
    assert "ya votó" in again["text"]  # Ana's client speaks Spanish
    other_side = await ana.presses(card_in_group(fake, ref), "👎")
    assert other_side["show_alert"]
    await fake.settled()  # the bot is idle: whatever it would do, it has done
    card = card_in_group(fake, ref)
    assert "Confirmed: 1/2 — Ana" in text_of(card) and "False alarm: 0/2" in text_of(card)
    assert fake.bot_messages(CLOVIS_EN_CHANNEL) == []


async def test_reporter_cannot_confirm_own_report(vigil, fake):
    # Ana is a verifier, and also a resident who reports
    ana_as_resident = Resident(fake, ANA)
    await ana_as_resident.sends_text("Checkpoint on US-70 between Clovis and Portales", expect="Dónde")
    await ana_as_resident.taps("Clovis")
    ref = await send_draft(ana_as_resident)
    card = await wait_card(fake, ref, "needs")
    own = await Verifier(fake, ANA).presses(card, "👍")
    assert own["show_alert"] and ("no puede verificar" in own["text"] or "cannot verify" in own["text"])
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
    await wait_card(fake, ref, "Confirmed: 1/2 — Luis")
    assert fake.bot_messages(CLOVIS_EN_CHANNEL) == []


async def test_press_by_a_non_verifier_changes_nothing(vigil, fake):
    ref = await report_from_tom(fake)
    card = await wait_card(fake, ref, "needs")
    # Mallory is not a member of the verifier group (e.g. she left, or was never in it)
    answer = await Verifier(fake, STRANGER).presses(card, "👍")
    assert answer["show_alert"] and "not authorized" in answer["text"]
    fake.set_member_status(VERIFIER_GROUP, MARTA, "left")
    answer = await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "👍")
    assert "not authorized" in answer["text"]
    await fake.settled()  # the bot is idle: whatever it would do, it has done
    assert "Confirmed: 0/2" in text_of(card_in_group(fake, ref))


async def test_press_in_the_wrong_chat_changes_nothing(vigil, fake):
    ref = await report_from_tom(fake)
    card = await wait_card(fake, ref, "needs")
    vote_data = buttons_of(card)[0][1]
    # the same button, shown in another group (for example a copied card)
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

    async with Bot(vigil.settings.telegram_bot_token.get_secret_value(), base_url=fake.base_url) as bot:
        copy = await bot.send_message(
            OTHER_GROUP,
            "copy",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data=vote_data)]]),
        )
    for verifier in (ANA, LUIS):
        answer = await Verifier(fake, verifier, chat_id=OTHER_GROUP).presses(copy.to_dict(), "👍")
        assert "not authorized" in answer["text"] or "no está autorizad" in answer["text"]
    await fake.settled()  # the bot is idle: whatever it would do, it has done
    assert "Confirmed: 0/2" in text_of(card_in_group(fake, ref))
    assert fake.bot_messages(CLOVIS_EN_CHANNEL) == []


async def test_two_confirmations_at_the_same_instant_publish_exactly_once(vigil, fake):
    ref = await report_from_tom(fake)
    card = await wait_card(fake, ref, "needs")
    data = buttons_of(card)[0][1]
    queries = [fake.user_presses_button(v, VERIFIER_GROUP, card["message_id"], data) for v in (ANA, LUIS, MARTA)]
    answers = await asyncio.gather(*(fake.wait_for_callback_answer(q) for q in queries))
    await wait_card(fake, ref, "confirmed and published")
    await fake.settled()  # the bot is idle: whatever it would do, it has done
    assert len(fake.bot_messages(CLOVIS_EN_CHANNEL)) == 1
    assert len(fake.bot_messages(CLOVIS_ES_CHANNEL)) == 1
    assert sum("closed" in a["text"] or "cerrad" in a["text"] for a in answers) == 1
    notices = [m for m in fake.bot_messages(TOM) if "confirmed by two verifiers" in text_of(m)]
    assert len(notices) == 1


async def test_two_false_alarms_close_the_report_and_nothing_is_posted(vigil, fake):
    ref = await report_from_tom(
        fake,
        place="Downtown Las Cruces",
        indicators=(),
        text="Saw two ICE guys at the taco place next to the federal courthouse downtown!!",
    )
    await Verifier(fake, ANA).calls_false_alarm(await wait_card(fake, ref, "needs"), "Not enforcement")
    answer = await Verifier(fake, MARTA).calls_false_alarm(card_in_group(fake, ref), "Not enforcement")
    assert "false alarm" in answer["text"]
    card = await wait_card(fake, ref, "closed as a false alarm")
    # no more votes; the rumor check is offered instead (see test_rejection.py)
    assert [t for t, _ in buttons_of(card)] == ["📣 Post a rumor check", "🔇 Mute reporter (admins)"]
    notice = await fake.wait_for_bot_message(TOM, lambda m: "not seem to be an immigration" in text_of(m))
    assert ref in text_of(notice) and "Thank you" in text_of(notice)
    await fake.settled()  # the bot is idle: whatever it would do, it has done
    assert fake.bot_messages(DOWNTOWN_CHANNEL) == []


# --- 4. Languages --------------------------------------------------------------------------


async def test_spanish_client_gets_the_whole_flow_in_spanish(vigil, fake):
    rosa = Resident(fake, ROSA)
    prompt = await rosa.sends_text(
        "Cinco camionetas sin placas frente a la iglesia en Vado, agentes preguntando por documentos.", expect="Dónde"
    )
    assert "Su reporte" in text_of(prompt)
    await rosa.taps("Vado")
    await rosa.taps("⬜ Agentes acercándose a personas")
    panel_id = rosa.panel()["message_id"]
    await rosa.taps("✅")
    receipt = text_of(rosa.current(panel_id))
    assert "Enviado a los verificadores" in receipt
    ref = ref_in(receipt)
    await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
    notice = await fake.wait_for_bot_message(ROSA, lambda m: ref in text_of(m) and m["message_id"] != panel_id)
    assert "confirmado" in text_of(notice)


async def test_language_command_switches_and_is_remembered(vigil, fake):
    tom = Resident(fake, TOM)
    chooser = await tom.sends_text("/language", expect="Choose your language")
    await tom.taps("Español", chooser)
    assert "español" in text_of(tom.current(chooser["message_id"]))
    prompt = await tom.sends_text("/report", expect="Dónde")
    assert "Su reporte" in text_of(prompt)


async def test_verifier_answers_follow_the_verifiers_client_language(vigil, fake):
    ref = await report_from_tom(fake)
    card = await wait_card(fake, ref, "needs")
    answer = await Verifier(fake, ANA).presses(card, "👍")  # Ana's client is Spanish
    assert "cuenta" in answer["text"]
