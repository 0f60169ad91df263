"""Who is pressing a button on a card: the same check for votes on reports and on alerts."""

from __future__ import annotations

from bot.domain.acting import Voter
from bot.network import Network
from bot.ports import TelegramPort
from bot.services.pseudonyms import Pseudonyms


async def voter_in_group(
    telegram: TelegramPort, network: Network, pseudonyms: Pseudonyms, user_id: int, member: bool | None = None
) -> Voter:
    """A verifier is whoever is a current member of the verifier group: as the surface just checked
    it (`member`), or else asked of Telegram now."""
    if member is None:
        member = await telegram.is_member(network.verifier_group_id, user_id)
    return Voter(pseudonym=pseudonyms.of_user(user_id), is_verifier=member)
