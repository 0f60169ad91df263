"""Backups that restore: a consistent copy of the live database, and putting one back safely.

`vigil backup` runs beside the bot, in a process of its own, with SQLite's online backup API. It
holds one read transaction for the whole copy, so the copy is one consistent moment even while the
bot commits, and it copies in steps of a few megabytes. In WAL mode a reader never blocks a writer:
the bot's updates go on committing while it copies (the WAL grows meanwhile, and is folded back at
the next checkpoint). The copy is written to a temporary file beside the target, checked, made
private (0600) and renamed into place, so a half-written backup never carries the backup's name.

`vigil restore` checks a backup before it replaces anything (:func:`check_backup`: SQLite's
integrity_check, migrations this Vigil knows, and the fingerprint of the secret key it was written
with), refuses while a Vigil runs on the database (:class:`InstanceLock`), keeps the database it
replaces beside it, and renames the restored copy into place.

The key's fingerprint is the one the bot records at its first start and checks at every start
(`Pseudonyms.key_check`, table `secret_key_check`, see bot/services/secret_key.py): an HMAC of a
fixed text keyed with the key, which tells whether two keys are the same and nothing else about
them. The caller computes it; storage never sees the key.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hmac
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.migrations import Migration, bundled_migrations

BACKUP_STEP_PAGES = 1024  # 4 MB at SQLite's default page size; the read snapshot stays the same across steps
LOCK_SUFFIX = ".lock"


class RestoreRefused(Exception):
    """A backup that must not be put in place; the message is one sentence for the organizer."""


class DatabaseInUse(Exception):
    """A Vigil is running on this database."""


# --- one Vigil per database ----------------------------------------------------------------------


class InstanceLock:
    """An exclusive lock on `<database>.lock`, held by a running Vigil for its whole life.

    flock(2): the kernel releases it when the process ends, however it ends, so a crash never
    leaves a stale lock behind. `vigil restore` and `vigil migrate` take it too.
    """

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + LOCK_SUFFIX)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise DatabaseInUse(f"a Vigil is running on this database (it holds {self.path})") from None
            raise
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


# --- taking a backup ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupDone:
    path: Path
    pages: int
    seconds: float


def backup(source: Path, target: Path, *, step_pages: int = BACKUP_STEP_PAGES) -> BackupDone:
    """Copy the database at `source` to `target` while the bot may be running (see the module)."""
    started = time.monotonic()
    if not source.is_file():
        raise FileNotFoundError(f"there is no database at {source}")
    if target.resolve() in {source.resolve().with_name(source.name + end) for end in ("", "-wal", "-shm", LOCK_SUFFIX)}:
        # Renamed over the live database, the copy would leave the bot writing to a deleted file.
        raise FileExistsError(f"{target} is the database itself or one of its files; name another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = _scratch_file(target, "backup")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as origin:
            origin.execute("PRAGMA busy_timeout = 10000")
            # One read transaction across every step: the copy is one moment, and no commit of the
            # bot's in between restarts it.
            origin.execute("BEGIN")
            origin.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            pages = _copy(origin, scratch, step_pages)
            origin.execute("COMMIT")
        os.replace(scratch, target)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)
    return BackupDone(target, pages, time.monotonic() - started)


def _copy(origin: sqlite3.Connection, scratch: Path, step_pages: int) -> int:
    """Copy `origin` into the new private file `scratch`, self-contained (no WAL beside it), synced."""
    with contextlib.closing(sqlite3.connect(scratch, isolation_level=None)) as copy:
        origin.backup(copy, pages=step_pages)
        copy.execute("PRAGMA journal_mode = DELETE")
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
    with open(scratch, "rb") as written:
        os.fsync(written.fileno())
    return pages


def _scratch_file(beside: Path, purpose: str) -> Path:
    """A new empty file only its owner may read, next to `beside` (so a rename is atomic)."""
    scratch = beside.with_name(f".{beside.name}.{purpose}-{os.getpid()}-{time.monotonic_ns()}")
    os.close(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return scratch


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- checking and restoring -----------------------------------------------------------------------


@dataclass(frozen=True)
class BackupCheck:
    migrations: frozenset[int]
    reports: int

    @property
    def highest(self) -> int:
        return max(self.migrations, default=0)


def check_backup(path: Path, fingerprint: str) -> BackupCheck:
    """Why `path` must not be restored (RestoreRefused), or what it holds."""
    if not path.is_file():
        raise RestoreRefused(f"There is no file {path}.")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
            verdict = [row[0] for row in copy.execute("PRAGMA integrity_check").fetchall()]
            if verdict != ["ok"]:
                raise RestoreRefused(f"{path} is damaged (SQLite's integrity check: {verdict[0]}).")
            applied = _applied_migrations(copy)
            if not applied:
                raise RestoreRefused(f"{path} is not a Vigil database (it has no schema migrations).")
            known = {m.version for m in bundled_migrations()}
            newer = sorted(applied - known)
            if newer:
                raise RestoreRefused(
                    f"{path} was written by a newer Vigil (migrations {', '.join(map(str, newer))} are unknown "
                    "here); upgrade Vigil, then restore."
                )
            stored = _stored_fingerprint(copy)
            if stored is None:
                raise RestoreRefused(
                    f"{path} records no secret key fingerprint (it was written before Vigil kept one, or "
                    "before it ever started), so it cannot be checked against VIGIL_SECRET_KEY."
                )
            if not hmac.compare_digest(stored, fingerprint):
                raise RestoreRefused(
                    f"{path} was written with another VIGIL_SECRET_KEY: with this key no reporter's "
                    "pseudonym would match. Restore it with the key it was made with."
                )
            reports = int(copy.execute("SELECT COUNT(*) FROM reports").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise RestoreRefused(f"{path} is not a readable SQLite database ({error}).") from None
    return BackupCheck(frozenset(applied), reports)


def restore(backup_file: Path, database: Path, fingerprint: str) -> tuple[BackupCheck, Path | None]:
    """Check `backup_file` and put it in place of `database`; returns the check and where the
    replaced database was kept (None if there was none). Raises DatabaseInUse while a Vigil runs."""
    with InstanceLock(database).held():
        check = check_backup(backup_file, fingerprint)
        database.parent.mkdir(parents=True, exist_ok=True)
        scratch = _scratch_file(database, "restore")
        try:
            with contextlib.closing(sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)) as origin:
                _copy(origin, scratch, BACKUP_STEP_PAGES)
            kept = _move_aside(database)
            os.replace(scratch, database)
        except BaseException:
            scratch.unlink(missing_ok=True)
            raise
        _sync_directory(database.parent)
    return check, kept


def _move_aside(database: Path) -> Path | None:
    """Rename the database and its WAL and shared-memory files together (the WAL may hold commits
    not yet in the file: it must stay paired with its database, never meet the restored one)."""
    if not database.exists():
        for sidecar in ("-wal", "-shm"):
            database.with_name(database.name + sidecar).unlink(missing_ok=True)
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = database.with_name(f"{database.name}.before-restore-{stamp}")
    for sidecar in ("-wal", "-shm"):
        old = database.with_name(database.name + sidecar)
        if old.exists():
            os.replace(old, kept.with_name(kept.name + sidecar))
    os.replace(database, kept)
    return kept


# --- migrations, read without applying -----------------------------------------------------------


def pending_migrations(database: Path) -> list[Migration]:
    """The bundled migrations the database at `database` has not had (all of them for no database)."""
    migrations = bundled_migrations()
    if not database.is_file():
        return migrations
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        applied = _applied_migrations(connection)
    return [m for m in migrations if m.version not in applied]


def _applied_migrations(connection: sqlite3.Connection) -> set[int]:
    """As storage.migrations.applied_versions, without creating anything (the file is read-only here)."""
    has_table = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    recorded = (
        {int(row[0]) for row in connection.execute("SELECT version FROM schema_migrations")} if has_table else set()
    )
    if not recorded:
        recorded = set(range(1, int(connection.execute("PRAGMA user_version").fetchone()[0]) + 1))
    return recorded


def _stored_fingerprint(connection: sqlite3.Connection) -> str | None:
    has_table = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'secret_key_check'"
    ).fetchone()
    if not has_table:
        return None
    row = connection.execute("SELECT key_check FROM secret_key_check WHERE id = 1").fetchone()
    return str(row[0]) if row else None


def backup_before_upgrade(database: Path) -> BackupDone | None:
    """Start-up's copy of a database about to receive migrations (None: nothing to upgrade, or a new
    database). It is kept beside the database as `<name>.before-upgrade-<highest applied>-<time>`."""
    if not database.is_file():
        return None
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        applied = _applied_migrations(connection)
    if not applied or not [m for m in bundled_migrations() if m.version not in applied]:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return backup(database, database.with_name(f"{database.name}.before-upgrade-{max(applied):04d}-{stamp}"))
