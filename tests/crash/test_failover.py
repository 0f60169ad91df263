"""The failover drill (issue 22): two Vigils on one PostgreSQL, the active one killed and paused again
and again while two verifiers confirm 30 reports; the standby takes over each time.

Both run as `python -m bot` against the fake Bot API in this process and a real PostgreSQL server
(tests/postgresql.py). Each sends its requests through its own base URL, so the fake knows which
instance sent what. Over and over, the instance that holds the lease is either killed (SIGKILL) or
paused (SIGSTOP) until the other has taken the lease, then woken (SIGCONT); a killed one is started
again and waits as the standby. At the end:

* no press was lost: every verifier's press is stored as handled, and every report has exactly two
  confirmations (no press applied twice: the second press of the same verifier would be refused);
* every report that reached the quorum is published, with one post in its channel, a second copy
  only where the outbox recorded an unconfirmed request (the documented policy);
* nothing was sent by a paused ex-leader after the other took over: the fake records, for every
  request, which instance sent it and when it had received all of it, and none from the paused one
  was received between the moment the other took the lease and the moment it stopped; and it
  stopped by itself when it woke (exit 75).

VIGIL_FAILOVER_ROUNDS and VIGIL_FAILOVER_SEED change the number of failovers and the random choices.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import time
from dataclasses import dataclass
from datetime import datetime

import psycopg
import pytest

from bot.domain.delivery import MAX_SENDS, MessageKind
from bot.fake_telegram import FakeTelegram
from bot.services.lease import LOST_EXIT_CODE
from tests.crash.harness import BotProcess, DrillPlaces, presses_in_group, telegram_update_ids
from tests.e2e.harness import build_world
from tests.e2e.people import text_of
from tests.sample_network import ANA, LUIS, TOKEN, VERIFIER_GROUP, network_toml

pytestmark = pytest.mark.crash

ROUNDS = int(os.environ.get("VIGIL_FAILOVER_ROUNDS", "20"))  # the 20 failovers: under 3 min
SEED = int(os.environ.get("VIGIL_FAILOVER_SEED", "20261205"))
REPORTS = 30
RESIDENTS = list(range(6101, 6101 + REPORTS))
PLACES = DrillPlaces(REPORTS, first_channel=-1004000000000)
REF = re.compile(r"R-[2-9A-HJ-NP-Z]{4}")
TAKEOVER_LIMIT = 15.0  # seconds from losing the active instance to the other answering (issue 22)


@dataclass
class Story:
    place: str
    channel: int
    resident: int
    marker: str
    ref: str = ""
    report_id: int = 0
    card_id: int = 0
    pressed: int = 0  # 0: nobody yet, 1: Ana, 2: Ana and Luis


def lease(url: str) -> tuple[str, int, datetime] | None:
    with psycopg.connect(url) as db:
        row = db.execute("SELECT holder, epoch, taken_at FROM leader_lease WHERE id = 1").fetchone()
    return (row[0], int(row[1]), datetime.fromisoformat(row[2])) if row else None


def waiting_messages(url: str) -> int:
    with psycopg.connect(url) as db:
        return int(db.execute("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0])


async def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"(seed {SEED}) {what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(0.1)


def card(fake: FakeTelegram, story: Story) -> dict:
    return next(m for m in fake.messages(VERIFIER_GROUP) if m["message_id"] == story.card_id)


def press_next(fake: FakeTelegram, story: Story) -> bool:
    """The next confirmation of the story, if its card shows the button (it may be catching up)."""
    if story.pressed >= 2:
        return False
    data = f"v1:vote:c:{story.report_id}:t1"
    markup = card(fake, story).get("reply_markup") or {}
    if data not in [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]:
        return False
    voter = (ANA, LUIS)[story.pressed]
    fake.user_presses_button(voter, VERIFIER_GROUP, story.card_id, data)
    story.pressed += 1
    return True


async def send_report(fake: FakeTelegram, story: Story) -> None:
    chat = story.resident
    fake.user_sends_text(chat, story.marker)
    panel = await fake.wait_for_bot_message(chat, lambda m: "v1:form:nb:" in str(m.get("reply_markup")), timeout=30)
    fake.user_presses_button(chat, chat, panel["message_id"], f"v1:form:nb:{story.place}")

    def current() -> dict:
        return next(m for m in fake.messages(chat) if m["message_id"] == panel["message_id"])

    await fake.wait_until(lambda: "v1:form:send" in str(current().get("reply_markup")), timeout=30, what="review")
    fake.user_presses_button(chat, chat, panel["message_id"], "v1:form:send")
    await fake.wait_until(lambda: bool(REF.search(text_of(current()))), timeout=30, what="the receipt")
    story.ref = REF.search(text_of(current())).group(0)


async def test_the_standby_takes_over_again_and_again_and_nothing_is_lost_doubled_or_sent_by_a_paused_leader(
    tmp_path, postgres_databases
):
    rng = random.Random(SEED)
    started = time.monotonic()
    url = postgres_databases.fresh_url()
    (tmp_path / "network.toml").write_text(network_toml(extra=PLACES.network_toml()))
    stories = [
        Story(place, channel, RESIDENTS[n], f"Failover drill {n:02d}: agents in vests at the trailer park")
        for n, (place, channel) in enumerate(PLACES.channels().items())
    ]
    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as fake:
        build_world(fake)
        PLACES.add_to(fake)
        for number, resident in enumerate(RESIDENTS):
            fake.add_user(resident, f"Resident{number}", language_code="en")
        instances = {}
        for name in ("east", "west"):
            (tmp_path / name).mkdir()
            (tmp_path / name / "network.toml").write_text((tmp_path / "network.toml").read_text())
            # Thirty cards and their edits within the drill's two minutes (Telegram's 20 a minute would
            # take five): the drill is about failover, not pacing.
            fast = {"VIGIL_GROUP_MESSAGES_PER_MINUTE": "600"}
            instances[name] = BotProcess(fake, tmp_path / name, database=url, instance=name, extra_env=fast)
        # (paused instance, when the other took the lease, when the paused one had stopped after waking)
        paused_windows: list[tuple[str, datetime, float]] = []
        failovers: list[tuple[str, float]] = []  # ("kill" or "pause", seconds until the other took the lease)
        try:
            await instances["east"].start()
            await wait_for(lambda: (lease(url) or ("",))[0] == "east", 30, "east taking the lease")
            await instances["west"].start()

            # 1. Thirty residents report, the first instance active.
            await asyncio.gather(*(send_report(fake, story) for story in stories))

            def cards() -> dict[str, tuple[int, int]]:
                with psycopg.connect(url) as db:
                    found = db.execute("SELECT public_ref, id, card_message_id FROM reports").fetchall()
                return {ref: (int(report_id), int(card_id)) for ref, report_id, card_id in found if card_id}

            await wait_for(lambda: len(cards()) == REPORTS, 60, "every card in the verifier group")
            for story in stories:
                story.report_id, story.card_id = cards()[story.ref]

            # 2. Ana and Luis confirm while the active instance is killed or paused, round after round.
            for _ in range(ROUNDS):
                for _press in range(rng.randint(2, 6)):
                    open_stories = [s for s in stories if s.pressed < 2]
                    if open_stories:
                        press_next(fake, rng.choice(open_stories))
                    await asyncio.sleep(rng.uniform(0.0, 0.3))
                current = lease(url)
                assert current is not None
                holder, epoch, _ = current
                active, standby = instances[holder], instances["west" if holder == "east" else "east"]
                if not standby.alive:
                    await standby.start()
                lost_at = time.monotonic()
                if rng.random() < 0.5:
                    active.kill_now()
                    await active.reap()
                    await wait_for(
                        lambda before=epoch: _epoch(url) > before, TAKEOVER_LIMIT + 5, "the takeover after a kill"
                    )
                    failovers.append(("kill", time.monotonic() - lost_at))
                    await active.start()  # back, as the standby
                else:
                    assert active.process is not None
                    active.process.send_signal(signal.SIGSTOP)
                    await wait_for(
                        lambda before=epoch: _epoch(url) > before, TAKEOVER_LIMIT + 5, "the takeover after a pause"
                    )
                    failovers.append(("pause", time.monotonic() - lost_at))
                    taken_at = _taken_at(url)
                    await asyncio.sleep(rng.uniform(0.0, 1.0))  # the new leader works a little first
                    active.process.send_signal(signal.SIGCONT)
                    code = await asyncio.wait_for(active.process.wait(), 30)
                    assert code == LOST_EXIT_CODE, (
                        f"(seed {SEED}) the woken ex-leader exited {code}\n{active.log_tail()}"
                    )
                    paused_windows.append((holder, taken_at, time.time()))
                    active.process = None
                    await active.start()

            # 3. The active instance runs undisturbed; the presses the cards did not offer yet are made.
            deadline = time.monotonic() + 60
            while any(s.pressed < 2 for s in stories) or fake.world.updates or waiting_messages(url):
                for story in stories:
                    press_next(fake, story)
                if time.monotonic() > deadline:
                    raise AssertionError(f"(seed {SEED}) the drill did not settle: {[s.pressed for s in stories]}")
                await asyncio.sleep(0.2)
            await fake.settled(quiet=0.5, timeout=30)
        finally:
            for bot in instances.values():
                if bot.alive:
                    assert bot.process is not None
                    bot.process.send_signal(signal.SIGCONT)
                bot.kill_now()
                await bot.reap()
                bot.close()

        summary = check_promises(fake, stories, url, paused_windows)
    elapsed = time.monotonic() - started
    times = {kind: sorted(t for k, t in failovers if k == kind) for kind in ("kill", "pause")}
    print(
        f"\nfailover drill: seed {SEED}, {len(failovers)} failovers in {elapsed:.0f} s; takeover "
        + ", ".join(
            f"after a {kind} {min(t):.1f}-{max(t):.1f} s (median {t[len(t) // 2]:.1f}, {len(t)}x)"
            for kind, t in times.items()
            if t
        )
        + f"; {summary}"
    )
    slowest = max(t for _, t in failovers)
    assert slowest <= TAKEOVER_LIMIT, f"(seed {SEED}) a takeover took {slowest:.1f} s"


def check_promises(fake: FakeTelegram, stories: list[Story], url: str, paused: list) -> str:
    seed = f"(seed {SEED})"
    # Every request of a paused ex-leader that the fake had fully received after the other instance
    # took the lease (and before the ex-leader stopped): the promise is that there is none.
    late = [
        (name, method, chat, round(at - taken_at.timestamp(), 3))
        for name, taken_at, stopped_at in paused
        for source, method, at, chat in fake.request_sources
        if source == name and taken_at.timestamp() <= at <= stopped_at
    ]
    assert late == [], f"{seed} a paused ex-leader's requests arrived after the other took the lease: {late}"
    with psycopg.connect(url) as db:
        handled = telegram_update_ids(r[0] for r in db.execute("SELECT request_id FROM handled_requests"))
        presses = presses_in_group(fake, VERIFIER_GROUP)
        lost = [uid for uid in presses if uid not in handled]
        assert lost == [], f"{seed} {len(lost)} of {len(presses)} presses were lost"
        copies = 0
        for story in stories:
            status, confirmations = db.execute(
                "SELECT status, (SELECT COUNT(*) FROM votes v WHERE v.report_id = r.id AND v.kind = 'confirm')"
                " FROM reports r WHERE id = %s",
                (story.report_id,),
            ).fetchone()
            assert confirmations == 2, f"{seed} {story.ref}: {confirmations} confirmations"
            assert status == "published", f"{seed} {story.ref} reached the quorum but is {status}"
            sent, uncertain = db.execute(
                "SELECT status = 'sent', uncertain_attempts FROM outbox"
                " WHERE report_id = %s AND kind = 'channel_post' AND chat_id = %s",
                (story.report_id, story.channel),
            ).fetchone()
            # each report has a channel of its own; its words are not public (nobody included them)
            posts = [m for m in fake.bot_messages(story.channel) if not m.get("reply_to_message")]
            allowed = min(int(sent) + uncertain, MAX_SENDS[MessageKind.CHANNEL_POST])
            assert 1 <= len(posts) <= allowed, f"{seed} {story.ref}: {len(posts)} posts, outbox {sent}, {uncertain}"
            copies += len(posts) - 1
    return (
        f"{len(stories)} reports published, {len(presses)} presses handled, {copies} second copies (policy), "
        f"{len(paused)} paused ex-leaders: 0 requests of theirs after the takeover"
    )


def _epoch(url: str) -> int:
    current = lease(url)
    return current[1] if current else 0


def _taken_at(url: str) -> datetime:
    current = lease(url)
    assert current is not None
    return current[2]
