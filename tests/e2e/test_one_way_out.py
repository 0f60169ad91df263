"""Issue 17: every answer a resident must see leaves through one path that knows what 429 and 5xx
mean, paced within Telegram's limits over any sliding second and minute."""

from __future__ import annotations

from tests.e2e.harness import running_vigil
from tests.e2e.people import Resident, text_of
from tests.sample_network import TOM

CROWD = range(300_001, 300_101)  # 100 residents


def answered(fake, user_id: int) -> bool:
    return any("v1:form:" in str(m.get("reply_markup")) for m in fake.bot_messages(user_id))


async def test_a_hundred_residents_writing_at_once_are_all_answered_without_one_429(fake, tmp_path):
    for user_id in CROWD:
        fake.add_user(user_id, f"Resident {user_id}", language_code="en")
    fake.enforce_flood_limits()  # 30 a second overall, about one a second per private chat
    async with running_vigil(fake, tmp_path):
        for user_id in CROWD:
            fake.user_sends_text(user_id, f"Two vans on Main street, seen by {user_id}")
        await fake.wait_until(lambda: all(answered(fake, user_id) for user_id in CROWD), timeout=60)
        await fake.settled()
    assert [user_id for user_id in CROWD if not answered(fake, user_id)] == []
    assert fake.flood_refusals == 0


async def test_a_429_on_a_residents_panel_is_waited_out_and_the_panel_arrives(vigil, fake):
    tom = Resident(fake, TOM)
    fake.fail_next("sendMessage", chat_id=TOM, retry_after=1)
    panel = await tom.sends_text("Agents at the bus stop on Solano")
    assert "Solano" in text_of(panel)
    attempts = [m for m, p in fake.api.requests if m == "sendMessage" and str(p.get("chat_id")) == str(TOM)]
    assert len(attempts) == 2  # the refused attempt, then the same panel once


async def test_a_5xx_on_a_residents_answer_backs_off_and_sends_it_once(vigil, fake):
    tom = Resident(fake, TOM)
    fake.fail_next("sendMessage", chat_id=TOM, error_code=502, times=2)
    panel = await tom.sends_text("Checkpoint on Picacho")
    assert "Picacho" in text_of(panel)
    assert sum("Picacho" in text_of(m) for m in fake.bot_messages(TOM)) == 1


async def test_a_residents_answers_keep_their_order_through_a_429(vigil, fake):
    fake.fail_next("sendMessage", chat_id=TOM, retry_after=1)
    fake.user_sends_text(TOM, "First: a white van")
    fake.user_sends_text(TOM, "Second: two agents walking")
    await fake.wait_until(lambda: sum("agents walking" in text_of(m) for m in fake.bot_messages(TOM)) >= 1, 10)
    await fake.settled()
    texts = [text_of(m) for m in fake.bot_messages(TOM)]
    first = next(i for i, t in enumerate(texts) if "white van" in t)
    second = next(i for i, t in enumerate(texts) if "agents walking" in t)
    assert first < second
