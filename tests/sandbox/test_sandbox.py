"""The sandbox's server, through the same endpoints its page uses: people, languages, refusals,
time travel, files from disk, the live stream, and its safety (loopback only, its own page only)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox.server import quote, serve
from tests.sandbox.conftest import ROOT

TOM, ROSA = 200000001, 200000002
ANA, LUIS, MALLORY = 111111111, 300000002, 400000001
VERIFIER_GROUP = -1001000000001


@dataclass
class Page:
    address: str
    session: aiohttp.ClientSession

    async def state(self) -> dict[str, Any]:
        async with self.session.get(self.address + "api/state") as response:
            return await response.json()

    async def settled(self) -> None:
        """Until the bot has finished reacting (the fake's settled(), through the sandbox)."""
        async with self.session.get(self.address + "api/settled") as response:
            assert response.status == 200, await response.text()

    async def post(self, path: str, body: dict[str, Any], *, status: int = 200, **headers: str) -> dict[str, Any]:
        async with self.session.post(self.address + path, json=body, headers=headers) as response:
            assert response.status == status, await response.text()
            return await response.json() if response.content_type == "application/json" else {}

    async def wait_for(self, predicate, what: str, timeout: float = 10.0) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            state = await self.state()
            if predicate(state):
                return state
            if loop.time() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)

    async def press(self, user_id: int, chat_id: int, message: dict[str, Any], prefix: str) -> dict[str, Any]:
        data = next(
            b["data"]
            for row in message["buttons"]
            for b in row
            if (b["data"] or "").startswith(prefix) or b["text"].startswith(prefix)
        )
        return await self.post(
            "api/press", {"user_id": user_id, "chat_id": chat_id, "message_id": message["id"], "data": data}
        )

    async def report_from_tom(self) -> None:
        await self.post("api/photo", {"user_id": TOM})
        state = await self.wait_for(lambda s: _with_buttons(s["chats"][str(TOM)]), "the place buttons")
        await self.press(TOM, TOM, _with_buttons(state["chats"][str(TOM)]), "Clovis")
        state = await self.wait_for(lambda s: _button(s["chats"][str(TOM)], "✅"), "the send button")
        await self.press(TOM, TOM, _button(state["chats"][str(TOM)], "✅"), "✅")
        await self.wait_for(lambda s: _card(s) is not None, "the card in the group")


def _with_buttons(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((m for m in reversed(messages) if m["buttons"]), None)


def _button(messages: list[dict[str, Any]], prefix: str) -> dict[str, Any] | None:
    return next(
        (m for m in reversed(messages) if any(b["text"].startswith(prefix) for r in m["buttons"] for b in r)), None
    )


def _card(state: dict[str, Any]) -> dict[str, Any] | None:
    return next((m for m in state["group"]["messages"] if "R-" in m["text"] and m["buttons"]), None)


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    stop = asyncio.Event()
    address: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(port=0, database=tmp_path / "sandbox.sqlite3", announce=address.set_result, stop=stop)
    )
    try:
        url = await asyncio.wait_for(asyncio.shield(address), 30)
        async with aiohttp.ClientSession() as session:
            yield Page(url, session)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def test_the_sandbox_uses_the_example_network_file():
    packaged = ROOT / "bot" / "sandbox" / "sample_network.toml"
    assert packaged.read_text() == (ROOT / "network.example.toml").read_text(), (
        "bot/sandbox/sample_network.toml is a copy of network.example.toml: copy it again"
    )


async def test_the_page_and_its_people_are_served_on_loopback(page: Page, tmp_path: Path):
    assert page.address.startswith("http://127.0.0.1:")
    async with page.session.get(page.address) as response:
        assert "Vigil sandbox" in await response.text()
    for name in ("sandbox.js", "sandbox.css"):
        async with page.session.get(page.address + "static/" + name) as response:
            assert response.status == 200
    state = await page.state()
    assert [(r["name"], r["role"], r["language_name"]) for r in state["residents"]] == [
        ("Tom", "resident", "English"),
        ("Rosa", "resident", "Spanish (Mexico)"),
    ]
    assert [(a["name"], a["language_name"]) for a in state["actors"]] == [
        ("Ana", "Spanish"),
        ("Luis", "English"),
        ("Marta", "Spanish"),
        ("Mallory", "English"),
    ]
    assert "not in the verifier group" in state["actors"][-1]["role"]
    assert {c["id"]: c["languages"] for c in state["channels"]} == {
        -1002000000004: ["en", "es"],
        -1002000000001: ["es", "en"],
        -1002000000002: ["en"],
        -1002000000003: ["es"],
    }
    assert (tmp_path / "sandbox.sqlite3").exists()  # --database keeps it where asked


async def test_the_spanish_resident_is_answered_in_spanish(page: Page):
    await page.post("api/photo", {"user_id": ROSA})
    state = await page.wait_for(lambda s: _with_buttons(s["chats"][str(ROSA)]), "the bot's answer")
    assert "¿Dónde está pasando esto?" in _with_buttons(state["chats"][str(ROSA)])["text"]
    assert state["chats"][str(TOM)] == []


async def test_an_outsider_is_refused_and_two_verifiers_publish(page: Page):
    await page.report_from_tom()
    card = _card(await page.state())
    refused = await page.press(MALLORY, VERIFIER_GROUP, card, "v1:vote:c:")
    assert "not authorized" in refused["answer"]
    await page.press(ANA, VERIFIER_GROUP, card, "v1:vote:c:")
    await page.press(LUIS, VERIFIER_GROUP, _card(await page.state()), "v1:vote:c:")
    state = await page.wait_for(
        lambda s: all(c["messages"] for c in s["channels"] if c["id"] == -1002000000002),
        "the post in the Clovis channel",
    )
    clovis = next(c for c in state["channels"] if c["id"] == -1002000000002)
    assert len(clovis["messages"]) == 1 and "Clovis" in clovis["messages"][0]["text"]


async def test_time_moves_on_reminders_then_expiry_fire(page: Page):
    await page.report_from_tom()
    card_id = _card(await page.state())["id"]

    def reminded(state: dict[str, Any]) -> bool:
        return any((m.get("reply_to") or {}).get("id") == card_id for m in state["group"]["messages"])

    await page.settled()
    assert not reminded(await page.state())
    await page.post("api/time", {"minutes": 10})
    state = await page.wait_for(reminded, "the reminder, a reply to the card")
    assert state["clock"]["offset_minutes"] == 10
    await page.post("api/time", {"minutes": 60})
    state = await page.wait_for(
        lambda s: any("could not be confirmed" in m["text"] for m in s["chats"][str(TOM)]),
        "the resident told the report expired",
    )
    assert _card(state) is None  # the card lost its buttons
    await page.post("api/time", {"minutes": 7}, status=400)


async def test_a_file_from_disk_is_sent_as_a_file_or_refused_as_a_photo(page: Page):
    form = aiohttp.FormData()
    form.add_field("user_id", str(TOM))
    form.add_field("as_photo", "false")
    form.add_field("file", b"%PDF-1.4 not an image", filename="flyer.pdf", content_type="application/pdf")
    async with page.session.post(page.address + "api/upload", data=form) as response:
        assert response.status == 200
    state = await page.wait_for(lambda s: len(s["chats"][str(TOM)]) >= 2, "the bot's answer to a PDF")
    assert state["chats"][str(TOM)][0]["document"] == "flyer.pdf"
    assert state["chats"][str(TOM)][1]["from_bot"]

    form = aiohttp.FormData()
    form.add_field("user_id", str(TOM))
    form.add_field("as_photo", "true")
    form.add_field("file", b"%PDF-1.4 not an image", filename="flyer.pdf", content_type="application/pdf")
    async with page.session.post(page.address + "api/upload", data=form) as response:
        assert response.status == 400
        assert "only images as photos" in (await response.json())["error"]


async def test_the_page_gets_every_change_as_a_server_sent_event(page: Page):
    async with page.session.get(page.address + "api/events") as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        first = json.loads((await stream.content.readline()).decode().removeprefix("data: "))
        assert first["chats"][str(TOM)] == []
        await page.post("api/send", {"user_id": TOM, "text": "/help"})
        while True:
            line = (await asyncio.wait_for(stream.content.readline(), 10)).decode()
            if line.startswith("data: ") and json.loads(line[6:])["chats"][str(TOM)]:
                break


async def test_only_the_sandboxs_own_page_and_people_may_act(page: Page):
    await page.post("api/send", {"user_id": TOM, "text": "hi"}, status=403, Origin="http://evil.example")
    await page.post("api/send", {"user_id": 42, "text": "hi"}, status=400)
    await page.post("api/send", {"user_id": TOM, "chat_id": -1002000000002, "text": "hi"}, status=400)


async def test_a_busy_port_is_refused_unless_any_port_will_do(tmp_path: Path):
    busy = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = busy.sockets[0].getsockname()[1]
    try:
        with pytest.raises(OSError):
            await serve(port=port, database=None, announce=lambda address: None, stop=asyncio.Event())
        stop = asyncio.Event()
        announced: list[str] = []

        def announce(address: str) -> None:
            announced.append(address)
            stop.set()

        await asyncio.wait_for(serve(port=port, database=None, announce=announce, stop=stop, any_port_if_busy=True), 30)
        assert len(announced) == 1 and not announced[0].endswith(f":{port}/")
    finally:
        busy.close()
        await busy.wait_closed()


async def test_replies_reach_the_bot_and_only_members_post_in_the_group(page: Page):
    await page.post("api/send", {"user_id": TOM, "text": "/help"})
    state = await page.wait_for(lambda s: len(s["chats"][str(TOM)]) == 2, "the answer to /help")
    answer = state["chats"][str(TOM)][1]
    await page.post("api/send", {"user_id": TOM, "text": "about this", "reply_to": answer["id"]})
    state = await page.wait_for(lambda s: len(s["chats"][str(TOM)]) >= 3, "the reply")
    reply = state["chats"][str(TOM)][2]
    assert reply["reply_to"]["id"] == answer["id"]
    assert reply["reply_to"]["text"].endswith("…")  # /help's answer is several lines: the quote says it was cut
    await page.post("api/photo", {"user_id": TOM, "reply_to": 999_999}, status=400)
    await page.post("api/send", {"user_id": TOM, "text": "x", "reply_to": "first"}, status=400)

    refused = await page.post("api/send", {"user_id": MALLORY, "chat_id": VERIFIER_GROUP, "text": "hi"}, status=400)
    assert "Mallory is not a member of the verifier group" in refused["error"]
    await page.post("api/send", {"user_id": LUIS, "chat_id": VERIFIER_GROUP, "text": "hi all"})
    state = await page.wait_for(lambda s: s["group"]["messages"], "Luis's message")
    assert [(m["author"], m["author_language"]) for m in state["group"]["messages"]] == [("Luis", "en")]


def test_a_quote_is_the_first_line_and_ends_with_an_ellipsis_where_cut():
    assert quote("short") == "short"
    assert quote("first line\nsecond") == "first line…"
    assert quote("x" * 100) == "x" * 79 + "…"
    assert len(quote("y" * 100)) == 80


async def test_the_tab_has_an_icon(page: Page):
    async with page.session.get(page.address + "favicon.ico") as response:
        assert response.status == 200 and response.content_type == "image/x-icon"
        assert (await response.read())[:4] == b"\x00\x00\x01\x00"  # the ICO header


async def test_a_kept_database_starts_again_with_the_key_kept_beside_it(tmp_path: Path):
    database = tmp_path / "sandbox.sqlite3"
    for _ in range(2):  # Vigil refuses a database made with another key: the sandbox keeps its key
        started = asyncio.Event()

        def announce(address: str, started: asyncio.Event = started) -> None:
            started.set()  # and so stop at once

        await asyncio.wait_for(serve(port=0, database=database, announce=announce, stop=started), 30)
    key_file = tmp_path / "sandbox.sqlite3.key"
    assert key_file.stat().st_mode & 0o777 == 0o600


async def test_start_a_drill_is_one_click_and_reaches_no_channel(page: Page):
    assert (await page.post("api/drill", {}))["ok"]
    state = await page.wait_for(
        lambda s: any(m["text"].startswith("🧪 DRILL / SIMULACRO") and m["buttons"] for m in s["group"]["messages"]),
        "the first drill card",
    )
    assert all(c["messages"] == [] for c in state["channels"])
    again = await page.post("api/drill", {}, status=400)
    assert not again["ok"] and "already running" in again["error"]
