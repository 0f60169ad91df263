"""The secret key the pseudonyms were made with: recorded at the first start, a different key
refused at every later start, and changed only by `vigil rotate-key` when no vote is in progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.limits import BucketState
from bot.domain.reports import new_public_ref
from bot.domain.secret_key import KeyStatus, WorkInProgress, key_status
from bot.domain.verification import ReportStatus
from bot.errors import ConfigurationError
from bot.services.pseudonyms import Pseudonyms
from bot.services.secret_key import KeyAlreadyInUse, KeyRotated, check_secret_key, rotate_secret_key
from storage.database import Database
from storage.secret_key import PER_PERSON
from tests import raw
from tests.samples import NOW, clovis_report

OLD = Pseudonyms("the-old-key-9f3Kq2Lm8Zt4Vx7Bn1Cw6Hy5Rj0Pd")
NEW = Pseudonyms("the-new-key-X2cV8nM4qL7wE1rT9yU3iO6pA5sD0f")
TOM = 200000001


@given(st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=5))
def test_a_new_key_is_allowed_only_when_no_report_is_open_and_no_alert_is_live(reports: int, alerts: int):
    assert WorkInProgress(reports, alerts).allows_a_new_key == (reports == 0 and alerts == 0)


def test_the_key_check_tells_keys_apart_and_says_nothing_of_the_pseudonyms():
    assert key_status(None, OLD.key_check()) is KeyStatus.FIRST
    assert key_status(OLD.key_check(), OLD.key_check()) is KeyStatus.SAME
    assert key_status(OLD.key_check(), NEW.key_check()) is KeyStatus.CHANGED
    assert OLD.key_check() not in {OLD.of_user(TOM), NEW.of_user(TOM)}


async def start(database: Database, pseudonyms: Pseudonyms) -> None:
    async with database.unit_of_work() as repo:
        await check_secret_key(repo, pseudonyms, NOW)


async def test_the_first_start_records_the_key_and_only_that_key_starts_again(database: Database):
    await start(database, OLD)
    await start(database, OLD)
    with pytest.raises(ConfigurationError, match="not the key this database was made with.*vigil rotate-key"):
        await start(database, NEW)
    async with database.unit_of_work() as repo:
        assert await repo.secret_key_check() == OLD.key_check()


async def test_rotate_key_waits_for_open_reports_then_forgets_every_old_pseudonym(tmp_path):
    path = tmp_path / "vigil.sqlite3"
    database = await Database.open(path)
    tom = OLD.of_user(TOM)
    try:
        await start(database, OLD)
        async with database.unit_of_work() as repo:
            report = await repo.add_report(clovis_report(reporter_pseudonym=tom), new_public_ref)
            await repo.note_report_sent(tom, NOW)
            await repo.mute(tom, NOW + timedelta(days=1), NOW)
            await repo.set_resident_language(tom, "es")
            await repo.save_bucket(f"reporter:{tom}", BucketState(1.0, NOW))
            await repo.save_bucket("intake", BucketState(100.0, NOW))
    finally:
        await database.close()

    # Tom's report is open: a new key would let a verifier who already voted vote again.
    refused = await rotate_secret_key(path, NEW, NOW)
    assert refused == WorkInProgress(open_reports=1, live_alerts=0)

    database = await Database.open(path)
    try:
        async with database.unit_of_work() as repo:
            await repo.set_status(report.id, ReportStatus.EXPIRED, NOW)
    finally:
        await database.close()
    rotated = await rotate_secret_key(path, NEW, NOW)
    assert rotated == KeyRotated(forgotten=4)  # his track record, mute, language and bucket; the report stays
    assert await rotate_secret_key(path, NEW, NOW) == KeyAlreadyInUse()

    database = await Database.open(path)
    try:
        await start(database, NEW)
        with pytest.raises(ConfigurationError):
            await start(database, OLD)
        async with database.unit_of_work() as repo:
            assert await repo.muted_until(tom) is None
            assert await repo.resident_language(tom) is None
            assert await repo.bucket(f"reporter:{tom}") is None
            assert await repo.bucket("intake") is not None  # the network's own bucket is nobody's
            assert (await repo.report(report.id)).status is ReportStatus.EXPIRED
    finally:
        await database.close()


async def test_every_table_keyed_by_a_pseudonym_is_either_a_persons_or_a_reports(database: Database):
    """A new table with a pseudonym must be added to PER_PERSON (deleted by rotate-key) or belong to a
    report (purged with it): otherwise rows under an old key would stay, beyond anyone's /forgetme."""
    report_owned = {"reports", "votes", "alert_votes", "desk_claims", "rumor_check_supporters"}
    keyed = await raw.tables_with_a_column_like(database, "pseudonym")
    assert keyed == set(PER_PERSON) | report_owned
