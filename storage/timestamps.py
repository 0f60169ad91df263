"""Moments are stored as ISO 8601 text in UTC, so they sort and compare as text."""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def from_text(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
