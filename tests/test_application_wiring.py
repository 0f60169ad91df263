"""The real Application builds with every handler, without touching the network."""

from __future__ import annotations

from pathlib import Path

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callback_data as cb
from bot.app import build_application
from bot.context import BotData, ResidentSession, VigilApplication, VigilContext
from bot.fenced_http import FencedTransport
from bot.network import parse_network
from bot.settings import Settings
from tests.sample_network import SECRET, TOKEN, network_toml


def application_on(database: Path | str) -> VigilApplication:
    """The real Application, built as `vigil run` builds it, against an unreachable Telegram."""
    settings = Settings(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL="http://127.0.0.1:9/bot",
        TELEGRAM_BASE_FILE_URL="http://127.0.0.1:9/file/bot",
        VIGIL_DATABASE=database,
        VIGIL_SECRET_KEY=SECRET,
        _env_file=None,
    )
    return build_application(settings, parse_network(network_toml()))


def test_application_registers_every_flow_with_typed_context(tmp_path):
    application = application_on(tmp_path / "vigil.sqlite3")
    handlers = application.handlers[0]
    commands = {c for h in handlers if isinstance(h, CommandHandler) for c in h.commands}
    assert {
        "start",
        "help",
        "report",
        "language",
        "cancel",
        "privacy",
        "forgetme",
        "status",
        "subscribe",
        "unsubscribe",
        "rights",
        "drill",
    } <= commands
    patterns = [h.pattern.pattern for h in handlers if isinstance(h, CallbackQueryHandler) and h.pattern]
    families = [
        cb.Vote,
        cb.FalseAlarm,
        cb.RumorCheck,
        cb.Form,
        cb.ChooseLanguage,
        cb.Mute,
        cb.Forget,
        cb.OnAlert,
        cb.Ask,
        cb.Answer,
        cb.Which,
        cb.GoCheck,
        cb.Detach,
        cb.ShowMedia,
        cb.EditText,
        cb.Subscribe,
        cb.Rights,
        cb.DrillMenu,
    ]
    assert set(families) == set(cb.FAMILIES)  # every button family has its handler
    assert patterns == [cb.pattern(family) for family in families]
    assert application.job_queue is not None  # deadlines are armed on the JobQueue
    assert application.context_types.context is VigilContext
    assert isinstance(application.bot_data, BotData)
    assert application.context_types.user_data is ResidentSession
    assert application.error_handlers
    assert application.bot.base_url.startswith("http://127.0.0.1:9/bot")


def _transports(application) -> list[object]:
    # python-telegram-bot's two clients: messages, and getUpdates (its private httpx clients).
    return [request._client._transport for request in application.bot._request]


def test_on_postgresql_every_request_to_telegram_goes_through_the_lease_fence():
    application = application_on("postgresql://vigil@127.0.0.1:9/vigil")
    assert all(isinstance(transport, FencedTransport) for transport in _transports(application))


def test_on_sqlite_the_requests_are_the_librarys_own(tmp_path):
    application = application_on(tmp_path / "vigil.sqlite3")
    assert not any(isinstance(transport, FencedTransport) for transport in _transports(application))
