"""What a photo tells the verifiers about itself, without keeping the photo's metadata.

Three kinds of evidence sit on a verifier card:

* A recycled photo: the perceptual fingerprint of a cleaned picture matches one sent with an
  earlier report. Recycled photos are the classic false alarm.
* Hints from an image sent as a file: when it was taken, measured against when it was sent, and
  where, measured against a neighborhood's area. Only the hint (a code and a coarse value) is
  kept, never the time or the coordinates it was made from.
* Known places: where agents work for ordinary reasons (a federal courthouse, an ICE office), so
  that a report there needs signs of an operation before anyone confirms it.

Pure: no Telegram, no database, no network file (the caller hands over plain values).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.indicators import Indicator

# --- coarse durations ------------------------------------------------------------------------


class TimeUnit(enum.StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    YEARS = "years"


@dataclass(frozen=True)
class Span:
    """A length of time as people say it: "3 minutes", "5 hours", "2 days", "2 years"."""

    unit: TimeUnit
    value: int


def coarse_span(delta: timedelta) -> Span:
    """Rounded down to the largest unit that fits (at least 1 of it; at least 0 minutes)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return Span(TimeUnit.MINUTES, minutes)
    if minutes < 48 * 60:
        return Span(TimeUnit.HOURS, minutes // 60)
    days = minutes // (24 * 60)
    if days < 365:
        return Span(TimeUnit.DAYS, days)
    return Span(TimeUnit.YEARS, days // 365)


# --- when the photo was taken ----------------------------------------------------------------

# Taken this long before it was sent or less: a photo of what is happening now.
FRESH = timedelta(hours=1)
# Phones' clocks drift and time zones get mixed up: a photo "taken" up to this long after it was
# sent is treated as taken just before.
CLOCK_SLACK = timedelta(minutes=10)


class TakenKind(enum.StrEnum):
    FRESH = "fresh"  # taken shortly before it was sent
    OLD = "old"  # taken long before it was sent: an old photo
    AFTER_SENT = "after"  # the photo's clock says it was taken after it was sent: its date cannot be trusted


@dataclass(frozen=True)
class TakenHint:
    kind: TakenKind
    span: Span  # how long before it was sent (or after, for AFTER_SENT)

    @property
    def is_warning(self) -> bool:
        return self.kind is not TakenKind.FRESH

    def code(self) -> str:
        return f"{self.kind}:{self.span.unit}:{self.span.value}"

    @staticmethod
    def parse(code: str) -> TakenHint | None:
        """None for a code this version does not know (stored by a later one, say)."""
        try:
            kind, unit, value = code.split(":")
            return TakenHint(TakenKind(kind), Span(TimeUnit(unit), int(value)))
        except ValueError:
            return None


def taken_hint(taken_at: datetime, sent_at: datetime) -> TakenHint:
    """How the moment a photo was taken compares with the moment it was sent (both time-zone aware)."""
    before = sent_at - taken_at
    if before < -CLOCK_SLACK:
        return TakenHint(TakenKind.AFTER_SENT, coarse_span(-before))
    if before <= FRESH:
        return TakenHint(TakenKind.FRESH, coarse_span(before))
    return TakenHint(TakenKind.OLD, coarse_span(before))


# --- where it was taken ----------------------------------------------------------------------

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float

    def distance_km(self, other: Point) -> float:
        """Great-circle distance (haversine): plenty accurate for neighborhoods and buildings."""
        lat1, lon1, lat2, lon2 = map(math.radians, (self.latitude, self.longitude, other.latitude, other.longitude))
        a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Area:
    """A circle with a name the caller understands (a neighborhood's key, a known place's key)."""

    key: str
    center: Point
    radius_km: float

    def contains(self, point: Point) -> bool:
        return self.center.distance_km(point) <= self.radius_km

    def km_outside(self, point: Point) -> float:
        """How far the point is from the edge of the circle (0 inside)."""
        return max(0.0, self.center.distance_km(point) - self.radius_km)


def rounded_km(km: float) -> int:
    """Coarse on purpose (the hint must not become a location): whole km up to 20, then tens; at least 1."""
    if km < 20:
        return max(1, round(km))
    return int(round(km / 10) * 10)


@dataclass(frozen=True)
class PlaceHint:
    """Where the photo was taken: inside the area of neighborhood `neighborhood_key` (km == 0), or
    outside every neighborhood's area, about `km` from that one's edge."""

    neighborhood_key: str
    km: int

    @property
    def inside(self) -> bool:
        return self.km == 0

    def is_warning_for(self, report_neighborhood: str) -> bool:
        return not (self.inside and self.neighborhood_key == report_neighborhood)

    def code(self) -> str:
        return f"{self.neighborhood_key}:{self.km}"

    @staticmethod
    def parse(code: str) -> PlaceHint | None:
        key, _, km = code.rpartition(":")
        if not key or not km.isdigit():
            return None
        return PlaceHint(key, int(km))


def place_hint(point: Point, neighborhoods: Sequence[Area], chosen: str | None) -> PlaceHint | None:
    """Where the photo was taken, in a form that stays true whichever neighborhood the resident
    chooses later (most send the photo first): inside the area that contains it (the chosen one if
    it does, else the one whose center is nearest), or, outside them all, the distance to the chosen
    neighborhood if it has an area, else to the nearest. None when no neighborhood has an area."""
    if not neighborhoods:
        return None
    inside = [area for area in neighborhoods if area.contains(point)]
    if inside:
        home = next((area for area in inside if area.key == chosen), None)
        home = home or min(inside, key=lambda area: area.center.distance_km(point))
        return PlaceHint(home.key, 0)
    reference = next((area for area in neighborhoods if area.key == chosen), None)
    reference = reference or min(neighborhoods, key=lambda area: area.km_outside(point))
    return PlaceHint(reference.key, rounded_km(reference.km_outside(point)))


# --- known places ----------------------------------------------------------------------------

# What the guide tells verifiers to look for near a place where agents work anyway: signs that
# this is an operation, not agents going about their day. Agency markings are not among them
# (agents at their own office wear them); detentions and checkpoints are operations by definition.
OPERATION_SIGNS: tuple[Indicator, ...] = (
    Indicator.VEHICLES,
    Indicator.TENTS_BUSES_VANS,
    Indicator.APPROACHING_PEOPLE,
    Indicator.APPROACHING_HOUSE,
    Indicator.DETENTIONS,
    Indicator.CHECKPOINT,
)


@dataclass(frozen=True)
class KnownPlace:
    """A place of a neighborhood where agents are present for ordinary reasons; `area` is None for
    a place without a point (then it stands for the whole neighborhood)."""

    neighborhood_key: str
    key: str
    area: Area | None = None

    @property
    def code(self) -> str:
        return f"{self.neighborhood_key}/{self.key}"


def known_place_at(point: Point, places: Iterable[KnownPlace]) -> KnownPlace | None:
    """The known place (with a point) the photo was taken in; the nearest if circles overlap."""
    inside = [p for p in places if p.area is not None and p.area.contains(point)]
    return min(inside, key=lambda p: p.area.center.distance_km(point) if p.area else 0.0) if inside else None


def known_places_for(
    neighborhood_key: str, places: Iterable[KnownPlace], photo_places: Iterable[str]
) -> list[KnownPlace]:
    """The known places a report is "at": every place of its neighborhood given without a point,
    and every place (of any neighborhood) one of its photos was taken in (`photo_places`: codes)."""
    taken_in = set(photo_places)
    return [
        place
        for place in places
        if (place.area is None and place.neighborhood_key == neighborhood_key) or place.code in taken_in
    ]


def ticked_operation_signs(indicators: Iterable[Indicator]) -> list[tuple[Indicator, bool]]:
    """Every operation sign, in the guide's order, with whether the resident ticked it."""
    ticked = set(indicators)
    return [(sign, sign in ticked) for sign in OPERATION_SIGNS]


# --- recycled photos -------------------------------------------------------------------------

FINGERPRINT_BITS = 64
# Hamming distance between two 64-bit perceptual hashes (pHash, computed on a small downscale of
# the cleaned picture) at or under which they are taken as the same picture. Re-encoded, resized
# or slightly cropped copies stay well under it; different pictures land near 32 (half the bits).
# tests/test_evidence.py measures both sides.
SAME_PICTURE_DISTANCE = 10


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << FINGERPRINT_BITS) - 1)).bit_count()


def same_picture(a: int, b: int) -> bool:
    return hamming(a, b) <= SAME_PICTURE_DISTANCE


@dataclass(frozen=True)
class EarlierPhoto:
    report_id: int
    created_at: datetime
    fingerprint: int


def find_recycled(fingerprint: int, earlier: Iterable[EarlierPhoto], report_id: int) -> EarlierPhoto | None:
    """The most recent photo of another report that shows the same picture, if any. The caller
    gives only photos of reports inside the retention window."""
    matches = [p for p in earlier if p.report_id != report_id and same_picture(p.fingerprint, fingerprint)]
    return max(matches, key=lambda p: (p.created_at, p.report_id)) if matches else None


# --- what is kept of one photo ---------------------------------------------------------------


@dataclass(frozen=True)
class PhotoEvidence:
    """Everything kept about a photo besides its cleaned pixels: hints, never the metadata."""

    fingerprint: int | None = None
    taken: TakenHint | None = None
    place: PlaceHint | None = None
    known_place: str | None = None  # KnownPlace.code of the known place it was taken in


@dataclass(frozen=True)
class RecycledFrom:
    """The earlier report a photo was already sent with."""

    public_ref: str
    created_at: datetime


@dataclass(frozen=True)
class StoredEvidence:
    """A report's photo as its card shows it (`number`: 1 for its first photo, and so on)."""

    number: int
    evidence: PhotoEvidence
    recycled_from: RecycledFrom | None = None
