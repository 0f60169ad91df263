"""Process settings, read once from the environment and a `.env` file.

Everything about *who* is in the network (groups, channels, neighborhoods) lives in the
network file instead (see :mod:`bot.network`), because volunteers edit it far more often
than they rotate secrets.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigurationError, describe_validation_error
from storage.dialect import is_postgresql_url

MAKE_A_SECRET = 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
MIN_SECRET_LENGTH = 32
# An estimate of the randomness in the key, in bits (see estimated_entropy_bits). A key made as
# the README says scores about 300; secrets.token_hex(16), the shortest sensible key, over 90.
# It only catches the obvious (a repeated word, a row of one character, "0123..."): the advice
# is always to generate the key.
MIN_SECRET_BITS = 80
# The values .env.example ships with: a copied but unedited file must not start a real bot.
EXAMPLE_TOKEN = "123456789:replace-with-the-token-from-botfather"
EXAMPLE_SECRETS = frozenset({"replace-with-at-least-32-random-characters"})
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


_SETTINGS_CONFIG = SettingsConfigDict(
    env_file=None,
    env_file_encoding="utf-8",
    extra="ignore",
    case_sensitive=False,
    populate_by_name=True,
)


@dataclass(frozen=True)
class ListenAddress:
    """`host:port` where the web server listens (`VIGIL_WEB_LISTEN`); port 0 picks a free one."""

    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> ListenAddress:
        host, separator, port = text.strip().rpartition(":")
        host = host.strip("[]")
        if not separator or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("must be host:port, for example 127.0.0.1:8080")
        return cls(host, int(port))

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class NetworkFileSettings(BaseSettings):
    """Where the network file is: all that `vigil flyer --bot-username` needs."""

    model_config = _SETTINGS_CONFIG

    network_file: Path = Field(default=Path("network.toml"), alias="VIGIL_NETWORK_FILE")


class TelegramSettings(BaseSettings):
    """What it takes to talk to Telegram as the bot: enough for `vigil chats`."""

    model_config = _SETTINGS_CONFIG

    telegram_bot_token: SecretStr = Field(alias="TELEGRAM_BOT_TOKEN")
    telegram_base_url: str = Field(default="https://api.telegram.org/bot", alias="TELEGRAM_BASE_URL")
    telegram_base_file_url: str = Field(default="https://api.telegram.org/file/bot", alias="TELEGRAM_BASE_FILE_URL")
    # How long to wait for Telegram's answer. A request with no answer in time may still have
    # been delivered (see the delivery policy in the README), so this errs on the long side.
    telegram_timeout_seconds: float = Field(default=10.0, gt=0, le=120, alias="TELEGRAM_TIMEOUT_SECONDS")

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_has_botfather_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        if token == EXAMPLE_TOKEN:
            raise ValueError("is still the example value from .env.example; put the token @BotFather gave you here")
        bot_id, _, secret = token.partition(":")
        if not (bot_id.isdigit() and secret):
            raise ValueError("must look like '123456789:ABC...' as given by @BotFather")
        return value

    @field_validator("telegram_base_url", "telegram_base_file_url")
    @classmethod
    def _is_http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class FlyerSettings(TelegramSettings, NetworkFileSettings):
    """`vigil flyer`: the network file, and the token to ask Telegram for the bot's username."""


class DatabaseSettings(BaseSettings):
    """Where the database is: all `vigil backup` and `vigil migrate` need (no secret at all, so a
    backup job can run without the token or the key)."""

    model_config = _SETTINGS_CONFIG

    # A file path keeps the embedded SQLite; a postgresql:// URL selects a PostgreSQL server (storage/dialect.py).
    database: Path | str = Field(default=Path("vigil.sqlite3"), alias="VIGIL_DATABASE")

    @field_validator("database", mode="before")
    @classmethod
    def _path_or_url(cls, value: object) -> object:
        # A URL is kept as text: as a Path, "postgresql://…" would lose a slash.
        if isinstance(value, str) and not is_postgresql_url(value):
            return Path(value)
        return value


class KeySettings(DatabaseSettings):
    """The database and the key of its pseudonyms: all that `vigil rotate-key` needs."""

    # Keys the reporter pseudonyms (HMAC). It must never be stored in the database, or a seized
    # database file alone would let anyone re-link pseudonyms to Telegram accounts.
    secret_key: SecretStr = Field(alias="VIGIL_SECRET_KEY")

    @field_validator("secret_key")
    @classmethod
    def _secret_is_hard_to_guess(cls, value: SecretStr) -> SecretStr:
        # The messages never quote the key: they may end up in a shared log or a help request.
        secret = value.get_secret_value()
        if secret in EXAMPLE_SECRETS:
            raise ValueError(f"is still the example value from .env.example; make a key with: {MAKE_A_SECRET}")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"needs at least {MIN_SECRET_LENGTH} random characters (it has {len(secret)}); "
                f"make a key with: {MAKE_A_SECRET}"
            )
        if estimated_entropy_bits(secret) < MIN_SECRET_BITS:
            raise ValueError(
                "is too easy to guess (repeated or sequential characters, or too few different ones); "
                f"make a key with: {MAKE_A_SECRET}"
            )
        return value


class WebSettings(BaseSettings):
    """Vigil's web server, and health and metrics on an address of their own."""

    model_config = _SETTINGS_CONFIG

    # Vigil's web server (the web desk, the feed, health): where it listens, as host:port; unset
    # means no web server at all. VIGIL_WEB_URL is the public https:// address people reach it at
    # (through a reverse proxy that holds the certificate), used in buttons and links.
    web_listen: str | None = Field(default=None, alias="VIGIL_WEB_LISTEN")
    web_url: str | None = Field(default=None, alias="VIGIL_WEB_URL")
    # On PostgreSQL, this instance's name in the lease and in /status ("Running two instances" in the
    # README); unset: the host name and process id.
    instance: str | None = Field(default=None, alias="VIGIL_INSTANCE")
    # `vigil run --webhook`: Telegram pushes updates to VIGIL_WEB_URL/telegram/webhook instead of
    # Vigil polling for them (bot/web/webhook.py); needs VIGIL_WEB_LISTEN and VIGIL_WEB_URL.
    webhook: bool = Field(default=False, alias="VIGIL_WEBHOOK")
    # Telegram allows a bot 20 messages a minute in a group. Only a drill against the fake Bot API
    # (tests/crash/test_failover.py) raises it, so that 30 cards do not take minutes; never change it
    # against Telegram, which would answer with 429s.
    group_messages_per_minute: float = Field(default=20.0, gt=0, alias="VIGIL_GROUP_MESSAGES_PER_MINUTE")
    # /metrics and /healthz on an internal address of their own (never the public web server: the
    # figures tell anyone how busy the desk is in the middle of a raid).
    metrics_listen: str | None = Field(default=None, alias="VIGIL_METRICS_LISTEN")
    # /healthz answers 503 once Telegram has not answered a getUpdates for this long (a healthy long
    # poll answers at least every 10 s), or once a message other than a subscriber's has waited in
    # the outbox this long (a subscriber's: ten times as long, a fan-out to thousands takes minutes).
    health_poll_seconds: float = Field(default=25.0, gt=0, le=3600, alias="VIGIL_HEALTH_POLL_SECONDS")
    health_outbox_seconds: float = Field(default=120.0, gt=0, le=86400, alias="VIGIL_HEALTH_OUTBOX_SECONDS")
    # The web desk's Mini App short name at @BotFather (/newapp): cards in the group get a button that
    # opens the desk there (t.me/<bot>/<name>); without it, the desk opens from a private chat (/desk).
    web_app_name: str | None = Field(default=None, alias="VIGIL_WEB_APP_NAME", pattern=r"^[A-Za-z0-9_]{3,30}$")

    # An optional map tile server for the web desk's map (https, with {z}, {x} and {y}); without it the
    # map is drawn from the network file's centers and radii alone, loading nothing from outside.
    web_map_tiles: str | None = Field(
        default=None, alias="VIGIL_WEB_MAP_TILES", pattern=r"^https://[^/\s]+/\S*\{z\}\S*\{x\}\S*\{y\}\S*$"
    )

    @field_validator("web_listen", "metrics_listen")
    @classmethod
    def _is_host_and_port(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return str(ListenAddress.parse(value))

    @field_validator("web_url")
    @classmethod
    def _is_public_https(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        host = urlsplit(value).hostname or ""
        # Telegram opens Mini Apps only over https; plain http is for this machine (the sandbox, tests).
        if not (value.startswith("https://") or (value.startswith("http://") and host in _LOOPBACK_HOSTS)):
            raise ValueError("must be the public https:// address of Vigil's web server (http:// only for 127.0.0.1)")
        if not host:
            raise ValueError("must be a full address such as https://vigil.example.org")
        return value

    @property
    def web_listen_address(self) -> ListenAddress | None:
        return ListenAddress.parse(self.web_listen) if self.web_listen else None

    @property
    def metrics_listen_address(self) -> ListenAddress | None:
        return ListenAddress.parse(self.metrics_listen) if self.metrics_listen else None


class Settings(KeySettings, WebSettings, NetworkFileSettings, TelegramSettings):
    """Everything `vigil run` needs (the bases in this order keep Telegram's settings first in messages)."""


def estimated_entropy_bits(secret: str) -> float:
    """A cautious estimate of how many random bits `secret` holds.

    The string is cut to its shortest repeating unit ("abcabc" is "abc"); then the smaller of two
    Shannon estimates counts: over its characters ("xxxx" holds nothing) and over the steps
    between neighbouring characters ("abcdef" or "13579" holds next to nothing).
    """
    unit = _repeating_unit(secret)
    steps = [ord(b) - ord(a) for a, b in zip(unit, unit[1:], strict=False)]
    return min(_shannon_bits(list(unit)), _shannon_bits(steps) if steps else 0.0)


def _repeating_unit(text: str) -> str:
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _shannon_bits(symbols: Sequence[object]) -> float:
    total = len(symbols)
    counts = Counter(symbols).values()
    return -sum(count * math.log2(count / total) for count in counts)


_ENVIRONMENT_NAMES = {
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "telegram_base_url": "TELEGRAM_BASE_URL",
    "telegram_base_file_url": "TELEGRAM_BASE_FILE_URL",
    "database": "VIGIL_DATABASE",
    "network_file": "VIGIL_NETWORK_FILE",
    "secret_key": "VIGIL_SECRET_KEY",
    "telegram_timeout_seconds": "TELEGRAM_TIMEOUT_SECONDS",
    "web_listen": "VIGIL_WEB_LISTEN",
    "web_url": "VIGIL_WEB_URL",
    "metrics_listen": "VIGIL_METRICS_LISTEN",
    "health_poll_seconds": "VIGIL_HEALTH_POLL_SECONDS",
    "health_outbox_seconds": "VIGIL_HEALTH_OUTBOX_SECONDS",
    "instance": "VIGIL_INSTANCE",
    "webhook": "VIGIL_WEBHOOK",
    "group_messages_per_minute": "VIGIL_GROUP_MESSAGES_PER_MINUTE",
    "web_app_name": "VIGIL_WEB_APP_NAME",
    "web_map_tiles": "VIGIL_WEB_MAP_TILES",
}


@dataclass(frozen=True)
class EnvFile:
    """Where the settings come from besides the environment: the `.env` found, and where Vigil looked."""

    path: Path | None
    looked_in: tuple[Path, ...] = ()

    def values(self) -> dict[str, str]:
        if self.path is None:
            return {}
        return {key: value for key, value in dotenv_values(self.path).items() if value is not None}

    def describe(self) -> str:
        if self.path is not None:
            return f"Vigil read the environment and {self.path}."
        if not self.looked_in:
            return "Vigil read the environment only."
        places = " and ".join(str(p) for p in self.looked_in)
        return f"Vigil read the environment and found no .env file (it looked for {places}; --env-file names one)."


def find_env_file(
    explicit: Path | None = None, *, network_file: Path | None = None, cwd: Path | None = None
) -> EnvFile:
    """`--env-file` if given; otherwise `.env` in the current directory, then next to the network file."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigurationError(f"The settings file {explicit} (given with --env-file) does not exist.")
        return EnvFile(explicit, (explicit,))
    here = (cwd or Path.cwd()).resolve()
    candidates = [here / ".env"]
    network = network_file or Path(os.environ.get("VIGIL_NETWORK_FILE") or "network.toml")
    beside_network = (here / network).resolve().parent / ".env"
    if beside_network not in candidates:
        candidates.append(beside_network)
    found = next((candidate for candidate in candidates if candidate.is_file()), None)
    return EnvFile(found, tuple(candidates))


def token_is_configured(env_file: EnvFile) -> bool:
    """Whether a bot token is set at all (the environment wins over the file, as in Settings)."""
    values = env_file.values()
    return any(os.environ.get(name) or values.get(name) for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN_FILE"))


# Secrets that may be handed over in a file instead (Docker secrets, systemd credentials): NAME_FILE
# holds the path of a file whose content is NAME. The image and the unit then hold no secret at all.
SECRETS_IN_FILES = ("TELEGRAM_BOT_TOKEN", "VIGIL_SECRET_KEY")


def secrets_from_files(source: EnvFile, given: Iterable[str] = ()) -> dict[str, str]:
    """The secrets named by NAME_FILE (in the environment or the .env file), read from their files."""
    values = source.values()
    found: dict[str, str] = {}
    for name in SECRETS_IN_FILES:
        setting = f"{name}_FILE"
        where = os.environ.get(setting) or values.get(setting)
        if not where or name in given:
            continue
        if os.environ.get(name) or values.get(name):
            raise ConfigurationError(f"Both {name} and {setting} are set; keep only one of them.")
        try:
            found[name] = Path(where).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigurationError(
                f"{setting} names {where}, which Vigil cannot read ({error.strerror or error})."
            ) from None
    return found


SettingsType = TypeVar("SettingsType", bound=BaseSettings)


def load_settings(
    env_file: Path | EnvFile | None = Path(".env"),
    *,
    kind: type[SettingsType] = Settings,  # type: ignore[assignment]
    **overrides: Any,
) -> SettingsType:
    """Read settings or raise :class:`ConfigurationError` with a sentence a volunteer can act on.

    `overrides` (by environment name, e.g. ``VIGIL_NETWORK_FILE``) win over the environment."""
    source = (
        env_file
        if isinstance(env_file, EnvFile)
        else EnvFile(
            env_file if env_file is not None and env_file.is_file() else None,
            (env_file,) if env_file is not None else (),
        )
    )
    if issubclass(kind, TelegramSettings):
        overrides = {**secrets_from_files(source, overrides), **overrides}
    try:
        return kind(_env_file=source.path, **overrides)
    except ValidationError as error:
        raise ConfigurationError(
            "The settings are not valid:\n"
            + describe_validation_error(error, rename=_ENVIRONMENT_NAMES)
            + f"\n{source.describe()} See .env.example for every setting."
        ) from None
