"""Errors that stop Vigil at start-up, phrased for the volunteer who runs it."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails


class ConfigurationError(Exception):
    """Start-up cannot continue; the message says what to fix."""


ModelT = TypeVar("ModelT", bound=BaseModel)


def validated_toml(text: str, model: type[ModelT], *, source: str) -> ModelT:
    """A TOML file written by organizers (the network file, a drill scenario file) as `model`, or
    ConfigurationError naming each problem's field as written in `source`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"The {source} is not valid TOML: {error}") from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigurationError(f"The {source} has problems:\n{describe_validation_error(error)}") from None


class TelegramUnavailable(Exception):
    """Telegram could not be reached or refused the bot; the message says what to check."""


# pydantic's own wording ("Value error, ...", "at least 32 items") means nothing to a volunteer,
# so the common problem types are said again in plain words.
_LENGTH_UNITS = {"string_too_short": "characters", "string_too_long": "characters"}


def describe_validation_error(error: ValidationError, *, rename: Mapping[str, str] = {}) -> str:
    """One line per problem, naming the field the way the volunteer wrote it."""
    problems = error.errors()
    lines = []
    for problem in problems:
        if _is_echo_of_a_deeper_problem(problem, problems):
            continue
        location = _format_location(problem["loc"], rename)
        lines.append(f"  - {location}: {_plain_message(problem)}")
    return "\n".join(lines)


def _is_echo_of_a_deeper_problem(problem: ErrorDetails, problems: list[ErrorDetails]) -> bool:
    """pydantic drops a list item that failed and then finds the list too short: that second
    complaint ("channels: at least 1 item") is misleading, the item's own problem says it all."""
    if problem["type"] not in ("too_short", "string_too_short"):
        return False
    location = problem["loc"]
    return any(
        other is not problem and len(other["loc"]) > len(location) and other["loc"][: len(location)] == location
        for other in problems
    )


def _plain_message(problem: ErrorDetails) -> str:
    kind = problem["type"]
    context: dict[str, Any] = dict(problem.get("ctx") or {})
    given = problem.get("input")
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is not a known setting (check the spelling)"
    if kind in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])
    if kind == "literal_error":
        return f"{given!r} is not allowed here; use {context.get('expected', 'one of the listed values')}"
    if kind in ("too_short", "string_too_short"):
        unit = _LENGTH_UNITS.get(kind, "entries")
        return f"needs at least {context.get('min_length')} {unit}"
    if kind in ("too_long", "string_too_long"):
        unit = _LENGTH_UNITS.get(kind, "entries")
        return f"may have at most {context.get('max_length')} {unit}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "should be a whole number"
    if kind in ("float_parsing", "float_type"):
        return "should be a number"
    if kind == "string_pattern_mismatch":
        return f"{given!r} does not have the expected form"
    message = problem["msg"]
    for library_prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(library_prefix)
    if message.startswith("Input should be"):
        message = "should be" + message.removeprefix("Input should be")
    return message


def _format_location(location: tuple[int | str, ...], rename: Mapping[str, str]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]":
            continue  # a dictionary key was wrong; the message names it
        else:
            part = rename.get(part, part)
            text += f".{part}" if text else part
    return text or "(file)"
