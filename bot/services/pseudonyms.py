"""Keyed pseudonyms: the only way storage knows a resident.

HMAC-SHA256 with a secret that lives outside the database, so a copy of the database
cannot be turned back into Telegram accounts by hashing every possible user id.
"""

from __future__ import annotations

import hashlib
import hmac


class Pseudonyms:
    def __init__(self, secret_key: str) -> None:
        self._key = secret_key.encode()

    def of_user(self, user_id: int) -> str:
        return hmac.new(self._key, f"telegram-user:{user_id}".encode(), hashlib.sha256).hexdigest()
