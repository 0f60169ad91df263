"""Numbered SQL migrations shipped as package data and tracked in PRAGMA user_version."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib.resources import files

import aiosqlite

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    folder = files("storage").joinpath("migrations")
    migrations = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            migrations.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    migrations.sort(key=lambda m: m.version)
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001, 0002, ... without gaps: {versions}")
    return migrations


async def schema_version(connection: aiosqlite.Connection) -> int:
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def apply_migrations(connection: aiosqlite.Connection) -> int:
    """Bring the schema up to date, one transaction per migration. Returns the new version."""
    current = await schema_version(connection)
    migrations = bundled_migrations()
    if current > len(migrations):
        raise RuntimeError(
            f"the database is at schema version {current}, newer than this Vigil ({len(migrations)}); "
            "upgrade Vigil instead of downgrading"
        )
    for migration in migrations[current:]:
        # executescript would commit on its own; putting BEGIN/COMMIT in the script keeps the
        # migration and its version bump atomic.
        try:
            await connection.executescript(
                f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
            )
        except sqlite3.Error:
            if connection.in_transaction:
                await connection.rollback()
            raise
    return await schema_version(connection)
