"""Steps for tests of the web desk: a verifier opens it from Telegram and uses it over HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.e2e.harness import Vigil


@dataclass
class WebDesk:
    """One verifier's open desk: the session Telegram's launch data was traded for."""

    http: aiohttp.ClientSession
    base: str
    session: str
    opened: dict[str, Any]

    async def get(self, path: str) -> aiohttp.ClientResponse:
        return await self.http.get(f"{self.base}/desk/api/{path}", headers={"X-Desk-Session": self.session})

    async def queue(self) -> dict[str, Any]:
        async with await self.get("queue") as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def report(self, report_id: int) -> dict[str, Any]:
        async with await self.get(f"reports/{report_id}") as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def act(self, data: str, *, words: str = "", request_id: str | None = None) -> tuple[int, dict[str, Any]]:
        body = {"data": data, "words": words, "request_id": request_id or uuid.uuid4().hex}
        async with self.http.post(
            f"{self.base}/desk/api/act", json=body, headers={"X-Desk-Session": self.session}
        ) as response:
            return response.status, await response.json()

    async def pending_entry(self, ref: str) -> dict[str, Any]:
        return next(entry for entry in (await self.queue())["pending"] if entry["ref"] == ref)

    @asynccontextmanager
    async def live(self) -> AsyncIterator[LiveQueue]:
        url = f"{self.base}/desk/api/events?session={self.session}"
        async with self.http.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=30)) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/event-stream")
            yield LiveQueue(response)


@dataclass
class LiveQueue:
    response: aiohttp.ClientResponse

    async def next_queue(self) -> dict[str, Any]:
        """The next queue the server sends (heartbeats skipped)."""
        event = ""
        async for raw in self.response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: ") and event == "queue":
                return json.loads(line[len("data: ") :])
        raise AssertionError("the live queue ended")

    async def until(self, predicate) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        while True:
            queue = await self.next_queue()
            if predicate(queue):
                return queue


async def sign_in(http: aiohttp.ClientSession, base: str, init_data: str) -> aiohttp.ClientResponse:
    return await http.post(f"{base}/desk/api/session", json={"init_data": init_data})


@asynccontextmanager
async def desk_of(vigil: Vigil, user_id: int, *, start_param: str = "") -> AsyncIterator[WebDesk]:
    """`user_id` opens the desk from Telegram (launch data signed with the fake's token)."""
    init_data = vigil.fake.mini_app_init_data(user_id, start_param=start_param)
    async with aiohttp.ClientSession() as http:
        async with await sign_in(http, vigil.web_base, init_data) as response:
            assert response.status == 200, await response.text()
            opened = await response.json()
        yield WebDesk(http, vigil.web_base, opened["session"], opened)


def action(report: dict[str, Any], label_start: str) -> dict[str, Any]:
    return next(a for a in report["actions"] if a["label"].startswith(label_start))
