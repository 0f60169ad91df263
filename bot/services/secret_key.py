"""The secret key the database was made with: checked at every start, changed only by
`vigil rotate-key` (see bot.domain.secret_key for why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.domain.lifecycle import AlertStatus
from bot.domain.secret_key import KeyStatus, WorkInProgress, key_status
from bot.domain.verification import ReportStatus
from bot.errors import ConfigurationError
from bot.services.pseudonyms import Pseudonyms
from storage.database import Database
from storage.repository import Repository

KEY_CHANGED = (
    "VIGIL_SECRET_KEY is not the key this database was made with: with it every resident and verifier "
    "would get a new pseudonym, and a verifier who already voted on an open report could vote again. "
    "Put the old key back, or, to change it on purpose, stop Vigil and run `vigil rotate-key` "
    "(see docs/operations.md)."
)


async def check_secret_key(repo: Repository, pseudonyms: Pseudonyms, now: datetime) -> None:
    """At start-up, before anything is keyed: the same key as before, or a refusal to start."""
    status = key_status(await repo.secret_key_check(), pseudonyms.key_check())
    if status is KeyStatus.CHANGED:
        raise ConfigurationError(KEY_CHANGED)
    if status is KeyStatus.FIRST:
        await repo.record_secret_key_check(pseudonyms.key_check(), now)


@dataclass(frozen=True)
class KeyRotated:
    forgotten: int  # rows that only an old pseudonym pointed to


@dataclass(frozen=True)
class KeyAlreadyInUse:
    pass


async def rotate_secret_key(
    database_file: Path | str, pseudonyms: Pseudonyms, now: datetime
) -> KeyRotated | KeyAlreadyInUse | WorkInProgress:
    """Make `pseudonyms`' key the database's key, if nothing is in progress (else what is)."""
    database = await Database.open(database_file)
    try:
        async with database.unit_of_work() as repo:
            if key_status(await repo.secret_key_check(), pseudonyms.key_check()) is KeyStatus.SAME:
                return KeyAlreadyInUse()
            work = WorkInProgress(
                open_reports=(await repo.count_by_status()).get(ReportStatus.PENDING, 0),
                live_alerts=(await repo.count_alerts_by_status()).get(AlertStatus.ACTIVE, 0),
            )
            if not work.allows_a_new_key:
                return work
            forgotten = await repo.forget_every_pseudonym()
            await repo.record_secret_key_check(pseudonyms.key_check(), now)
        await database.checkpoint()  # what was deleted must not linger in the write-ahead log
        return KeyRotated(forgotten)
    finally:
        await database.close()
