"""/status: what organizers need to see to trust that Vigil is working."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.lifecycle import AlertStatus
from bot.domain.verification import ReportStatus
from bot.network import Network
from bot.rendering.status import StatusReport
from bot.services.lease import SEEN_WITHIN, wall_clock
from storage.database import Database

RECENT_PROBLEMS = 5


def organizer_here(network: Network, *, user_id: int, chat_id: int, private: bool) -> bool:
    """What /status and /stats show is for the organizers (admin_user_ids), and only where it
    cannot leak: their private chat or the verifier group."""
    return user_id in network.admin_user_ids and (private or chat_id == network.verifier_group_id)


class StatusService:
    def __init__(self, *, database: Database, network: Network, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._network = network
        self._clock = clock

    def organizer_here(self, *, user_id: int, chat_id: int, private: bool) -> bool:
        return organizer_here(self._network, user_id=user_id, chat_id=chat_id, private=private)

    async def snapshot(self) -> StatusReport:
        async with self._database.unit_of_work() as repo:
            reports = await repo.count_by_status()
            alerts = await repo.count_alerts_by_status()
            lease = await repo.lease()
            seen = await repo.instances_seen_since(wall_clock() - SEEN_WITHIN)
            return StatusReport(
                now=self._clock(),
                lease=lease,
                standbys=tuple(
                    (i.name, i.seen_at)
                    for i in seen
                    if i.role == "standby" and (lease is None or i.name != lease.holder)
                ),
                pending_reports=reports.get(ReportStatus.PENDING, 0),
                oldest_pending=await repo.oldest_pending_report(),
                active_alerts=alerts.get(AlertStatus.ACTIVE, 0),
                backlog=await repo.outbox_backlog(),
                next_deadline=await repo.next_deadline(),
                recent_problems=await repo.delivery_problems(limit=RECENT_PROBLEMS),
                subscribers=await repo.subscriber_count(),
                fan_outs=tuple(await repo.fan_outs_in_progress()),
            )
