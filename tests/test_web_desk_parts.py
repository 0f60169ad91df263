"""The web desk's small parts: membership remembered a minute at most; the change signal; request ids."""

from __future__ import annotations

import asyncio

from bot.services.requests import telegram_update
from bot.web.desk.actions import web_request
from bot.web.desk.changes import Changes
from bot.web.desk.links import DeskLinks, report_of_param
from bot.web.desk.membership import Membership

GROUP = -1001000000001


class Telegram:
    """Answers getChatMember from a set that the test changes; counts the questions."""

    def __init__(self, members: set[int]) -> None:
        self.members = members
        self.asked = 0

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        assert chat_id == GROUP
        self.asked += 1
        return user_id in self.members


async def test_membership_is_asked_again_once_a_minute_has_passed():
    now = [0.0]
    telegram = Telegram({7001})
    membership = Membership(telegram, GROUP, clock=lambda: now[0])  # type: ignore[arg-type]
    assert await membership.is_member(7001)
    telegram.members.clear()  # Ana leaves the group
    now[0] = 59.0
    assert await membership.is_member(7001) and telegram.asked == 1
    now[0] = 60.0
    assert not await membership.is_member(7001) and telegram.asked == 2


async def test_an_open_desk_wakes_at_a_change_and_ends_when_vigil_stops():
    changes = Changes()
    waiting = asyncio.create_task(changes.wait(changes.version, timeout=30))
    await asyncio.sleep(0)
    changes.notify()
    assert await waiting == 1
    assert await changes.wait(0, timeout=30) == 1  # a change it has not seen yet: at once
    assert await changes.wait(1, timeout=0.01) == 1  # nothing new: back after the timeout
    changes.close()
    assert changes.closed and changes.version == 2


def test_a_request_id_stands_for_one_persons_request_never_a_telegram_update():
    ids = {web_request(user, request) for user in (7001, 7002) for request in ("tap-1", "tap-2")}
    assert len(ids) == 4 and not ids & {telegram_update(n) for n in (7001, 7002, 1, 2)}
    assert web_request(7001, "tap-1") == web_request(7001, "tap-1")


def test_links_open_a_report_or_the_queue_on_the_registered_mini_app():
    links = DeskLinks("https://desk.example.org", "vigil_bot", "desk")
    assert links.report(42) == "https://t.me/vigil_bot/desk?startapp=r42"
    assert links.direct() == "https://t.me/vigil_bot/desk?startapp=queue"
    assert links.page == "https://desk.example.org/desk/"
    assert DeskLinks("https://desk.example.org", "vigil_bot", None).direct() is None
    assert report_of_param("r42") == 42
    assert [report_of_param(p) for p in ("queue", "r0", "r", "42", None, "r42x")] == [None] * 6
