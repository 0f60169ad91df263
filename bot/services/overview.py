"""The desk at a glance: /queue for the verifier group, /stats for the organizers.

Both only read. /queue is for current members of the verifier group, in the group (a card link
only opens there anyway); /stats for the organizers (admin_user_ids), in their private chat or the
verifier group, like /status. Neither says anything about reporters.
"""

from __future__ import annotations

from bot.domain.stats import QUEUE_LIMIT, WINDOWS, NotAllowed, Queue, Stats, window_figures, window_start
from bot.services.deps import ServiceDeps
from bot.services.status import organizer_here


class OverviewService:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps

    async def queue(self, *, chat_id: int, user_id: int) -> Queue | NotAllowed:
        deps = self._deps
        if chat_id != deps.network.verifier_group_id:
            return NotAllowed.WRONG_CHAT
        if not await deps.telegram.is_member(deps.network.verifier_group_id, user_id):
            return NotAllowed.NOT_A_MEMBER
        async with deps.database.unit_of_work() as repo:
            return await repo.desk_queue(deps.clock(), QUEUE_LIMIT)

    async def stats(self, *, chat_id: int, user_id: int, private: bool) -> Stats | NotAllowed:
        deps = self._deps
        if not organizer_here(deps.network, user_id=user_id, chat_id=chat_id, private=private):
            return NotAllowed.NOT_AN_ORGANIZER
        now = deps.clock()
        windows = []
        async with deps.database.unit_of_work() as repo:
            for days in WINDOWS:
                since = window_start(now, days)
                windows.append(
                    window_figures(
                        days,
                        await repo.outcomes_since(since),
                        await repo.publication_seconds_since(since),
                        await repo.vote_times_since(since),
                        await repo.rejection_counts(since=since),
                    )
                )
        return Stats(tuple(windows))
