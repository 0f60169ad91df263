"""Scheduled work: the retention purge, at start-up and then every hour."""

from __future__ import annotations

from bot.context import VigilApplication, VigilContext
from bot.services.retention import PURGE_INTERVAL

PURGE_JOB = "retention-purge"


async def purge_job(context: VigilContext) -> None:
    await context.services.retention.purge()


def schedule_maintenance(application: VigilApplication) -> None:
    if application.job_queue is None:
        raise RuntimeError("Vigil needs python-telegram-bot's job-queue extra")
    for job in application.job_queue.get_jobs_by_name(PURGE_JOB):
        job.schedule_removal()
    # first=0: whatever fell due while the bot was down is purged right after start.
    application.job_queue.run_repeating(purge_job, interval=PURGE_INTERVAL, first=0, name=PURGE_JOB)
