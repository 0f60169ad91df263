"""When the secret key may change: the rule behind the start-up check and `vigil rotate-key`.

A pseudonym is an HMAC of a Telegram account under VIGIL_SECRET_KEY, so a new key makes everyone
a stranger. On an open report or a live alert that breaks the two-person rule: a verifier who
already voted would count again as someone new, and a reporter would no longer be recognised
on their own report. So the key may change only when nothing is in progress, and only on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class KeyStatus(StrEnum):
    FIRST = "first"  # no key recorded yet (a new database, or one from before the check): record it
    SAME = "same"
    CHANGED = "changed"


def key_status(recorded: str | None, current: str) -> KeyStatus:
    if recorded is None:
        return KeyStatus.FIRST
    return KeyStatus.SAME if recorded == current else KeyStatus.CHANGED


@dataclass(frozen=True)
class WorkInProgress:
    """What a new key would break: votes still being gathered."""

    open_reports: int
    live_alerts: int

    @property
    def allows_a_new_key(self) -> bool:
        return self.open_reports == 0 and self.live_alerts == 0
