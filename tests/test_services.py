"""The core flow at the service level, with a small hand-written fake of the Telegram port."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.domain.draft import DraftPhoto
from bot.domain.indicators import Indicator
from bot.domain.reports import Report
from bot.domain.verification import ReportStatus, VoteKind
from bot.i18n import Catalogs
from bot.network import parse_network
from bot.services.cards import CardRenderer
from bot.services.deps import ServiceDeps
from bot.services.dispatcher import Dispatcher
from bot.services.presses import Press, Refusal
from bot.services.pseudonyms import Pseudonyms
from bot.services.residents import Receipt, ResidentService
from bot.services.verification import VerificationService, VoteOutcome
from storage.database import Database
from tests.fake_port import FakePort
from tests.sample_network import (
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    LUIS,
    MARTA,
    SECRET,
    STRANGER,
    TOM,
    VERIFIER_GROUP,
    network_toml,
)

NOW = datetime(2026, 11, 22, 21, 5, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def world(tmp_path):
    database = await Database.open(tmp_path / "vigil.sqlite3")
    port = FakePort(members={ANA, LUIS, MARTA})
    network, catalogs = parse_network(network_toml()), Catalogs.load()
    clock = Clock()
    dispatcher = Dispatcher(
        database=database,
        telegram=port,
        cards=CardRenderer(catalogs=catalogs, network=network, clock=clock),
        clock=clock,
    )
    deps = ServiceDeps(
        database=database,
        telegram=port,
        network=network,
        catalogs=catalogs,
        pseudonyms=Pseudonyms(SECRET),
        clock=clock,
        after_commit=dispatcher.wake,
    )
    yield ResidentService(deps), VerificationService(deps), port, database, dispatcher
    await database.close()


def gps_jpeg() -> bytes:
    import piexif

    exif = piexif.dump(
        {"GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((34, 1), (24, 1), (0, 1))}}
    )
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 0, 0)).save(out, "JPEG", exif=exif)
    return out.getvalue()


async def submit_clovis_report(residents: ResidentService, port: FakePort, dispatcher: Dispatcher | None = None):
    draft = await residents.draft(TOM)
    port.files["resident-photo"] = gps_jpeg()
    clean = await residents.clean_photo(draft, "resident-photo")
    draft.add_photo(DraftPhoto(clean.width, clean.height))
    draft = await residents.keep(TOM, draft, new_media=clean.data)
    draft.add_text("Five unmarked SUVs outside the dairy")
    draft.toggle(Indicator.VEHICLES)
    draft.choose_neighborhood("clovis")
    receipt = await residents.submit(draft, user_id=TOM, chat_id=TOM, language="en")
    if dispatcher is not None:
        await dispatcher.drain()  # the card goes through the outbox
    return receipt


async def stored(database: Database, receipt: Receipt) -> Report:
    assert receipt.report_id is not None
    async with database.unit_of_work() as repo:
        return await repo.report(receipt.report_id)


async def vote(world, user_id: int, kind=VoteKind.CONFIRM, report_id=1, chat_id=VERIFIER_GROUP):
    _, verification, _, _, dispatcher = world
    result = await verification.vote(Press(report_id, user_id, f"V{user_id}", chat_id=chat_id), kind)
    await dispatcher.drain()  # the application runs the dispatcher as a background task
    return result


async def test_submitted_report_reaches_the_verifier_group_with_clean_photos(world):
    residents, _, port, database, _ = world
    report = await stored(database, await submit_clovis_report(residents, port, world[4]))
    assert report.status is ReportStatus.PENDING and report.photo_file_ids == ("clean-0",)
    assert b"Exif" not in port.photos[0] and port.photos[0] != port.files["resident-photo"]
    (card,) = port.texts_to(VERIFIER_GROUP)
    assert report.public_ref in card and "Five unmarked SUVs" in card and "Confirmed: 0/2" in card


async def test_two_distinct_confirmations_publish_and_tell_the_reporter_once(world):
    residents, verification, port, database, _ = world
    report = await stored(database, await submit_clovis_report(residents, port, world[4]))
    assert (await vote(world, ANA)).outcome is VoteOutcome.COUNTED
    assert port.texts_to(CLOVIS_EN_CHANNEL) == []
    assert (await vote(world, ANA)).outcome is Refusal.ALREADY_DONE
    assert (await vote(world, LUIS)).outcome is VoteOutcome.PUBLISHED
    assert len(port.texts_to(CLOVIS_EN_CHANNEL)) == 1 and len(port.texts_to(CLOVIS_ES_CHANNEL)) == 1
    assert "Alerta confirmada: Clovis" in port.texts_to(CLOVIS_ES_CHANNEL)[0]
    assert "Tom" not in port.texts_to(CLOVIS_EN_CHANNEL)[0]
    (notice,) = port.texts_to(TOM)
    assert "confirmed by two verifiers" in notice
    card_html, keyboard = port.edits[(VERIFIER_GROUP, report.card_message_id)]
    assert "confirmed and published" in card_html and "t.me/c/" in card_html
    # no vote buttons any more; the live alert's buttons instead
    assert [b.callback_data for row in keyboard for b in row] == [
        f"v1:alert:s:{report.id}",
        f"v1:alert:e:{report.id}",
        f"v1:alert:r:{report.id}",
        f"v1:ask:menu:{report.id}",
    ]
    assert "Reporter #" in card_html and "no earlier reports" in card_html
    async with database.unit_of_work() as repo:
        # kept while the alert is live: the reporter is also told how it ends (issue 3)
        assert await repo.reporter_chat_id(report.id) == TOM
    assert (await vote(world, MARTA)).outcome is Refusal.CLOSED  # a published report takes no votes


async def test_refusals_change_nothing(world):
    residents, verification, port, _, _ = world
    await submit_clovis_report(residents, port, world[4])
    port.members.add(TOM)  # the reporter is also a verifier
    assert (await vote(world, TOM)).outcome is Refusal.OWN_REPORT
    assert (await vote(world, STRANGER)).outcome is Refusal.NOT_AUTHORIZED
    assert (await vote(world, ANA, chat_id=-1001000000099)).outcome is Refusal.NOT_AUTHORIZED
    assert (await vote(world, ANA, report_id=999)).outcome is Refusal.UNKNOWN_REPORT
    assert port.texts_to(CLOVIS_EN_CHANNEL) == []


async def test_two_false_alarms_reject_without_posting(world):
    residents, verification, port, database, _ = world
    await submit_clovis_report(residents, port, world[4])
    await vote(world, ANA, VoteKind.FALSE_ALARM)
    assert (await vote(world, LUIS, VoteKind.FALSE_ALARM)).outcome is VoteOutcome.REJECTED
    assert port.texts_to(CLOVIS_EN_CHANNEL) == [] and port.texts_to(CLOVIS_ES_CHANNEL) == []
    assert "could not be confirmed" in port.texts_to(TOM)[0]
    async with database.unit_of_work() as repo:
        assert await repo.reporter_chat_id(1) is None  # contact forgotten once told the final outcome


async def test_a_refusing_channel_does_not_stop_the_others_and_shows_on_the_card(world):
    residents, verification, port, database, _ = world
    report = await stored(database, await submit_clovis_report(residents, port, world[4]))
    port.refuse.add(CLOVIS_ES_CHANNEL)
    await vote(world, ANA)
    await vote(world, LUIS)
    assert len(port.texts_to(CLOVIS_EN_CHANNEL)) == 1
    card_html, _ = port.edits[(VERIFIER_GROUP, report.card_message_id)]
    assert "Could not post to channel" in card_html and "Forbidden" in card_html


async def test_send_answers_at_once_and_the_card_follows_through_the_outbox(world):
    residents, _, port, database, dispatcher = world
    receipt = await submit_clovis_report(residents, port)  # no drain: nothing waits on the group
    assert port.sent == [] and port.photos == []
    await dispatcher.drain()
    report = await stored(database, receipt)
    (card,) = port.texts_to(VERIFIER_GROUP)
    assert report.public_ref in card and "1 photo above" in card
    assert port.replies[report.card_message_id] == 100  # the card answers its album
    async with database.unit_of_work() as repo:
        assert await repo.report_media(report.id) == []  # the cleaned bytes are not kept once sent


async def test_a_verifier_group_that_is_down_gets_the_card_when_it_is_back(world):
    residents, _, port, database, dispatcher = world
    port.down.add(VERIFIER_GROUP)
    draft = await residents.draft(TOM)
    draft.add_text("Checkpoint on US-70")
    draft.choose_neighborhood("clovis")
    receipt = await residents.submit(draft, user_id=TOM, chat_id=TOM, language="en")
    await dispatcher.drain()
    assert port.texts_to(VERIFIER_GROUP) == []
    assert (await stored(database, receipt)).status is ReportStatus.PENDING  # kept, not lost
    port.down.clear()
    world[4]._clock.now = NOW + timedelta(seconds=5)  # past the retry's back-off
    await dispatcher.drain()
    (card,) = port.texts_to(VERIFIER_GROUP)
    assert "Checkpoint on US-70" in card and (await stored(database, receipt)).card_message_id is not None
