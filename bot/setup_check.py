"""`vigil check`: can the bot do its work in every chat of the network file? Nothing is started."""

from __future__ import annotations

from collections.abc import Callable

from bot.network import Network
from bot.ports import ChatAccess
from bot.services.startup_check import check_network_access
from bot.settings import TelegramSettings
from bot.telegram_client import bot_client
from bot.telegram_gateway import TelegramGateway

Echo = Callable[[str], None]


async def check_setup(settings: TelegramSettings, network: Network, echo: Echo) -> bool:
    """Print a table of every chat and whether the bot can use it; True when all can be used.

    Telegram errors while asking who the bot is (wrong token, no network) propagate, for the
    command line to explain."""
    async with bot_client(settings) as bot:
        echo(f"Bot: @{bot.username} (id {bot.id}).")
        access = await check_network_access(TelegramGateway(bot), network)
    rows = [("verifier group", access.verifier_group)]
    uses = _channel_uses(network)
    rows.extend((f"channel for {uses[channel.chat_id]}", channel) for channel in access.channels)
    _print_table(rows, echo)
    problems = [row for row in rows if row[1].problem]
    if problems:
        echo(
            f"{len(problems)} of {len(rows)} chats cannot be used. Fix them (see the README's set-up steps; "
            "`vigil chats` shows the ids) and run `vigil check` again."
        )
        return False
    echo(f"All {len(rows)} chats are ready. `vigil run` starts the bot.")
    return True


def _channel_uses(network: Network) -> dict[int, str]:
    uses: dict[int, list[str]] = {}
    for neighborhood in network.neighborhoods:
        for channel in neighborhood.channels:
            uses.setdefault(channel.chat_id, []).append(f"{neighborhood.key} ({', '.join(channel.languages)})")
    return {chat_id: "; ".join(names) for chat_id, names in uses.items()}


def _print_table(rows: list[tuple[str, ChatAccess]], echo: Echo) -> None:
    header = ("CHAT", "ID", "TITLE", "STATUS")
    lines = [
        (role, str(access.chat_id), access.title or "?", f"problem: {access.problem}" if access.problem else "ok")
        for role, access in rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(3)]
    for line in [header, *lines]:
        echo("  ".join(cell.ljust(width) for cell, width in zip(line[:3], widths, strict=True)) + "  " + line[3])
