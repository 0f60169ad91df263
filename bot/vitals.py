"""What the running bot tells about itself as it goes, for /healthz and /metrics (bot/operations.py).

The update pipeline and the dispatcher call one method here at a clear point each (a getUpdates
answered, an update handled, a 429 received); everything else /metrics shows is read from the
database when it is asked for. Each Application has its own registry (tests run many bots in one
process; prometheus-client's global registry would mix them). Nothing recorded here names anyone:
counts, delays and seconds only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Histogram
from telegram import Update

# The age of an update when Vigil fetched it: Telegram normally hands it over within a second.
LAG_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
RETRY_AFTER_BUCKETS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)

RateLimitSource = Literal["outbox", "polling"]


class Vitals:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self.registry = CollectorRegistry()
        self._last_poll: float | None = None
        self._started = monotonic()
        self._received = Counter(
            "vigil_updates_received", "Updates fetched from Telegram (getUpdates).", registry=self.registry
        )
        self._handled = Counter(
            "vigil_updates_handled", "Updates whose handling finished (in time or abandoned).", registry=self.registry
        )
        self._lag = Histogram(
            "vigil_polling_lag_seconds",
            "From a message's date at Telegram to Vigil fetching it (messages only: a button press has no date).",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self._retry_after = Histogram(
            "vigil_telegram_retry_after_seconds",
            "Telegram's 429 answers (the count) and the retry_after they asked for (the sum), by who asked.",
            ["source"],
            buckets=RETRY_AFTER_BUCKETS,
            registry=self.registry,
        )
        for source in ("outbox", "polling"):
            self._retry_after.labels(source=source)

    # --- the hooks -----------------------------------------------------------------------------

    def polled(self, updates: Sequence[Update]) -> None:
        """Telegram answered a getUpdates (with updates or, after a long poll, none): the loop is alive."""
        self._last_poll = self._monotonic()
        self._received.inc(len(updates))
        now = datetime.now(UTC)
        for update in updates:
            message = update.message or update.edited_message or update.channel_post
            if message is not None:
                self._lag.observe(max(0.0, (now - message.date).total_seconds()))

    def handled(self) -> None:
        self._handled.inc()

    def rate_limited(self, retry_after: timedelta | float | None, *, source: RateLimitSource) -> None:
        seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after or 0)
        self._retry_after.labels(source=source).observe(seconds)

    # --- read by the health check ----------------------------------------------------------------

    def seconds_since_poll(self) -> float:
        """Since Telegram last answered a getUpdates (since start-up if it never did)."""
        return self._monotonic() - (self._last_poll if self._last_poll is not None else self._started)
