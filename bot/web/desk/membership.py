"""Is this person a current member of the verifier group? Asked of Telegram, remembered a minute at most.

The desk's pages and its live queue ask often; every action is judged again by the services, which
ask Telegram themselves (bot.services.voters), so the cache only spares Telegram the reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.ports import TelegramPort

MEMBERSHIP_KEPT_SECONDS = 60.0


class Membership:
    def __init__(self, telegram: TelegramPort, group_id: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._telegram = telegram
        self._group_id = group_id
        self._clock = clock
        self._known: dict[int, tuple[bool, float]] = {}

    async def is_member(self, user_id: int) -> bool:
        now = self._clock()
        known = self._known.get(user_id)
        if known is not None and now - known[1] < MEMBERSHIP_KEPT_SECONDS:
            return known[0]
        member = await self._telegram.is_member(self._group_id, user_id)
        # Forget what has run out, so the cache holds only people seen in the last minute.
        self._known = {k: v for k, v in self._known.items() if now - v[1] < MEMBERSHIP_KEPT_SECONDS}
        self._known[user_id] = (member, now)
        return member
