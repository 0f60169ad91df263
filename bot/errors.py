"""Errors that stop Vigil at start-up, phrased for the volunteer who runs it."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError


class ConfigurationError(Exception):
    """Start-up cannot continue; the message says what to fix."""


def describe_validation_error(error: ValidationError, *, rename: Mapping[str, str] = {}) -> str:
    """One line per problem, naming the field the way the volunteer wrote it."""
    lines = []
    for problem in error.errors():
        location = _format_location(problem["loc"], rename)
        message = problem["msg"]
        if problem["type"] == "missing":
            message = "is missing"
        elif problem["type"] == "extra_forbidden":
            message = "is not a known setting (check the spelling)"
        lines.append(f"  - {location}: {message}")
    return "\n".join(lines)


def _format_location(location: tuple[int | str, ...], rename: Mapping[str, str]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            part = rename.get(part, part)
            text += f".{part}" if text else part
    return text or "(file)"
