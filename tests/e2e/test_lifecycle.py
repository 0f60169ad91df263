"""Issue 3, end to end: alerts that live and end; reports and alerts that expire; nothing twice.

Real Application, real HTTP, the strict fake Bot API. Time travel uses an injected clock: an
hour passes by moving the clock and letting the alarm ring, never by sleeping.
"""

from __future__ import annotations

import re

import pytest

from bot.domain.lifecycle import AlertAction
from bot.domain.verification import VoteKind
from bot.network import parse_network
from bot.services.presses import Press
from tests.e2e.harness import TravelClock, buttons_of, running_vigil
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import post, publish, replies, report_from_tom, wait_card
from tests.sample_network import (
    ADMIN,
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    LUIS,
    MARTA,
    STRANGER,
    TOM,
    VADO_CHANNEL,
    VERIFIER_GROUP,
    network_toml,
)

ALERT_BUTTONS = ["🔄 Still active", "✅ All clear", "↩️ Retract", "❓ Ask the reporter"]


def notices_to_tom(fake, ref: str) -> list[str]:
    return [
        text_of(m) for m in fake.bot_messages(TOM) if ref in text_of(m) and "Sent to the verifiers" not in text_of(m)
    ]


# --- a published alert offers its buttons -------------------------------------------------------


async def test_published_card_offers_still_active_all_clear_and_retract(vigil, fake):
    ref = await publish(fake)
    card = card_in_group(fake, ref)
    assert [t for t, _ in buttons_of(card)] == ALERT_BUTTONS
    assert re.search(r"🟢 Active until .*\d{2}:\d{2} MST", text_of(card)), text_of(card)


# --- still active ---------------------------------------------------------------------------


async def test_still_active_extends_the_alert_and_replies_to_each_post_in_its_language(vigil, fake):
    ref = await publish(fake)
    answer = await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "🔄")
    assert not answer["show_alert"] and "stays active until" in answer["text"]
    await fake.wait_until(lambda: replies(fake, CLOVIS_EN_CHANNEL) and replies(fake, CLOVIS_ES_CHANNEL))
    (english,) = replies(fake, CLOVIS_EN_CHANNEL)
    (spanish,) = replies(fake, CLOVIS_ES_CHANNEL)
    assert english["reply_to_message"]["message_id"] == post(fake, CLOVIS_EN_CHANNEL)["message_id"]
    assert "Still active" in text_of(english) and "Clovis" in text_of(english)
    assert (
        "Sigue activo" in text_of(spanish)
        and spanish["reply_to_message"]["message_id"] == post(fake, CLOVIS_ES_CHANNEL)["message_id"]
    )
    card = await wait_card(fake, ref, "🔄 Still active:")
    assert "— Marta" in text_of(card) and [t for t, _ in buttons_of(card)] == ALERT_BUTTONS
    # the original posts are untouched
    assert "Confirmed alert: Clovis" in text_of(post(fake, CLOVIS_EN_CHANNEL))
    assert "edit_date" not in post(fake, CLOVIS_EN_CHANNEL)


async def test_a_bilingual_channel_gets_every_update_in_both_languages(vigil, fake):
    ref = await publish(fake, place="Vado", text="White bus and two vans in the Walmart parking lot in Vado")
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "🔄")
    await fake.wait_until(lambda: len(replies(fake, VADO_CHANNEL)) == 1)
    (reply,) = replies(fake, VADO_CHANNEL)
    assert text_of(reply).index("Sigue activo") < text_of(reply).index("Still active")  # channel order: es, en


# --- all clear and retract ------------------------------------------------------------------


async def test_all_clear_needs_two_distinct_verifiers_then_edits_each_post_in_place_and_replies(vigil, fake):
    ref = await publish(fake)
    original_en = text_of(post(fake, CLOVIS_EN_CHANNEL))
    first = await Verifier(fake, ANA).presses(card_in_group(fake, ref), "✅")
    assert not first["show_alert"] and "contada" in first["text"]  # Ana's client speaks Spanish
    await wait_card(fake, ref, "All clear: 1/2 — Ana")
    again = await Verifier(fake, ANA).presses(card_in_group(fake, ref), "✅")
    assert again["show_alert"]
    other_side = await Verifier(fake, ANA).presses(card_in_group(fake, ref), "↩️")
    assert other_side["show_alert"]
    await fake.settled()
    assert "ENDED" not in text_of(post(fake, CLOVIS_EN_CHANNEL))

    second = await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "✅")
    assert "all clear" in second["text"]
    await fake.wait_until(lambda: "ENDED" in text_of(post(fake, CLOVIS_EN_CHANNEL)), what="the edit")
    edited = text_of(post(fake, CLOVIS_EN_CHANNEL))
    assert edited.startswith("✅ ENDED — all clear since")
    assert original_en in edited  # the original text is kept below the banner
    await fake.wait_until(lambda: "TERMINADA" in text_of(post(fake, CLOVIS_ES_CHANNEL)), what="the Spanish edit")
    await fake.wait_until(lambda: replies(fake, CLOVIS_EN_CHANNEL) and replies(fake, CLOVIS_ES_CHANNEL))
    assert "All clear" in text_of(replies(fake, CLOVIS_EN_CHANNEL)[0])
    assert "Todo despejado" in text_of(replies(fake, CLOVIS_ES_CHANNEL)[0])

    card = await wait_card(fake, ref, "alert ended: all clear")
    assert buttons_of(card) == [] and "All clear: 2/2 — Ana, Luis" in text_of(card)
    notice = await fake.wait_for_bot_message(TOM, lambda m: "has ended" in text_of(m))
    assert ref in text_of(notice)
    # a closed alert takes no more presses (a client may still show the old buttons)
    assert (
        await vigil.services.lifecycle.act(Press(1, MARTA, "Marta", chat_id=VERIFIER_GROUP), AlertAction.STILL_ACTIVE)
    ).outcome == "closed"


async def test_retract_marks_every_post_retracted_in_both_languages_and_tells_the_reporter(vigil, fake):
    ref = await publish(fake, place="Vado", text="White bus and two vans in the Walmart parking lot in Vado")
    await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "↩️")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "↩️")
    await fake.wait_until(lambda: "RETRACTED" in text_of(post(fake, VADO_CHANNEL)), what="the edit")
    edited = text_of(post(fake, VADO_CHANNEL))
    assert edited.index("RETIRADA") < edited.index("RETRACTED") < edited.index("Alerta confirmada: Vado")
    await fake.wait_until(lambda: len(replies(fake, VADO_CHANNEL)) == 1)
    reply = text_of(replies(fake, VADO_CHANNEL)[0])
    assert "Retirada" in reply and "Retracted" in reply and "disregard" in reply
    await wait_card(fake, ref, "alert retracted")
    await fake.wait_for_bot_message(TOM, lambda m: "retracted" in text_of(m) and ref in text_of(m))


async def test_the_reporter_and_outsiders_cannot_change_a_published_alert(vigil, fake):
    # Ana reports (she is also a verifier); Luis and Marta publish
    ana = Resident(fake, ANA)
    await ana.sends_text("Checkpoint on US-70 between Clovis and Portales", expect="Dónde")
    await ana.taps("Clovis")
    panel_id = ana.panel()["message_id"]
    await ana.taps("✅")
    ref = re.search(r"R-\w{4}", text_of(ana.current(panel_id))).group(0)
    await Verifier(fake, LUIS).presses(await wait_card(fake, ref, "needs"), "👍")
    await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "👍")
    card = await wait_card(fake, ref, "Active until")
    own = await Verifier(fake, ANA).presses(card, "↩️")
    assert own["show_alert"] and ("no puede verificar" in own["text"] or "cannot verify" in own["text"])
    outsider = await Verifier(fake, STRANGER).presses(card_in_group(fake, ref), "✅")
    assert outsider["show_alert"] and "not authorized" in outsider["text"]
    await fake.settled()
    assert "0/2" in text_of(card_in_group(fake, ref)).split("All clear:")[1]
    assert replies(fake, CLOVIS_EN_CHANNEL) == []


# --- time travel: reminders and expiry -------------------------------------------------------


@pytest.fixture
def clock():
    return TravelClock()


async def test_an_unconfirmed_report_gets_one_reminder_then_expires_and_the_reporter_is_told(fake, tmp_path, clock):
    async with running_vigil(fake, tmp_path, clock=clock) as vigil:
        ref = await report_from_tom(fake)
        await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
        await wait_card(fake, ref, "1/2")
        clock.advance(minutes=9)
        vigil.alarm_rings()
        await vigil.outbox_idle()
        assert not [m for m in fake.bot_messages(VERIFIER_GROUP) if "⏰" in text_of(m)]

        clock.advance(minutes=2)  # 11 minutes after the report
        vigil.alarm_rings()
        reminder = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "⏰" in text_of(m))
        text = text_of(reminder)
        assert ref in text and "waited 11 minutes" in text
        assert "1 more confirmation" in text and "2 more false-alarm votes" in text
        assert reminder["reply_to_message"]["message_id"] == card_in_group(fake, ref)["message_id"]

        clock.advance(minutes=20)
        vigil.alarm_rings()
        await vigil.outbox_idle()
        assert len([m for m in fake.bot_messages(VERIFIER_GROUP) if "⏰" in text_of(m)]) == 1  # only one

        clock.advance(minutes=30)  # 61 minutes
        vigil.alarm_rings()
        card = await wait_card(fake, ref, "expired without confirmation")
        assert buttons_of(card) == [] and "Could not be confirmed within 60 minutes" in text_of(card)
        notice = await fake.wait_for_bot_message(TOM, lambda m: "could not be confirmed in time" in text_of(m))
        assert ref in text_of(notice)
        # votes after expiry change nothing, and nothing was ever posted
        assert (
            await vigil.services.verification.vote(Press(1, LUIS, "Luis", chat_id=VERIFIER_GROUP), VoteKind.CONFIRM)
        ).outcome == "closed"
        await vigil.outbox_idle()
        assert fake.bot_messages(CLOVIS_EN_CHANNEL) == [] and fake.bot_messages(CLOVIS_ES_CHANNEL) == []


async def test_a_report_settled_in_time_is_never_reminded_about_or_expired(fake, tmp_path, clock):
    async with running_vigil(fake, tmp_path, clock=clock) as vigil:
        ref = await publish(fake)
        clock.advance(minutes=90)
        vigil.alarm_rings()
        await vigil.outbox_idle()
        assert not [m for m in fake.bot_messages(VERIFIER_GROUP) if "⏰" in text_of(m)]
        assert "confirmed and published" in text_of(card_in_group(fake, ref))


async def test_a_published_alert_expires_after_four_hours_without_still_active(fake, tmp_path, clock):
    async with running_vigil(fake, tmp_path, clock=clock) as vigil:
        ref = await publish(fake)
        clock.advance(hours=3)
        await Verifier(fake, ANA).presses(card_in_group(fake, ref), "🔄")  # extends to 3 h + 4 h
        await fake.wait_until(lambda: len(replies(fake, CLOVIS_EN_CHANNEL)) == 1)
        clock.advance(hours=3, minutes=59)
        vigil.alarm_rings()
        await vigil.outbox_idle()
        assert "EXPIRED" not in text_of(post(fake, CLOVIS_EN_CHANNEL))

        clock.advance(minutes=2)
        vigil.alarm_rings()
        await fake.wait_until(lambda: "EXPIRED" in text_of(post(fake, CLOVIS_EN_CHANNEL)), what="the expiry edit")
        assert text_of(post(fake, CLOVIS_EN_CHANNEL)).startswith("⌛ EXPIRED — no update since")
        await fake.wait_until(lambda: "VENCIDA" in text_of(post(fake, CLOVIS_ES_CHANNEL)), what="the Spanish edit")
        card = await wait_card(fake, ref, "alert expired without an update")
        assert buttons_of(card) == []
        await fake.wait_for_bot_message(TOM, lambda m: "has expired" in text_of(m))
        await vigil.outbox_idle()
        # an expiry edits the post but sends no new notification to subscribers
        assert len(replies(fake, CLOVIS_EN_CHANNEL)) == 1 and len(replies(fake, CLOVIS_ES_CHANNEL)) == 1


async def test_timeouts_come_from_the_network_file(fake, tmp_path, clock):
    network = parse_network(
        network_toml(
            extra="""
[timeouts]
reminder_minutes = 3
unconfirmed_report_minutes = 15
alert_lifetime_minutes = 30
"""
        )
    )
    async with running_vigil(fake, tmp_path, clock=clock, network=network) as vigil:
        pending = await report_from_tom(fake, place="Vado", text="Vans near the church in Vado")
        ref = await publish(fake)
        clock.advance(minutes=4)
        vigil.alarm_rings()
        await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: "⏰" in text_of(m) and pending in text_of(m))
        clock.advance(minutes=27)
        vigil.alarm_rings()
        await wait_card(fake, pending, "Could not be confirmed within 15 minutes")
        await wait_card(fake, ref, "alert expired")


async def test_deadlines_that_passed_while_vigil_was_down_fire_right_after_start(fake, tmp_path, clock):
    async with running_vigil(fake, tmp_path, clock=clock):
        pending = await report_from_tom(fake, place="Vado", text="Vans near the church in Vado")
        ref = await publish(fake)
    # Vigil is down for five hours; nobody rings any alarm by hand after it starts again
    clock.advance(hours=5)
    async with running_vigil(fake, tmp_path, clock=clock):
        await wait_card(fake, pending, "expired without confirmation")
        await wait_card(fake, ref, "alert expired without an update")
        await fake.wait_until(lambda: "EXPIRED" in text_of(post(fake, CLOVIS_EN_CHANNEL)), what="the expiry edit")
        await fake.wait_for_bot_message(TOM, lambda m: "could not be confirmed in time" in text_of(m))
        # its reminder came due too, but a reminder about a report that is closing is only noise
        await fake.settled()
        assert [m for m in fake.bot_messages(VERIFIER_GROUP) if "⏰" in text_of(m)] == []


# --- exactly once -----------------------------------------------------------------------------


async def test_a_redelivered_update_does_nothing(fake, tmp_path):
    async with running_vigil(fake, tmp_path) as vigil:
        ref = await publish(fake)
        card = card_in_group(fake, ref)
        data = next(d for t, d in buttons_of(card) if t.startswith("🔄"))
        query = fake.user_presses_button(MARTA, VERIFIER_GROUP, card["message_id"], data)
        await fake.wait_for_callback_answer(query)
        await vigil.outbox_idle()
        assert len(replies(fake, CLOVIS_EN_CHANNEL)) == 1
    # Telegram offers the same update again, as after a crash before the bot confirmed it
    fake.redeliver(fake.update_id_of_query(query))
    async with running_vigil(fake, tmp_path) as vigil:
        await fake.wait_until(lambda: not fake.world.updates, what="the update to be fetched")
        await fake.settled()  # the bot is idle: whatever it would do, it has done
        await vigil.outbox_idle()
        assert len(replies(fake, CLOVIS_EN_CHANNEL)) == 1 and len(replies(fake, CLOVIS_ES_CHANNEL)) == 1
        async with vigil.services.database.unit_of_work() as repo:
            alert = await repo.alert(1)
        assert [v.verifier_name for v in alert.votes] == ["Marta"]


# --- /status ---------------------------------------------------------------------------------


async def test_status_is_for_organizers_only(vigil, fake):
    ref = await publish(fake)
    await report_from_tom(fake, place="Vado", text="Vans near the church in Vado")
    organizer = Resident(fake, ADMIN)  # Ana organizes the network
    status = text_of(await organizer.sends_text("/status", expect="Vigil"))
    assert "Estado de Vigil" in status  # Ana's client speaks Spanish
    assert "Reportes esperando verificación: 1" in status and "Alertas activas: 1" in status
    assert "Mensajes esperando envío: 0" in status
    refused = await Resident(fake, TOM).sends_text("/status", expect="/status")
    assert "only for the organizers" in text_of(refused)
    assert ref
