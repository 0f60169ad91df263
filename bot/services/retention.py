"""The scheduled purge that keeps Vigil's data as short-lived as the retention policy says."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.network import Network
from storage.database import Database
from storage.retention import PurgeCounts

log = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(hours=1)


class RetentionService:
    def __init__(self, *, database: Database, network: Network, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._policy = network.retention
        self._feed_days = network.feed.days
        self._clock = clock

    async def purge(self) -> PurgeCounts:
        now = self._clock()
        async with self._database.unit_of_work() as repo:
            counts = await repo.purge(
                closed_before=now - timedelta(days=self._policy.closed_report_days),
                contacts_closed_before=now - timedelta(minutes=self._policy.contact_grace_minutes),
                records_idle_since=now - timedelta(days=self._policy.reporter_record_days),
                now=now,
            )
            messages = await repo.purge_outbox(settled_before=now - timedelta(days=self._policy.outbox_days))
            drafts = await repo.purge_drafts(started_before=now - timedelta(hours=self._policy.draft_hours))
            # The feed's CAP messages: the feed shows `[feed] days`; each alert's messages go together.
            await repo.purge_cap_messages(sent_before=now - timedelta(days=self._feed_days))
        # secure_delete zeroes the pages in the database file, but their old images stay in the
        # write-ahead log until it is checkpointed and truncated.
        await self._database.checkpoint()
        if counts.reports or counts.contacts or counts.reporter_records or messages or drafts:
            log.info(
                "retention purge: %s reports, %s reporter contacts, %s track records, %s settled outbox messages,"
                " %s abandoned drafts deleted",
                counts.reports,
                counts.contacts,
                counts.reporter_records,
                messages,
                drafts,
            )
        return counts
