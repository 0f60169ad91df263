"""The reporter line of a card: tag, earlier outcomes, mute — read inside the caller's transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.domain.reporters import ReporterStanding, reporter_tag
from bot.domain.reports import Report
from bot.domain.verification import ReportStatus
from storage.repository import Repository


async def standing_of(repo: Repository, report: Report, now: datetime) -> ReporterStanding:
    record = await repo.track_record(report.reporter_pseudonym)
    # The card shows what was known *before* this report, so its own outcome is not counted.
    match report.status:
        case ReportStatus.PUBLISHED if record.confirmed:
            record = replace(record, confirmed=record.confirmed - 1)
        case ReportStatus.REJECTED if record.false_alarms:
            rejection = await repo.rejection(report.id)
            record = record.without_false_alarm(rejection.reason if rejection else None)
        case ReportStatus.EXPIRED if record.unconfirmed:
            record = replace(record, unconfirmed=record.unconfirmed - 1)
    muted_until = await repo.muted_until(report.reporter_pseudonym)
    if muted_until is not None and muted_until <= now:
        muted_until = None
    return ReporterStanding(reporter_tag(report.reporter_pseudonym), record, muted_until)
