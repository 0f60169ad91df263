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

    def key_check(self) -> str:
        """A fingerprint of the key (an HMAC of a fixed text, never a user id), stored to notice a
        changed key: it says whether two keys are the same, and nothing about either."""
        return hmac.new(self._key, b"vigil:secret-key-check:v1", hashlib.sha256).hexdigest()
