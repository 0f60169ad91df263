"""Where SQLite and PostgreSQL differ (storage/dialect.py): small, visible, tested."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from bot.domain.lease import Lease
from storage.database import Database
from storage.dialect import (
    DATABASE_ERRORS,
    POSTGRESQL,
    SQLITE,
    WRITE_LOCK_KEY,
    is_postgresql_url,
    to_psycopg,
)
from storage.migrations import bundled_migrations
from storage.repository import Repository
from tests import raw

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)


def test_every_sqlite_migration_has_a_postgresql_twin_with_the_same_number():
    sqlite = {m.version: m.name for m in bundled_migrations()}
    postgresql = {m.version: m.name for m in bundled_migrations(POSTGRESQL.name)}
    assert postgresql == sqlite


def test_placeholders_become_psycopgs_and_quoted_text_casts_and_comments_stay_literal():
    sql = (
        "SELECT a FROM t -- the user's rows\n"
        "WHERE b = ? AND c = :name AND d LIKE 'x:%?' AND e::text = :other AND f = 'it''s :not'"
    )
    assert to_psycopg(sql) == (
        "SELECT a FROM t \n"
        "WHERE b = %s AND c = %(name)s AND d LIKE 'x:%%?' AND e::text = %(other)s AND f = 'it''s :not'"
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [("postgresql://vigil@db/vigil", True), ("postgres://h/v", True), ("vigil.sqlite3", False), ("/srv/v.db", False)],
)
def test_a_url_selects_postgresql_and_a_path_keeps_sqlite(target, expected):
    assert is_postgresql_url(target) is expected


async def test_each_dialects_json_helpers_agree(database):
    dialect = database.dialect
    assert dialect in (SQLITE, POSTGRESQL)
    payload = '{"reply_to": {"outbox_id": 7}}'
    found = await raw.rows(
        database,
        f"SELECT {dialect.json_int('p', 'reply_to', 'outbox_id')} AS id,"
        f" {dialect.json_with('p', 'reply_to', 'message_id', '42')} AS replaced"
        " FROM (SELECT ? AS p) AS t",
        (payload,),
    )
    assert found[0]["id"] == 7
    assert '"message_id"' in found[0]["replaced"] and "42" in found[0]["replaced"]
    pairs = await raw.rows(
        database,
        f"SELECT {dialect.json_array_of(dialect.json_pair('a', 'b'))} FROM (SELECT 'x' AS a, 1 AS b) AS t",
    )
    assert pairs[0][0].replace(" ", "") == '[["x",1]]'
    empty = await raw.rows(database, f"SELECT {dialect.json_array_of('a')} FROM (SELECT 1 AS a) AS t WHERE a = 2")
    assert empty[0][0] == "[]"


async def test_a_unit_of_work_on_postgresql_holds_the_write_lock_until_it_commits(postgres_databases):
    """The twin of BEGIN IMMEDIATE: a second Vigil on the same database waits for the first's commit
    (seen waiting in pg_locks, not guessed from a sleep), then sees what it committed."""
    url = postgres_databases.fresh_url()
    first, second = await Database.open(url), await Database.open(url)
    try:
        async with first.unit_of_work() as repo:
            assert await repo.claim_request("telegram:1", NOW)
            waiting = asyncio.create_task(_claim(second, "telegram:1"))
            while not await _someone_waits_for_the_write_lock(url):
                await asyncio.sleep(0.01)
            assert not waiting.done()
        assert await waiting is False  # it ran after the commit, and saw the claim
    finally:
        await first.close()
        await second.close()


async def _claim(database: Database, request_id: str) -> bool:
    async with database.unit_of_work() as repo:
        return await repo.claim_request(request_id, NOW)


async def _someone_waits_for_the_write_lock(url: str) -> bool:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as observer:
        cursor = await observer.execute(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
            (WRITE_LOCK_KEY,),
        )
        row = await cursor.fetchone()
        return bool(row and row[0])


async def test_an_unreachable_server_stops_start_up_with_one_sentence(tmp_path):
    from bot.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="cannot reach the PostgreSQL server named in VIGIL_DATABASE"):
        await Database.open(f"postgresql://vigil@/vigil?host={tmp_path}&connect_timeout=2")


async def test_a_fenced_unit_of_work_gets_the_lease_read_with_its_begin_and_a_saved_one_read_again(database):
    """The fence's lease row comes in the same round trip as BEGIN and the write lock (one simple
    query on PostgreSQL); the repository hands it to the fence once, and reads again after a save."""
    first = Lease("east", 1, NOW, NOW + timedelta(seconds=6))
    async with database.unit_of_work(unfenced=True) as repo:
        await repo.save_lease(first)
    seen: list[Lease | None] = []

    async def fence(repo: Repository) -> None:
        seen.append(await repo.lease())

    database.fence_with(fence)
    async with database.unit_of_work() as repo:
        assert seen == [first]
        assert await repo.lease() == first  # asked again: read from the table
        second = Lease("west", 2, NOW, NOW + timedelta(seconds=6))
        await repo.save_lease(second)
        assert await repo.lease() == second
    async with database.unit_of_work():
        assert seen == [first, second]


async def test_a_begin_whose_read_fails_leaves_no_transaction_open(database):
    with pytest.raises(DATABASE_ERRORS):
        await database.dialect.begin_and_read(database._shared, "SELECT no_such_column FROM leader_lease")
    assert await _claim(database, "telegram:7") is True  # the next unit of work begins and commits
    assert await _claim(database, "telegram:7") is False


async def test_postgresql_stores_the_cleaned_media_as_they_are_without_compressing_them_again(postgres_databases):
    """JPEG, MP4 and Ogg are compressed already: migration 0060 sets their columns to EXTERNAL."""
    url = postgres_databases.fresh_url()
    async with await psycopg.AsyncConnection.connect(url) as db:
        cursor = await db.execute(
            "SELECT attrelid::regclass::text, attstorage FROM pg_attribute"
            " WHERE attname = 'data' AND attrelid::regclass::text IN ('draft_media', 'report_media', 'outbox_media')"
        )
        assert dict(await cursor.fetchall()) == {"draft_media": "e", "report_media": "e", "outbox_media": "e"}
