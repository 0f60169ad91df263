"""A resident's report while they are still writing it.

It lives only in the resident's session (memory) until they press Submit; nothing is
stored before they decide to send it.
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
DRAFT_LIFETIME = timedelta(hours=2)


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
class CleanPhoto:
    """Re-encoded image bytes with every piece of metadata already removed."""

    data: bytes
    width: int
    height: int


@dataclass
class Draft:
    started_at: datetime
    neighborhood_key: str | None = None
    indicators: set[Indicator] = field(default_factory=set)
    photos: list[CleanPhoto] = field(default_factory=list)
    description: str = ""
    # The message with the draft's buttons, so a newer one can replace it.
    panel_message_id: int | None = None

    def add_text(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        combined = f"{self.description}\n{text}" if self.description else text
        length = utf16_length(combined)
        if length > MAX_DESCRIPTION_UNITS:
            raise DescriptionTooLong(limit=MAX_DESCRIPTION_UNITS, attempted=length)
        self.description = combined

    def add_photo(self, photo: CleanPhoto) -> None:
        if len(self.photos) >= MAX_PHOTOS:
            raise TooManyPhotos(MAX_PHOTOS)
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

    def is_stale(self, now: datetime) -> bool:
        return now - self.started_at > DRAFT_LIFETIME
