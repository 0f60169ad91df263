"""Issue 17: whatever Telegram may deliver, the pipeline goes on.

Hypothesis generates batches of updates of every kind the Bot API defines (messages of every type
in private chats, groups and channels, edits, callback queries with junk data, inline queries,
polls, member changes, reactions, join requests, payments...), with random text and entities,
UTF-16 edge cases, missing optional fields and huge or empty values, and feeds them to the real
Application through the fake Bot API. Then: no handler failed, every private message got an answer,
every callback query was answered, Telegram refused no call, and a draft in progress and the
stored reports are intact (Tom sends his report, the database checks out).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from bot.fake_telegram import FakeTelegram
from bot.fake_telegram.bot_api import chat_member_json
from tests.e2e.harness import (
    ANA,
    CLOVIS_EN_CHANNEL,
    OTHER_GROUP,
    ROSA,
    STRANGER,
    TOM,
    VERIFIER_GROUP,
    build_world,
    jpeg_bytes,
    running_vigil,
)
from tests.e2e.people import Resident, text_of
from tests.e2e.steps import REF
from tests.sample_network import TOKEN

RESIDENTS = (ROSA, STRANGER)  # Tom keeps a draft in progress throughout
PEOPLE = (ROSA, STRANGER, ANA)
GROUPS = (VERIFIER_GROUP, OTHER_GROUP)
ENTITY_TYPES = ("bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre", "mention", "hashtag")
ENTITY_TYPES += ("cashtag", "bot_command", "url", "email", "phone_number", "blockquote", "expandable_blockquote")
EDGE_TEXTS = (
    "",
    " ",
    "\u200b",
    "\u202e\u202d",
    "🏳️‍🌈" * 300,
    "𝕏" * 2048,  # two UTF-16 units each: 4096 units
    "a" * 4096,
    "é\u0301" * 700,
    "<b>not html</b> & <script>",
    "/start",
    "/start report-clovis",
    "/start sub-" + "x" * 60,
    "/start rights",
    "/report",
    "/cancel",
    "/language",
    "/subscribe",
    "/unsubscribe",
    "/rights",
    "/status",
    "/queue",
    "/stats",
    "/privacy",
    "/help@vigil_test_bot extra",
    "/nonsense",
    "\ud7ff\ue000\uffff",
)
texts = st.one_of(
    st.sampled_from(EDGE_TEXTS),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@st.composite
def text_with_entities(draw: st.DrawFn) -> dict[str, Any]:
    text = draw(texts)
    fields: dict[str, Any] = {"text": text}
    length = utf16_length(text)
    if length and draw(st.booleans()):
        entities = []
        for _ in range(draw(st.integers(1, 4))):
            offset = draw(st.integers(0, length - 1))
            entity: dict[str, Any] = {
                "type": draw(st.sampled_from(ENTITY_TYPES)),
                "offset": offset,
                "length": draw(st.integers(1, length - offset)),
            }
            if entity["type"] == "pre" and draw(st.booleans()):
                entity["language"] = draw(st.text(max_size=10))
            entities.append(entity)
        fields["entities"] = entities
    return fields


def coordinates() -> st.SearchStrategy[dict[str, float]]:
    return st.fixed_dictionaries(
        {"latitude": st.floats(-90, 90), "longitude": st.floats(-180, 180)},
        optional={"horizontal_accuracy": st.floats(0, 1500)},
    )


Action = tuple[str, Any]

private_messages = st.one_of(
    st.tuples(st.just("text"), st.tuples(st.sampled_from(PEOPLE), text_with_entities())),
    st.tuples(st.just("photo"), st.tuples(st.sampled_from(RESIDENTS), st.one_of(st.none(), texts))),
    st.tuples(st.just("location"), st.tuples(st.sampled_from(RESIDENTS), coordinates())),
    st.tuples(st.just("contact"), st.tuples(st.sampled_from(RESIDENTS), texts, texts)),
    st.tuples(st.just("dice"), st.tuples(st.sampled_from(RESIDENTS), st.sampled_from("🎲🎯🏀⚽🎳🎰"))),
    st.tuples(st.just("sticker"), st.tuples(st.sampled_from(RESIDENTS), texts)),
    st.tuples(st.just("poll"), st.tuples(st.sampled_from(RESIDENTS), texts, st.lists(texts, min_size=2, max_size=4))),
    st.tuples(st.just("edit"), st.tuples(st.sampled_from(RESIDENTS), texts)),
    st.tuples(st.just("junk_press"), st.tuples(st.sampled_from(PEOPLE), st.text(max_size=64))),
)
group_messages = st.one_of(
    st.tuples(st.just("group_text"), st.tuples(st.sampled_from(PEOPLE), st.sampled_from(GROUPS), text_with_entities())),
    st.tuples(st.just("channel_post"), st.tuples(text_with_entities(), st.booleans())),
)
raw_updates = st.one_of(
    st.tuples(st.just("inline_query"), st.tuples(st.sampled_from(PEOPLE), texts, st.booleans())),
    st.tuples(st.just("chosen_inline_result"), st.tuples(st.sampled_from(PEOPLE), texts)),
    st.tuples(st.just("poll_update"), st.tuples(texts, st.integers(0, 10**6))),
    st.tuples(st.just("poll_answer"), st.tuples(st.sampled_from(PEOPLE), st.lists(st.integers(0, 9), max_size=3))),
    st.tuples(
        st.just("member_change"),
        st.tuples(
            st.sampled_from(("my_chat_member", "chat_member")),
            st.sampled_from(PEOPLE),
            st.sampled_from(GROUPS),
            st.sampled_from(("member", "left", "kicked", "administrator", "restricted")),
        ),
    ),
    st.tuples(st.just("join_request"), st.tuples(st.sampled_from(PEOPLE), st.sampled_from(GROUPS))),
    st.tuples(
        st.just("reaction"), st.tuples(st.sampled_from(PEOPLE), st.sampled_from(GROUPS), st.sampled_from("👍🔥❤🤡"))
    ),
    st.tuples(st.just("pre_checkout_query"), st.tuples(st.sampled_from(PEOPLE), texts, st.integers(0, 10**9))),
    st.tuples(st.just("shipping_query"), st.tuples(st.sampled_from(PEOPLE), texts)),
)
batches = st.lists(st.one_of(private_messages, group_messages, raw_updates), min_size=1, max_size=12)


class Hostile:
    """Applies generated actions through the fake, remembering what must be answered."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.last_private: dict[int, int] = {}  # person -> their last private message id
        self.sent_by: dict[int, list[int]] = {}

    def _user(self, user_id: int) -> dict[str, Any]:
        return self.fake.world.users[user_id].to_json()

    def _chat(self, chat_id: int) -> dict[str, Any]:
        chat = self.fake.world.chat(chat_id)
        assert chat is not None
        return chat.to_json(self.fake.world)

    def _private(self, user_id: int, message: dict[str, Any]) -> None:
        self.last_private[user_id] = message["message_id"]
        self.sent_by.setdefault(user_id, []).append(message["message_id"])

    def apply(self, action: Action) -> None:
        kind, args = action
        fake, now = self.fake, self.fake.world.now()
        match kind:
            case "text":
                user_id, fields = args
                self._private(user_id, fake.user_sends_message(user_id, fields))
            case "photo":
                user_id, caption = args
                self._private(user_id, fake.user_sends_photo(user_id, jpeg_bytes(), caption=caption or None))
            case "location":
                user_id, location = args
                self._private(user_id, fake.user_sends_message(user_id, {"location": location}))
            case "contact":
                user_id, phone, name = args
                contact = {"phone_number": phone or "0", "first_name": name or "?"}
                self._private(user_id, fake.user_sends_message(user_id, {"contact": contact}))
            case "dice":
                user_id, emoji = args
                self._private(user_id, fake.user_sends_dice(user_id, emoji=emoji, value=1))
            case "sticker":
                user_id, emoji = args
                self._private(user_id, fake.user_sends_sticker(user_id, emoji=emoji[:2] or "👍"))
            case "poll":
                user_id, question, options = args
                self._private(user_id, fake.user_sends_poll(user_id, question or "?", [o or "-" for o in options]))
            case "edit":
                user_id, words = args
                mine = [m for m in self.sent_by.get(user_id, []) if "text" in fake.world.message(user_id, m).data]
                if mine:
                    self._private(user_id, fake.user_edits_message(user_id, mine[-1], words or "."))
            case "junk_press":
                user_id, data = args
                on = fake.bot_messages(user_id) or fake.bot_messages(VERIFIER_GROUP)
                if on:
                    data = data.encode()[:64].decode(errors="ignore")
                    chat = user_id if fake.bot_messages(user_id) else VERIFIER_GROUP
                    fake.tampered_client_presses(user_id, chat, on[-1]["message_id"], data)
            case "group_text":
                user_id, group, fields = args
                fake.user_sends_message(user_id, fields, chat_id=group)
            case "channel_post":
                fields, edited = args
                fake.channel_posts(CLOVIS_EN_CHANNEL, fields, edited=edited)
            case "inline_query":
                user_id, query, with_location = args
                payload: dict[str, Any] = {"id": f"iq{now}{query[:5]}", "from": self._user(user_id)}
                payload |= {"query": query[:256], "offset": ""}
                if with_location:
                    payload["location"] = {"latitude": 32.3, "longitude": -106.7}
                fake.push_update("inline_query", payload)
            case "chosen_inline_result":
                user_id, query = args
                fake.push_update(
                    "chosen_inline_result", {"result_id": "r1", "from": self._user(user_id), "query": query[:256]}
                )
            case "poll_update":
                question, voters = args
                option = {"text": "a", "voter_count": voters, "persistent_id": "0"}
                poll = {"id": "p1", "question": question or "?", "options": [option]}
                poll |= {"total_voter_count": voters, "is_closed": True, "is_anonymous": True, "type": "regular"}
                fake.push_update(
                    "poll", poll | dict.fromkeys(("allows_multiple_answers", "allows_revoting", "members_only"), False)
                )
            case "poll_answer":
                user_id, options = args
                answer = {"poll_id": "p1", "user": self._user(user_id), "option_ids": options}
                fake.push_update("poll_answer", answer | {"option_persistent_ids": [str(o) for o in options]})
            case "member_change":
                kind_name, user_id, group, status = args
                chat = fake.world.chat(group)
                assert chat is not None
                member = chat_member_json(status, self._user(user_id), chat)
                old = chat_member_json("member", self._user(user_id), chat)
                change = {"chat": self._chat(group), "from": self._user(user_id), "date": now}
                fake.push_update(kind_name, change | {"old_chat_member": old, "new_chat_member": member})
            case "join_request":
                user_id, group = args
                request = {"chat": self._chat(group), "from": self._user(user_id), "user_chat_id": user_id}
                fake.push_update("chat_join_request", request | {"date": now})
            case "reaction":
                user_id, group, emoji = args
                reaction = {"chat": self._chat(group), "message_id": 1, "user": self._user(user_id), "date": now}
                new = [{"type": "emoji", "emoji": emoji}]
                fake.push_update("message_reaction", reaction | {"old_reaction": [], "new_reaction": new})
            case "pre_checkout_query":
                user_id, payload_text, amount = args
                query = {"id": f"pc{now}", "from": self._user(user_id), "currency": "USD"}
                fake.push_update(
                    "pre_checkout_query", query | {"total_amount": amount, "invoice_payload": payload_text}
                )
            case "shipping_query":
                user_id, payload_text = args
                address = {"country_code": "US", "state": "NM", "city": "Vado", "street_line1": payload_text[:50]}
                address |= {"street_line2": "", "post_code": "88072"}
                query = {"id": f"sq{now}", "from": self._user(user_id), "invoice_payload": payload_text}
                fake.push_update("shipping_query", query | {"shipping_address": address})


async def survive(batch: list[Action], workdir: Path) -> list[str]:
    """Run the batch; return what went wrong (empty when everything held)."""
    problems: list[str] = []
    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as fake:
        build_world(fake)
        async with running_vigil(fake, workdir) as vigil:
            tom = Resident(fake, TOM)
            await tom.sends_photo(jpeg_bytes(), expect="Where")
            await tom.taps("Clovis")
            hostile = Hostile(fake)
            for action in batch:
                hostile.apply(action)

            def unanswered() -> list[int]:
                return [
                    user_id
                    for user_id, last in hostile.last_private.items()
                    if not any(m["message_id"] > last for m in fake.bot_messages(user_id))
                ]

            try:  # a photo is cleaned before its answer: nothing goes to Telegram meanwhile
                await fake.wait_until(lambda: not unanswered(), timeout=30, what="an answer to everyone")
            except AssertionError:
                problems.append(f"no answer to the last message of {unanswered()}")
            await vigil.outbox_idle(timeout=30)
            if unanswered := fake.unanswered_callback_queries():
                problems.append(f"callback queries never answered: {unanswered}")
            # the draft in progress survived: Send makes a report that reaches the verifiers
            panel_id = tom.panel()["message_id"]
            await tom.taps("✅")
            await fake.wait_until(lambda: REF.search(text_of(tom.current(panel_id))) is not None, what="a receipt")
            await vigil.outbox_idle(timeout=30)
            if fake.refused_calls:
                problems.append(f"Telegram refused: {fake.refused_calls}")
        with sqlite3.connect(workdir / "vigil.sqlite3") as db:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                problems.append("the database is damaged")
    return problems


def run(batch: list[Action]) -> list[str]:
    with tempfile.TemporaryDirectory() as workdir:
        return asyncio.run(survive(batch, Path(workdir)))


# Each example starts the bot afresh (about half a second); no shrinking, which would take minutes:
# a failure prints its batch, which is small enough to read.
@settings(
    max_examples=20,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=batches)
# Found by this test: a NUL in a resident's words (Telegram refuses a message that echoes it).
@example(batch=[("text", (9001, {"text": "\x00\x13N 疽"}))])
def test_no_update_of_any_kind_stops_the_pipeline_or_goes_unanswered(batch: list[Action], caplog) -> None:
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        problems = run(batch)
    failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert problems == [] and failed == [], (problems, failed)


def test_the_strategies_cover_every_kind_of_update_the_bot_receives() -> None:
    """A guard for the test above: each generated kind is one python-telegram-bot can parse."""
    from telegram import Update

    covered = {"message", "edited_message", "callback_query", "channel_post", "edited_channel_post"}
    covered |= {"inline_query", "chosen_inline_result", "poll", "poll_answer", "my_chat_member", "chat_member"}
    covered |= {"chat_join_request", "message_reaction", "pre_checkout_query", "shipping_query"}
    assert covered <= set(Update.ALL_TYPES)


async def test_an_update_this_library_cannot_read_is_skipped_and_the_next_is_answered(vigil, fake):
    """Telegram may add a required field before python-telegram-bot knows it: that update alone is
    skipped (and confirmed), instead of failing every getUpdates from then on."""
    tom = Resident(fake, TOM)
    fake.user_sends_text(ROSA, "Agents at the church")  # fetched in the same batch, before it
    fake.push_update("poll", {"id": "p9", "question": "?", "options": [{"text": "a", "voter_count": 1}]})
    panel = await tom.sends_text("Vans at the school", expect="Where")
    assert "Vans at the school" in text_of(panel)
    await fake.wait_for_bot_message(ROSA, lambda m: "Agents at the church" in text_of(m))
    await fake.settled()
    assert not fake.world.updates  # every update confirmed, the unreadable one too
