"""Issue 9, items 4 to 6, end to end through the fake Bot API server: what the card says about a
report's photos and place.

4. A photo already sent with an earlier report is flagged on the new card, naming that report.
5. An image sent as a file says when and where it was taken (hints only: the group receives no
   EXIF, and the database keeps no time or coordinates); a compressed photo says nothing.
6. A report at a known place (the federal courthouse downtown) shows the guide's caution, with the
   operation signs the resident ticked highlighted.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.network import parse_network
from tests.e2e.harness import ANA, ROSA, TOM, VERIFIER_GROUP, TravelClock, running_vigil
from tests.e2e.people import Resident, Verifier, text_of
from tests.e2e.steps import ref_in, wait_card
from tests.photo_samples import crop, jpeg, phone_exif, scene
from tests.sample_network import network_toml

DENVER = ZoneInfo("America/Denver")
COURTHOUSE = (32.3117, -106.7786)
ALBUQUERQUE = (35.0844, -106.6504)  # 308 km from the center of downtown Las Cruces, 306 from its edge

# The sample network with the example's known place downtown, and an ICE office in Clovis given
# without a point (so it concerns every Clovis report).
ICE_OFFICE = """
[[neighborhoods.known_places]]
key = "ice-office"
names = { en = "the ICE office", es = "la oficina de ICE" }
"""
KNOWN_PLACES = network_toml(extra=ICE_OFFICE).replace(
    "radius_km = 2.5\n",
    'radius_km = 2.5\n\n[[neighborhoods.known_places]]\nkey = "federal-courthouse"\n'
    'names = { en = "the federal courthouse", es = "el juzgado federal" }\n'
    "point = { latitude = 32.3117, longitude = -106.7786 }\nradius_km = 0.3\n",
)


@pytest.fixture
async def vigil(fake, tmp_path):
    async with running_vigil(fake, tmp_path, network=parse_network(KNOWN_PLACES)) as running:
        yield running


async def send(fake, resident: Resident, place: str, *, indicators: tuple[str, ...] = ()) -> str:
    """After the photo: the place, the signs, Send. Returns the report's reference."""
    await fake.wait_until(lambda: _panel_asks_where(resident), what="the panel")
    return ref_in(await resident.sends_draft(place, indicators=indicators))


def _panel_asks_where(resident: Resident) -> bool:
    try:
        return "📷 1" in text_of(resident.panel())
    except AssertionError:
        return False


async def sends_file(fake, resident: Resident, data: bytes) -> None:
    """An image sent as a file ("Send as file"): Telegram passes it on untouched, metadata and all."""
    fake.user_sends_document(resident.user_id, data, file_name="IMG_2044.jpg", mime_type="image/jpeg")
    await fake.wait_until(lambda: _panel_asks_where(resident), what="the panel after the file")


def exif_moment(minutes_ago: float) -> datetime:
    """What a phone in Las Cruces writes: its local time, naive."""
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).astimezone(DENVER).replace(tzinfo=None)


def dump(vigil) -> str:
    with sqlite3.connect(vigil.settings.database) as raw:
        return "\n".join(raw.iterdump())


# --- 4. Recycled photos ------------------------------------------------------------------------


async def test_a_photo_recycled_from_an_earlier_report_is_flagged_with_that_report(fake, tmp_path):
    clock = TravelClock()
    async with running_vigil(fake, tmp_path, network=parse_network(KNOWN_PLACES), clock=clock):
        tom, rosa = Resident(fake, TOM), Resident(fake, ROSA)
        picture = scene(7)
        await tom.sends_photo(jpeg(picture))
        first = await send(fake, tom, "Vado")
        card = await wait_card(fake, first, "1 photo")
        assert "already sent" not in text_of(card)

        clock.advance(days=3, minutes=5)
        # The same picture, cropped a little and saved again, as a forwarded screenshot would be.
        await rosa.sends_photo(jpeg(crop(picture, 2), quality=60))
        second = await send(fake, rosa, "Centro de Las Cruces")
        card = await wait_card(fake, second, "already sent")
        assert f"⚠️ this photo was already sent with {first}, 3 days before this report" in text_of(card)

        # A different picture is not flagged.
        await tom.sends_photo(jpeg(scene(8)))
        third = await send(fake, tom, "Clovis")
        card = await wait_card(fake, third, "1 photo")
        assert "already sent" not in text_of(card)


# --- 5. Hints from an image sent as a file -----------------------------------------------------


async def test_a_file_with_time_and_place_gives_hints_while_the_group_gets_no_exif_and_nothing_is_kept(vigil, fake):
    tom = Resident(fake, TOM)
    taken = exif_moment(minutes_ago=3.5)
    original = jpeg(scene(11), exif=phone_exif(taken=taken, at=COURTHOUSE))
    await sends_file(fake, tom, original)
    ref = await send(fake, tom, "Downtown Las Cruces", indicators=("Several vehicles",))

    shown = await wait_card(fake, ref, "taken")
    card = text_of(shown)
    assert "🕒 taken 3 minutes before it was sent" in card
    assert "📍 taken inside Downtown Las Cruces" in card

    await Verifier(fake, ANA).presses(shown, "📎 Show media")  # the photo goes on demand (issue 18)
    photo = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: bool(m.get("photo")))
    received = fake.file_bytes(photo["photo"][-1]["file_id"])
    assert received != original
    assert not Image.open(io.BytesIO(received)).getexif(), "the verifier group received EXIF data"
    assert b"Exif" not in received and b"PhoneMaker" not in received

    stored = dump(vigil)
    assert taken.strftime("%Y:%m:%d %H:%M") not in stored  # as the camera wrote it
    assert taken.strftime("%Y-%m-%dT%H:%M") not in stored  # nor as an ISO time
    assert taken.replace(tzinfo=DENVER).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") not in stored
    assert "32.31" not in stored and "106.77" not in stored and "32°" not in stored
    assert "'fresh:minutes:3','las-cruces-downtown:0','las-cruces-downtown/federal-courthouse'" in stored


async def test_an_old_photo_taken_far_away_is_flagged_on_the_card(vigil, fake):
    tom = Resident(fake, TOM)
    taken = exif_moment(minutes_ago=2 * 365 * 24 * 60 + 600)
    await sends_file(fake, tom, jpeg(scene(12), exif=phone_exif(taken=taken, offset="-07:00", at=ALBUQUERQUE)))
    ref = await send(fake, tom, "Downtown Las Cruces")
    card = text_of(await wait_card(fake, ref, "taken"))
    assert "⚠️ taken 2 years before it was sent" in card
    assert "⚠️ taken 310 km from Downtown Las Cruces" in card
    assert "Known place" not in card  # Albuquerque is not the courthouse


async def test_a_compressed_photo_gets_no_hints(vigil, fake):
    """Telegram removes the metadata of a compressed photo; Vigil does not look for any there."""
    tom = Resident(fake, TOM)
    await tom.sends_photo(jpeg(scene(13), exif=phone_exif(taken=exif_moment(minutes_ago=2), at=COURTHOUSE)))
    ref = await send(fake, tom, "Downtown Las Cruces")
    card = text_of(await wait_card(fake, ref, "1 photo"))
    assert "taken" not in card and "Known place" not in card


# --- 6. Known places ---------------------------------------------------------------------------


async def test_a_report_at_the_courthouse_shows_the_caution_and_the_ticked_signs(vigil, fake):
    tom = Resident(fake, TOM)
    await sends_file(fake, tom, jpeg(scene(14), exif=phone_exif(taken=exif_moment(minutes_ago=1), at=COURTHOUSE)))
    ref = await send(fake, tom, "Downtown Las Cruces", indicators=("Several vehicles", "Agents approaching a"))
    card = text_of(await wait_card(fake, ref, "Known place"))
    assert "🏛 Known place: the federal courthouse. Agents work here for ordinary reasons." in card
    assert "☑️ Several vehicles parked haphazardly — ticked by the resident" in card
    assert "☑️ Agents approaching a particular house — ticked by the resident" in card
    assert "▫️ Tents, buses or vans" in card and "▫️ People being detained" in card
    assert "Agency markings" not in card.split("Known place")[1]  # not a sign of an operation
    assert "ticked none" not in card


async def test_a_known_place_without_a_point_concerns_every_report_of_its_neighborhood(vigil, fake):
    tom = Resident(fake, TOM)
    await tom.sends_photo(jpeg(scene(15)))
    ref = await send(fake, tom, "Clovis")
    card = text_of(await wait_card(fake, ref, "Known place"))
    assert "🏛 Known place: the ICE office." in card
    assert "The resident ticked none of these signs." in card

    rosa = Resident(fake, ROSA)
    await rosa.sends_photo(jpeg(scene(16)))
    other = await send(fake, rosa, "Vado")
    assert "Known place" not in text_of(await wait_card(fake, other, "1"))
