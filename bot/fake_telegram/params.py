"""A request's parameters as the Bot API reads them: query string, form, multipart or JSON body."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.fake_telegram.errors import ApiError, bad_request


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


class Params:
    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self._values = values  # str from forms and query strings, JSON types from a JSON body
        self._uploads = uploads

    def as_dict(self) -> dict[str, Any]:
        """Every parameter, JSON fields decoded where they decode, for recording and inspection."""
        out: dict[str, Any] = {}
        for name, value in self._values.items():
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            out[name] = value
        for name, upload in self._uploads.items():
            out[name] = upload
        return out

    def has(self, name: str) -> bool:
        return name in self._values or name in self._uploads

    def string(self, name: str, *, required: bool = False, empty_error: str | None = None) -> str | None:
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(empty_error or f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str) -> float | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def boolean(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1") if value is not None else False

    def json(self, name: str) -> Any:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def upload(self, name: str) -> Upload | None:
        return self._uploads.get(name)

    def chat_reference(self, name: str = "chat_id") -> int | str:
        value = self._values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        text = str(value)
        if text.startswith("@"):
            return text
        try:
            return int(text)
        except ValueError:
            raise bad_request("chat not found") from None


def error_for_unreadable_body() -> ApiError:
    return bad_request("can't parse request JSON object")
