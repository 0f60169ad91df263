"""Where SQLite and PostgreSQL differ, in one place.

Vigil's SQL is written once, in the dialect both engines share (``?`` and ``:name`` parameters,
``INSERT ... ON CONFLICT``, ``RETURNING``, ``CASE``). What cannot be shared is a method of the
:class:`Dialect` object each repository carries: how a unit of work takes the write lock, and the
few JSON functions the queries use. Nothing else in ``storage/`` asks which engine it talks to.

PostgreSQL is reached with psycopg 3 through :class:`PostgresConnection`, which offers the part of
aiosqlite's interface the queries use (``execute`` as an awaitable or an ``async with``,
``executemany``, rows readable by position and by column name), so the queries do not change.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Generator, Iterable, Mapping, Sequence
from contextlib import suppress
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol, cast

import psycopg
from psycopg.rows import RowMaker

# Every unit of work on PostgreSQL takes this transaction-scoped advisory lock first: the twin of
# SQLite's BEGIN IMMEDIATE (one writer at a time, across every Vigil on the database). It is released
# by COMMIT or ROLLBACK, so it holds behind a transaction-mode connection pooler too.
WRITE_LOCK_KEY = 0x5649_4749  # "VIGI"

IDLE_IN_TRANSACTION_MS = 8_000
BUSY_TIMEOUT_MS = 10_000  # how long SQLite waits for another connection's write lock
CHECKPOINT_WAIT_MS = 20

Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """A result row, read by position or by column name (sqlite3.Row and PostgresRow both are)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...


class _Result(Protocol):
    """What ``execute`` returns: await it for the cursor, or use it with ``async with``."""

    def __await__(self) -> Generator[Any, None, Cursor]: ...

    def __aenter__(self) -> Awaitable[Cursor]: ...

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any, /) -> None: ...


class Connection(Protocol):
    """The part of aiosqlite.Connection the queries use; PostgresConnection offers the same."""

    def execute(self, sql: str, parameters: Params | None = None, /) -> _Result: ...

    async def executemany(self, sql: str, parameters: Iterable[Params], /) -> Any: ...


class Dialect(Protocol):
    name: str
    integrity_check: str  # a query whose one value is "ok" when the database is sound

    async def checkpoint(self, connection: Connection) -> None:
        """Make deleted rows leave the files now (Database.checkpoint)."""
        ...

    def begin(self) -> Sequence[str]:
        """The statements that open a unit of work holding the write lock."""
        ...

    async def begin_and_read(self, connection: Connection, query: str) -> Row | None:
        """Open a unit of work holding the write lock, then run `query` (no parameters) in it: its
        first row. One round trip to the server where the engine has one (the lease's fence)."""
        ...

    def json_array_of(self, expression: str) -> str:
        """An aggregate: a JSON array (as text) of `expression` over the group, '[]' when empty."""
        ...

    def json_pair(self, first: str, second: str) -> str:
        """A two-element JSON array, to be aggregated by json_array_of."""
        ...

    def json_int(self, column: str, *path: str) -> str:
        """The integer at `path` in the JSON text `column` (NULL when absent)."""
        ...

    def json_with(self, column: str, key: str, object_key: str, value: str) -> str:
        """The JSON text `column` with `key` set to the object {object_key: value}."""
        ...

    async def changes(self, connection: Connection, cursor: Cursor) -> int:
        """How many rows the statement that gave `cursor` changed."""
        ...

    def indexed_by(self, index: str) -> str:
        """A hint to use `index` (SQLite's planner needs it where PostgreSQL's does not)."""
        ...


class SqliteDialect:
    name = "sqlite"
    integrity_check = "PRAGMA integrity_check"

    async def checkpoint(self, connection: Connection) -> None:
        # A TRUNCATE checkpoint waits for readers of an older snapshot (`vigil backup` copying the
        # database, in a process of its own) while it holds the lock every update needs: it waits
        # CHECKPOINT_WAIT_MS at most, then leaves the rest of the log for the next checkpoint.
        await connection.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
        try:
            await connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def begin(self) -> Sequence[str]:
        return ("BEGIN IMMEDIATE",)

    async def begin_and_read(self, connection: Connection, query: str) -> Row | None:
        for statement in self.begin():
            await connection.execute(statement)
        try:
            async with connection.execute(query) as cursor:
                return cast(Row | None, await cursor.fetchone())
        except BaseException:
            await connection.execute("ROLLBACK")
            raise

    def json_array_of(self, expression: str) -> str:
        return f"json_group_array({expression})"

    def json_pair(self, first: str, second: str) -> str:
        return f"json_array({first}, {second})"

    def json_int(self, column: str, *path: str) -> str:
        return f"json_extract({column}, '$.{'.'.join(path)}')"

    def json_with(self, column: str, key: str, object_key: str, value: str) -> str:
        return f"json_set({column}, '$.{key}', json_object('{object_key}', {value}))"

    async def changes(self, connection: Connection, cursor: Cursor) -> int:
        # sqlite3's rowcount is -1 for a statement that starts with WITH; SQLite itself knows.
        async with connection.execute("SELECT changes()") as counted:
            row = await counted.fetchone()
        return int(row[0]) if row else 0

    def indexed_by(self, index: str) -> str:
        return f"INDEXED BY {index}"


class PostgresDialect:
    name = "postgresql"
    integrity_check = "SELECT 'ok'"  # the server keeps its own files sound; that it answers is the check

    async def checkpoint(self, connection: Connection) -> None:
        """Nothing: deleted rows leave a server's files at its next VACUUM, which autovacuum runs."""

    def begin(self) -> Sequence[str]:
        # READ COMMITTED after the lock: every statement sees everything committed before the lock
        # was granted, as under SQLite's single writer; no serialization failures to retry.
        # One round trip: both statements in one simple query.
        return (f"BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})",)

    async def begin_and_read(self, connection: Connection, query: str) -> Row | None:
        # The three statements in one simple query: the query runs after the lock was granted, in
        # the same transaction, as if sent on its own, without waiting for a second round trip.
        assert isinstance(connection, PostgresConnection)
        try:
            return await connection.last_row_of_script(f"{self.begin()[0]}; {query}")
        except BaseException:
            # A statement that failed after BEGIN leaves its transaction open (and aborted).
            with suppress(psycopg.Error):
                await connection.execute("ROLLBACK")
            raise

    def json_array_of(self, expression: str) -> str:
        return f"COALESCE(json_agg({expression}), '[]'::json)::text"

    def json_pair(self, first: str, second: str) -> str:
        return f"json_build_array({first}, {second})"

    def json_int(self, column: str, *path: str) -> str:
        return f"({column}::jsonb #>> '{{{','.join(path)}}}')::bigint"

    def json_with(self, column: str, key: str, object_key: str, value: str) -> str:
        return f"jsonb_set({column}::jsonb, '{{{key}}}', jsonb_build_object('{object_key}', {value}))::text"

    async def changes(self, connection: Connection, cursor: Cursor) -> int:
        return cursor.rowcount

    def indexed_by(self, index: str) -> str:
        return ""


async def new_id(cursor: Cursor) -> int:
    """The id an ``INSERT ... RETURNING id`` gave its row (both engines know RETURNING)."""
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


SQLITE = SqliteDialect()
POSTGRESQL = PostgresDialect()


def is_postgresql_url(database: str) -> bool:
    return database.startswith(("postgresql://", "postgres://"))


# --- PostgreSQL through psycopg 3 ---------------------------------------------------------------

_TOKENS = re.compile(r"--[^\n]*|'(?:[^']|'')*'|::|\?|:([A-Za-z_]\w*)|%")


@lru_cache(maxsize=1024)
def to_psycopg(sql: str) -> str:
    """The same statement with psycopg's placeholders: ``?`` → ``%s``, ``:name`` → ``%(name)s``,
    a literal ``%`` doubled, ``--`` comments dropped. Quoted strings and ``::`` casts are left alone."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        if token.startswith("--"):
            return ""
        return token.replace("%", "%%") if token.startswith("'") else token

    return _TOKENS.sub(replace, sql)


def _plain(value: Any) -> Any:
    # SQLite gives integers for SUM over integers; PostgreSQL gives numeric for SUM over bigint.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _bound(parameters: Params) -> Params:
    # SQLite stores a bool as 0 or 1; PostgreSQL will not put a boolean in an integer column.
    if isinstance(parameters, Mapping):
        return {k: int(v) if isinstance(v, bool) else v for k, v in parameters.items()}
    return [int(v) if isinstance(v, bool) else v for v in parameters]


class PostgresRow(tuple[Any, ...]):
    """A row readable by position and by column name, like sqlite3.Row."""

    _names: dict[str, int]

    def __new__(cls, values: Sequence[Any], names: dict[str, int]) -> PostgresRow:
        row = super().__new__(cls, [_plain(v) for v in values])
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: psycopg.AsyncCursor[Any]) -> RowMaker[PostgresRow]:
    names = {column.name: index for index, column in enumerate(cursor.description or ())}
    return lambda values: PostgresRow(values, names)


class PostgresCursor:
    def __init__(self, cursor: psycopg.AsyncCursor[PostgresRow]) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def fetchone(self) -> PostgresRow | None:
        return await self._cursor.fetchone()

    async def fetchall(self) -> list[PostgresRow]:
        return await self._cursor.fetchall()


class _PostgresResult:
    def __init__(self, running: Awaitable[PostgresCursor]) -> None:
        self._running = running

    def __await__(self) -> Generator[Any, None, PostgresCursor]:
        return self._running.__await__()

    async def __aenter__(self) -> PostgresCursor:
        return await self._running

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any, /) -> None:
        return None


class PostgresConnection:
    """One psycopg connection in autocommit mode: unit_of_work states every transaction itself."""

    def __init__(self, connection: psycopg.AsyncConnection[PostgresRow]) -> None:
        self.raw = connection

    @classmethod
    async def connect(cls, url: str) -> PostgresConnection:
        connection = await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=_row_factory)
        # A Vigil paused inside a transaction (a stopped process, a frozen VM) would hold the write
        # lock, and with it the standby's takeover, for ever: the server ends such a session instead.
        # (A unit of work holds no transaction open while it waits on Telegram.)
        await connection.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}")
        return cls(connection)

    def execute(self, sql: str, parameters: Params | None = None, /) -> _PostgresResult:
        return _PostgresResult(self._execute(sql, parameters))

    async def _execute(self, sql: str, parameters: Params | None) -> PostgresCursor:
        cursor = self.raw.cursor()
        await cursor.execute(cast(Any, to_psycopg(sql)), None if parameters is None else _bound(parameters))
        return PostgresCursor(cursor)

    async def executemany(self, sql: str, parameters: Iterable[Params], /) -> None:
        async with self.raw.cursor() as cursor:
            await cursor.executemany(cast(Any, to_psycopg(sql)), [_bound(p) for p in parameters])

    async def last_row_of_script(self, sql: str) -> PostgresRow | None:
        """Several statements without parameters in one round trip: the first row of the last one."""
        async with self.raw.cursor() as cursor:
            await cursor.execute(cast(Any, sql))
            while cursor.nextset():
                pass
            return await cursor.fetchone()

    async def execute_script(self, sql: str) -> None:
        """Several statements at once, without parameters (a migration)."""
        async with self.raw.cursor() as cursor:
            await cursor.execute(cast(Any, sql))

    async def close(self) -> None:
        await self.raw.close()


# What a failed database operation raises, on either engine.
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)

# What a broken constraint raises, on either engine (the schema, not the code, refuses a second vote).
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)
