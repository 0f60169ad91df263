"""`vigil backup`, `vigil restore` and `vigil migrate --check`, run as an organizer runs them."""

from __future__ import annotations

import sqlite3

from tests.cli.conftest import environment, settings_for, vigil
from tests.e2e.harness import running_vigil
from tests.e2e.people import Resident, quick_report
from tests.sample_network import TOM

OTHER_KEY = "kC7xR2mQ9vL4tN8wZ1bY6hJ3sF5dG0pA-another-key_entirely"


async def test_backup_while_vigil_runs_then_restore_once_it_stopped(fake, workdir):
    env = environment(**settings_for(fake, workdir))
    copy = workdir / "backups" / "vigil-today.sqlite3"
    async with running_vigil(fake, workdir):
        await quick_report(Resident(fake, TOM), "Clovis", "Vans at the dairy")
        # a backup job needs no secret: only where the database is
        only_the_database = environment(VIGIL_DATABASE=str(workdir / "vigil.sqlite3"))
        taken = await vigil("backup", str(copy), cwd=workdir, env=only_the_database)
        assert taken.code == 0, taken.output
        assert f"to {copy} (" in taken.stdout
        refused = await vigil("restore", str(copy), cwd=workdir, env=env)
        assert refused.code == 2
        assert "Nothing was restored: a Vigil is running on this database" in refused.stderr
        assert "Stop Vigil first" in refused.stderr
        for outcome in (taken, refused):
            outcome.assert_no_secrets()
    restored = await vigil("restore", str(copy), cwd=workdir, env=env)
    assert restored.code == 0, restored.output
    assert "integrity ok, the same secret key, 1 reports" in restored.stdout
    assert "The database it replaced is kept as" in restored.stdout
    restored.assert_no_secrets()


async def test_restore_with_another_key_is_refused_and_changes_nothing(fake, workdir):
    async with running_vigil(fake, workdir):
        pass
    env = environment(**settings_for(fake, workdir))
    assert (await vigil("backup", str(workdir / "copy.sqlite3"), cwd=workdir, env=env)).code == 0
    before = (workdir / "vigil.sqlite3").read_bytes()
    other = environment(**settings_for(fake, workdir, VIGIL_SECRET_KEY=OTHER_KEY))
    refused = await vigil("restore", str(workdir / "copy.sqlite3"), cwd=workdir, env=other)
    assert refused.code == 2
    assert "was written with another VIGIL_SECRET_KEY" in refused.stderr
    assert OTHER_KEY not in refused.output
    assert (workdir / "vigil.sqlite3").read_bytes() == before


async def test_migrate_check_lists_pending_migrations_and_applies_none(fake, workdir):
    async with running_vigil(fake, workdir):
        pass
    database = workdir / "vigil.sqlite3"
    with sqlite3.connect(database) as connection:  # as before this release
        connection.execute("DROP TABLE health_probe")
        connection.execute("DELETE FROM schema_migrations WHERE version = 35")
    env = environment(**settings_for(fake, workdir))
    checked = await vigil("migrate", "--check", cwd=workdir, env=env)
    assert checked.code == 1
    assert "1 pending migration(s):\n  0035_health_probe.sql" in checked.stdout
    assert (await vigil("migrate", "--check", cwd=workdir, env=env)).code == 1  # still pending: nothing applied
    applied = await vigil("migrate", cwd=workdir, env=env)
    assert applied.code == 0 and "Applied 1 migration(s)" in applied.stdout
    assert len(list(workdir.glob("vigil.sqlite3.before-upgrade-*"))) == 1  # the copy taken first
    assert (await vigil("migrate", "--check", cwd=workdir, env=env)).code == 0
