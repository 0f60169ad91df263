"""Backups that restore (storage/backup.py): a consistent copy while another connection writes, and a
restore that refuses what must not be put in place."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services.pseudonyms import Pseudonyms
from storage.backup import (
    DatabaseInUse,
    InstanceLock,
    RestoreRefused,
    backup,
    check_backup,
    pending_migrations,
    restore,
)
from storage.database import Database
from storage.migrations import bundled_migrations
from tests.sample_network import SECRET

OTHER_SECRET = "kC7xR2mQ9vL4tN8wZ1bY6hJ3sF5dG0pA-another-key_entirely"
FINGERPRINT = Pseudonyms(SECRET).key_check()


async def vigil_database(path: Path, *, fingerprint: str | None = FINGERPRINT) -> Database:
    """A database as Vigil leaves it at start-up: migrated, with the key's fingerprint."""
    database = await Database.open(path)
    if fingerprint is not None:
        async with database.unit_of_work() as repo:
            await repo.record_secret_key_check(fingerprint, datetime.now(UTC))
    return database


def add_rows(path: Path, count: int, *, start: int = 0) -> None:
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO reports (public_ref, reporter_pseudonym, neighborhood_key, reporter_language, created_at)"
            " VALUES (?, 'pseudo', 'clovis', 'en', '2026-01-01T00:00:00+00:00')",
            [(f"R-{n:06d}",) for n in range(start, start + count)],
        )


async def live_and_copy(tmp_path: Path, reports: int) -> tuple[Path, Path]:
    """A stopped Vigil's database with `reports` reports, and a backup of it."""
    live = tmp_path / "vigil.sqlite3"
    database = await vigil_database(live)
    await database.close()
    add_rows(live, reports)
    return live, backup(live, tmp_path / "copy.sqlite3").path


def report_count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM reports").fetchone()[0])


def test_the_fingerprint_tells_keys_apart_and_never_contains_the_key():
    assert Pseudonyms(SECRET).key_check() == FINGERPRINT
    assert Pseudonyms(OTHER_SECRET).key_check() != FINGERPRINT
    assert SECRET not in FINGERPRINT and len(FINGERPRINT) == 64


async def test_a_backup_is_a_private_consistent_copy_that_passes_the_restore_checks(tmp_path):
    database = await vigil_database(tmp_path / "vigil.sqlite3")
    await database.close()
    add_rows(tmp_path / "vigil.sqlite3", 500)
    done = backup(tmp_path / "vigil.sqlite3", tmp_path / "backups" / "copy.sqlite3")
    assert done.path.is_file() and done.pages > 0
    assert stat.S_IMODE(done.path.stat().st_mode) == 0o600  # it holds reports and pseudonyms
    assert not list((tmp_path / "backups").glob(".*"))  # no scratch file left behind
    check = check_backup(done.path, FINGERPRINT)
    assert check.reports == 500
    assert check.highest == max(m.version for m in bundled_migrations())


async def test_a_backup_taken_while_another_connection_commits_is_one_moment_and_blocks_no_commit(tmp_path):
    path = tmp_path / "vigil.sqlite3"
    database = await vigil_database(path)
    await database.close()
    add_rows(path, 20_000)
    writing = True
    commits: list[int] = []

    async def writer() -> None:
        """Another process's bot: it commits reports, one transaction each, as fast as it can."""
        n = 1_000_000
        with sqlite3.connect(path, isolation_level=None, timeout=10) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
            while writing:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(
                    "INSERT INTO reports (public_ref, reporter_pseudonym, neighborhood_key, reporter_language,"
                    " created_at) VALUES (?, 'p', 'vado', 'en', '2026-01-01T00:00:00+00:00')",
                    (f"R-{n}",),
                )
                connection.execute("COMMIT")
                commits.append(n)
                n += 1
                await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    # Small steps: many of them, with the writer committing between them.
    done = await asyncio.to_thread(backup, path, tmp_path / "copy.sqlite3", step_pages=8)
    during = len(commits)
    await asyncio.sleep(0.05)
    writing = False
    await task
    assert during > 0 and len(commits) > during  # the writer went on committing during and after the copy
    copied = check_backup(done.path, FINGERPRINT).reports
    assert 20_000 <= copied < report_count(path)
    with sqlite3.connect(done.path) as copy:
        # one moment: the copied rows are exactly the first ones committed, with no gap
        newest = copy.execute("SELECT COUNT(*) FROM reports WHERE neighborhood_key = 'vado'").fetchone()[0]
        assert newest == copied - 20_000
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # self-contained


async def test_a_backup_is_never_written_over_the_database_or_its_files(tmp_path):
    live, _ = await live_and_copy(tmp_path, 2)
    for name in ("vigil.sqlite3", "vigil.sqlite3-wal", "vigil.sqlite3.lock"):
        with pytest.raises(FileExistsError, match="is the database itself"):
            backup(live, tmp_path / "sub" / ".." / name)
    assert report_count(live) == 2


async def test_restore_puts_the_backup_in_place_and_keeps_the_database_it_replaced(tmp_path):
    live, copy = await live_and_copy(tmp_path, 10)
    add_rows(live, 5, start=10)  # written after the backup: lost by the restore, but kept aside
    check, kept = restore(copy, live, FINGERPRINT)
    assert check.reports == 10 and report_count(live) == 10
    assert kept is not None and report_count(kept) == 15
    reopened = await Database.open(live)  # Vigil starts on it
    assert await reopened.integrity_check() == "ok"
    await reopened.close()


async def test_restore_refuses_a_backup_made_with_another_key(tmp_path):
    database = await vigil_database(tmp_path / "other.sqlite3", fingerprint=Pseudonyms(OTHER_SECRET).key_check())
    await database.close()
    copy = backup(tmp_path / "other.sqlite3", tmp_path / "copy.sqlite3").path
    with pytest.raises(RestoreRefused, match="another VIGIL_SECRET_KEY"):
        restore(copy, tmp_path / "vigil.sqlite3", FINGERPRINT)
    assert not (tmp_path / "vigil.sqlite3").exists()


async def test_restore_refuses_a_backup_without_a_fingerprint(tmp_path):
    database = await vigil_database(tmp_path / "old.sqlite3", fingerprint=None)
    await database.close()
    with pytest.raises(RestoreRefused, match="no secret key fingerprint"):
        check_backup(tmp_path / "old.sqlite3", FINGERPRINT)


async def test_restore_refuses_a_damaged_file_and_leaves_the_database_alone(tmp_path):
    live, copy = await live_and_copy(tmp_path, 3)
    data = bytearray(copy.read_bytes())
    page = 4096
    data[page * 2 : page * 2 + 200] = b"\xff" * 200  # a page in the middle, overwritten
    copy.write_bytes(bytes(data))
    with pytest.raises(RestoreRefused, match="damaged|not a readable SQLite database"):
        restore(copy, live, FINGERPRINT)
    (tmp_path / "junk.sqlite3").write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(RestoreRefused, match="not a readable SQLite database"):
        restore(tmp_path / "junk.sqlite3", live, FINGERPRINT)
    assert report_count(live) == 3


async def test_restore_refuses_a_backup_from_a_newer_vigil(tmp_path):
    database = await vigil_database(tmp_path / "newer.sqlite3")
    await database.close()
    with sqlite3.connect(tmp_path / "newer.sqlite3") as connection:
        connection.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')")
    with pytest.raises(RestoreRefused, match="newer Vigil .*9999"):
        restore(tmp_path / "newer.sqlite3", tmp_path / "vigil.sqlite3", FINGERPRINT)


async def test_restore_refuses_while_a_vigil_runs_on_the_database(tmp_path):
    live, copy = await live_and_copy(tmp_path, 1)
    running = InstanceLock(live)
    with running.held():
        with pytest.raises(DatabaseInUse, match="a Vigil is running"):
            restore(copy, live, FINGERPRINT)
        with pytest.raises(DatabaseInUse):
            InstanceLock(live).acquire()
    restore(copy, live, FINGERPRINT)  # stopped: now it may


async def test_pending_migrations_are_listed_without_being_applied(tmp_path):
    path = tmp_path / "vigil.sqlite3"
    assert [m.version for m in pending_migrations(path)] == [m.version for m in bundled_migrations()]
    database = await Database.open(path)
    await database.close()
    assert pending_migrations(path) == []
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM schema_migrations WHERE version = 35")
    assert [m.name for m in pending_migrations(path)] == ["0035_health_probe.sql"]
    assert not (tmp_path / "vigil.sqlite3").with_name("vigil.sqlite3.lock").exists()


async def test_start_up_copies_the_database_before_applying_new_migrations(tmp_path):
    path = tmp_path / "vigil.sqlite3"
    database = await Database.open(path)
    await database.close()
    add_rows(path, 7)
    with sqlite3.connect(path) as connection:
        # as a database from before this release: no 0035 yet
        connection.execute("DROP TABLE health_probe")
        connection.execute("DELETE FROM schema_migrations WHERE version = 35")
    database = await Database.open(path)
    await database.close()
    copies = list(tmp_path.glob("vigil.sqlite3.before-upgrade-*"))
    assert len(copies) == 1 and report_count(copies[0]) == 7
    with sqlite3.connect(copies[0]) as copy:
        assert 35 not in {row[0] for row in copy.execute("SELECT version FROM schema_migrations")}
    assert pending_migrations(path) == []
    database = await Database.open(path)  # nothing new to apply: no further copy
    await database.close()
    assert len(list(tmp_path.glob("vigil.sqlite3.before-upgrade-*"))) == 1
