"""`vigil run` refuses a key other than the one its database was made with; `vigil rotate-key`
changes it, but never while a vote is in progress."""

from __future__ import annotations

from pathlib import Path

from bot.domain.reports import new_public_ref
from bot.domain.verification import ReportStatus
from bot.fake_telegram import FakeTelegram
from storage.database import Database
from tests.cli.conftest import environment, run_until_polling, settings_for, vigil
from tests.samples import NOW, clovis_report

NEW_KEY = "Zq8rT2vW6yB1nM5kP9sD3fG7hJ0lX4cV-newkey"


async def test_a_changed_key_stops_vigil_until_rotate_key_makes_it_the_databases(workdir: Path, fake: FakeTelegram):
    first = await run_until_polling(fake, "run", cwd=workdir, env=environment(**settings_for(fake, workdir)))
    assert first.code == 0, first.stderr

    changed = environment(**settings_for(fake, workdir, VIGIL_SECRET_KEY=NEW_KEY))
    refused = await vigil("run", cwd=workdir, env=changed)
    assert refused.code == 2, refused.output
    assert "Traceback" not in refused.output and NEW_KEY not in refused.output
    assert "VIGIL_SECRET_KEY is not the key this database was made with" in refused.stderr
    assert "`vigil rotate-key`" in refused.stderr
    refused.assert_no_secrets()

    # A report is still open: not now. Only the database and the key are needed (no token).
    database_file = workdir / "vigil.sqlite3"
    database = await Database.open(database_file)
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
    await database.close()
    key_only = environment(VIGIL_SECRET_KEY=NEW_KEY, VIGIL_DATABASE=str(database_file))
    waiting = await vigil("rotate-key", cwd=workdir, env=key_only)
    assert waiting.code == 2, waiting.output
    assert waiting.stderr.strip().startswith("Not now: 1 open report(s) and 0 live alert(s)")

    database = await Database.open(database_file)
    async with database.unit_of_work() as repo:
        await repo.set_status(report.id, ReportStatus.EXPIRED, NOW)
    await database.close()
    rotated = await vigil("rotate-key", cwd=workdir, env=key_only)
    assert rotated.code == 0, rotated.output
    assert f"{database_file} now uses the new VIGIL_SECRET_KEY" in rotated.stdout
    assert NEW_KEY not in rotated.output

    polls = len(fake.calls("getUpdates"))
    again = await run_until_polling(fake, "run", cwd=workdir, env=changed, since=polls)
    assert again.code == 0, again.stderr
    old_key = await vigil("run", cwd=workdir, env=environment(**settings_for(fake, workdir)))
    assert old_key.code == 2 and "not the key this database was made with" in old_key.stderr


async def test_rotate_key_with_no_database_yet_is_one_sentence(tmp_path: Path):
    result = await vigil(
        "rotate-key", cwd=tmp_path, env=environment(VIGIL_SECRET_KEY=NEW_KEY, VIGIL_DATABASE=str(tmp_path / "x.db"))
    )
    assert result.code == 2
    assert result.stderr.strip() == (
        f"There is no database at {tmp_path / 'x.db'}: a new one takes the key it first starts with."
    )
    assert not (tmp_path / "x.db").exists()
