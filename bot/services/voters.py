"""Who is pressing a button on a card: the same check for votes on reports and on alerts."""

from __future__ import annotations

from bot.domain.verification import Voter
from bot.network import Network
from bot.ports import TelegramPort
from bot.services.pseudonyms import Pseudonyms


async def voter_in_group(telegram: TelegramPort, network: Network, pseudonyms: Pseudonyms, user_id: int) -> Voter:
    """A verifier is whoever is a current member of the verifier group, asked of Telegram now."""
    return Voter(
        pseudonym=pseudonyms.of_user(user_id),
        is_verifier=await telegram.is_member(network.verifier_group_id, user_id),
    )
