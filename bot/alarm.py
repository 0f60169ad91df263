"""The alarm clock for deadlines, on python-telegram-bot's JobQueue (APScheduler).

Deadlines are rows (see :mod:`storage.alerts`); this only decides *when to look*. One job,
always named ``vigil:deadlines``, is armed for the earliest deadline in the database. When it
rings, the lifecycle service acts on everything due and the alarm is armed again for the next
one. Start-up arms it at once, so a deadline that passed while Vigil was down fires right after
start; every commit that adds or moves a deadline calls :meth:`DeadlineAlarm.wake`.

The delay is computed with Vigil's clock (injectable, for tests), and is never longer than
``MAX_SLEEP``, so a wall clock that jumps (NTP, a suspended machine) is noticed within minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram.ext import ContextTypes, JobQueue

from bot import update_scope

log = logging.getLogger(__name__)

JOB_NAME = "vigil:deadlines"
MAX_SLEEP_SECONDS = 300.0
RETRY_AFTER_ERROR_SECONDS = 30.0


class DeadlineAlarm:
    def __init__(
        self,
        job_queue: JobQueue,  # type: ignore[type-arg]
        fire_due: Callable[[], Awaitable[datetime | None]],
        clock: Callable[[], datetime],
    ) -> None:
        self._job_queue = job_queue
        self._fire_due = fire_due
        self._clock = clock

    def wake(self) -> None:
        """Look at the deadlines now (something changed, or Vigil just started)."""
        self._arm(0.0)

    def stop(self) -> None:
        for job in self._job_queue.get_jobs_by_name(JOB_NAME):
            job.schedule_removal()

    def _arm(self, delay: float) -> None:
        self.stop()
        self._job_queue.run_once(self._ring, delay, name=JOB_NAME)

    async def _ring(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Armed again before anything can fail: an error (logged by the global error handler,
        # which the JobQueue reports to) must not leave the deadlines without an alarm.
        self._arm(RETRY_AFTER_ERROR_SECONDS)
        # A wake-up from a handler's commit may hand this job a copy of the handler's context;
        # the deadlines are not that update's work, so they are not bound by its reply.
        token = update_scope.detach()
        try:
            next_due = await self._fire_due()
        finally:
            update_scope.end(token)
        delay = MAX_SLEEP_SECONDS
        if next_due is not None:
            delay = min(max((next_due - self._clock()).total_seconds(), 0.0), MAX_SLEEP_SECONDS)
        self._arm(delay)
