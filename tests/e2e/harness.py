"""Run the real Vigil Application against the fake Bot API server, over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from telegram.ext import BaseRateLimiter

from bot.app import build_application
from bot.context import Services, VigilApplication
from bot.fake_telegram import FakeTelegram
from bot.logging_setup import configure_logging
from bot.network import Network, parse_network
from bot.rate_limits import PriorityRateLimiter
from bot.runner import running
from bot.settings import Settings
from tests.sample_network import (
    ANA,
    CLOVIS_EN_CHANNEL,
    CLOVIS_ES_CHANNEL,
    DOWNTOWN_CHANNEL,
    LUIS,
    MARTA,
    OTHER_GROUP,
    ROSA,
    SECRET,
    STRANGER,
    TOM,
    VADO_CHANNEL,
    VERIFIER_GROUP,
    network_toml,
)
from tests.sample_network import (
    TOKEN as TOKEN,  # re-exported: the e2e tests take the fake's token from here
)


def build_world(fake: FakeTelegram) -> None:
    fake.add_user(ROSA, "Rosa", language_code="es-MX")
    fake.add_user(TOM, "Tom", username="tom_lc", language_code="en")
    fake.add_user(ANA, "Ana", language_code="es")
    fake.add_user(LUIS, "Luis", language_code="en")
    fake.add_user(MARTA, "Marta", language_code="en")
    fake.add_user(STRANGER, "Mallory", language_code="en")
    fake.add_group(VERIFIER_GROUP, "Verificadores", member_ids=[ANA, LUIS, MARTA], admin_ids=[ANA])
    fake.add_group(OTHER_GROUP, "Another group", member_ids=[ANA, LUIS, STRANGER])
    fake.add_channel(VADO_CHANNEL, "Alertas Vado", username="alertas_vado")
    fake.add_channel(CLOVIS_EN_CHANNEL, "Clovis Alerts")
    fake.add_channel(CLOVIS_ES_CHANNEL, "Alertas Clovis")
    fake.add_channel(DOWNTOWN_CHANNEL, "Downtown Las Cruces Alerts")


def make_settings(fake: FakeTelegram, tmp_path: Path, *, telegram_timeout: float = 10.0, **more: object) -> Settings:
    """`more`: further settings by environment name, e.g. VIGIL_WEB_LISTEN="127.0.0.1:0" (they win
    over the defaults here, VIGIL_DATABASE and VIGIL_SECRET_KEY included)."""
    settings: dict[str, object] = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": fake.base_url,
        "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
        "VIGIL_DATABASE": tmp_path / "vigil.sqlite3",
        "VIGIL_NETWORK_FILE": tmp_path / "network.toml",
        "VIGIL_SECRET_KEY": SECRET,
        "TELEGRAM_TIMEOUT_SECONDS": telegram_timeout,
    }
    return Settings(_env_file=None, **{**settings, **more})


class TravelClock:
    """Vigil's clock in time-travel tests: real time plus an offset the test moves forward, so
    an hour passes in an instant while seconds (retries, back-off) still pass as usual."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, **delta: float) -> None:
        self._offset += timedelta(**delta)


@dataclass
class Vigil:
    fake: FakeTelegram
    application: VigilApplication
    network: Network
    settings: Settings

    @property
    def services(self) -> Services:
        return self.application.bot_data.services

    @property
    def web_base(self) -> str:
        """http://127.0.0.1:PORT of Vigil's web server (started with VIGIL_WEB_LISTEN)."""
        if self.services.web is None:
            raise AssertionError("Vigil was started without VIGIL_WEB_LISTEN")
        return f"http://127.0.0.1:{self.services.web.port}"

    @property
    def metrics_base(self) -> str:
        """http://127.0.0.1:PORT of /metrics and /healthz (started with VIGIL_METRICS_LISTEN)."""
        if self.services.metrics_web is None:
            raise AssertionError("Vigil was started without VIGIL_METRICS_LISTEN")
        return f"http://127.0.0.1:{self.services.metrics_web.port}"

    def alarm_rings(self) -> None:
        """What the JobQueue does when the wall clock reaches a deadline; a time-travel test
        calls it after moving the clock, instead of waiting real minutes."""
        self.services.alarm.wake()

    async def outbox_idle(self, timeout: float = 5.0) -> None:
        """Wait until nothing is left to send (every outbox message settled)."""

        async def idle() -> bool:
            async with self.services.database.unit_of_work() as repo:
                return (await repo.outbox_backlog()).waiting == 0

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await idle():
            if loop.time() > deadline:
                raise AssertionError(f"the outbox was still busy after {timeout}s")
            await asyncio.sleep(0.02)
        await self.fake.settled()


@asynccontextmanager
async def running_vigil(
    fake: FakeTelegram,
    tmp_path: Path,
    *,
    network: Network | None = None,
    clock: Callable[[], datetime] | None = None,
    rate_limiter: BaseRateLimiter | None = None,
    telegram_timeout: float = 10.0,
    **more_settings: object,
) -> AsyncIterator[Vigil]:
    """Start Vigil as `vigil run` does (bot.runner), stop it the same way; `more_settings` by
    environment name (VIGIL_WEB_LISTEN="127.0.0.1:0" starts the web server on a free port)."""
    network = network or parse_network(network_toml())
    settings = make_settings(fake, tmp_path, telegram_timeout=telegram_timeout, **more_settings)
    application = build_application(
        settings, network, clock=clock or (lambda: datetime.now(UTC)), rate_limiter=rate_limiter
    )
    limiter = application.bot.rate_limiter
    # settled() must also wait for a reply held back in Vigil's own rate limiter, not yet on the wire,
    # and for every fetched update to be handled: a handler between two requests (waiting for the
    # database on a busy machine) makes no request for longer than settled()'s quiet moment.
    unwatch = [fake.watch_client(lambda: application.update_processor.pending.busy > 0)]
    if isinstance(limiter, PriorityRateLimiter):
        unwatch.append(fake.watch_client(lambda: limiter.holding > 0))
    try:
        async with running(application, poll_timeout=1):
            yield Vigil(fake, application, network, settings)
    finally:
        for stop_watching in unwatch:
            stop_watching()


@contextmanager
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that something else already listens on, for as long as the block runs."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield int(busy.getsockname()[1])


def jpeg_bytes(
    color: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (64, 48), exif: bytes | None = None
) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif is None:
        image.save(out, "JPEG")
    else:
        image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def buttons_of(message: dict) -> list[tuple[str, str]]:
    """(text, callback_data) of every inline button of a message, in order."""
    markup = message.get("reply_markup") or {}
    return [
        (button["text"], button.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for button in row
    ]


def button_data(message: dict, startswith: str) -> str:
    for text, data in buttons_of(message):
        if text.startswith(startswith) or data.startswith(startswith):
            return data
    raise AssertionError(f"no button starting with {startswith!r} in {buttons_of(message)}")


@contextmanager
def production_log(*, secrets: Iterable[str] = ()) -> Iterator[io.StringIO]:
    """What Vigil writes to its log (bot.logging_setup, DEBUG for its own loggers), into a buffer;
    the logging configuration is as it was afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_levels = {name: logging.getLogger(name).level for name in list(logging.root.manager.loggerDict)}
    buffer = io.StringIO()
    configure_logging(secrets=secrets, stream=buffer, level=logging.DEBUG)
    try:
        yield buffer
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)
