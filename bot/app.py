"""Application wiring: long-lived services open in post_init and close in post_shutdown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import AIORateLimiter, ApplicationBuilder, BaseRateLimiter, ContextTypes

from bot.context import BotData, ResidentSession, Services, VigilApplication, VigilContext
from bot.errors import ConfigurationError
from bot.i18n import Catalogs
from bot.languages import SUPPORTED_LANGUAGES
from bot.network import Network
from bot.services.pseudonyms import Pseudonyms
from bot.services.residents import ResidentService
from bot.services.retention import RetentionService
from bot.services.startup_check import check_network_access
from bot.services.verification import VerificationService
from bot.settings import Settings
from bot.telegram_gateway import TelegramGateway
from handlers import register
from handlers.maintenance import schedule_maintenance
from storage.database import Database

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_application(
    settings: Settings, network: Network, *, clock: Clock = utc_now, rate_limiter: BaseRateLimiter | None = None
) -> VigilApplication:
    """`rate_limiter` defaults to Telegram's published limits (30 messages a second, 20 a minute per group)."""
    catalogs = Catalogs.load()
    pseudonyms = Pseudonyms(settings.secret_key.get_secret_value())

    async def start_services(application: VigilApplication) -> None:
        database = await Database.open(settings.database)
        try:
            telegram = TelegramGateway(application.bot)
            access = await check_network_access(telegram, network)
            for failure in access.failures:
                log.error("Vigil cannot work in %s", failure)
            if access.verifier_group.problem:
                raise ConfigurationError(
                    f"Vigil cannot post in the verifier group {network.verifier_group_id}: "
                    f"{access.verifier_group.problem}. Add the bot to the group and check verifier_group_id."
                )
            common = dict(database=database, telegram=telegram, network=network, catalogs=catalogs,
                          pseudonyms=pseudonyms, clock=clock)
            application.bot_data.install(
                Services(
                    network=network,
                    catalogs=catalogs,
                    database=database,
                    residents=ResidentService(**common),
                    verification=VerificationService(**common),
                    retention=RetentionService(database=database, network=network, clock=clock),
                )
            )
            schedule_maintenance(application)
            await _publish_commands(application, catalogs)
        except BaseException:
            await database.close()
            raise

    async def stop_services(application: VigilApplication) -> None:
        services = application.bot_data.uninstall()
        if services is not None:
            await services.database.close()

    application: VigilApplication = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .context_types(ContextTypes(context=VigilContext, bot_data=BotData, user_data=ResidentSession))
        .rate_limiter(rate_limiter or AIORateLimiter())
        .post_init(start_services)
        .post_shutdown(stop_services)
        .build()
    )
    register(application)
    return application


async def _publish_commands(application: VigilApplication, catalogs: Catalogs) -> None:
    """The command menu residents see, in their client's language."""
    for language in SUPPORTED_LANGUAGES:
        tr = catalogs(language)
        commands = [
            BotCommand("report", tr.gettext("Report what you see")),
            BotCommand("language", tr.gettext("Change language")),
            BotCommand("cancel", tr.gettext("Discard the report you are writing")),
            BotCommand("privacy", tr.gettext("What Vigil keeps about you")),
            BotCommand("forgetme", tr.gettext("Erase everything Vigil keeps about you")),
            BotCommand("help", tr.gettext("How Vigil works")),
        ]
        await application.bot.set_my_commands(
            commands,
            scope=BotCommandScopeAllPrivateChats(),
            language_code=None if language == "en" else language,
        )
