"""The signs rapid-response trainers teach residents to look for.

The codes are stable: they are stored in the database and travel in callback data.
"""

from __future__ import annotations

from enum import StrEnum


class Indicator(StrEnum):
    VEHICLES = "vehicles"  # several vehicles parked haphazardly
    TENTS_BUSES_VANS = "buses"  # tents, buses or vans
    APPROACHING_PEOPLE = "people"  # agents approaching people and asking questions
    APPROACHING_HOUSE = "house"  # agents approaching a particular house
    AGENCY_MARKINGS = "markings"  # ICE, CBP, HSI... visible
    DETENTIONS = "detained"  # people being detained
    CHECKPOINT = "checkpoint"  # a road checkpoint


def parse_indicators(codes: list[str]) -> tuple[Indicator, ...]:
    """Known codes in canonical order; unknown ones are a programming error, so they raise."""
    chosen = {Indicator(code) for code in codes}
    return tuple(indicator for indicator in Indicator if indicator in chosen)
