"""Small actors that make e2e tests read like what people do."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.fake_telegram import FakeTelegram
from tests.e2e.harness import ANA, VERIFIER_GROUP, button_data

REF = re.compile(r"R-[2-9A-HJ-NP-Z]{4}")  # a report's public reference


def last_id(fake: FakeTelegram, chat_id: int) -> int:
    messages = fake.bot_messages(chat_id)
    return messages[-1]["message_id"] if messages else 0


def text_of(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


@dataclass
class Resident:
    fake: FakeTelegram
    user_id: int

    @property
    def chat_id(self) -> int:
        return self.user_id

    async def _reply_after(self, before: int, contains: str | None = None) -> dict:
        reply = await self.fake.wait_for_bot_message(
            self.chat_id,
            lambda m: m["message_id"] > before and (contains is None or contains in text_of(m)),
        )
        await self.fake.settled()  # e.g. the previous panel losing its buttons
        return self.current(reply["message_id"])

    async def sends_text(self, text: str, *, expect: str | None = None) -> dict:
        before = last_id(self.fake, self.chat_id)
        self.fake.user_sends_text(self.user_id, text)
        return await self._reply_after(before, expect)

    async def sends_photo(self, image: bytes, *, caption: str | None = None, expect: str | None = None) -> dict:
        before = last_id(self.fake, self.chat_id)
        self.fake.user_sends_photo(self.user_id, image, caption=caption)
        return await self._reply_after(before, expect)

    async def sends_draft(self, place: str, *, indicators: tuple[str, ...] = ()) -> str:
        """The draft's last steps: the place, the signs, Send. Returns the receipt's text once it
        names the report (the panel it replaced)."""
        await self.taps(place)
        for indicator in indicators:
            await self.taps("⬜ " + indicator)
        return await self.presses_send()

    async def presses_send(self) -> str:
        """Send on the draft panel. Returns the receipt's text once it names the report: the receipt
        replaces the panel right after the button's answer, not before it."""
        panel_id = self.panel()["message_id"]
        await self.taps("✅")
        await self.fake.wait_until(lambda: REF.search(text_of(self.current(panel_id))) is not None, what="the receipt")
        return text_of(self.current(panel_id))

    def panel(self) -> dict:
        """The draft panel: the newest bot message with form buttons."""
        for message in reversed(self.fake.bot_messages(self.chat_id)):
            if any(data.startswith("v1:form:") for data in _datas(message)):
                return message
        raise AssertionError("the resident has no draft panel")

    async def taps(self, label_or_data: str, message: dict | None = None, *, settle: bool = True) -> dict:
        """Press a button on the panel (or the given message); returns the callback answer.

        On the panel, like a person, it waits until the button is shown: the panel's edit after the
        previous press may still be on its way (it waits its turn for Telegram's budget). Then it
        waits for the whole bot to settle, unless `settle` is false (in a crowd the bot is never
        idle: each resident waits only for what they see)."""
        if message is None:
            await self.fake.wait_until(
                lambda: self._panel_shows(label_or_data), what=f"the panel to show {label_or_data!r}"
            )
        message = message or self.panel()
        data = button_data(message, label_or_data)
        query = self.fake.user_presses_button(self.user_id, self.chat_id, message["message_id"], data)
        answer = await self.fake.wait_for_callback_answer(query)
        if settle:
            await self.fake.settled()  # the panel edit may follow the answer
        return answer

    def _panel_shows(self, label_or_data: str) -> bool:
        try:
            button_data(self.panel(), label_or_data)
        except AssertionError:
            return False
        return True

    def current(self, message_id: int) -> dict:
        return next(m for m in self.fake.messages(self.chat_id) if m["message_id"] == message_id)


async def quick_report(resident: Resident, place: str, words: str, *, in_a_crowd: bool = False) -> dict:
    """A report in words only: the words, the place, Send. Returns the receipt (the panel it replaced).

    `in_a_crowd`: others write at the same moment, so the bot is never idle; the resident waits for
    their own receipt instead of for the whole bot to settle."""
    await resident.sends_text(words, expect="Where")
    await resident.taps(place, settle=not in_a_crowd)
    panel = resident.panel()
    await resident.taps("✅", settle=not in_a_crowd)
    if in_a_crowd:
        await resident.fake.wait_until(
            lambda: resident.current(panel["message_id"]).get("text") != panel.get("text"),
            timeout=60,
            what="the receipt",
        )
    return resident.current(panel["message_id"])


@dataclass
class Verifier:
    fake: FakeTelegram
    user_id: int
    chat_id: int = VERIFIER_GROUP

    async def presses(self, card: dict, label_or_data: str) -> dict:
        data = button_data(card, label_or_data)
        query = self.fake.user_presses_button(self.user_id, self.chat_id, card["message_id"], data)
        return await self.fake.wait_for_callback_answer(query)

    async def reasons_for(self, card: dict) -> dict:
        """Press 👎 False alarm: the reasons are under the card, as a reply to it (one such message
        per report: a later press reuses it)."""
        answer = await self.presses(card, "👎")
        assert not answer["show_alert"], answer["text"]  # answered in the presser's language
        await self.fake.settled()  # the message may be edited to offer what fits now
        return await self.fake.wait_for_bot_message(
            self.chat_id,
            lambda m: (
                "a false alarm?" in text_of(m)
                and (m.get("reply_to_message") or {}).get("message_id") == card["message_id"]
            ),
        )

    async def calls_false_alarm(self, card: dict, reason: str = "Could not be verified") -> dict:
        """👎 False alarm, then the reason (a button label): that casts the vote. Returns the answer."""
        return await self.presses(await self.reasons_for(card), reason)


def _datas(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def report_in_words(fake: FakeTelegram, resident_id: int, text: str, place: str) -> str:
    """A resident reports in words only (no photo): words, the place, Send. Returns the reference."""
    resident = Resident(fake, resident_id)
    await resident.sends_text(text, expect=text[:20])
    found = REF.search(await resident.sends_draft(place))
    assert found is not None
    return found.group(0)


def card_in_group(fake: FakeTelegram, ref: str) -> dict:
    """The current state of the verifier card for a report reference."""
    for message in fake.bot_messages(VERIFIER_GROUP):
        if ref in text_of(message) and message.get("text"):
            return message
    raise AssertionError(f"no card for {ref} in the verifier group")


async def shows_media(fake: FakeTelegram, card: dict, verifier: int = ANA, timeout: float = 20) -> dict:
    """A verifier presses 📎 Show media on a card: the report's files go under it (issue 18).
    Returns the press's answer."""
    data = next(d for d in _datas(card) if d.startswith("v1:media:"))
    query = fake.user_presses_button(verifier, VERIFIER_GROUP, card["message_id"], data)
    return await fake.wait_for_callback_answer(query, timeout=timeout)


async def card_saying(fake: FakeTelegram, ref: str, contains: str) -> dict:
    """Wait until the report's card in the verifier group says `contains`; returns the card."""

    def says() -> bool:
        return any(
            ref in text_of(m) and m.get("text") and contains in text_of(m) for m in fake.bot_messages(VERIFIER_GROUP)
        )

    await fake.wait_until(says, what=f"the card of {ref} saying {contains!r}")
    return card_in_group(fake, ref)
