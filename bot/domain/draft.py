"""A resident's report while they are still writing it.

It is stored (storage/drafts.py) under the resident's pseudonym only, never their identity, with
its photos already cleaned of every byte of metadata, so a restart in the middle of a raid loses
nothing. It lives at most the network's draft lifetime (default two hours) and is deleted when sent,
discarded, erased with /forgetme, or purged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.indicators import Indicator
from bot.text_length import utf16_length

MAX_PHOTOS = 10  # Telegram's media-group limit: the card shows them in one album.
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
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} photos")
        self.limit = limit


class NothingToReport(DraftError):
    """Submit needs at least a photo, a few words or one indicator."""


class NeighborhoodMissing(DraftError):
    pass


@dataclass(frozen=True)
class DraftPhoto:
    """A photo of the draft: its cleaned bytes are stored beside it, not carried around."""

    width: int
    height: int


@dataclass
class Draft:
    started_at: datetime
    neighborhood_key: str | None = None
    indicators: set[Indicator] = field(default_factory=set)
    photos: list[DraftPhoto] = field(default_factory=list)
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
        text = text.strip()
        if not text:
            return
        combined = f"{self.description}\n{text}" if self.description else text
        length = utf16_length(combined)
        if length > MAX_DESCRIPTION_UNITS:
            raise DescriptionTooLong(limit=MAX_DESCRIPTION_UNITS, attempted=length)
        self.description = combined

    def check_room_for_photo(self) -> None:
        if len(self.photos) >= MAX_PHOTOS:
            raise TooManyPhotos(MAX_PHOTOS)

    def add_photo(self, photo: DraftPhoto) -> None:
        self.check_room_for_photo()
        self.photos.append(photo)

    def toggle(self, indicator: Indicator) -> None:
        self.indicators.symmetric_difference_update({indicator})

    def choose_neighborhood(self, key: str) -> None:
        self.neighborhood_key = key

    @property
    def has_content(self) -> bool:
        return bool(self.photos or self.description or self.indicators)

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
