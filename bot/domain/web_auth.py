"""Who is at the web desk: Telegram's signed launch data, and the short session made from it.

A Mini App is opened by a Telegram client with ``initData``, a query string signed with the bot's
token as Telegram documents it ("Validating data received via the Mini App"): the secret key is
HMAC-SHA256 of the token keyed with ``"WebAppData"``, and ``hash`` is the hex HMAC-SHA256, under
that key, of every other field as sorted ``key=value`` lines. Only Telegram and the bot know the
token, so data that checks out names the person Telegram says opened the desk. It is accepted only
while recent (``auth_date``), and then traded for a short session (bot.web.desk.sessions).

Pure functions: no Telegram import, no clock of their own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

# How old launch data may be when it is traded for a session (Telegram signs it when the desk opens).
MAX_INIT_DATA_AGE = timedelta(hours=1)


class InvalidInitData(ValueError):
    """The launch data is not Telegram's for this bot, or too old: the request changes nothing."""


@dataclass(frozen=True)
class DeskUser:
    """The person at the desk, as Telegram's signed data names them."""

    user_id: int
    first_name: str
    language_code: str | None = None
    start_param: str | None = None  # the direct link's ?startapp= (which report to open)


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """Launch data as a Telegram client passes it (what the fake and the tests use to open the desk)."""
    unsigned = {key: value for key, value in fields.items() if key != "hash"}
    digest = hmac.new(_secret_key(bot_token), _data_check_string(unsigned).encode(), hashlib.sha256).hexdigest()
    return urlencode({**unsigned, "hash": digest})


def init_data_for(
    user_id: int, first_name: str, bot_token: str, *, at: datetime, language_code: str = "en", start_param: str = ""
) -> str:
    """Signed launch data for one person, as a Telegram client makes it when they open the desk."""
    user = {"id": user_id, "first_name": first_name, "language_code": language_code}
    fields = {"auth_date": str(int(at.timestamp())), "user": json.dumps(user, separators=(",", ":"))}
    if start_param:
        fields["start_param"] = start_param
    return sign_init_data(fields, bot_token)


def verify_init_data(
    init_data: str, bot_token: str, *, now: datetime, max_age: timedelta = MAX_INIT_DATA_AGE
) -> DeskUser:
    """The person the launch data names, or InvalidInitData (forged, another bot's, too old, malformed)."""
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InvalidInitData("not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("a field is given twice")
    given = fields.get("hash", "")
    expected = hmac.new(_secret_key(bot_token), _data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise InvalidInitData("the signature does not match this bot's token")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
        first_name = str(user.get("first_name") or "")
    except (KeyError, ValueError, TypeError):
        raise InvalidInitData("auth_date or user is missing or malformed") from None
    if not timedelta(minutes=-5) <= now - signed_at <= max_age:
        raise InvalidInitData("the launch data is too old; open the desk again from Telegram")
    language = user.get("language_code")
    return DeskUser(
        user_id, first_name, language if isinstance(language, str) else None, fields.get("start_param") or None
    )
