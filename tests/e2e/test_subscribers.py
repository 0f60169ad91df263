"""Issue 12, end to end: alerts by direct message, know-your-rights, deep links.

Real Application, real HTTP, the strict fake Bot API (bot/fake_telegram).
"""

from __future__ import annotations

from tests.e2e.harness import buttons_of
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import alerts_to, post, publish, subscribe
from tests.sample_network import ADMIN, ANA, CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL, LUIS, ROSA, TOM, VERIFIER_GROUP

PILAR = 5003  # a resident who reads Spanish and only wants Vado's alerts
BOT = "vigil_test_bot"  # the fake's answer to getMe: the links must use it


def urls_of(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["url"] for row in markup.get("inline_keyboard", []) for b in row if "url" in b]


async def test_subscribers_get_the_alert_in_their_language_after_the_channel_posts(vigil, fake):
    fake.add_user(PILAR, "Pilar", language_code="es")
    summary = await subscribe(fake, ROSA, "Clovis", "Vado")
    assert "Vado, Clovis" in text_of(summary) and "Español" in text_of(summary)  # in the network file's order
    await subscribe(fake, TOM, "Clovis")
    await subscribe(fake, PILAR, "Vado")

    ref = await publish(fake)
    await vigil.outbox_idle()
    (rosa,) = alerts_to(fake, ROSA)
    (tom,) = [m for m in alerts_to(fake, TOM) if "Confirmed alert" in text_of(m)]
    assert "Alerta confirmada: Clovis" in text_of(rosa) and "Confirmed alert: Clovis" in text_of(tom)
    assert alerts_to(fake, PILAR) == []  # Vado had no alert
    # under the alert: the rights card (a button) and the neighborhood's report link
    assert [text for text, _ in buttons_of(rosa)] == ["⚖️ Conozca sus derechos", "📣 Reporte lo que ve"]
    assert urls_of(rosa) == [f"https://t.me/{BOT}?start=report-clovis"]
    # after the channel posts, never before them
    # (the card in the verifier group previews the post, so it shows the 🚨 line too: not an alert)
    sent = [(int(p["chat_id"]), p["text"]) for p in fake.calls("sendMessage")]
    alerts = [chat for chat, text in sent if "🚨" in text and chat != VERIFIER_GROUP]
    assert set(alerts[:2]) == {CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL} and set(alerts[2:]) == {ROSA, TOM}
    assert ref in text_of(card_in_group(fake, ref))


async def test_every_update_reaches_subscribers_as_a_reply_to_their_copy(vigil, fake):
    await subscribe(fake, ROSA, "Clovis")
    ref = await publish(fake)
    await vigil.outbox_idle()
    (alert,) = alerts_to(fake, ROSA)
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "🔄")
    await fake.wait_until(lambda: alerts_to(fake, ROSA, "Sigue activo"), what="still active by message")
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "✅")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "✅")
    await fake.wait_until(lambda: alerts_to(fake, ROSA, "Todo despejado"), what="all clear by message")
    await vigil.outbox_idle()
    (still,) = alerts_to(fake, ROSA, "Sigue activo")
    (clear,) = alerts_to(fake, ROSA, "Todo despejado")
    assert still["reply_to_message"]["message_id"] == alert["message_id"]
    assert clear["reply_to_message"]["message_id"] == alert["message_id"]


async def test_know_your_rights_by_command_button_and_link(vigil, fake):
    rosa = Resident(fake, ROSA)
    card = await rosa.sends_text("/rights", expect="Conozca sus derechos")
    for line in (
        "guardar silencio",
        "firmada por un juez",
        "No firme nada",
        "fecha de nacimiento",
        "abogado",
        "+1-575-555-0100",
        "/report",
    ):
        assert line in text_of(card), line
    tom = Resident(fake, TOM)
    english = await tom.sends_text("/start rights", expect="Know your rights")
    assert "warrant signed by a judge" in text_of(english)

    await subscribe(fake, ROSA, "Clovis")
    await publish(fake)
    await vigil.outbox_idle()
    (alert,) = alerts_to(fake, ROSA)
    before = len(fake.bot_messages(ROSA))
    await rosa.taps("⚖️", alert)
    await fake.wait_until(lambda: len(fake.bot_messages(ROSA)) > before, what="the card")
    assert "Conozca sus derechos" in text_of(fake.bot_messages(ROSA)[-1])


async def test_every_channel_post_carries_report_and_rights_links(vigil, fake):
    await publish(fake)
    for channel in (CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL):
        assert urls_of(post(fake, channel)) == [
            f"https://t.me/{BOT}?start=report-clovis",
            f"https://t.me/{BOT}?start=rights",
        ]
    labels = [t for t, _ in buttons_of(post(fake, CLOVIS_ES_CHANNEL))]
    assert labels == ["📣 Reporte lo que ve", "⚖️ Conozca sus derechos"]


async def test_the_buttons_stay_when_the_post_is_edited(vigil, fake):
    ref = await publish(fake)
    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "✅")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "✅")
    await fake.wait_until(lambda: "ENDED" in text_of(post(fake, CLOVIS_EN_CHANNEL)), what="the banner")
    assert urls_of(post(fake, CLOVIS_EN_CHANNEL))[0] == f"https://t.me/{BOT}?start=report-clovis"


async def test_a_report_link_opens_a_draft_with_the_place_chosen(vigil, fake):
    tom = Resident(fake, TOM)
    panel = await tom.sends_text("/start report-clovis", expect="Clovis")
    assert "Where is this happening?" not in text_of(panel)
    assert not any(data.startswith("v1:form:nb:") for _, data in buttons_of(panel))  # no place to choose
    await tom.sends_text("Agents in vests knocking on trailer doors", expect="trailer")
    receipt = await tom.taps("✅")
    assert not receipt["show_alert"]


async def test_a_subscribe_link_subscribes_and_a_bad_one_offers_the_list(vigil, fake):
    rosa = Resident(fake, ROSA)
    done = await rosa.sends_text("/start sub-vado", expect="Vado")
    assert "✅" in text_of(done)
    summary = await rosa.sends_text("/subscribe", expect="📬")
    assert any(text == "✅ Vado" for text, _ in buttons_of(summary))
    offer = await rosa.sends_text("/start sub-roswell", expect="📬")
    assert "no cubre" in text_of(offer)


async def test_unsubscribe_stops_everything(vigil, fake):
    await subscribe(fake, ROSA, "Clovis")
    rosa = Resident(fake, ROSA)
    answer = await rosa.sends_text("/unsubscribe", expect="🔕")
    assert "borraron" in text_of(answer)
    await publish(fake)
    await vigil.outbox_idle()
    assert alerts_to(fake, ROSA) == []
    again = await rosa.sends_text("/unsubscribe", expect="No estaba suscrito")
    assert again


async def test_a_subscriber_who_blocked_the_bot_is_removed(vigil, fake):
    await subscribe(fake, ROSA, "Clovis")
    await subscribe(fake, TOM, "Clovis")
    fake.user_blocks_bot(ROSA)
    await publish(fake)
    await vigil.outbox_idle()
    async with vigil.services.database.unit_of_work() as repo:
        assert await repo.subscription(ROSA) is None
        assert await repo.subscription(TOM) is not None
        assert (await repo.outbox_backlog()).failed == 0  # a blocked subscriber is not a delivery failure


async def test_forgetme_deletes_the_subscription(vigil, fake):
    await subscribe(fake, TOM, "Clovis")
    tom = Resident(fake, TOM)
    question = await tom.sends_text("/forgetme", expect="Erase")
    await tom.taps("🗑", question)
    async with vigil.services.database.unit_of_work() as repo:
        assert await repo.subscription(TOM) is None


async def test_status_shows_subscribers_and_privacy_says_what_is_kept(vigil, fake):
    await subscribe(fake, ROSA, "Clovis")
    status = await Resident(fake, ADMIN).sends_text("/status", expect="📬")  # Ana, an organizer
    assert "📬 Suscriptores (alertas por mensaje directo): 1" in text_of(status)
    privacy = await Resident(fake, TOM).sends_text("/privacy", expect="What Vigil keeps")
    assert "If you subscribe" in text_of(privacy) and "/unsubscribe" in text_of(privacy)
