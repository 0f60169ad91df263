"""What the dispatcher needs to keep a drill inside: the one place a drill's message is routed.

Every message of a drill report passes here on its way out (bot.services.dispatcher): it goes to
the verifier group marked with the drill banner, to the drill channel instead of a public one, to
the simulated resident instead of a person, or nowhere (shown on the card as "would have been
posted"). Without a scope every drill message is held back: a drill can never leak by omission.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.domain.delivery import QueuedMessage

# Kept as a channel post's error, so the card can say "would have been posted" instead of "failed".
WITHHELD = "drill: kept inside"
SIMULATED = "drill: for the simulated resident"  # settled as sent, then handed to DrillScope.simulate


async def _no_one(message: QueuedMessage) -> None:
    return None


@dataclass(frozen=True)
class DrillScope:
    inside: frozenset[int]  # the chats a drill's messages may reach as they are (the verifier group)
    drill_channel: int | None  # where a drill's public posts go, if the network has one
    banner: str  # "🧪 DRILL / SIMULACRO — no action needed", from the catalogs
    # Hands a message meant for the (simulated) resident to the simulation, after it is settled.
    simulate: Callable[[QueuedMessage], Awaitable[None]] = _no_one

    def mark(self, text: str | None) -> str:
        return f"{self.banner}\n\n{text}" if text else self.banner
