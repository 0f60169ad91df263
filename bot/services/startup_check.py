"""Before taking reports, make sure every chat in the network file can be reached."""

from __future__ import annotations

from dataclasses import dataclass

from bot.network import Network
from bot.ports import ChatAccess, TelegramPort


@dataclass(frozen=True)
class AccessReport:
    verifier_group: ChatAccess
    channels: list[ChatAccess]

    @property
    def failures(self) -> list[str]:
        lines = []
        if self.verifier_group.problem:
            lines.append(f"verifier group {self.verifier_group.chat_id}: {self.verifier_group.problem}")
        lines.extend(
            f"channel {c.chat_id}{f' ({c.title})' if c.title else ''}: {c.problem}" for c in self.channels if c.problem
        )
        return lines


async def check_network_access(telegram: TelegramPort, network: Network) -> AccessReport:
    group = await telegram.check_access(network.verifier_group_id, channel=False)
    # The drill channel too: a drill's posts go there (issue 19), so it must work like the others.
    drill = [network.drill_channel] if network.drill_channel is not None else []
    channels = [await telegram.check_access(chat_id, channel=True) for chat_id in [*network.channel_ids(), *drill]]
    return AccessReport(group, channels)
