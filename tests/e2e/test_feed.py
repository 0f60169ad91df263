"""Issue 20, end to end: the real bot against the fake Bot API, the feed read over HTTP.

Two verifiers confirm, then two declare the all clear; a partner polling /feed/alerts.atom (read
with feedparser, as a hub would) sees the alert, then its Cancel referring to it, each CAP message
valid against OASIS's schema; an unchanged feed answers 304.
"""

from __future__ import annotations

import asyncio

import aiohttp
import feedparser
from lxml import etree
from multidict import CIMultiDict

from bot.feed import cap
from bot.network import parse_network
from tests.e2e.harness import TravelClock, running_vigil
from tests.e2e.people import Verifier, card_in_group, text_of
from tests.e2e.steps import report_from_tom, wait_card
from tests.sample_network import ANA, CLOVIS_EN_CHANNEL, LUIS, MARTA, network_toml

FEED = '\n[feed]\nenabled = true\nsender = "alerts@nm-rapid-response.example.org"\n'
NS = {"cap": cap.CAP_NAMESPACE}


async def read_feed(http: aiohttp.ClientSession, base: str, **headers: str) -> tuple[int, bytes, CIMultiDict[str]]:
    async with http.get(f"{base}/feed/alerts.atom", headers=headers) as response:
        return response.status, await response.read(), response.headers.copy()


async def entries_once(http: aiohttp.ClientSession, base: str, count: int) -> feedparser.FeedParserDict:
    """The feed once it has `count` entries, as a hub polling it sees it (the service re-reads the
    database at most every half second)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while True:
        status, body, _ = await read_feed(http, base)
        assert status == 200
        parsed = feedparser.parse(body)
        if len(parsed.entries) == count:
            return parsed
        if loop.time() > deadline:
            raise AssertionError(f"the feed still had {len(parsed.entries)} entries, not {count}")
        await asyncio.sleep(0.05)


async def cap_message(http: aiohttp.ClientSession, entry: feedparser.FeedParserDict) -> etree._Element:
    (link,) = [link for link in entry.links if link.type == cap.CAP_MEDIA_TYPE]
    async with http.get(link.href) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith(cap.CAP_MEDIA_TYPE)
        assert response.headers["Cache-Control"] == "public, max-age=86400, immutable"  # it never changes
        message = etree.fromstring(await response.read())
    cap.schema().assertValid(message)
    return message


async def test_a_partner_polling_the_feed_sees_the_alert_and_its_all_clear(fake, tmp_path):
    network = parse_network(network_toml(extra=FEED))
    async with (
        running_vigil(fake, tmp_path, network=network, VIGIL_WEB_LISTEN="127.0.0.1:0") as vigil,
        aiohttp.ClientSession() as http,
    ):
        base = vigil.web_base
        status, body, headers = await read_feed(http, base)
        empty = feedparser.parse(body)
        assert status == 200 and not empty.bozo and empty.entries == []
        assert headers["Content-Type"].startswith("application/atom+xml")
        assert headers["Cache-Control"] == "public, no-cache"

        ref = await report_from_tom(fake)
        await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
        await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
        await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL, lambda m: "Confirmed alert" in text_of(m))
        published = await entries_once(http, base, 1)
        assert not published.bozo, published.get("bozo_exception")
        (entry,) = published.entries
        assert entry.title == "🚨 Confirmed alert: Clovis"
        alert = await cap_message(http, entry)
        assert alert.findtext("cap:msgType", namespaces=NS) == "Alert"
        assert [i.findtext("cap:language", namespaces=NS) for i in alert.findall("cap:info", NS)] == ["en-US", "es-US"]
        # Nothing about the reporter: not their words (no verifier included them), not their reference.
        xml = etree.tostring(alert, encoding="unicode")
        assert "unmarked SUVs" not in xml and ref not in xml
        async with http.get(f"{base}/feed/cap/vigil-000000000000-1.xml") as response:
            assert response.status == 404  # never recorded (or purged with its alert)

        # Unchanged: a hub's conditional poll gets a 304 and no body, by ETag or by date.
        _, _, headers = await read_feed(http, base)
        status, body, again = await read_feed(http, base, **{"If-None-Match": headers["ETag"]})
        assert (status, body, again["ETag"]) == (304, b"", headers["ETag"])
        status, _, _ = await read_feed(http, base, **{"If-Modified-Since": headers["Last-Modified"]})
        assert status == 304

        await Verifier(fake, ANA).presses(card_in_group(fake, ref), "✅")
        await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "✅")
        await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL, lambda m: "All clear" in text_of(m))
        ended = await entries_once(http, base, 2)
        assert not ended.bozo
        cancel_entry, alert_entry = ended.entries  # newest first
        assert cancel_entry.title.startswith("✅ ENDED — all clear since")
        cancel = await cap_message(http, cancel_entry)
        assert cancel.findtext("cap:msgType", namespaces=NS) == "Cancel"
        assert [r.text for r in cancel.findall("cap:info/cap:responseType", NS)] == ["AllClear", "AllClear"]
        reference = ",".join(alert.findtext(f"cap:{name}", namespaces=NS) for name in ("sender", "identifier", "sent"))
        assert cancel.findtext("cap:references", namespaces=NS) == reference
        # By now the post exists: the Cancel links to it, each language to its own channel's post.
        webs = [w.text for w in cancel.findall("cap:info/cap:web", NS)]
        assert len(webs) == 2 and all(w.startswith("https://t.me/c/") for w in webs) and webs[0] != webs[1]
        status, body, _ = await read_feed(http, base, **{"If-None-Match": headers["ETag"]})
        assert status == 200  # changed since that ETag
        # Nothing about the verifiers either: no first name, in the feed or in any message (the cards
        # show them; random identifiers make their numeric ids a poor needle here).
        everything = body.decode() + xml + etree.tostring(cancel, encoding="unicode")
        assert "Ana" not in everything and "Luis" not in everything


async def test_no_feed_unless_the_network_file_enables_it(fake, tmp_path):
    async with (
        running_vigil(fake, tmp_path, VIGIL_WEB_LISTEN="127.0.0.1:0") as vigil,
        aiohttp.ClientSession() as http,
    ):
        status, _, _ = await read_feed(http, vigil.web_base)
        assert status == 404
        assert vigil.services.feed is None


async def test_still_active_is_an_update_and_an_expiry_an_update_with_a_past_expires(fake, tmp_path):
    clock = TravelClock()
    network = parse_network(network_toml(extra=FEED))
    async with (
        running_vigil(fake, tmp_path, network=network, clock=clock, VIGIL_WEB_LISTEN="127.0.0.1:0") as vigil,
        aiohttp.ClientSession() as http,
    ):
        ref = await report_from_tom(fake)
        await Verifier(fake, ANA).presses(await wait_card(fake, ref, "needs"), "👍")
        await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
        await wait_card(fake, ref, "📣 Posted")
        clock.advance(hours=1)
        await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "🔄")
        await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL, lambda m: "Still active" in text_of(m))
        clock.advance(hours=4, minutes=1)  # nobody said it is still active since
        vigil.alarm_rings()
        await vigil.outbox_idle()
        expired, update, alert = (await entries_once(http, vigil.web_base, 3)).entries
        assert update.title.startswith("🔄 Still active — Clovis")
        assert expired.title.startswith("⌛ EXPIRED — no update since")
        still, ended = await cap_message(http, update), await cap_message(http, expired)
        first = await cap_message(http, alert)
        for message in (still, ended):
            assert message.findtext("cap:msgType", namespaces=NS) == "Update"
        assert [u.text for u in still.findall("cap:info/cap:urgency", NS)] == ["Immediate", "Immediate"]
        assert [u.text for u in ended.findall("cap:info/cap:urgency", NS)] == ["Past", "Past"]
        # Still active moved the expiry on; the expiry's own message expires as it is sent.
        assert first.findtext("cap:info/cap:expires", namespaces=NS) < still.findtext(
            "cap:info/cap:expires", namespaces=NS
        )
        assert ended.findtext("cap:info/cap:expires", namespaces=NS) == ended.findtext("cap:sent", namespaces=NS)
        assert len(ended.findtext("cap:references", namespaces=NS).split()) == 2
