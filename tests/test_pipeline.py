"""The update pipeline's bookkeeping and ordering, without Telegram (bot/pipeline.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import CallbackQuery, Chat, Message, Update, User

from bot.pipeline import ChatOrderedProcessor, PendingUpdates, ordering_keys


def text_update(update_id: int, user_id: int, chat_id: int | None = None) -> Update:
    chat = Chat(chat_id or user_id, "private" if chat_id is None else "supergroup")
    message = Message(update_id, datetime(2026, 11, 29), chat, from_user=User(user_id, "R", False), text="x")
    return Update(update_id, message=message)


def press_update(update_id: int, user_id: int, chat_id: int) -> Update:
    user = User(user_id, "V", False)
    message = Message(1, datetime(2026, 11, 29), Chat(chat_id, "supergroup"), text="card")
    return Update(update_id, callback_query=CallbackQuery(str(update_id), user, "i", message=message, data="d"))


# --- PendingUpdates: the offset never passes an unfinished update -----------------------------


def test_offset_stays_at_the_first_unfinished_update():
    pending = PendingUpdates()
    assert pending.offset is None
    assert pending.receive([10, 11, 12]) == [10, 11, 12]
    pending.finish(11)
    pending.finish(12)
    assert pending.offset == 10  # 10 is still being handled: Telegram must keep offering it
    pending.finish(10)
    assert pending.offset == 13


def test_updates_offered_again_while_handled_or_after_are_not_handled_twice():
    pending = PendingUpdates()
    pending.receive([10, 11])
    pending.finish(11)
    assert pending.receive([10, 11, 12]) == [12]


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, unique=True), st.randoms())
def test_the_offset_confirms_only_finished_updates(ids, rng):
    ids = sorted(ids)
    pending = PendingUpdates()
    pending.receive(ids)
    finished: set[int] = set()
    order = list(ids)
    rng.shuffle(order)
    for update_id in order:
        pending.finish(update_id)
        finished.add(update_id)
        offset = pending.offset
        assert offset is not None
        # everything Telegram would forget (below the offset) is finished
        assert all(i in finished for i in ids if i < offset)
    assert pending.offset == ids[-1] + 1


# --- ChatOrderedProcessor ---------------------------------------------------------------------


def test_ordering_keys_are_the_chat_and_the_user():
    assert set(ordering_keys(text_update(1, 7))) == {("chat", 7), ("user", 7)}
    assert set(ordering_keys(press_update(2, 7, -100))) == {("chat", -100), ("user", 7)}


async def _run(processor: ChatOrderedProcessor, updates: list[Update], durations: dict[int, float], log: list[str]):
    async def handle(update: Update) -> None:
        log.append(f"start {update.update_id}")
        await asyncio.sleep(durations.get(update.update_id, 0.0))
        log.append(f"end {update.update_id}")

    await asyncio.gather(*(processor.process_update(u, handle(u)) for u in updates))


async def test_updates_of_one_chat_run_one_after_another_in_arrival_order():
    pending = PendingUpdates()
    processor = ChatOrderedProcessor(pending)
    updates = [text_update(i, 7) for i in range(1, 6)]
    pending.receive([u.update_id for u in updates])
    log: list[str] = []
    # the first is slow: without ordering, the others would overtake it
    await _run(processor, updates, {1: 0.05, 3: 0.02}, log)
    assert log == [f"{what} {i}" for i in range(1, 6) for what in ("start", "end")]
    assert pending.offset == 6


async def test_other_chats_do_not_wait_for_a_slow_chat():
    pending = PendingUpdates()
    processor = ChatOrderedProcessor(pending)
    slow, others = text_update(1, 7), [text_update(i, 100 + i) for i in range(2, 12)]
    pending.receive(list(range(1, 12)))
    log: list[str] = []
    await _run(processor, [slow, *others], {1: 0.1}, log)
    assert log.index("end 1") == len(log) - 1  # every other chat finished while the slow one worked


async def test_a_verifier_press_in_a_group_waits_for_that_verifiers_earlier_private_update():
    pending = PendingUpdates()
    processor = ChatOrderedProcessor(pending)
    updates = [text_update(1, 7), press_update(2, 7, -100), press_update(3, 8, -100)]
    log: list[str] = []
    await _run(processor, updates, {1: 0.05}, log)
    assert log.index("end 1") < log.index("start 2") < log.index("start 3")


async def test_waiting_for_an_earlier_update_does_not_take_a_running_place():
    """One account that floods cannot fill the places the other residents need."""
    pending = PendingUpdates()
    processor = ChatOrderedProcessor(pending, max_running=2)
    flood = [text_update(i, 7) for i in range(1, 30)]
    resident = text_update(30, 8)
    log: list[str] = []
    await _run(processor, [*flood, resident], {i: 0.01 for i in range(1, 30)}, log)
    assert log.index("end 30") < log.index("end 3")


async def test_at_most_max_running_updates_run_at_once():
    processor = ChatOrderedProcessor(PendingUpdates(), max_running=3)
    running = peak = 0

    async def handle() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    await asyncio.gather(*(processor.process_update(text_update(i, 100 + i), handle()) for i in range(20)))
    assert peak == 3


async def test_an_update_whose_handler_fails_is_still_finished():
    pending = PendingUpdates()
    processor = ChatOrderedProcessor(pending)
    pending.receive([1, 2])

    async def fails() -> None:
        raise RuntimeError("boom")

    async def works() -> None:
        return None

    results = await asyncio.gather(
        processor.process_update(text_update(1, 7), fails()),
        processor.process_update(text_update(2, 7), works()),
        return_exceptions=True,
    )
    assert isinstance(results[0], RuntimeError) and results[1] is None
    assert pending.offset == 3


# --- an update is confirmed as soon as only replies to the resident are left ------------------


async def test_a_reply_to_a_resident_releases_the_update_before_it_waits_for_telegrams_budget(tmp_path):
    from bot.rate_limits import PriorityRateLimiter

    pending = PendingUpdates()
    processor = ChatOrderedProcessor(pending)
    limiter = PriorityRateLimiter(overall_per_second=1, group_per_minute=0)
    pending.receive([1])
    offsets: list[int | None] = []

    async def reply(chat: int) -> bool:
        offsets.append(pending.offset)
        return True

    async def handler() -> None:
        await limiter.process_request(reply, (7,), {}, "sendMessage", {"chat_id": 7}, None)  # takes the burst
        await limiter.process_request(reply, (7,), {}, "sendMessage", {"chat_id": 7}, None)  # waits ~1 s

    await processor.process_update(text_update(1, 7), handler())
    assert offsets == [2, 2]  # confirmable from the first reply on, not after the wait


async def test_committing_after_replying_to_a_resident_is_refused(tmp_path):
    from bot.rate_limits import PriorityRateLimiter
    from bot.update_scope import CommittedAfterConfirming
    from storage.database import Database

    database = await Database.open(tmp_path / "vigil.sqlite3")
    processor = ChatOrderedProcessor(PendingUpdates())
    limiter = PriorityRateLimiter()

    async def ok(_: int) -> bool:
        return True

    async def handler() -> None:
        async with database.unit_of_work():
            pass  # commit first: fine
        await limiter.process_request(ok, (7,), {}, "sendMessage", {"chat_id": 7}, None)
        async with database.unit_of_work():
            pass  # then commit again: refused

    try:
        with pytest.raises(CommittedAfterConfirming):
            await processor.process_update(text_update(1, 7), handler())
    finally:
        await database.close()
