"""Reading what a database holds, below the repository, on either engine: for tests that check
that nothing else is stored (a column too many, a chat id left behind)."""

from __future__ import annotations

from typing import Any

from storage.database import Database


async def rows(database: Database, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
    async with database.unit_of_work() as repo:
        async with repo._db.execute(sql, parameters) as cursor:
            return list(await cursor.fetchall())


async def columns(database: Database, table: str) -> set[str]:
    """The table's column names (read from a row: the table must not be empty)."""
    found = await rows(database, f"SELECT * FROM {table} LIMIT 1")
    assert found, f"{table} is empty"
    return set(found[0].keys())


async def tables_with_a_column_like(database: Database, fragment: str) -> set[str]:
    """The tables that have a column whose name contains `fragment` (the schema, read on either engine)."""
    if database.dialect.name == "postgresql":
        found = await rows(
            database,
            "SELECT DISTINCT table_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND column_name LIKE ?",
            (f"%{fragment}%",),
        )
        return {str(row[0]) for row in found}
    tables = await rows(database, "SELECT name FROM sqlite_master WHERE type = 'table'")
    keyed = set()
    for (name,) in tables:
        if any(fragment in column[1] for column in await rows(database, f"PRAGMA table_info({name})")):
            keyed.add(str(name))
    return keyed
