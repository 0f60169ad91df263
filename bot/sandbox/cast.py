"""The sandbox's sample people and chats, built from the sample network file."""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources

from PIL import Image, ImageDraw

from bot.fake_telegram import FakeTelegram
from bot.network import Network, parse_network

SAMPLE_NETWORK = "sample_network.toml"  # a copy of network.example.toml (a test keeps them equal)
BOT_ID = 700000001


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str  # shown on the page
    language_code: str


@dataclass(frozen=True)
class Cast:
    residents: tuple[Person, ...]
    actors: tuple[Person, ...]  # who may act in the verifier group: verifiers and an outsider
    verifier_group_title: str
    channel_titles: dict[int, str]


def sample_network() -> Network:
    text = resources.files(__package__).joinpath(SAMPLE_NETWORK).read_text(encoding="utf-8")
    return parse_network(text, source="sandbox's sample network file")


def populate(fake: FakeTelegram, network: Network) -> Cast:
    """Two residents (English and Spanish), three verifiers (the first is an organizer), an outsider,
    the verifier group and one channel per channel of the network, the bot an administrator of each."""
    organizer = network.admin_user_ids[0] if network.admin_user_ids else 100000001
    residents = (
        Person(200000001, "Tom", "resident", "en"),
        Person(200000002, "Rosa", "resident", "es-MX"),
    )
    verifiers = (
        Person(organizer, "Ana", "verifier and organizer", "es"),
        Person(300000002, "Luis", "verifier", "en"),
        Person(300000003, "Marta", "verifier", "es"),
    )
    outsider = Person(400000001, "Mallory", "not in the verifier group", "en")
    for person in (*residents, *verifiers, outsider):
        fake.add_user(person.id, person.name, language_code=person.language_code)
    group_title = "Verifiers"
    fake.add_group(
        network.verifier_group_id, group_title, member_ids=[v.id for v in verifiers[1:]], admin_ids=[verifiers[0].id]
    )
    titles: dict[int, str] = {}
    for neighborhood in network.neighborhoods:
        for channel in neighborhood.channels:
            first = channel.languages[0]
            label = "Alerts" if first == "en" else "Alertas"
            titles[channel.chat_id] = (
                f"{neighborhood.name(first)} {label}" if first == "en" else f"{label} {neighborhood.name(first)}"
            )
            fake.add_channel(channel.chat_id, titles[channel.chat_id])
    return Cast(residents, (*verifiers, outsider), group_title, titles)


def sample_photo() -> bytes:
    """A drawn street scene, so the sandbox needs no image files (JPEG, as a phone sends)."""
    image = Image.new("RGB", (640, 420), (176, 206, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 260, 640, 420), fill=(90, 90, 96))  # the road
    draw.rectangle((0, 250, 640, 262), fill=(200, 200, 190))  # the kerb
    draw.rectangle((40, 90, 240, 250), fill=(214, 180, 140))  # a building
    for x in (60, 120, 180):
        draw.rectangle((x, 120, x + 40, 170), fill=(120, 150, 180))
    for x, colour in ((250, (30, 30, 34)), (430, (44, 44, 50))):  # two dark vans
        draw.rounded_rectangle((x, 250, x + 160, 330), radius=12, fill=colour)
        draw.rectangle((x + 110, 262, x + 150, 292), fill=(150, 170, 190))
        for wheel in (x + 30, x + 125):
            draw.ellipse((wheel - 16, 318, wheel + 16, 350), fill=(10, 10, 10))
    draw.text((16, 16), "SAMPLE PHOTO (Vigil sandbox)", fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
