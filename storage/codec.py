"""How values are written in SQLite: moments as ISO 8601 text in UTC, so they sort as text."""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def from_text(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def required_moment(text: str) -> datetime:
    moment = from_text(text)
    if moment is None:
        raise ValueError("a required moment is empty")
    return moment
