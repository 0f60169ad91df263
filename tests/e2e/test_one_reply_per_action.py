"""Issue 13, end to end: one reply per action. "Still active" pressed by two verifiers at the same
moment, or again within the quiet window, extends the alert but notifies subscribers once."""

from __future__ import annotations

import pytest

from bot.network import parse_network
from tests.e2e.harness import TravelClock, buttons_of, running_vigil
from tests.e2e.people import Verifier, card_in_group
from tests.e2e.steps import publish, replies
from tests.sample_network import ANA, CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL, LUIS, MARTA, VERIFIER_GROUP, network_toml


@pytest.fixture
def clock():
    return TravelClock()


def still_active_data(card: dict) -> str:
    return next(data for text, data in buttons_of(card) if text.startswith("🔄"))


async def alert_of(vigil, report_id: int = 1):
    async with vigil.services.database.unit_of_work() as repo:
        return await repo.alert(report_id)


async def test_two_still_active_presses_at_the_same_instant_give_one_reply_per_channel(vigil, fake):
    ref = await publish(fake)
    card = card_in_group(fake, ref)
    data = still_active_data(card)
    # both presses are in Telegram's queue before the bot sees either
    marta = fake.user_presses_button(MARTA, VERIFIER_GROUP, card["message_id"], data)
    luis = fake.user_presses_button(LUIS, VERIFIER_GROUP, card["message_id"], data)
    answers = [await fake.wait_for_callback_answer(query) for query in (marta, luis)]
    await vigil.outbox_idle()

    assert len(replies(fake, CLOVIS_EN_CHANNEL)) == 1
    assert len(replies(fake, CLOVIS_ES_CHANNEL)) == 1
    # both presses counted; the one that came second is told why no second notification went out
    assert not any(answer["show_alert"] for answer in answers)
    notified = [a["text"] for a in answers if "the channel gets an update" in a["text"]]
    quiet = [a["text"] for a in answers if "no second notification" in a["text"]]
    assert len(notified) == 1 and len(quiet) == 1, [a["text"] for a in answers]
    assert "stays active until" in quiet[0]
    alert = await alert_of(vigil)
    assert [v.verifier_name for v in alert.votes] == ["Marta", "Luis"]


async def test_a_second_press_within_five_minutes_only_extends_then_a_later_one_notifies_again(fake, tmp_path, clock):
    async with running_vigil(fake, tmp_path, clock=clock) as vigil:
        ref = await publish(fake)
        first = await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "🔄")
        assert "the channel gets an update" in first["text"]
        await vigil.outbox_idle()
        told = (await alert_of(vigil)).announced_active_at

        clock.advance(minutes=4, seconds=59)
        again = await Verifier(fake, ANA).presses(card_in_group(fake, ref), "🔄")
        assert "segundo aviso" in again["text"] and not again["show_alert"]  # Ana's client speaks Spanish
        await vigil.outbox_idle()
        assert len(replies(fake, CLOVIS_EN_CHANNEL)) == 1 and len(replies(fake, CLOVIS_ES_CHANNEL)) == 1
        quietly = await alert_of(vigil)
        assert quietly.announced_active_at == told
        assert quietly.active_until == quietly.last_active_at + vigil.network.timeouts.alert_lifetime
        assert quietly.last_active_at > told  # the lifetime runs from the quiet press

        clock.advance(seconds=2)  # five minutes since the channels were told
        later = await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "🔄")
        assert "the channel gets an update" in later["text"]
        await fake.wait_until(
            lambda: len(replies(fake, CLOVIS_EN_CHANNEL)) == 2 and len(replies(fake, CLOVIS_ES_CHANNEL)) == 2,
            what="the second reply in each channel",
        )
        await vigil.outbox_idle()
        assert len(replies(fake, CLOVIS_EN_CHANNEL)) == 2


async def test_the_quiet_window_comes_from_the_network_file(fake, tmp_path, clock):
    network = parse_network(network_toml(extra="\n[timeouts]\nstill_active_quiet_minutes = 0\n"))
    async with running_vigil(fake, tmp_path, clock=clock, network=network) as vigil:
        ref = await publish(fake)
        await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "🔄")
        await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "🔄")
        await fake.wait_until(lambda: len(replies(fake, CLOVIS_EN_CHANNEL)) == 2, what="a reply per press")
        await vigil.outbox_idle()
        assert len(replies(fake, CLOVIS_ES_CHANNEL)) == 2
