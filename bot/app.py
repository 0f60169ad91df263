"""Application wiring: long-lived services open in post_init and close in post_shutdown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.ext import ApplicationBuilder, BaseRateLimiter, ContextTypes

from bot.alarm import DeadlineAlarm
from bot.context import BotData, ResidentSession, Services, VigilApplication, VigilContext
from bot.domain.deep_links import DeepLinks
from bot.domain.delivery import QueuedMessage
from bot.domain.desk_links import DeskLinks
from bot.drills.library import load_library
from bot.errors import ConfigurationError
from bot.feed.service import FeedService
from bot.fenced_http import Fence, fenced_request
from bot.i18n import Catalogs
from bot.languages import supported_languages
from bot.network import Network
from bot.operations import Operations
from bot.pipeline import ChatOrderedProcessor, PendingUpdates
from bot.rate_limits import PriorityRateLimiter
from bot.rendering.drills import banner
from bot.services.cards import CardRenderer
from bot.services.changes import Changes
from bot.services.corroboration import CorroborationService
from bot.services.deps import ServiceDeps
from bot.services.desk import DeskService
from bot.services.dispatcher import Dispatcher
from bot.services.drill_scope import DrillScope
from bot.services.drills import DrillService
from bot.services.images import ImageCleaner
from bot.services.lease import LeaseKeeper, default_instance_name
from bot.services.lifecycle import LifecycleService
from bot.services.membership import Membership
from bot.services.overview import OverviewService
from bot.services.pseudonyms import Pseudonyms
from bot.services.public_text import PublicTextService
from bot.services.residents import ResidentService
from bot.services.retention import RetentionService
from bot.services.rumors import RumorCheckService
from bot.services.secret_key import check_secret_key
from bot.services.showing import ShowingService
from bot.services.startup_check import check_network_access
from bot.services.status import StatusService
from bot.services.subscriptions import SubscriptionService
from bot.services.verification import VerificationService
from bot.services.web_desk import WebDeskService
from bot.settings import Settings
from bot.telegram_gateway import TelegramGateway
from bot.vitals import Vitals
from bot.web.operations import OperationsSurface
from bot.web.server import WebServer
from bot.web.surfaces import web_surfaces
from bot.web.webhook import PATH as WEBHOOK_PATH
from bot.web.webhook import WebhookSurface, WebhookTarget, secret_token
from handlers import register
from handlers.maintenance import schedule_maintenance
from storage.backup import DatabaseInUse, InstanceLock
from storage.database import Database
from storage.dialect import POSTGRESQL

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Telegram keeps an unconfirmed update for at most 24 hours; its id cannot come back after that.
PROCESSED_UPDATES_KEPT = timedelta(days=2)
# python-telegram-bot's defaults: a pool for everything, one connection for getUpdates.
MESSAGES_CONNECTION_POOL = 256
GET_UPDATES_CONNECTION_POOL = 1


def utc_now() -> datetime:
    return datetime.now(UTC)


AnyBuilder = ApplicationBuilder[Any, Any, Any, Any, Any, Any]


def telegram_connections(builder: AnyBuilder, settings: Settings, fence: Fence | None) -> AnyBuilder:
    """python-telegram-bot's two HTTP clients (messages, and getUpdates). Timeouts: a request that gets
    no answer in time may still have reached Telegram, which the dispatcher must then treat as
    uncertain; a generous read timeout makes that rare. With a `fence` (PostgreSQL, where two
    instances share the database and only the lease holder may talk to Telegram), both run over
    connections that check the lease right before any byte leaves (bot/fenced_http.py); on SQLite
    (one instance per file, held by its lock) they are the library's own."""
    if fence is None:
        return builder.read_timeout(settings.telegram_timeout_seconds).write_timeout(settings.telegram_timeout_seconds)
    messages = fenced_request(
        fence,
        settings.telegram_base_url,
        connection_pool_size=MESSAGES_CONNECTION_POOL,
        read_timeout=settings.telegram_timeout_seconds,
        write_timeout=settings.telegram_timeout_seconds,
    )
    updates = fenced_request(fence, settings.telegram_base_url, connection_pool_size=GET_UPDATES_CONNECTION_POOL)
    return builder.request(messages).get_updates_request(updates)


def build_application(
    settings: Settings, network: Network, *, clock: Clock = utc_now, rate_limiter: BaseRateLimiter[int] | None = None
) -> VigilApplication:
    """`rate_limiter` defaults to Telegram's published limits (30 messages a second, 20 a minute per group)."""
    catalogs = Catalogs.load()
    pseudonyms = Pseudonyms(settings.secret_key.get_secret_value())
    library = load_library(network.drill_scenarios)  # a bad scenario file stops start-up in plain words
    vitals = Vitals()  # this Application's health and metrics (bot/operations.py)
    # One Vigil per database: `vigil restore` and `vigil migrate` refuse while this is held.
    # (A PostgreSQL server is shared on purpose: there the lease decides who is active, bot/services/lease.py.)
    # Every byte of every request to Telegram is written past this check (bot/fenced_http.py): on
    # PostgreSQL, the lease's, once this instance holds it.
    fence = Fence()
    database_file = settings.database if isinstance(settings.database, Path) else None
    instance = InstanceLock(database_file) if database_file is not None and str(database_file) != ":memory:" else None

    async def start_services(application: VigilApplication) -> None:
        if instance is not None:
            try:
                instance.acquire()
            except DatabaseInUse as error:
                raise ConfigurationError(
                    f"Vigil cannot use {settings.database}: {error}. Stop the other Vigil first."
                ) from None
        try:
            database = await Database.open(settings.database)
        except BaseException:
            if instance is not None:
                instance.release()
            raise
        metrics_web: WebServer | None = None
        lease: LeaseKeeper | None = None
        try:
            if database.dialect is POSTGRESQL:
                # Two Vigils may share this database: wait here, as the standby, until this one holds
                # the lease; from then on every commit and every request is fenced by it.
                lease = LeaseKeeper(database, settings.instance or default_instance_name())
                await lease.acquire()
                lease.start_renewing()
                fence.guard_with(lease.check_before_sending)
            telegram = TelegramGateway(application.bot)
            access = await check_network_access(telegram, network)
            for failure in access.failures:
                log.error("Vigil cannot work in %s", failure)
            if access.verifier_group.problem:
                raise ConfigurationError(
                    f"Vigil cannot post in the verifier group {network.verifier_group_id}: "
                    f"{access.verifier_group.problem}. Add the bot to the group and check verifier_group_id."
                )
            async with database.unit_of_work() as repo:
                # The same key as the stored pseudonyms, or no start (before anything is keyed).
                await check_secret_key(repo, pseudonyms, clock())
                await repo.forget_requests_before(clock() - PROCESSED_UPDATES_KEPT)
                # Verifier ids from before migration 0004 become pseudonyms before any press is handled.
                keyed_verifiers = await repo.key_legacy_verifiers(pseudonyms.of_user)
            if keyed_verifiers:
                await database.checkpoint()  # the ids must not linger in the write-ahead log
            drill_service: list[DrillService] = []  # created below; the dispatcher hands it questions

            async def simulate(message: QueuedMessage) -> None:
                await drill_service[0].simulate(message)

            desk_links = (
                DeskLinks(settings.web_url, application.bot.username, settings.web_app_name)
                if settings.web_url
                else None
            )
            card_desk_link = desk_links.report if desk_links and desk_links.app_name else None
            dispatcher = Dispatcher(
                database=database,
                telegram=telegram,
                cards=CardRenderer(catalogs=catalogs, network=network, clock=clock, desk_link=card_desk_link),
                clock=clock,
                drill_scope=DrillScope(
                    inside=frozenset({network.verifier_group_id}),
                    drill_channel=network.drill_channel,
                    banner=banner(catalogs(network.card_language)),
                    simulate=simulate,
                ),
                vitals=vitals,
            )
            changes = Changes()  # open web desks read the queue again after every commit
            wakers: list[Callable[[], None]] = [dispatcher.wake, changes.notify]

            def after_commit() -> None:
                """A service committed messages or deadlines: the dispatcher and the alarm look now."""
                for wake in wakers:
                    wake()

            # The links under alerts and on flyers name the bot as Telegram knows it (getMe, done by
            # initialize), never a configured name that could go stale.
            links = DeepLinks(application.bot.username)
            deps = ServiceDeps(
                database=database,
                telegram=telegram,
                network=network,
                catalogs=catalogs,
                pseudonyms=pseudonyms,
                clock=clock,
                after_commit=after_commit,
                links=links,
            )
            lifecycle = LifecycleService(deps)
            images = ImageCleaner(telegram)
            public_text = PublicTextService(deps)
            if application.job_queue is None:
                raise ConfigurationError("Vigil needs python-telegram-bot's job-queue extra (pip install .)")
            residents = ResidentService(deps, images=images)
            desk = DeskService(deps, images=images, public_text=public_text)
            drills = DrillService(deps, residents=residents, desk=desk, library=library)
            drill_service.append(drills)

            async def fire_due() -> datetime | None:
                """The deadlines, then the drill's simulated residents; the earlier next time wins."""
                times = [await lifecycle.fire_due_deadlines(), await drills.fire_due()]
                return min((t for t in times if t is not None), default=None)

            alarm = DeadlineAlarm(application.job_queue, fire_due, clock)
            wakers.append(alarm.wake)
            services = Services(
                network=network,
                catalogs=catalogs,
                database=database,
                residents=residents,
                images=images,
                telegram=telegram,
                verification=VerificationService(deps),
                retention=RetentionService(database=database, network=network, clock=clock),
                lifecycle=lifecycle,
                status=StatusService(database=database, network=network, clock=clock),
                dispatcher=dispatcher,
                alarm=alarm,
                desk=desk,
                public_text=public_text,
                rumors=RumorCheckService(deps),
                corroboration=CorroborationService(deps),
                showing=ShowingService(deps),
                overview=OverviewService(deps),
                subscriptions=SubscriptionService(database=database, network=network, clock=clock),
                links=links,
                drills=drills,
                feed=FeedService(database=database, network=network, catalogs=catalogs, clock=clock)
                if network.feed.enabled
                else None,
                lease=lease,
                operations=Operations(
                    vitals=vitals,
                    database=database,
                    network=network,
                    clock=clock,
                    poll_limit_seconds=settings.health_poll_seconds,
                    outbox_limit_seconds=settings.health_outbox_seconds,
                    polling=not settings.webhook,
                    active_instance=f"{lease.name} (lease {lease.epoch})" if lease is not None else None,
                ),
                changes=changes,
                desk_links=desk_links,
            )
            metrics_listen = settings.metrics_listen_address
            if metrics_listen is not None:
                metrics_web = WebServer(
                    metrics_listen,
                    [OperationsSurface(services.operations, metrics=True)],
                    setting="VIGIL_METRICS_LISTEN",
                )
                await metrics_web.start()
                services = replace(services, metrics_web=metrics_web)
            web_listen = settings.web_listen_address
            if network.feed.enabled and web_listen is None:
                log.warning("The network file enables the feed, but VIGIL_WEB_LISTEN is not set: nothing serves it")
            if settings.webhook and (web_listen is None or settings.web_url is None):
                raise ConfigurationError(
                    "Webhook mode needs VIGIL_WEB_LISTEN (where Vigil's web server listens) and VIGIL_WEB_URL "
                    "(the https:// address Telegram reaches it at)."
                )
            if web_listen is not None:
                web_desk = WebDeskService(
                    deps,
                    CardRenderer(catalogs=catalogs, network=network, clock=clock),
                    Membership(telegram, network.verifier_group_id),
                )
                services = replace(services, web_desk=web_desk)
                surfaces = web_surfaces(services, settings)
                if settings.webhook and settings.web_url is not None:
                    secret = secret_token(settings.secret_key.get_secret_value())
                    processor = application.update_processor
                    assert isinstance(processor, ChatOrderedProcessor)  # build_application's own, below
                    surface = WebhookSurface(application.bot, processor.pending, application.update_queue.put, secret)
                    surfaces.append(surface)
                    services = replace(
                        services, webhook=WebhookTarget(settings.web_url + WEBHOOK_PATH, secret, surface)
                    )
                web_server = WebServer(web_listen, surfaces)
                await web_server.start()
                services = replace(services, web=web_server)
            application.bot_data.install(services)
            schedule_maintenance(application)
            await _publish_commands(application, catalogs, network)
            # Recover what a crash left in doubt, then send; deadlines that passed while Vigil was
            # down fire as soon as the JobQueue starts (right after post_init).
            await dispatcher.start()
            alarm.wake()
        except BaseException:
            if lease is not None:
                await lease.stop()
            if metrics_web is not None:
                await metrics_web.stop()
            await database.close()
            if instance is not None:
                instance.release()
            raise

    async def stop_sending(application: VigilApplication) -> None:
        """Before the Bot's HTTP client closes: finish the requests on their way, stop the alarm."""
        services = application.bot_data.installed()
        if services is not None:
            if services.web is not None:
                services.changes.close()  # the open desks' live queues end, so the server can stop
                await services.web.stop()  # no new action from the web while the last messages leave
            services.alarm.stop()
            await services.dispatcher.stop()

    async def stop_services(application: VigilApplication) -> None:
        services = application.bot_data.uninstall()
        if services is not None:
            if services.web is not None:
                await services.web.stop()
            services.alarm.stop()
            await services.dispatcher.stop()
            if services.metrics_web is not None:
                await services.metrics_web.stop()
            services.images.close()
            await services.telegram.close()
            if services.lease is not None:
                await services.lease.stop()
            await services.database.close()
        if instance is not None:
            instance.release()

    # cast: the builder's types do not carry the context type on into its JobQueue.
    application = cast(
        VigilApplication,
        telegram_connections(ApplicationBuilder(), settings, None if database_file is not None else fence)
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .context_types(ContextTypes(context=VigilContext, bot_data=BotData, user_data=ResidentSession))
        # Telegram's flood limits over sliding windows, alerts first (bot/rate_limits.py; reads are
        # exempt). An outbox message's 429 is not retried inside the request: the dispatcher honours
        # retry_after itself, pausing only that chat's queue, so a request never sits "sending" for
        # half a minute (a crash then would leave it in doubt). A handler's own answer is retried
        # there, after retry_after or a back-off: the one way out for what a resident must see.
        .rate_limiter(rate_limiter or PriorityRateLimiter(group_per_minute=settings.group_messages_per_minute))
        # Vigil's own pipeline (bot/pipeline.py, run by bot/runner.py): concurrent across chats,
        # in order within a chat, and an update is confirmed to Telegram only once handled.
        .concurrent_updates(ChatOrderedProcessor(PendingUpdates(), vitals=vitals))
        .updater(None)
        .post_init(start_services)
        .post_stop(stop_sending)
        .post_shutdown(stop_services)
        .build(),
    )
    register(application)
    return application


async def _publish_commands(application: VigilApplication, catalogs: Catalogs, network: Network) -> None:
    """The command menus residents and verifiers see, in their client's language."""
    for language in supported_languages():
        tr = catalogs(language)
        commands = [
            BotCommand("report", tr.gettext("Report what you see")),
            BotCommand("subscribe", tr.gettext("Get your neighborhoods' alerts here")),
            BotCommand("unsubscribe", tr.gettext("Stop alerts by direct message")),
            BotCommand("rights", tr.gettext("Know your rights")),
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
        # The verifier group's own menu: the desk at a glance (/stats answers organizers only).
        await application.bot.set_my_commands(
            [
                BotCommand("queue", tr.gettext("Open reports, oldest first")),
                BotCommand("stats", tr.gettext("The desk's figures (organizers)")),
                BotCommand("status", tr.gettext("Is Vigil working? (organizers)")),
            ],
            scope=BotCommandScopeChat(network.verifier_group_id),
            language_code=None if language == "en" else language,
        )
