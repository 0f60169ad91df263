"""A clock a test sets and moves by hand, for services that take `clock` (never the wall clock)."""

from __future__ import annotations

from datetime import datetime, timedelta


class SettableClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
