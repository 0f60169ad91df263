"""A real, throwaway PostgreSQL server for the tests, the drills and the benchmarks.

`initdb` and `pg_ctl` make a cluster in a temporary directory that listens only on a unix socket
there (no TCP port, nothing shared with another test run). PostgreSQL refuses to run as root, so
when the tests run as root (CI's fresh container) the server runs as the unprivileged `nobody`
through `runuser`. Each test gets a fresh database copied from a template that already has every
migration, so a test costs one CREATE DATABASE, not twenty migrations.

Where no server binary is found, the PostgreSQL tests are skipped with that reason; CI sets
VIGIL_REQUIRE_POSTGRESQL=1 (.ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

from storage.database import Database

UNPRIVILEGED = "nobody"
SUPERUSER = "vigil"
TEMPLATE = "vigil_template"


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: pg_config's bindir, Debian's versioned folder, or PATH."""
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        try:
            bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout
            candidates.append(Path(bindir.strip()))
        except (OSError, subprocess.CalledProcessError):
            pass
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def required() -> bool:
    return os.environ.get("VIGIL_REQUIRE_POSTGRESQL") == "1"


MISSING = (
    "no PostgreSQL server binaries (initdb, pg_ctl) found via pg_config, /usr/lib/postgresql/*/bin or PATH;"
    " install Debian's `postgresql` package to run the PostgreSQL tests"
)


@dataclass
class LocalPostgres:
    """One running cluster. `url(name)` is a database's address on the cluster's socket."""

    bindir: Path
    root: Path
    durable: bool = False  # fsync on (benchmarks); tests trade durability for speed
    synchronous_commit: bool = True  # with durable: False waits for no flush at COMMIT (SQLite's NORMAL)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def _as_owner(self, *command: str) -> list[str]:
        if os.geteuid() != 0:
            return list(command)
        return ["runuser", "-u", UNPRIVILEGED, "--", *command]

    def start(self) -> None:
        if os.geteuid() == 0:
            user = pwd.getpwnam(UNPRIVILEGED)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        subprocess.run(
            self._as_owner(
                str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                "--encoding=UTF8", "--locale=C", "--no-sync",
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        settings = f"-k {self.socket_dir} -c listen_addresses='' -c max_connections=100"
        if not self.durable:
            settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        elif not self.synchronous_commit:
            settings += " -c synchronous_commit=off"
        subprocess.run(
            self._as_owner(
                str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", settings, "-l",
                str(self.root / "server.log"), "-w", "start",
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            self._as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"),
            capture_output=True,
        )

    def create_database(self, name: str, *, template: str | None = None) -> str:
        with psycopg.connect(self.url(), autocommit=True) as admin:
            clause = f" TEMPLATE {template}" if template else ""
            admin.execute(f"CREATE DATABASE {name}{clause}".encode())
        return self.url(name)


class PostgresDatabases:
    """Fresh databases with every migration, copied from a migrated template."""

    def __init__(self, server: LocalPostgres) -> None:
        """Call it where no event loop runs (a session fixture): it migrates the template."""
        self.server = server
        self._names = itertools.count(1)
        url = self.server.create_database(TEMPLATE)

        async def migrate() -> None:
            database = await Database.open(url)
            await database.close()

        asyncio.run(migrate())

    def fresh_url(self) -> str:
        return self.server.create_database(f"vigil_{next(self._names)}", template=TEMPLATE)


def start_server(*, durable: bool = False, synchronous_commit: bool = True) -> LocalPostgres | None:
    bindir = server_binaries()
    if bindir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="vigil-pg-"))
    server = LocalPostgres(bindir, root, durable=durable, synchronous_commit=synchronous_commit)
    server.start()
    return server


def remove(server: LocalPostgres) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)
