"""Steps the end-to-end tests share: what residents and verifiers do, and how a test finds what
followed. Made for sharing, so no test module imports another's helpers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import piexif

from bot.fake_telegram import FakeTelegram
from tests.e2e.harness import (
    ANA,
    LUIS,
    ROSA,
    TOM,
    VERIFIER_GROUP,
    buttons_of,
    jpeg_bytes,
)
from tests.e2e.people import REF, Resident, Verifier, card_in_group, text_of

CLOVIS_DAIRY = "Five unmarked SUVs parked every which way outside the dairy on the Clovis highway."


def ref_in(text: str) -> str:
    match = REF.search(text)
    assert match, f"no report reference in {text!r}"
    return match.group(0)


async def report_from_tom(fake, *, place="Clovis", indicators=("Several vehicles",), text=CLOVIS_DAIRY) -> str:
    """Tom reports: photo, place, indicators, a few words, Send. Returns the reference."""
    tom = Resident(fake, TOM)
    await tom.sends_photo(jpeg_bytes(), expect="Where")
    await tom.taps(place)
    for indicator in indicators:
        await tom.taps("⬜ " + indicator)
    if text:
        await tom.sends_text(text, expect=text[:20])
    return ref_in(await tom.presses_send())


async def wait_card(fake, ref: str, contains: str) -> dict:
    await fake.wait_until(lambda: contains in text_of(card_in_group(fake, ref)) if _has_card(fake, ref) else False)
    return card_in_group(fake, ref)


def _has_card(fake, ref: str) -> bool:
    return any(ref in text_of(m) and m.get("text") for m in fake.bot_messages(VERIFIER_GROUP))


async def send_draft(resident: Resident) -> str:
    """Tap Send on the resident's panel; returns the reference the receipt shows."""
    return ref_in(await resident.presses_send())


def gps_exif() -> bytes:
    gps = {
        piexif.GPSIFD.GPSLatitudeRef: b"N",
        piexif.GPSIFD.GPSLatitude: ((32, 1), (6, 1), (4320, 100)),
        piexif.GPSIFD.GPSLongitudeRef: b"W",
        piexif.GPSIFD.GPSLongitude: ((106, 1), (39, 1), (4680, 100)),
    }
    zeroth = {piexif.ImageIFD.Make: b"PhoneMaker", piexif.ImageIFD.Model: b"Reporter's phone"}
    return piexif.dump({"0th": zeroth, "GPS": gps})


async def publish(fake, *, place="Clovis", text=CLOVIS_DAIRY) -> str:
    """Tom reports, Ana and Luis confirm; returns the reference once every post is linked on the card."""
    ref = await report_from_tom(fake, place=place, text=text)
    await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
    await wait_card(fake, ref, "📣 Posted")
    await fake.wait_until(lambda: "Posting to the channels" not in text_of(card_in_group(fake, ref)), what="all posts")
    await fake.settled()
    return ref


def post(fake, channel: int) -> dict:
    (first, *_) = [m for m in fake.bot_messages(channel) if not m.get("reply_to_message")]
    return first


def replies(fake, channel: int) -> list[dict]:
    return [m for m in fake.bot_messages(channel) if m.get("reply_to_message")]


def alerts_to(fake: FakeTelegram, chat_id: int, marker: str = "🚨") -> list[dict]:
    return [m for m in fake.bot_messages(chat_id) if marker in text_of(m)]


async def subscribe(fake: FakeTelegram, user_id: int, *places: str) -> dict:
    """/subscribe, tick each place, Done; returns the summary message."""
    person = Resident(fake, user_id)
    prompt = await person.sends_text("/subscribe", expect="📬")
    for place in places:
        await person.taps(f"▫️ {place}", prompt)
        prompt = person.current(prompt["message_id"])
        assert any(text.startswith(f"✅ {place}") for text, _ in buttons_of(prompt))
    await person.taps("v1:sub:done", prompt)
    return person.current(prompt["message_id"])


def files_of(database: Path) -> list[Path]:
    return [p for p in (database, Path(f"{database}-wal"), Path(f"{database}-journal")) if p.exists()]


def from_bot_in(fake, chat_id: int, contains: str) -> list[dict]:
    return [m for m in fake.bot_messages(chat_id) if contains in text_of(m)]


async def prompt_for(fake, verifier: Verifier, ref: str) -> dict:
    """Press ❓ on the card; the prompt arrives in the group as a reply to the card."""
    card = card_in_group(fake, ref)
    answer = await verifier.presses(card, "❓")
    assert "Pick a question" in answer["text"]
    message = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: f"Ask the reporter of {ref}" in text_of(m))
    assert message["reply_to_message"]["message_id"] == card["message_id"]
    return message


async def question_to(fake, resident_id: int, ref: str, count: int = 1) -> dict:
    await fake.wait_until(lambda: len(from_bot_in(fake, resident_id, ref)) > count, what="the question")
    return from_bot_in(fake, resident_id, ref)[-1]


ROSAS_WORDS = "Tres camionetas negras y agentes con chalecos frente a la lechería"


async def report_from_rosa(fake, *, words: str = ROSAS_WORDS, photo: bytes | None = None) -> tuple[str, str]:
    """Rosa (Spanish client) reports Clovis: a photo (with GPS in it), her words, Send.
    Returns her reference and the receipt's text."""
    rosa = Resident(fake, ROSA)
    await rosa.sends_photo(photo or jpeg_bytes(color=(20, 20, 200), exif=gps_exif()), expect="Dónde")
    await rosa.taps("Clovis")
    await rosa.sends_text(words, expect=words[:15])
    panel_id = rosa.panel()["message_id"]
    await rosa.taps("✅")
    await fake.wait_until(lambda: REF.search(text_of(rosa.current(panel_id))) is not None, what="the receipt")
    receipt = text_of(rosa.current(panel_id))
    return ref_in(receipt), receipt


# The web desk as Telegram opens it: the Mini App's address with signed launch data in its fragment.
THEME = '{"bg_color":"#17212b","text_color":"#f5f5f5","button_color":"#5288c1","secondary_bg_color":"#232e3c"}'


def desk_url(vigil, user_id: int) -> str:
    init_data = vigil.fake.mini_app_init_data(user_id)
    return f"{vigil.web_base}/desk/#tgWebAppData={quote(init_data, safe='')}&tgWebAppThemeParams={quote(THEME)}"


async def report_with_receipt(fake, who: int, words: str, place: str = "Clovis") -> tuple[str, str]:
    """An English-speaking resident reports `place` in words only; returns the reference and receipt."""
    resident = Resident(fake, who)
    await resident.sends_text(words, expect="Where")
    receipt = await resident.sends_draft(place)
    return ref_in(receipt), receipt


async def folded_into(fake, ref: str, attached_ref: str) -> dict:
    """The card of `ref` once the attached report `attached_ref` is folded into it (issue 18: an
    edit of the card, never a message of its own)."""
    await fake.wait_until(
        lambda: attached_ref in text_of(card_in_group(fake, ref)), what=f"{attached_ref} folded into {ref}"
    )
    return card_in_group(fake, ref)
