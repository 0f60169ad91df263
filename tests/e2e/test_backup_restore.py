"""Issue 21: a backup taken while residents report restores, and Vigil runs on what it restored."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.errors import ConfigurationError
from bot.services.pseudonyms import Pseudonyms
from storage.backup import RestoreRefused, backup, check_backup, restore
from tests.e2e.harness import VERIFIER_GROUP, running_vigil
from tests.e2e.people import Resident, quick_report, text_of
from tests.sample_network import SECRET

CROWD = list(range(410_001, 410_019))
PLACES = ["Clovis", "Vado", "Downtown"]
FINGERPRINT = Pseudonyms(SECRET).key_check()


def stored_reports(path) -> set[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return {row[0] for row in connection.execute("SELECT public_ref FROM reports")}


async def test_a_backup_during_a_surge_restores_and_vigil_runs_on_it(fake, tmp_path):
    for user_id in CROWD:
        fake.add_user(user_id, f"Neighbour {user_id}", language_code="en")
    database = tmp_path / "vigil.sqlite3"
    copy = tmp_path / "backups" / "during-the-surge.sqlite3"
    async with running_vigil(fake, tmp_path) as vigil:
        surge = [
            asyncio.create_task(
                quick_report(Resident(fake, user_id), PLACES[n % 3], f"Agents at door {n}", in_a_crowd=True)
            )
            for n, user_id in enumerate(CROWD)
        ]
        await fake.wait_until(lambda: len(stored_reports(database)) >= 3, timeout=20, what="the first reports")
        done = await asyncio.to_thread(backup, database, copy)  # while the others are still reporting
        await asyncio.gather(*surge)
        await vigil.outbox_idle(timeout=30)
        everything = stored_reports(database)
        # the bot went on committing while and after it copied
        assert len(everything) == len(CROWD)
        with pytest.raises(ConfigurationError, match="a Vigil is running"):
            async with running_vigil(fake, tmp_path / "second", VIGIL_DATABASE=database):
                pass
        with pytest.raises(Exception, match="a Vigil is running"):
            restore(done.path, database, FINGERPRINT)  # refused: this Vigil still runs on it

    copied = stored_reports(done.path)
    assert 3 <= len(copied) <= len(everything) and copied <= everything
    check = check_backup(done.path, FINGERPRINT)
    assert check.reports == len(copied)

    _, kept = restore(done.path, database, FINGERPRINT)
    assert kept is not None and stored_reports(kept) == everything
    assert stored_reports(database) == copied
    async with running_vigil(fake, tmp_path) as vigil:  # Vigil starts on the restored database
        tom = Resident(fake, CROWD[-1])
        await tom.sends_text("Vans again at the corner", expect="Where")
        assert await vigil.services.database.integrity_check() == "ok"
        async with vigil.services.database.unit_of_work() as repo:
            assert await repo.secret_key_check() == FINGERPRINT
    assert any("Agents at door" in text_of(m) for m in fake.bot_messages(VERIFIER_GROUP))


async def test_vigil_refuses_to_start_on_a_database_written_with_another_key(fake, tmp_path):
    async with running_vigil(fake, tmp_path):
        pass
    with pytest.raises(ConfigurationError, match="VIGIL_SECRET_KEY is not the key this database was made with"):
        async with running_vigil(fake, tmp_path, VIGIL_SECRET_KEY="Zq3" + SECRET[3:][::-1]):
            pass
    with pytest.raises(RestoreRefused, match="another VIGIL_SECRET_KEY"):
        check_backup(tmp_path / "vigil.sqlite3", Pseudonyms("Zq3" + SECRET[3:][::-1]).key_check())
