"""Issue 23, item 4, where people read it: a moment reads as part of its sentence in the channels,
and the reporter's track record on a card counts in the right number."""

from __future__ import annotations

import re

from tests.e2e.harness import ANA, CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL, LUIS, MARTA
from tests.e2e.people import Verifier, card_in_group, text_of
from tests.e2e.steps import report_from_tom, wait_card

ENGLISH_MOMENT = r"\d{2}:\d{2} MST on [A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}"
SPANISH_MOMENT = r"\d{2}:\d{2} MST del (lunes|martes|miércoles|jueves|viernes|sábado|domingo) \d{1,2} de [a-z]+"


def newest(fake, channel: int) -> str:
    messages = fake.bot_messages(channel)
    return text_of(messages[-1]) if messages else ""


async def test_channel_posts_and_updates_say_at_what_time_on_what_day_in_each_language(vigil, fake):
    ref = await report_from_tom(fake)
    await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
    await fake.wait_until(lambda: "Reportado a las" in newest(fake, CLOVIS_ES_CHANNEL), what="the Spanish post")
    assert re.search(f"Reported {ENGLISH_MOMENT}\\.", newest(fake, CLOVIS_EN_CHANNEL)), newest(fake, CLOVIS_EN_CHANNEL)
    assert re.search(f"Reportado a las {SPANISH_MOMENT}\\.", newest(fake, CLOVIS_ES_CHANNEL))

    await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "🔄")
    await fake.wait_until(lambda: "Sigue activo" in newest(fake, CLOVIS_ES_CHANNEL), what="the Spanish reply")
    english, spanish = newest(fake, CLOVIS_EN_CHANNEL), newest(fake, CLOVIS_ES_CHANNEL)
    assert re.search(f"verifiers confirmed at {ENGLISH_MOMENT} that this is still going on", english), english
    assert re.search(f"confirmaron a las {SPANISH_MOMENT} que esto sigue", spanish), spanish


async def test_the_track_record_on_a_card_counts_one_of_each_in_the_singular(vigil, fake):
    first = await report_from_tom(fake)
    await Verifier(fake, ANA).presses(await wait_card(fake, first, "needs"), "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, first), "👍")
    await wait_card(fake, first, "confirmed and published")
    later = await report_from_tom(fake, place="Vado", text="Buses at the church in Vado")
    card = await wait_card(fake, later, "needs verification")
    assert "earlier: 1 confirmed, 0 false alarms, 0 not confirmed in time" in text_of(card)
