"""A resident's report while they are still writing it.

It is stored (storage/drafts.py) under the resident's pseudonym only, never their identity, with
its photos already cleaned of every byte of metadata, so a restart in the middle of a raid loses
nothing. It lives at most the network's draft lifetime (default two hours) and is deleted when sent,
discarded, erased with /forgetme, or purged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.evidence import PhotoEvidence
from bot.domain.indicators import Indicator
from bot.text_length import utf16_length

MAX_PHOTOS = 10  # Telegram's media-group limit: the card shows photos and videos in one album.
MAX_VOICE_NOTES = 3  # each goes to the verifiers as a message of its own
# Leaves room in the 4096-unit card and the public post for labels, indicators and the
# second language of a bilingual channel.
MAX_DESCRIPTION_UNITS = 800
DRAFT_LIFETIME = timedelta(hours=2)  # the default of [retention] draft_hours


class DraftError(Exception):
    pass


class DescriptionTooLong(DraftError):
    def __init__(self, *, limit: int, attempted: int) -> None:
        super().__init__(f"{attempted} > {limit}")
        self.limit = limit
        self.attempted = attempted


class TooManyPhotos(DraftError):
    """Photos and videos together: they share the album above the card."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} photos and videos")
        self.limit = limit


class TooManyVoiceNotes(DraftError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} voice notes")
        self.limit = limit


class NothingToReport(DraftError):
    """Submit needs at least a photo, a few words or one indicator."""


class NeighborhoodMissing(DraftError):
    pass


class MediaKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    VOICE = "voice"  # a voice note or an audio file, re-encoded as a voice note

    @property
    def in_album(self) -> bool:
        """Photos and videos share one album; a voice note travels alone."""
        return self is not MediaKind.VOICE


@dataclass(frozen=True)
class DraftMedia:
    """A photo, video or voice note of the draft: its cleaned bytes are stored beside it, not carried around."""

    kind: MediaKind
    width: int = 0
    height: int = 0
    duration: int = 0  # seconds, for videos and voice notes
    evidence: PhotoEvidence | None = None  # a photo's fingerprint and hints (bot.domain.evidence)


def DraftPhoto(width: int, height: int, evidence: PhotoEvidence | None = None) -> DraftMedia:  # noqa: N802 - reads like the class it was
    return DraftMedia(MediaKind.PHOTO, width, height, evidence=evidence)


@dataclass
class Draft:
    started_at: datetime
    neighborhood_key: str | None = None
    indicators: set[Indicator] = field(default_factory=set)
    media: list[DraftMedia] = field(default_factory=list)
    description: str = ""
    # The resident's message that started this draft. Its panels come after it in the chat, so a
    # panel from before it belongs to an earlier draft (sent or discarded) and must not act.
    opened_by_message: int | None = None

    def is_shown_on(self, message_id: int) -> bool:
        """Whether a panel message can belong to this draft (every panel after it started does)."""
        return self.opened_by_message is None or message_id > self.opened_by_message

    def took_message(self, message_id: int) -> bool:
        """Whether the resident's message came while this draft was open (so it went into it)."""
        return self.opened_by_message is None or message_id >= self.opened_by_message

    def add_text(self, text: str) -> None:
        # A NUL shows nothing, Telegram refuses messages that hold one, and PostgreSQL's text cannot.
        text = text.replace("\0", "").strip()
        if not text:
            return
        combined = f"{self.description}\n{text}" if self.description else text
        length = utf16_length(combined)
        if length > MAX_DESCRIPTION_UNITS:
            raise DescriptionTooLong(limit=MAX_DESCRIPTION_UNITS, attempted=length)
        self.description = combined

    def of_kind(self, kind: MediaKind) -> list[DraftMedia]:
        return [item for item in self.media if item.kind is kind]

    @property
    def photos(self) -> list[DraftMedia]:
        return self.of_kind(MediaKind.PHOTO)

    def check_room_for(self, kind: MediaKind) -> None:
        """Raises before anything is downloaded, when the draft cannot take one more of `kind`."""
        if kind.in_album and sum(item.kind.in_album for item in self.media) >= MAX_PHOTOS:
            raise TooManyPhotos(MAX_PHOTOS)
        if not kind.in_album and len(self.of_kind(kind)) >= MAX_VOICE_NOTES:
            raise TooManyVoiceNotes(MAX_VOICE_NOTES)

    def check_room_for_photo(self) -> None:
        self.check_room_for(MediaKind.PHOTO)

    def add_media(self, item: DraftMedia) -> None:
        self.check_room_for(item.kind)
        self.media.append(item)

    def add_photo(self, photo: DraftMedia) -> None:
        self.add_media(photo)

    def toggle(self, indicator: Indicator) -> None:
        self.indicators.symmetric_difference_update({indicator})

    def choose_neighborhood(self, key: str) -> None:
        self.neighborhood_key = key

    @property
    def has_content(self) -> bool:
        return bool(self.media or self.description or self.indicators)

    def ordered_indicators(self) -> tuple[Indicator, ...]:
        return tuple(indicator for indicator in Indicator if indicator in self.indicators)

    def check_ready(self) -> str:
        """The neighborhood key, if the draft can be submitted; raises what is missing."""
        if self.neighborhood_key is None:
            raise NeighborhoodMissing()
        if not self.has_content:
            raise NothingToReport()
        return self.neighborhood_key

    def is_stale(self, now: datetime, lifetime: timedelta = DRAFT_LIFETIME) -> bool:
        return now - self.started_at > lifetime
