"""Reports as stored, and their short public reference."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.draft import MediaKind
from bot.domain.indicators import Indicator
from bot.domain.rejection import RejectionReason
from bot.domain.verification import Ballot, ReportStatus, VoteKind
from bot.languages import Language

# No 0/O, 1/I/L: residents read the reference aloud over the phone to a hotline.
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_REF_LENGTH = 4


def new_public_ref() -> str:
    return "R-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(_REF_LENGTH))


@dataclass(frozen=True)
class NewReport:
    reporter_pseudonym: str
    reporter_chat_id: int
    neighborhood_key: str
    indicators: tuple[Indicator, ...]
    description: str
    reporter_language: Language
    created_at: datetime
    is_drill: bool = False  # a simulated resident's report in a drill (bot.domain.drills)


@dataclass(frozen=True)
class Report:
    id: int
    public_ref: str
    reporter_pseudonym: str
    neighborhood_key: str
    indicators: tuple[Indicator, ...]
    description: str
    reporter_language: Language
    status: ReportStatus
    created_at: datetime
    closed_at: datetime | None
    card_chat_id: int | None
    card_message_id: int | None
    photo_file_ids: tuple[str, ...]  # Telegram's ids of every photo, video and voice note above the card
    media_kinds: tuple[MediaKind, ...] = ()  # what each of them is, in the same order
    # The report this one was attached to as corroboration (status MERGED): it has no card of its
    # own, only a reply to that report's card (card_message_id is that reply).
    attached_to: int | None = None
    # A drill's report (issue 19): the same desk, but its messages stay inside and it counts nowhere.
    is_drill: bool = False

    def count_of(self, kind: MediaKind) -> int:
        return sum(k is kind for k in self.media_kinds)


@dataclass(frozen=True)
class ReportMedia:
    """A cleaned photo, video or voice note of a report, until it reaches the verifier group."""

    position: int
    kind: MediaKind
    data: bytes = field(repr=False)
    width: int = 0
    height: int = 0
    duration: int = 0


@dataclass(frozen=True)
class RecordedVote:
    verifier: str  # keyed pseudonym
    verifier_name: str  # first name shown on the card; kept only as long as the report
    kind: VoteKind
    cast_at: datetime
    in_person: bool = False  # a confirmation by a verifier who went and saw it (never changes the quorum)
    text_version: int = 1  # the version of the public text a confirmation approved
    # A false alarm's reason, as its verifier chose it; None for a confirmation (and for false
    # alarms cast before reasons existed).
    reason: RejectionReason | None = None

    def as_ballot(self) -> Ballot:
        return Ballot(self.verifier, self.kind, self.text_version)


@dataclass(frozen=True)
class ChannelPost:
    channel_id: int
    message_id: int | None
    error: str | None
    # Sent again after Telegram did not confirm the first try: the channel may show it twice.
    maybe_twice: bool = False
