"""An earlier CAP message of the same alert, as a later one's `references` names it (CAP 1.2, 3.2.1).

Plain data shared by the CAP builder (bot/feed/cap.py) and the storage that records messages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    """An earlier message of the same alert, as `references` names it."""

    sender: str
    identifier: str
    sent: str  # exactly as that message's <sent> says it

    def __str__(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"
