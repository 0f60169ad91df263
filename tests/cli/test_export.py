"""`vigil export`: the figures /stats shows, by day and neighborhood, as CSV or JSON, from the reports
on record and the counts the purge kept; nothing about reporters, verifiers only by tag and on request."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

from bot.domain.stats import verifier_tag
from storage.database import Database
from tests.cli.conftest import environment, settings_for, vigil
from tests.history import NOVEMBER, VERIFIERS, write_history


async def november(workdir: Path) -> Path:
    """Ten days in Clovis and Vado; the first five already purged."""
    path = workdir / "vigil.sqlite3"
    database = await Database.open(path)
    try:
        await write_history(
            database,
            first_day=NOVEMBER,
            days=10,
            neighborhoods=("clovis", "vado"),
            purge_before=NOVEMBER + timedelta(days=5),
        )
        async with database.unit_of_work() as repo:
            remaining = await repo.export_outcomes("2026-11-01", "2026-11-30")
    finally:
        await database.close()
    assert {day for day, *_ in remaining} == {f"2026-11-{d:02}" for d in range(1, 11)}
    return path


async def test_a_csv_export_has_one_row_per_day_and_neighborhood_from_live_and_purged_reports(workdir: Path):
    database = await november(workdir)
    result = await vigil(
        "export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", "report.csv",
        cwd=workdir, env=environment(**settings_for(None, workdir)),
    )  # fmt: skip
    assert result.code == 0, result.output
    assert "Wrote" in result.stdout and "20 rows" in result.stdout
    rows = list(csv.DictReader((workdir / "report.csv").read_text(encoding="utf-8").splitlines()))
    assert [(r["day"], r["neighborhood"]) for r in rows[:3]] == [
        ("2026-11-01", "clovis"),
        ("2026-11-01", "vado"),
        ("2026-11-02", "clovis"),
    ]
    for row in rows:  # purged (1-5) and live (6-10) days read the same
        assert (row["reports"], row["attached"], row["published"], row["rejected"]) == ("4", "1", "1", "1")
        assert (row["rejected_not_enforcement"], row["rumor_checks"], row["closed_unconfirmed"]) == ("1", "1", "1")
        assert float(row["publish_median_seconds"]) >= 360
    assert not (workdir / "report-verifiers.csv").exists()
    text = (workdir / "report.csv").read_text()
    assert "Ana" not in text and "reporter-" not in text and "SUVs" not in text
    assert database.exists()
    result.assert_no_secrets()


async def test_verifiers_appear_only_by_tag_and_only_when_asked(workdir: Path):
    await november(workdir)
    result = await vigil(
        "export", "--from", "2026-11-06", "--to", "2026-11-07", "--out", "report.json", "--verifiers",
        cwd=workdir, env=environment(**settings_for(None, workdir)),
    )  # fmt: skip
    assert result.code == 0, result.output
    document = json.loads((workdir / "report.json").read_text())
    assert (document["from"], document["to"]) == ("2026-11-06", "2026-11-07")
    assert {row["day"] for row in document["days"]} == {"2026-11-06", "2026-11-07"}
    tags = {row["verifier"] for row in document["verifiers"]}
    assert tags == {verifier_tag(pseudonym) for pseudonym, _ in VERIFIERS}
    text = (workdir / "report.json").read_text()
    assert not any(name in text or pseudonym in text for pseudonym, name in VERIFIERS)


async def test_a_missing_database_or_a_wrong_file_type_is_one_sentence(workdir: Path):
    env = environment(**settings_for(None, workdir))
    missing = await vigil(
        "export", "--from", "2026-11-01", "--to", "2026-11-02", "--out", "r.csv", cwd=workdir, env=env
    )
    assert missing.code == 2 and "There is no database at" in missing.stderr
    assert not (workdir / "vigil.sqlite3").exists()
    wrong = await vigil("export", "--from", "2026-11-01", "--to", "2026-11-02", "--out", "r.xlsx", cwd=workdir, env=env)
    assert wrong.code == 2 and ".csv or .json" in wrong.stderr
