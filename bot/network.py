"""The network file: who verifies, where alerts go, and which neighborhoods exist.

It is TOML written by organizers, so every validation error names the field as written
in the file (``neighborhoods[2].channels[0].languages``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bot.domain.evidence import Area, KnownPlace, Point
from bot.domain.lifecycle import Timeouts
from bot.domain.verification import MIN_QUORUM
from bot.errors import ConfigurationError, validated_toml
from bot.languages import Language

# Keys travel inside callback data (64 bytes at most), so they are short ASCII slugs.
NeighborhoodKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GeoPoint(_Strict):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)

    def distance_km(self, other: GeoPoint) -> float:
        """Great-circle distance; plenty accurate for 'which neighborhood is this in'."""
        return self.as_point().distance_km(other.as_point())

    def as_point(self) -> Point:
        return Point(self.latitude, self.longitude)


class Channel(_Strict):
    chat_id: int
    languages: tuple[Language, ...] = Field(min_length=1)

    @field_validator("chat_id")
    @classmethod
    def _is_channel_id(cls, value: int) -> int:
        if value >= 0:
            raise ValueError("a channel's chat id is negative (it starts with -100)")
        return value

    @field_validator("languages")
    @classmethod
    def _no_repeats(cls, value: tuple[Language, ...]) -> tuple[Language, ...]:
        if len(set(value)) != len(value):
            raise ValueError("lists a language twice")
        return value


class KnownPlaceEntry(_Strict):
    """``[[neighborhoods.known_places]]``: a place where agents are present for ordinary reasons
    (a federal courthouse, an ICE office). A report there shows the verifiers a caution on its card.
    With `point` and `radius_km`, it applies to reports whose photo was taken inside that circle;
    without, to every report of the neighborhood."""

    key: NeighborhoodKey  # permanent, like a neighborhood's: photos' hints refer to it
    names: dict[Language, Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(min_length=1)
    point: GeoPoint | None = None
    radius_km: float | None = Field(default=None, gt=0, le=5)

    @model_validator(mode="after")
    def _radius_needs_point(self) -> KnownPlaceEntry:
        if (self.point is None) != (self.radius_km is None):
            raise ValueError("give both 'point' and 'radius_km', or neither")
        return self

    def name(self, language: Language) -> str:
        return self.names.get(language) or next(iter(self.names.values()))


class Neighborhood(_Strict):
    key: NeighborhoodKey
    names: dict[Language, Annotated[str, StringConstraints(min_length=1, max_length=64)]]
    channels: tuple[Channel, ...] = Field(min_length=1)
    center: GeoPoint | None = None
    radius_km: float | None = Field(default=None, gt=0, le=200)
    known_places: tuple[KnownPlaceEntry, ...] = ()

    @model_validator(mode="after")
    def _radius_needs_center(self) -> Neighborhood:
        if (self.center is None) != (self.radius_km is None):
            raise ValueError("give both 'center' and 'radius_km', or neither")
        keys = [place.key for place in self.known_places]
        if len(set(keys)) != len(keys):
            raise ValueError("two known places have the same key")
        return self

    @property
    def area(self) -> Area | None:
        if self.center is None or self.radius_km is None:
            return None
        return Area(self.key, self.center.as_point(), self.radius_km)

    def known_place(self, key: str) -> KnownPlaceEntry | None:
        return next((place for place in self.known_places if place.key == key), None)

    def name(self, language: Language) -> str:
        return self.names.get(language) or next(iter(self.names.values()))


class Limits(_Strict):
    """Flood protection. Defaults suit a network of a few neighborhoods; raise them for a city."""

    reports_per_hour: int = Field(default=3, ge=1, le=60)  # per reporter, also the burst
    intake_per_hour: int = Field(default=240, ge=1, le=10000)  # all residents together
    mute_days: int = Field(default=7, ge=1, le=365)


class Retention(_Strict):
    """How long anything about a report is kept. Short by default: less kept, less to seize."""

    closed_report_days: int = Field(default=7, ge=1, le=365)
    reporter_record_days: int = Field(default=90, ge=1, le=3650)
    contact_grace_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    # Outbox messages that settled (sent, failed, not confirmed, skipped) this long ago are deleted,
    # except those a later message still needs (see storage.outbox.OutboxQueries.purge_outbox).
    outbox_days: int = Field(default=7, ge=1, le=365)
    # A draft nobody sent is deleted this long after it was started (its photos with it).
    draft_hours: int = Field(default=2, ge=1, le=48)


class Desk(_Strict):
    """``[desk]`` in the network file: the verifiers' tools on a card."""

    # Questions the verifiers may ask the reporter of one report (quick or written), in all.
    max_questions: int = Field(default=3, ge=1, le=10)


class FeedSection(_Strict):
    """``[feed]`` in the network file: the public CAP 1.2 / Atom feed (off unless enabled)."""

    # Off by default: a network that wants no public trace beyond its channels publishes none.
    enabled: bool = False
    # Who the messages come from, as CAP's <sender>: globally unique, such as an address of the
    # network's own domain. It is written into every message and into the references of the later
    # ones, so keep it once the feed is public.
    sender: Annotated[str, StringConstraints(pattern=r"^[^\s,<&]{3,128}$")] | None = None
    # The network's name, as CAP's <senderName> and the feed's author (default: the sender).
    sender_name: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    # How many days back the Atom feed reaches; older messages are deleted by the purge.
    days: int = Field(default=7, ge=1, le=90)

    @model_validator(mode="after")
    def _enabled_needs_sender(self) -> FeedSection:
        if self.enabled and self.sender is None:
            raise ValueError("an enabled feed needs a 'sender', such as \"alerts@your-network.org\"")
        return self


class TimeoutsSection(_Strict):
    """``[timeouts]`` in the network file: how long reports and alerts wait, in minutes."""

    # A report nobody has settled gets one reminder in the verifier group after this long...
    reminder_minutes: int = Field(default=10, ge=1, le=24 * 60)
    # ...and closes as "could not be confirmed" after this long.
    unconfirmed_report_minutes: int = Field(default=60, ge=2, le=7 * 24 * 60)
    # A published alert nobody marks "Still active" for this long is marked expired.
    alert_lifetime_minutes: int = Field(default=240, ge=5, le=7 * 24 * 60)
    # A "Still active" this soon after the channels were last told so extends the alert without
    # another reply (0: every press notifies).
    still_active_quiet_minutes: int = Field(default=5, ge=0, le=24 * 60)

    @model_validator(mode="after")
    def _reminder_before_expiry(self) -> TimeoutsSection:
        if self.reminder_minutes >= self.unconfirmed_report_minutes:
            raise ValueError("reminder_minutes must be less than unconfirmed_report_minutes")
        return self

    def as_timeouts(self) -> Timeouts:
        return Timeouts(
            reminder=timedelta(minutes=self.reminder_minutes),
            report_expiry=timedelta(minutes=self.unconfirmed_report_minutes),
            alert_lifetime=timedelta(minutes=self.alert_lifetime_minutes),
            still_active_quiet=timedelta(minutes=self.still_active_quiet_minutes),
        )


class Network(_Strict):
    verifier_group_id: int
    admin_user_ids: tuple[int, ...] = ()
    quorum: int = Field(default=MIN_QUORUM, ge=MIN_QUORUM)
    default_language: Language = "en"
    # The verifier group reads cards in one language; organizers choose it.
    verifier_language: Language | None = None
    timezone: str = "UTC"
    hotline: Annotated[str, StringConstraints(min_length=3, max_length=64)]
    neighborhoods: tuple[Neighborhood, ...] = Field(min_length=1)
    limits: Limits = Limits()
    retention: Retention = Retention()
    desk: Desk = Desk()
    feed: FeedSection = FeedSection()
    timeouts_section: TimeoutsSection = Field(default_factory=TimeoutsSection, alias="timeouts")
    # The know-your-rights card (/rights, the button under alerts), replaced per language; plain text.
    rights: dict[Language, Annotated[str, StringConstraints(min_length=20, max_length=3000)]] = {}
    # Drills (/drill): a channel that only volunteers follow, where a drill's posts go instead of
    # the neighborhoods' channels (without one they are shown on the card), and an organizers' own
    # scenario file (TOML, like bot/drills/scenarios/builtin.toml) added to the built-in ones.
    drill_channel: int | None = None
    drill_scenarios: Path | None = None
    # /metrics counts reports per neighborhood only if the organizers opt in: in a small neighborhood
    # a count that moves by one at a known moment can single out the resident who reported.
    metrics_by_neighborhood: bool = False

    @field_validator("verifier_group_id")
    @classmethod
    def _is_group_id(cls, value: int) -> int:
        if value >= 0:
            raise ValueError("a group's chat id is negative (supergroups start with -100)")
        return value

    @field_validator("drill_channel")
    @classmethod
    def _drill_channel_is_a_chat(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError("a channel's chat id is negative (it starts with -100)")
        return value

    @field_validator("timezone")
    @classmethod
    def _is_known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a time zone name such as 'America/Denver'") from None
        return value

    @model_validator(mode="after")
    def _keys_unique_and_names_complete(self) -> Network:
        seen: set[str] = set()
        for neighborhood in self.neighborhoods:
            if neighborhood.key in seen:
                raise ValueError(f"neighborhood key '{neighborhood.key}' is used twice")
            seen.add(neighborhood.key)
            # Every language the network writes in; a resident reading another one (a language Vigil
            # gained later) sees the name in the network's default language.
            missing = [language for language in self.languages_used() if language not in neighborhood.names]
            if missing:
                raise ValueError(
                    f"neighborhood '{neighborhood.key}' needs a name in every language: missing {', '.join(missing)}"
                )
        if self.drill_channel is not None and self.drill_channel in self.channel_ids():
            raise ValueError("drill_channel must not be a neighborhood's channel: drills never reach the public")
        return self

    def languages_used(self) -> list[Language]:
        """The default, the verifier cards' and every channel's languages, in that order, once each."""
        used = [self.default_language, self.card_language]
        used += [language for n in self.neighborhoods for channel in n.channels for language in channel.languages]
        return list(dict.fromkeys(used))

    @property
    def card_language(self) -> Language:
        return self.verifier_language or self.default_language

    @property
    def timeouts(self) -> Timeouts:
        return self.timeouts_section.as_timeouts()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def neighborhood(self, key: str) -> Neighborhood | None:
        return next((n for n in self.neighborhoods if n.key == key), None)

    def channel_ids(self) -> list[int]:
        return sorted({channel.chat_id for n in self.neighborhoods for channel in n.channels})

    def areas(self) -> list[Area]:
        """The neighborhoods that have a center and a radius, as circles keyed by neighborhood."""
        return [area for n in self.neighborhoods if (area := n.area) is not None]

    def known_places(self) -> list[KnownPlace]:
        """Every neighborhood's known places, for the rules in bot.domain.evidence."""
        return [
            KnownPlace(
                n.key,
                place.key,
                Area(place.key, place.point.as_point(), place.radius_km)
                if place.point is not None and place.radius_km is not None
                else None,
            )
            for n in self.neighborhoods
            for place in n.known_places
        ]

    def known_place_name(self, place: KnownPlace, language: Language) -> str:
        neighborhood = self.neighborhood(place.neighborhood_key)
        entry = neighborhood.known_place(place.key) if neighborhood else None
        return entry.name(language) if entry else place.key

    def nearest_neighborhood(self, point: GeoPoint) -> Neighborhood | None:
        """The closest neighborhood whose circle contains the point, if any."""
        inside = [
            (n.center.distance_km(point), n)
            for n in self.neighborhoods
            if n.center is not None and n.radius_km is not None and n.center.distance_km(point) <= n.radius_km
        ]
        return min(inside, key=lambda pair: pair[0])[1] if inside else None


def parse_network(text: str, *, source: str = "network file") -> Network:
    return validated_toml(text, Network, source=source)


def load_network(path: Path) -> Network:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(
            f"The network file {path} does not exist. Copy network.example.toml to {path} "
            "and fill in your groups and channels, or set VIGIL_NETWORK_FILE."
        ) from None
    return parse_network(text, source=f"network file {path}")
