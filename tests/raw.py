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
