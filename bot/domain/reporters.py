"""How verifiers see a reporter: a tag and a track record, never an identity."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.rejection import RejectionReason

# The tag is cut from the keyed pseudonym, so it reveals nothing the pseudonym does not.
_TAG_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_TAG_LENGTH = 4


def reporter_tag(pseudonym: str) -> str:
    number = int.from_bytes(hashlib.sha256(pseudonym.encode()).digest()[:8], "big")
    letters = []
    for _ in range(_TAG_LENGTH):
        number, index = divmod(number, len(_TAG_ALPHABET))
        letters.append(_TAG_ALPHABET[index])
    return "#" + "".join(letters)


@dataclass(frozen=True)
class TrackRecord:
    """Outcomes of the reporter's earlier reports that are still on record."""

    confirmed: int = 0
    false_alarms: int = 0
    unconfirmed: int = 0
    # The false alarms by the reason the verifiers gave (those from before reasons existed are not here).
    false_alarm_reasons: Mapping[RejectionReason, int] = field(default_factory=dict)

    def without_false_alarm(self, reason: RejectionReason | None) -> TrackRecord:
        """The record without one false alarm (the card's own report, when it is the rejected one)."""
        reasons = dict(self.false_alarm_reasons)
        if reason is not None and reasons.get(reason):
            reasons[reason] -= 1
        return TrackRecord(
            self.confirmed,
            max(self.false_alarms - 1, 0),
            self.unconfirmed,
            {r: n for r, n in reasons.items() if n > 0},
        )

    @property
    def is_empty(self) -> bool:
        return not (self.confirmed or self.false_alarms or self.unconfirmed)


@dataclass(frozen=True)
class ReporterStanding:
    tag: str
    record: TrackRecord
    muted_until: datetime | None

    def is_muted(self, now: datetime) -> bool:
        return self.muted_until is not None and self.muted_until > now
