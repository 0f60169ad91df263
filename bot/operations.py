"""Health and metrics: is Vigil working, and is it keeping up (for `/healthz` and `/metrics`).

`/healthz` is healthy only while all three hold, and otherwise names the first that does not in
one line: Telegram answered a getUpdates recently (the polling loop is alive and reaches Telegram),
the database takes a write, and no message waits in the outbox longer than allowed.

`/metrics` is Prometheus' text format from this Application's own registry: the counters the
pipeline and the dispatcher feed as they go (bot/vitals.py), the process's memory and CPU, and
figures read from the database when asked (reports by state, the outbox by priority, the fan-out
to subscribers, and the delays from Send to the first verifier action and to publication). No
label names a person, a chat or a report; a neighborhood only where the network file opts in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from prometheus_client import Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.registry import CollectorRegistry

from bot.domain.delivery import MessageKind, Priority, priority_of
from bot.network import Network
from bot.vitals import Vitals
from storage.database import Database
from storage.dialect import DATABASE_ERRORS

_DATABASE_DOWN: tuple[type[Exception], ...] = (*DATABASE_ERRORS, OSError)

DELAY_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 21600.0)
DATABASE_PROBE_TIMEOUT_SECONDS = 5.0
# Delays are read from the database up to this long ago: a vote is stamped before its unit of work
# commits, so one stamped just before a scrape may become visible just after it.
SETTLING_SECONDS = 5.0
SUBSCRIBER_PATIENCE = 10  # a fan-out to thousands takes minutes: its messages may wait this many times longer
REPORT_STATES = ("pending", "published", "rejected", "expired", "merged")
SUBSCRIBER_STATES = ("waiting", "sent", "not_sent")


def _priority_name(priority: Priority) -> str:
    return priority.name.lower()


class Operations:
    def __init__(
        self,
        *,
        vitals: Vitals,
        database: Database,
        network: Network,
        clock: Callable[[], datetime],
        poll_limit_seconds: float,
        outbox_limit_seconds: float,
        polling: bool = True,
        active_instance: str | None = None,
    ) -> None:
        """`polling`: False in webhook mode, where no getUpdates is expected. `active_instance`: on
        PostgreSQL, this instance's name and lease, which /healthz names (only the active one answers)."""
        self._polling = polling
        self.active_instance = active_instance
        self._vitals = vitals
        self._database = database
        self._network = network
        self._clock = clock
        self._poll_limit = poll_limit_seconds
        self._outbox_limit = outbox_limit_seconds
        self._delays_read_until = clock() - timedelta(seconds=SETTLING_SECONDS)
        self._scrape = asyncio.Lock()
        registry = self.registry
        ProcessCollector(registry=registry)
        label = ["state", "neighborhood"] if network.metrics_by_neighborhood else ["state"]
        self._reports = Gauge("vigil_reports", "Reports on record, by state.", label, registry=registry)
        self._outbox_depth = Gauge(
            "vigil_outbox_messages", "Messages waiting to be sent, by priority.", ["priority"], registry=registry
        )
        self._outbox_age = Gauge(
            "vigil_outbox_oldest_age_seconds",
            "How long the oldest waiting message has waited, by priority (0 when none waits).",
            ["priority"],
            registry=registry,
        )
        self._fanout = Gauge(
            "vigil_subscriber_messages",
            "Direct messages to subscribers still on record: waiting, sent, or not sent (refused or given up).",
            ["state"],
            registry=registry,
        )
        self._subscribers = Gauge("vigil_subscribers", "Residents who get alerts by direct message.", registry=registry)
        self._first_action = Histogram(
            "vigil_first_verifier_action_delay_seconds",
            "From a resident's Send to the first verifier action on the report (a claim or a vote).",
            buckets=DELAY_BUCKETS,
            registry=registry,
        )
        self._publication = Histogram(
            "vigil_publication_delay_seconds",
            "From a resident's Send to the report's publication.",
            buckets=DELAY_BUCKETS,
            registry=registry,
        )
        self._poll_age = Gauge(
            "vigil_polling_seconds_since_answer",
            "Since Telegram last answered a getUpdates.",
            registry=registry,
        )

    @property
    def registry(self) -> CollectorRegistry:
        return self._vitals.registry

    # --- /healthz --------------------------------------------------------------------------------

    async def problem(self) -> str | None:
        """Why Vigil is not healthy, in one line; None when it is."""
        silent = self._vitals.seconds_since_poll()
        if self._polling and silent > self._poll_limit:
            return (
                f"the polling loop has had no answer from Telegram for {silent:.0f} s "
                f"(the limit is {self._poll_limit:.0f} s)"
            )
        try:
            async with asyncio.timeout(DATABASE_PROBE_TIMEOUT_SECONDS):
                async with self._database.unit_of_work() as repo:
                    await repo.probe_write(self._clock())
                    waiting = await repo.open_messages_by_kind()
        except TimeoutError:
            return f"the database took no write within {DATABASE_PROBE_TIMEOUT_SECONDS:.0f} s"
        except _DATABASE_DOWN as error:
            return f"the database takes no write ({type(error).__name__}: {error})"
        now = self._clock()
        for open_messages in waiting:
            subscriber = MessageKind(open_messages.kind).is_to_subscriber
            limit = self._outbox_limit * (SUBSCRIBER_PATIENCE if subscriber else 1)
            age = (now - open_messages.oldest).total_seconds()
            if age > limit:
                return (
                    f"a {open_messages.kind.replace('_', ' ')} has waited in the outbox for {age:.0f} s "
                    f"(the limit is {limit:.0f} s)"
                )
        return None

    # --- /metrics --------------------------------------------------------------------------------

    async def metrics(self) -> bytes:
        """Prometheus' text format, with the database's figures read now."""
        async with self._scrape:  # two scrapes at once must not count the same delays twice
            await self._read_figures()
            return generate_latest(self.registry)

    async def _read_figures(self) -> None:
        now = self._clock()
        until = now - timedelta(seconds=SETTLING_SECONDS)
        by_neighborhood = self._network.metrics_by_neighborhood
        async with self._database.unit_of_work() as repo:
            reports = await repo.reports_by_status(by_neighborhood=by_neighborhood)
            waiting = await repo.open_messages_by_kind()
            fanout = await repo.subscriber_messages_by_status()
            subscribers = await repo.subscriber_count()
            first_actions = await repo.first_action_delays(self._delays_read_until, until)
            publications = await repo.publication_delays(self._delays_read_until, until)
        self._delays_read_until = max(self._delays_read_until, until)
        self._reports.clear()
        if by_neighborhood:
            for neighborhood in self._network.neighborhoods:
                for state in REPORT_STATES:
                    self._reports.labels(state=state, neighborhood=neighborhood.key).set(0)
            for (state, place), count in reports.items():
                self._reports.labels(state=state, neighborhood=place).set(count)
        else:
            for state in REPORT_STATES:
                self._reports.labels(state=state).set(sum(n for (s, _), n in reports.items() if s == state))
        depth = dict.fromkeys(Priority, 0)
        oldest: dict[Priority, datetime] = {}
        for open_messages in waiting:
            priority = priority_of(MessageKind(open_messages.kind))
            depth[priority] += open_messages.count
            oldest[priority] = min(oldest.get(priority, open_messages.oldest), open_messages.oldest)
        for priority in Priority:
            name = _priority_name(priority)
            self._outbox_depth.labels(priority=name).set(depth[priority])
            age = (now - oldest[priority]).total_seconds() if priority in oldest else 0.0
            self._outbox_age.labels(priority=name).set(max(0.0, age))
        states = {
            "waiting": fanout.get("pending", 0) + fanout.get("sending", 0),
            "sent": fanout.get("sent", 0),
            "not_sent": sum(fanout.get(s, 0) for s in ("failed", "unknown", "skipped")),
        }
        for state in SUBSCRIBER_STATES:
            self._fanout.labels(state=state).set(states[state])
        self._subscribers.set(subscribers)
        for seconds in first_actions:
            self._first_action.observe(seconds)
        for seconds in publications:
            self._publication.observe(seconds)
        self._poll_age.set(self._vitals.seconds_since_poll())
