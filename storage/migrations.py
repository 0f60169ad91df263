"""Numbered SQL migrations shipped as package data.

Which migrations a database has had is recorded per version in ``schema_migrations`` (and the
highest one in PRAGMA user_version, for humans with a sqlite shell). Tracking the set rather than
a single counter matters because features are developed on parallel branches: a branch may ship
0001 and 0003 while 0002 lands elsewhere, and after the merge a database that already has 0003
must still receive 0002.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib.resources import files

import aiosqlite

from storage.dialect import POSTGRESQL, PostgresConnection

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations(dialect: str = "sqlite") -> list[Migration]:
    """SQLite's migrations, or (dialect "postgresql") their PostgreSQL twins, which carry the same numbers."""
    folder = files("storage").joinpath("migrations")
    if dialect != "sqlite":
        folder = folder.joinpath(dialect)
    migrations = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            migrations.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    migrations.sort(key=lambda m: m.version)
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions) or (versions and versions[0] != 1):
        raise RuntimeError(f"migrations must start at 0001 and use each number once: {versions}")
    return migrations


async def schema_version(connection: aiosqlite.Connection) -> int:
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def applied_versions(connection: aiosqlite.Connection) -> set[int]:
    await connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
    )
    async with connection.execute("SELECT version FROM schema_migrations") as cursor:
        recorded = {int(row[0]) for row in await cursor.fetchall()}
    if not recorded:
        # Databases made before this table existed counted contiguous migrations in user_version.
        recorded = set(range(1, await schema_version(connection) + 1))
    return recorded


async def apply_migrations(connection: aiosqlite.Connection) -> int:
    """Bring the schema up to date, one transaction per migration. Returns the highest version."""
    applied = await applied_versions(connection)
    migrations = bundled_migrations()
    unknown = applied - {m.version for m in migrations}
    if unknown:
        raise RuntimeError(
            f"the database has schema migrations {sorted(unknown)} that this Vigil does not know; "
            "upgrade Vigil instead of downgrading"
        )
    if applied:
        # Record what user_version implied, so later migrations can be tracked one by one.
        await connection.executemany(
            "INSERT OR IGNORE INTO schema_migrations (version, name) VALUES (?, ?)",
            [(m.version, m.name) for m in migrations if m.version in applied],
        )
    for migration in migrations:
        if migration.version in applied:
            continue
        highest = max(applied | {migration.version})
        # executescript would commit on its own; putting BEGIN/COMMIT in the script keeps the
        # migration and its bookkeeping atomic.
        try:
            await connection.executescript(
                f"BEGIN IMMEDIATE;\n{migration.sql}\n"
                f"INSERT INTO schema_migrations (version, name) VALUES ({migration.version}, '{migration.name}');\n"
                f"PRAGMA user_version = {highest};\nCOMMIT;"
            )
        except sqlite3.Error:
            if connection.in_transaction:
                await connection.rollback()
            raise
        applied.add(migration.version)
    return await schema_version(connection)


async def apply_postgresql_migrations(connection: PostgresConnection) -> list[int]:
    """The PostgreSQL twin of apply_migrations: each migration and its bookkeeping in one
    transaction, under the write lock, so two Vigils starting at once migrate only once."""
    migrations = bundled_migrations(POSTGRESQL.name)
    for migration in migrations:
        for statement in POSTGRESQL.begin():
            await connection.execute(statement)
        try:
            # Under the lock too: two servers' CREATE ... IF NOT EXISTS at the same instant can clash.
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
            )
            async with connection.execute("SELECT version FROM schema_migrations") as cursor:
                applied = {int(row[0]) for row in await cursor.fetchall()}
            unknown = applied - {m.version for m in migrations}
            if unknown:
                raise RuntimeError(
                    f"the database has schema migrations {sorted(unknown)} that this Vigil does not know; "
                    "upgrade Vigil instead of downgrading"
                )
            if migration.version not in applied:
                await connection.execute_script(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (migration.version, migration.name)
                )
        except BaseException:
            await connection.execute("ROLLBACK")
            raise
        await connection.execute("COMMIT")
    async with connection.execute("SELECT version FROM schema_migrations ORDER BY version") as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]
