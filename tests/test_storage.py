"""Storage against a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.domain.indicators import Indicator
from bot.domain.reports import ChannelPost, RecordedVote, new_public_ref
from bot.domain.verification import ReportStatus, VoteKind
from storage.database import Database
from storage.dialect import INTEGRITY_ERRORS
from storage.migrations import bundled_migrations
from tests.samples import NOW, clovis_report


async def test_migrations_bring_a_new_file_to_the_latest_version(tmp_path):
    path = tmp_path / "fresh.sqlite3"
    db = await Database.open(path)
    await db.close()
    with sqlite3.connect(path) as raw:
        versions = [m.version for m in bundled_migrations()]
        assert raw.execute("PRAGMA user_version").fetchone()[0] == max(versions)
        assert [r[0] for r in raw.execute("SELECT version FROM schema_migrations ORDER BY version")] == versions
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # opening again applies nothing twice
    db = await Database.open(path)
    assert await db.integrity_check() == "ok"
    await db.close()


async def test_a_migration_merged_later_with_a_lower_number_is_still_applied(tmp_path, monkeypatch):
    """Branches number migrations in parallel: a database may have 0001 and 0003 before 0002 exists."""
    from storage import migrations as module

    real = bundled_migrations()
    path = tmp_path / "branch.sqlite3"
    monkeypatch.setattr(module, "bundled_migrations", lambda: [m for m in real if m.version != 2] or real)
    db = await Database.open(path)
    await db.close()
    late = module.Migration(2, "0002_merged_later.sql", "CREATE TABLE merged_later (id INTEGER PRIMARY KEY);")
    monkeypatch.setattr(
        module,
        "bundled_migrations",
        lambda: sorted([*real, late] if all(m.version != 2 for m in real) else real, key=lambda m: m.version),
    )
    db = await Database.open(path)
    await db.close()
    with sqlite3.connect(path) as raw:
        recorded = {r[0] for r in raw.execute("SELECT version FROM schema_migrations")}
    assert {1, 2, 3} <= recorded


async def test_a_database_counted_by_user_version_only_is_recognised(tmp_path):
    """Databases from before per-version bookkeeping: user_version says how many were applied."""
    path = tmp_path / "old.sqlite3"
    first = bundled_migrations()[0]
    with sqlite3.connect(path) as raw:
        raw.executescript(f"{first.sql}\nPRAGMA user_version = 1;")
    db = await Database.open(path)  # must not run 0001 again ("table reports already exists")
    assert await db.integrity_check() == "ok"
    await db.close()


async def test_report_round_trip_keeps_every_field(database):
    async with database.unit_of_work() as repo:
        created = await repo.add_report(clovis_report(), new_public_ref)
        await repo.attach_card(created.id, -1001, 42, ["clean-photo-1", "clean-photo-2"])
    async with database.unit_of_work() as repo:
        report = await repo.report(created.id)
        contact = await repo.reporter_chat_id(created.id)
    assert report.public_ref.startswith("R-") and len(report.public_ref) == 6
    assert report.indicators == (Indicator.VEHICLES, Indicator.APPROACHING_HOUSE, Indicator.AGENCY_MARKINGS)
    assert report.status is ReportStatus.PENDING
    assert report.created_at == NOW
    assert (report.card_chat_id, report.card_message_id) == (-1001, 42)
    assert report.photo_file_ids == ("clean-photo-1", "clean-photo-2")
    assert contact == 5551001


async def test_reference_clash_is_retried(database):
    refs = iter(["R-AAAA", "R-AAAA", "R-BBBB"])
    async with database.unit_of_work() as repo:
        first = await repo.add_report(clovis_report(), lambda: next(refs))
        second = await repo.add_report(clovis_report(), lambda: next(refs))
    assert (first.public_ref, second.public_ref) == ("R-AAAA", "R-BBBB")


async def test_schema_refuses_a_second_vote_by_the_same_verifier(database):
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
        await repo.add_vote(report.id, RecordedVote("pseudonym-ana", "Ana", VoteKind.CONFIRM, NOW))
    with pytest.raises(INTEGRITY_ERRORS):
        async with database.unit_of_work() as repo:
            await repo.add_vote(report.id, RecordedVote("pseudonym-ana", "Ana", VoteKind.FALSE_ALARM, NOW))
    async with database.unit_of_work() as repo:
        assert [v.kind for v in await repo.votes(report.id)] == [VoteKind.CONFIRM]


async def test_a_failed_unit_of_work_leaves_nothing_behind(database):
    with pytest.raises(RuntimeError):
        async with database.unit_of_work() as repo:
            await repo.add_report(clovis_report(), new_public_ref)
            raise RuntimeError("crash in the middle")
    async with database.unit_of_work() as repo:
        assert await repo.count_by_status() == {}


async def test_closing_sets_closed_at_and_contact_can_be_forgotten(database):
    async with database.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
        await repo.set_status(report.id, ReportStatus.PUBLISHED, NOW)
        await repo.forget_reporter_contact(report.id)
        await repo.record_channel_post(report.id, ChannelPost(-1002, 7, None), NOW)
        await repo.record_channel_post(report.id, ChannelPost(-1003, None, "Forbidden"), NOW)
    async with database.unit_of_work() as repo:
        stored = await repo.report(report.id)
        assert stored.status is ReportStatus.PUBLISHED and stored.closed_at == NOW
        assert await repo.reporter_chat_id(report.id) is None
        posts = {p.channel_id: p for p in await repo.channel_posts(report.id)}
        assert posts[-1002].message_id == 7 and posts[-1003].error == "Forbidden"


async def test_resident_language_is_remembered(database):
    async with database.unit_of_work() as repo:
        await repo.set_resident_language("pseudo-K4", "es")
        await repo.set_resident_language("pseudo-K4", "en")
    async with database.unit_of_work() as repo:
        assert await repo.resident_language("pseudo-K4") == "en"
        assert await repo.resident_language("someone-else") is None


async def test_concurrent_confirmations_from_two_connections_close_the_report_once(tmp_path):
    """Two verifiers press Confirm at the same instant, each handled on its own connection."""
    path = tmp_path / "shared.sqlite3"
    first, second = await Database.open(path), await Database.open(path)
    try:
        async with first.unit_of_work() as repo:
            report = await repo.add_report(clovis_report(), new_public_ref)
        started = asyncio.Barrier(2)

        async def confirm(db: Database, verifier: str) -> bool:
            """Read ballots, decide, write: the same shape the verification service uses."""
            await started.wait()
            async with db.unit_of_work() as repo:
                votes = await repo.votes(report.id)
                await asyncio.sleep(0.05)  # widen the race window
                await repo.add_vote(report.id, RecordedVote(verifier, f"V-{verifier}", VoteKind.CONFIRM, NOW))
                if len(votes) + 1 >= 2:
                    await repo.set_status(report.id, ReportStatus.PUBLISHED, NOW)
                    return True
                return False

        results = await asyncio.gather(confirm(first, "pseudonym-21"), confirm(second, "pseudonym-22"))
        assert sorted(results) == [False, True]
        async with first.unit_of_work() as repo:
            assert (await repo.report(report.id)).status is ReportStatus.PUBLISHED
            assert len(await repo.votes(report.id)) == 2
    finally:
        await first.close()
        await second.close()
