"""Sample records and moments the storage and service tests share (made for sharing, so no
test module imports another's helpers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.indicators import Indicator
from bot.domain.reports import NewReport, new_public_ref
from bot.domain.verification import ReportStatus

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)


def clovis_report(**overrides) -> NewReport:
    values = dict(
        reporter_pseudonym="pseudo-K4",
        reporter_chat_id=5551001,
        neighborhood_key="clovis",
        indicators=(Indicator.VEHICLES, Indicator.APPROACHING_HOUSE, Indicator.AGENCY_MARKINGS),
        description="Five unmarked SUVs parked every which way outside the dairy on the Clovis highway.",
        reporter_language="en",
        created_at=NOW,
    )
    values.update(overrides)
    return NewReport(**values)


DAY = timedelta(days=1)


async def add(repo, status: ReportStatus | None = None, *, pseudonym="pseudo-K4", closed_at=NOW, **overrides):
    report = await repo.add_report(clovis_report(reporter_pseudonym=pseudonym, **overrides), new_public_ref)
    if status is not None:
        await repo.set_status(report.id, status, closed_at)
    return report


def purge_at(repo, now):
    return repo.purge(
        closed_before=now - 7 * DAY,
        contacts_closed_before=now - timedelta(hours=1),
        records_idle_since=now - 90 * DAY,
        now=now,
    )


async def enqueue(database, report_id: int | None, message, at: datetime) -> int:
    """Put one message in the outbox, as a service would, at `at`."""
    async with database.unit_of_work() as repo:
        return await repo.enqueue(report_id, message, at)


async def outbox_row(database, outbox_id: int):
    async with database.unit_of_work() as repo:
        return await repo.queued(outbox_id)


def catalog(language: str):
    """A language's gettext catalog as shipped (package data), read with Babel."""
    from importlib.resources import files

    from babel.messages.pofile import read_po

    from bot.i18n import catalog_path

    with files("bot").joinpath(catalog_path(language)).open("rb") as po_file:
        return read_po(po_file, locale=language)
