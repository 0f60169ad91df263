"""What every service that acts on reports needs, in one object the type checker can see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.i18n import Catalogs
from bot.network import Network
from bot.ports import TelegramPort
from bot.services.pseudonyms import Pseudonyms
from storage.database import Database


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class ServiceDeps:
    database: Database
    telegram: TelegramPort
    network: Network
    catalogs: Catalogs
    pseudonyms: Pseudonyms
    clock: Callable[[], datetime]
    # Wakes the dispatcher and the deadline alarm once the outbox and deadlines have changed.
    after_commit: Callable[[], None] = _nothing
