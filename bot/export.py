"""`vigil export`: the desk's figures by day and neighborhood, as CSV or JSON.

It reads the database directly (the bot may be running: the read is one short transaction) and
sees what /stats sees: the reports still on record and the anonymous counts the purge kept of the
older ones. Nothing about reporters; verifiers only by tag, and only when asked for.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.domain.exports import COLUMNS, VERIFIER_COLUMNS, DayFigures, VerifierDay, day_figures, verifier_days
from storage.database import Database

FORMATS = (".csv", ".json")


@dataclass(frozen=True)
class Export:
    first: date
    last: date
    days: list[DayFigures]
    verifiers: list[VerifierDay] | None  # None: not asked for


async def read_export(database_path: Path | str, first: date, last: date, *, verifiers: bool = False) -> Export:
    database = await Database.open(database_path)
    try:
        async with database.unit_of_work() as repo:
            span = (first.isoformat(), last.isoformat())
            days = day_figures(
                await repo.export_outcomes(*span),
                await repo.export_rejections(*span),
                await repo.export_publication_delays(*span),
            )
            votes = verifier_days(await repo.export_votes(*span)) if verifiers else None
    finally:
        await database.close()
    return Export(first, last, days, votes)


def verifiers_path(out: Path) -> Path:
    """Where a CSV export puts the verifiers' figures: a second table, so a second file."""
    return out.with_name(f"{out.stem}-verifiers{out.suffix}")


def write_export(export: Export, out: Path) -> list[Path]:
    """Write `out` (.csv or .json); returns the files written."""
    if out.suffix.lower() == ".json":
        document: dict[str, object] = {
            "from": export.first.isoformat(),
            "to": export.last.isoformat(),
            "days": [row.as_row() for row in export.days],
        }
        if export.verifiers is not None:
            document["verifiers"] = [row.as_row() for row in export.verifiers]
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return [out]
    written = [out]
    _write_csv(out, COLUMNS, [row.as_row() for row in export.days])
    if export.verifiers is not None:
        written.append(verifiers_path(out))
        _write_csv(written[-1], VERIFIER_COLUMNS, [row.as_row() for row in export.verifiers])
    return written


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows({name: "" if value is None else value for name, value in row.items()} for row in rows)
