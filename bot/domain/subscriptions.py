"""What a resident's subscription looks like to the rest of Vigil: plain values, no storage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SubscriberView:
    language: str | None  # None: not subscribed
    neighborhoods: frozenset[str]

    @property
    def subscribed(self) -> bool:
        return bool(self.neighborhoods)
