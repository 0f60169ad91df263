"""The web desk's sessions: what a verifier's page carries instead of Telegram's launch data.

A session is a random token that names nobody: the person it stands for is kept in this process's
memory only, never in the database and never in the token, so a token seen in a proxy's log or a
browser's history says nothing about who used it. It runs out after half an hour; the page renews
it (membership asked again) or signs in again with Telegram's launch data while that is recent. A
restart forgets every session, which costs the page one sign-in.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.domain.web_auth import DeskUser, InvalidInitData

SESSION_LIFETIME = timedelta(minutes=30)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DeskSessions:
    def __init__(self, *, lifetime: timedelta = SESSION_LIFETIME, clock: Callable[[], datetime] = _utc_now) -> None:
        self._lifetime = lifetime
        self._clock = clock
        self._sessions: dict[str, tuple[DeskUser, datetime]] = {}

    def issue(self, user: DeskUser) -> str:
        now = self._clock()
        # Forget what has run out, so memory holds only the sessions of the last half hour.
        self._sessions = {token: held for token, held in self._sessions.items() if held[1] > now}
        token = secrets.token_urlsafe(32)
        self._sessions[token] = (user, now + self._lifetime)
        return token

    def read(self, token: str) -> DeskUser:
        """The person the session stands for, or InvalidInitData (unknown, forged, or run out)."""
        held = self._sessions.get(token)
        if held is None or held[1] <= self._clock():
            raise InvalidInitData("not a session of this desk, or it ran out")
        return held[0]
