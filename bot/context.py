"""Typed context for handlers: services and the resident's session, never untyped dict lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.alarm import DeadlineAlarm
from bot.domain.deep_links import DeepLinks
from bot.domain.desk_links import DeskLinks
from bot.feed.service import FeedService
from bot.i18n import Catalogs
from bot.languages import Language
from bot.network import Network
from bot.operations import Operations
from bot.services.changes import Changes
from bot.services.corroboration import CorroborationService
from bot.services.desk import DeskService
from bot.services.dispatcher import Dispatcher
from bot.services.drills import DrillService
from bot.services.images import ImageCleaner
from bot.services.lease import LeaseKeeper
from bot.services.lifecycle import LifecycleService
from bot.services.overview import OverviewService
from bot.services.public_text import PublicTextService
from bot.services.residents import ResidentService
from bot.services.retention import RetentionService
from bot.services.rumors import RumorCheckService
from bot.services.showing import ShowingService
from bot.services.status import StatusService
from bot.services.subscriptions import SubscriptionService
from bot.services.verification import VerificationService
from bot.services.web_desk import WebDeskService
from bot.telegram_gateway import TelegramGateway
from storage.database import Database


class RunningServer(Protocol):
    """A web server Vigil started (bot.web.server.WebServer): where it listens, and how it stops."""

    @property
    def port(self) -> int: ...

    async def stop(self) -> None: ...


class PushedUpdates(Protocol):
    """Webhook mode (bot.web.webhook.WebhookTarget): where Telegram pushes updates, the token it sends
    with each, and a way to stop taking them before Vigil stops."""

    @property
    def url(self) -> str: ...

    @property
    def secret_token(self) -> str: ...

    def stop_accepting(self) -> None: ...


@dataclass(frozen=True)
class Services:
    network: Network
    catalogs: Catalogs
    database: Database
    residents: ResidentService
    verification: VerificationService
    retention: RetentionService
    lifecycle: LifecycleService
    status: StatusService
    dispatcher: Dispatcher
    alarm: DeadlineAlarm
    images: ImageCleaner
    telegram: TelegramGateway
    desk: DeskService
    public_text: PublicTextService
    rumors: RumorCheckService
    corroboration: CorroborationService
    showing: ShowingService  # 📎 Show media: a report's media under its card, on demand (issue 18)
    overview: OverviewService  # /queue and /stats
    subscriptions: SubscriptionService
    drills: DrillService  # /drill: practice on made-up reports (issue 19)
    links: DeepLinks  # the bot's own t.me links, from its username as Telegram gave it at start-up
    operations: Operations  # /healthz and /metrics
    web: RunningServer | None = None  # Vigil's web server, when VIGIL_WEB_LISTEN is set
    feed: FeedService | None = None  # the public CAP/Atom feed's reads, when [feed] enabled = true
    lease: LeaseKeeper | None = None  # on PostgreSQL: this instance's hold on the active role
    webhook: PushedUpdates | None = None  # `vigil run --webhook`: what the runner gives setWebhook
    metrics_web: RunningServer | None = None  # /metrics and /healthz, when VIGIL_METRICS_LISTEN is set
    changes: Changes = field(default_factory=Changes)  # tells open web desks that something was committed
    web_desk: WebDeskService | None = None  # what the web desk reads, when VIGIL_WEB_LISTEN is set
    desk_links: DeskLinks | None = None  # how Telegram opens the web desk, when VIGIL_WEB_URL is set


class BotData:
    """Application-wide state: the services, set once in post_init."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are used before post_init created them")
        return self._services

    def install(self, services: Services) -> None:
        self._services = services

    def installed(self) -> Services | None:
        return self._services

    def uninstall(self) -> Services | None:
        services, self._services = self._services, None
        return services


class ResidentSession:
    """What is remembered in memory about a resident, only to save work: their language (stored
    too) and their newest draft panel (to take the buttons off the previous one). The draft itself
    is stored (ResidentService.draft)."""

    def __init__(self) -> None:
        self.language: Language | None = None
        self.panel_message_id: int | None = None


class VigilContext(CallbackContext[ExtBot[int], ResidentSession, dict[object, object], BotData]):
    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def session(self) -> ResidentSession:
        if self.user_data is None:
            raise RuntimeError("a resident handler ran for an update without a user")
        return self.user_data


VigilApplication = Application[
    ExtBot[int], VigilContext, ResidentSession, dict[object, object], BotData, JobQueue[VigilContext]
]
