"""Issue 18, item 6, end to end: the verifier group spends its 20 messages a minute on what must be
a message. A new report is one message, its card (its media on demand); an attached report is an
edit of the card it joined; an edit that would change nothing is not sent; an urgent report's card
overtakes the cards waiting for the group's budget."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.delivery import DeliveryStatus, MessageKind
from tests.e2e.harness import (
    ANA,
    LUIS,
    STRANGER,
    TOM,
    VERIFIER_GROUP,
    TravelClock,
    button_data,
    jpeg_bytes,
    running_vigil,
)
from tests.e2e.people import Resident, Verifier, card_in_group, text_of
from tests.e2e.steps import REF, folded_into, ref_in, report_from_tom, report_with_receipt, wait_card

# What Telegram counts as a message in a chat (bot.fake_telegram.bot_api.MESSAGE_METHODS).
SENDS = {"sendmessage", "sendphoto", "sendvideo", "sendvoice", "sendmediagroup"}
EDITS = {"editmessagetext", "editmessagecaption", "editmessagemedia", "editmessagereplymarkup"}
DANA = 7001  # a resident who ticks "People being detained"


def group_requests(fake, methods: set[str]) -> list[dict]:
    return [
        params
        for name, params in fake.requests
        if name.lower() in methods and str(params.get("chat_id")) == str(VERIFIER_GROUP)
    ]


async def send_report(fake, resident: Resident, place: str, words: str, *, indicators: tuple[str, ...] = ()) -> str:
    await resident.sends_text(words, expect="Where")
    return ref_in(await resident.sends_draft(place, indicators=indicators))


async def test_a_report_with_three_photos_costs_one_group_message_and_its_album_comes_on_demand(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_photo(jpeg_bytes((200, 10, 10)), expect="Where")
    for color in ((10, 200, 10), (10, 10, 200)):
        fake.user_sends_photo(TOM, jpeg_bytes(color))
    await fake.wait_until(lambda: "3 photos" in text_of(tom.panel()), what="three photos in the draft")
    await tom.taps("Clovis")
    panel_id = tom.panel()["message_id"]
    await tom.taps("✅")
    await fake.wait_until(lambda: REF.search(text_of(tom.current(panel_id))) is not None, what="the receipt")
    ref = ref_in(text_of(tom.current(panel_id)))
    card = await wait_card(fake, ref, "3 photos")
    await vigil.outbox_idle()
    assert len(group_requests(fake, SENDS)) == 1 and group_requests(fake, SENDS)[0].get("text")
    assert [m["message_id"] for m in fake.bot_messages(VERIFIER_GROUP)] == [card["message_id"]]

    # A verifier who wants the photos gets them, once, under the card.
    answer = await Verifier(fake, LUIS).presses(card, "📎 Show media (3)")
    assert not answer["show_alert"] and "on their way" in answer["text"]
    await fake.wait_until(lambda: len([m for m in fake.bot_messages(VERIFIER_GROUP) if "photo" in m]) == 3)
    album = [m for m in fake.bot_messages(VERIFIER_GROUP) if "photo" in m]
    assert len({m["media_group_id"] for m in album}) == 1
    assert album[0]["reply_to_message"]["message_id"] == card["message_id"]
    await vigil.outbox_idle()
    assert "📎 Show media" not in str(card_in_group(fake, ref).get("reply_markup"))
    assert len(group_requests(fake, SENDS)) == 2  # the card and the album


async def test_an_attached_report_edits_its_card_instead_of_posting(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs verification")
    await vigil.outbox_idle()
    sends, edits = len(group_requests(fake, SENDS)), len(group_requests(fake, EDITS))
    assert sends == 1

    attached, receipt = await report_with_receipt(fake, STRANGER, "Same SUVs, now at the corner of 3rd street")
    assert "added to it" in receipt
    card = await folded_into(fake, ref, attached)
    assert "Same SUVs, now at the corner of 3rd street" in text_of(card) and "2 residents report this" in text_of(card)
    await vigil.outbox_idle()
    assert len(group_requests(fake, SENDS)) == sends  # no message of its own
    assert len(group_requests(fake, EDITS)) == edits + 1  # one edit of the card


async def test_an_unchanged_card_is_not_edited_again(vigil, fake):
    ref = await report_from_tom(fake)
    card = await wait_card(fake, ref, "needs verification")
    await Verifier(fake, ANA).presses(card, "👍 Confirm")
    await wait_card(fake, ref, "Confirmed: 1/2")
    await vigil.outbox_idle()
    edits = len(group_requests(fake, EDITS))

    # Something asks for the card to be shown anew, but nothing on it changed (as when a delivery
    # report or a follow-up only confirms what the card says).
    report_id = button_data(card, "👍 Confirm").rsplit(":", 2)[-2]  # v1:vote:c:<report id>:t<version>
    async with vigil.services.database.unit_of_work() as repo:
        outbox_id = await repo.enqueue_card_refresh(int(report_id), datetime.now(UTC))
    vigil.services.dispatcher.wake()
    await vigil.outbox_idle()
    assert len(group_requests(fake, EDITS)) == edits  # no request: Telegram would say "not modified"
    async with vigil.services.database.unit_of_work() as repo:
        row = await repo.queued(outbox_id)
    assert row is not None and row.message.kind is MessageKind.CARD_EDIT
    assert row.progress.status is DeliveryStatus.SKIPPED

    # A change is still shown, once.
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "🚶 15")
    await wait_card(fake, ref, "on the way to check")
    await vigil.outbox_idle()
    assert len(group_requests(fake, EDITS)) == edits + 1


async def test_an_urgent_reports_card_overtakes_earlier_cards_waiting_for_the_groups_budget(fake, tmp_path):
    clock = TravelClock()
    fake.add_user(DANA, "Dana", language_code="en")
    # Telegram tells Vigil to wait a minute before the group's next message: the budget is spent.
    fake.fail_next("sendMessage", chat_id=VERIFIER_GROUP, retry_after=60)
    async with running_vigil(fake, tmp_path, clock=clock) as vigil:
        tom, dana = Resident(fake, TOM), Resident(fake, DANA)
        first = await send_report(fake, tom, "Clovis", "Two SUVs parked outside the dairy")
        await fake.wait_until(lambda: len(fake.calls("sendMessage")) and _refused_once(fake), what="the 429")
        second = await send_report(fake, tom, "Vado", "Agents asking people for papers at the Walmart")
        urgent = await send_report(
            fake, dana, "Downtown Las Cruces", "They are taking people away", indicators=("People being detained",)
        )
        await fake.settled()
        assert fake.bot_messages(VERIFIER_GROUP) == []  # all three wait for the group's budget
        clock.advance(seconds=61)
        vigil.services.dispatcher.wake()
        await fake.wait_until(lambda: len(fake.bot_messages(VERIFIER_GROUP)) == 3, what="the three cards")
        order = [next(r for r in (first, second, urgent) if r in text_of(m)) for m in fake.bot_messages(VERIFIER_GROUP)]
        assert order == [urgent, first, second]


def _refused_once(fake) -> bool:
    return not fake.api.failures
