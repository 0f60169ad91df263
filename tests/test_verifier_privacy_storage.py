"""Verifiers are protected too, on a real SQLite file: known by keyed pseudonyms, never by their
Telegram id (also after upgrading a database that had ids), and their first names go with the report."""

from __future__ import annotations

import sqlite3
import struct
from datetime import timedelta
from pathlib import Path

import aiosqlite

from bot.domain.lifecycle import AlertAction, AlertStatus, RecordedAlertVote
from bot.domain.reports import RecordedVote, new_public_ref
from bot.domain.stats import verifier_tag
from bot.domain.verification import ReportStatus, VoteKind
from bot.services.pseudonyms import Pseudonyms
from storage.database import Database
from storage.migrations import bundled_migrations
from tests.sample_network import SECRET
from tests.samples import NOW, clovis_report

VERIFIER_ID = 6111222444  # recognisable, and stored by SQLite as a 6-byte integer
OTHER_ID = 6111222555
NAME = "Verifiernamezq"
PSEUDONYMS = Pseudonyms(SECRET)


def needles(user_id: int) -> dict[str, bytes]:
    return {
        "id as text": str(user_id).encode(),
        "id as a 6-byte integer": user_id.to_bytes(6, "big"),
        "id as an 8-byte integer": struct.pack(">q", user_id),
    }


def scan(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


async def database_of_an_earlier_vigil(path: Path) -> None:
    """A database as Vigil left it before migration 0004: verifiers' Telegram ids in the ballots."""
    connection = await aiosqlite.connect(str(path), isolation_level=None)
    for pragma in ("journal_mode = WAL", "foreign_keys = ON", "secure_delete = ON"):
        await connection.execute(f"PRAGMA {pragma}")
    await connection.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    for migration in [m for m in bundled_migrations() if m.version <= 3]:
        await connection.executescript(
            f"BEGIN IMMEDIATE;\n{migration.sql}\nINSERT INTO schema_migrations VALUES ({migration.version},"
            f" '{migration.name}');\nPRAGMA user_version = {migration.version};\nCOMMIT;"
        )
    at = NOW.isoformat()
    await connection.executescript(f"""
        BEGIN;
        INSERT INTO reports
            (id, public_ref, reporter_pseudonym, neighborhood_key, reporter_language, status, created_at)
            VALUES (1, 'R-OLD1', 'pseudo-K4', 'clovis', 'en', 'published', '{at}');
        INSERT INTO votes (report_id, verifier_id, verifier_name, kind, cast_at) VALUES
            (1, {VERIFIER_ID}, '{NAME}', 'confirm', '{at}'), (1, {OTHER_ID}, 'Luis', 'confirm', '{at}');
        INSERT INTO alerts (report_id, published_at, last_active_at) VALUES (1, '{at}', '{at}');
        INSERT INTO alert_votes (report_id, verifier_id, verifier_name, action, cast_at) VALUES
            (1, {OTHER_ID}, 'Luis', 'still_active', '{at}'), (1, {VERIFIER_ID}, '{NAME}', 'all_clear', '{at}');
        COMMIT;
    """)
    await connection.close()


async def test_an_upgraded_database_keeps_its_ballots_but_no_verifier_id(tmp_path):
    path = tmp_path / "vigil.sqlite3"
    await database_of_an_earlier_vigil(path)
    assert needles(VERIFIER_ID)["id as a 6-byte integer"] in scan(path)  # the old form, really there

    db = await Database.open(path)  # migration 0004
    async with db.unit_of_work() as repo:
        assert await repo.key_legacy_verifiers(PSEUDONYMS.of_user) == 4  # what Vigil does at start-up
    await db.checkpoint()
    async with db.unit_of_work() as repo:
        assert await repo.key_legacy_verifiers(PSEUDONYMS.of_user) == 0  # once is enough
        votes = await repo.votes(1)
        alert = await repo.alert(1)
    await db.close()

    ana, luis = PSEUDONYMS.of_user(VERIFIER_ID), PSEUDONYMS.of_user(OTHER_ID)
    assert [(v.verifier, v.verifier_name, v.kind) for v in votes] == [
        (ana, NAME, VoteKind.CONFIRM),
        (luis, "Luis", VoteKind.CONFIRM),
    ]
    assert alert is not None
    assert [(v.verifier, v.action) for v in alert.votes] == [
        (luis, AlertAction.STILL_ACTIVE),
        (ana, AlertAction.ALL_CLEAR),
    ]
    data = scan(path)
    for user_id in (VERIFIER_ID, OTHER_ID):
        found = [name for name, needle in needles(user_id).items() if needle in data]
        assert not found, f"the upgraded database still holds a verifier's {', '.join(found)}"
    assert b"unkeyed:" not in data
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_the_ballot_rules_hold_on_pseudonyms_one_vote_and_one_ending_each(tmp_path):
    db = await Database.open(tmp_path / "vigil.sqlite3")
    ana = PSEUDONYMS.of_user(VERIFIER_ID)
    try:
        async with db.unit_of_work() as repo:
            report = await repo.add_report(clovis_report(), new_public_ref)
            await repo.add_vote(report.id, RecordedVote(ana, NAME, VoteKind.CONFIRM, NOW))
        try:
            async with db.unit_of_work() as repo:
                await repo.add_vote(report.id, RecordedVote(ana, NAME, VoteKind.FALSE_ALARM, NOW))
        except sqlite3.IntegrityError:
            pass
        else:
            raise AssertionError("the schema let one pseudonym vote twice on a report")
        async with db.unit_of_work() as repo:
            await repo.start_alert(report.id, NOW)
            await repo.add_alert_vote(report.id, RecordedAlertVote(ana, NAME, AlertAction.ALL_CLEAR, NOW))
        try:
            async with db.unit_of_work() as repo:
                await repo.add_alert_vote(report.id, RecordedAlertVote(ana, NAME, AlertAction.RETRACT, NOW))
        except sqlite3.IntegrityError:
            pass
        else:
            raise AssertionError("the schema let one pseudonym ask twice to end an alert")
    finally:
        await db.close()


async def test_a_verifiers_first_name_goes_with_the_report_that_shows_it(tmp_path):
    path = tmp_path / "vigil.sqlite3"
    db = await Database.open(path)
    ana = PSEUDONYMS.of_user(VERIFIER_ID)
    async with db.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
        await repo.add_vote(report.id, RecordedVote(ana, NAME, VoteKind.CONFIRM, NOW))
        await repo.set_status(report.id, ReportStatus.PUBLISHED, NOW)
        await repo.start_alert(report.id, NOW)
        await repo.add_alert_vote(report.id, RecordedAlertVote(ana, NAME, AlertAction.STILL_ACTIVE, NOW))
        await repo.add_alert_vote(report.id, RecordedAlertVote(ana, NAME, AlertAction.ALL_CLEAR, NOW))
        await repo.set_alert_status(report.id, AlertStatus.ENDED, NOW)
    await db.checkpoint()
    assert NAME.encode() in scan(path)  # shown on the card while the report is kept

    later = NOW + timedelta(days=7, minutes=1)
    async with db.unit_of_work() as repo:
        counts = await repo.purge(
            closed_before=later - timedelta(days=7),
            contacts_closed_before=later,
            records_idle_since=later - timedelta(days=90),
            now=later,
        )
    await db.checkpoint()  # what the purge job does after every purge
    await db.close()

    assert counts.reports == 1
    assert NAME.encode() not in scan(path)
    assert ana.encode() not in scan(path)


async def test_the_stats_tag_of_a_verifiers_vote_goes_after_the_longest_stats_window(tmp_path):
    path = tmp_path / "vigil.sqlite3"
    db = await Database.open(path)
    ana = PSEUDONYMS.of_user(VERIFIER_ID)
    async with db.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(), new_public_ref)
        await repo.add_vote(report.id, RecordedVote(ana, NAME, VoteKind.FALSE_ALARM, NOW))
        await repo.set_status(report.id, ReportStatus.REJECTED, NOW)

    async def purge(days: int) -> None:
        later = NOW + timedelta(days=days, minutes=1)
        async with db.unit_of_work() as repo:
            await repo.purge(
                closed_before=later - timedelta(days=7),
                contacts_closed_before=later,
                records_idle_since=later - timedelta(days=90),
                now=later,
            )
        await db.checkpoint()

    await purge(7)
    # /stats still counts the vote for 30 days, under a tag that is neither the pseudonym nor a name
    assert verifier_tag(ana).encode() in scan(path)
    assert NAME.encode() not in scan(path) and ana.encode() not in scan(path)
    await purge(32)
    await db.close()
    assert verifier_tag(ana).encode() not in scan(path)
