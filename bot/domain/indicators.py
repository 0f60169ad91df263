"""The signs rapid-response trainers teach residents to look for.

The codes are stable: they are stored in the database and travel in callback data.
"""

from __future__ import annotations

from collections.abc import Iterable
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


# The signs that make a report urgent: people are being taken now, so its card overtakes the other
# reports' cards waiting for the verifier group's budget (bot.domain.delivery.next_in_chat).
URGENT: frozenset[Indicator] = frozenset({Indicator.DETENTIONS})


def is_urgent(indicators: Iterable[Indicator]) -> bool:
    return any(indicator in URGENT for indicator in indicators)
