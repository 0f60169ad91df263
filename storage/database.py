"""One database connection, opened at start-up and closed at shutdown: an SQLite file through
aiosqlite (the default), or a PostgreSQL server through psycopg 3 (``VIGIL_DATABASE=postgresql://…``).

All access goes through :meth:`Database.unit_of_work`, which serialises use of the single
connection with an asyncio lock and takes the write lock up front (SQLite's ``BEGIN IMMEDIATE``;
on PostgreSQL a transaction-scoped advisory lock, see storage/dialect.py), so two state changes
on the same report (in this process or another one on the same database) run one after the
other instead of deadlocking or interleaving.

The lock lets everything else go before a resident's update: during a raid 150 residents' drafts
may be waiting for the connection, and a verifier's second confirmation (or the dispatcher posting
the alert) must not queue behind them. Everything else is served first come, first served; the
residents' units of work oldest update first, so their updates finish in the order Telegram gave
them: Telegram offers at most 100 updates from the oldest one not yet confirmed, so a verifier's
press behind 150 residents is fetched only once some 50 of them are done. First come, first
served would take one unit of work from each of the 100 in turn, finishing none of them until
nearly all were done.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
import psycopg

from bot import update_scope
from bot.errors import ConfigurationError
from storage.backup import backup_before_upgrade
from storage.dialect import (
    BUSY_TIMEOUT_MS,
    POSTGRESQL,
    SQLITE,
    Connection,
    Dialect,
    PostgresConnection,
    is_postgresql_url,
)
from storage.lease import LEASE_QUERY
from storage.migrations import apply_migrations, apply_postgresql_migrations
from storage.repository import Repository

log = logging.getLogger(__name__)


class PriorityLock:
    """An asyncio lock whose waiters go in two classes: `later` ones only when no other waits, in
    order of their `rank` (then of arrival); the others in order of arrival.

    On release the lock passes straight to the next waiter, so nobody can slip in between."""

    def __init__(self) -> None:
        self._locked = False
        self._first: deque[asyncio.Future[None]] = deque()
        self._later: list[tuple[int, int, asyncio.Future[None]]] = []  # a heap
        self._arrivals = itertools.count()

    def locked(self) -> bool:
        return self._locked

    async def acquire(self, *, later: bool = False, rank: int = 0) -> None:
        if not self._locked and not self._first and not self._later:
            self._locked = True
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if later:
            heapq.heappush(self._later, (rank, next(self._arrivals), granted))
        else:
            self._first.append(granted)
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.release()  # handed the lock just as it was cancelled: pass it on
            raise  # otherwise its cancelled future is skipped by release()

    def release(self) -> None:
        while self._first or self._later:
            granted = self._first.popleft() if self._first else heapq.heappop(self._later)[2]
            if not granted.done():
                granted.set_result(None)  # the lock stays taken, now by that waiter
                return
        self._locked = False

    @asynccontextmanager
    async def held(self, *, later: bool = False, rank: int = 0) -> AsyncIterator[None]:
        await self.acquire(later=later, rank=rank)
        try:
            yield
        finally:
            self.release()


class Database:
    def __init__(self, connection: aiosqlite.Connection | PostgresConnection, dialect: Dialect) -> None:
        self._connection = connection
        self._shared: Connection = connection
        self.dialect = dialect
        self._lock = PriorityLock()
        self._fence: Callable[[Repository], Awaitable[None]] | None = None

    def fence_with(self, check: Callable[[Repository], Awaitable[None]]) -> None:
        """From now on every unit of work first runs `check` in its own transaction (the lease's
        fencing: bot/services/lease.py), which raises to refuse it."""
        self._fence = check

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """A file path (or ":memory:") opens SQLite; a postgresql:// URL opens PostgreSQL."""
        if is_postgresql_url(str(path)):
            return await cls._open_postgresql(str(path))
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Upgrades apply migrations at start-up, after a copy of the database as it was.
            kept = await asyncio.to_thread(backup_before_upgrade, Path(path))
            if kept is not None:
                log.info("Before applying new migrations, Vigil copied the database to %s", kept.path)
        # isolation_level=None: the sqlite3 module must not open transactions on its own;
        # unit_of_work states every transaction explicitly.
        connection = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = NORMAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            # Deleted report text is overwritten, not left in free pages.
            await connection.execute("PRAGMA secure_delete = ON")
            await apply_migrations(connection)
        except BaseException:
            await connection.close()
            raise
        return cls(connection, SQLITE)

    @classmethod
    async def _open_postgresql(cls, url: str) -> Database:
        try:
            connection = await PostgresConnection.connect(url)
        except psycopg.OperationalError as error:
            # psycopg's message names the host and what failed, never the password.
            reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
            raise ConfigurationError(
                f"Vigil cannot reach the PostgreSQL server named in VIGIL_DATABASE: {reason}"
            ) from None
        try:
            await apply_postgresql_migrations(connection)
        except BaseException:
            await connection.close()
            raise
        return cls(connection, POSTGRESQL)

    async def close(self) -> None:
        async with self._lock.held():
            await self._connection.close()

    @asynccontextmanager
    async def unit_of_work(self, *, unfenced: bool = False) -> AsyncIterator[Repository]:
        """Everything inside commits together or not at all. `unfenced`: only the lease's own
        bookkeeping, which must run whoever holds the lease."""
        update_scope.check_may_commit()
        residents = update_scope.residents_update()
        async with self._lock.held(later=residents is not None, rank=residents or 0):
            repository = Repository(self._shared, self.dialect)
            fence = None if unfenced else self._fence
            if fence is None:
                for statement in self.dialect.begin():
                    await self._shared.execute(statement)
            else:
                # The fence reads the lease row: it comes with BEGIN and the lock, in one round trip.
                repository.lease_was_read(await self.dialect.begin_and_read(self._shared, LEASE_QUERY))
            try:
                if fence is not None:
                    await fence(repository)
                yield repository
            except BaseException:
                await self._shared.execute("ROLLBACK")
                raise
            else:
                await self._shared.execute("COMMIT")

    async def checkpoint(self) -> None:
        """Copy the WAL into the database file and empty it, so deleted rows do not linger there.
        (Nothing to do on PostgreSQL: see Dialect.checkpoint.)"""
        async with self._lock.held():
            await self.dialect.checkpoint(self._shared)

    async def integrity_check(self) -> str:
        """SQLite's integrity check ("ok"); on PostgreSQL, that the server answers."""
        async with self._lock.held():
            async with self._shared.execute(self.dialect.integrity_check) as cursor:
                row = await cursor.fetchone()
        return str(row[0]) if row else "no answer"
