"""Process settings, read once from the environment and `.env`.

Everything about *who* is in the network (groups, channels, neighborhoods) lives in the
network file instead (see :mod:`bot.network`), because volunteers edit it far more often
than they rotate secrets.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigurationError, describe_validation_error


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
    )

    telegram_bot_token: SecretStr = Field(alias="TELEGRAM_BOT_TOKEN")
    telegram_base_url: str = Field(default="https://api.telegram.org/bot", alias="TELEGRAM_BASE_URL")
    telegram_base_file_url: str = Field(
        default="https://api.telegram.org/file/bot", alias="TELEGRAM_BASE_FILE_URL"
    )
    database: Path = Field(default=Path("vigil.sqlite3"), alias="VIGIL_DATABASE")
    network_file: Path = Field(default=Path("network.toml"), alias="VIGIL_NETWORK_FILE")
    # Keys the reporter pseudonyms (HMAC). It must never be stored in the database, or a seized
    # database file alone would let anyone re-link pseudonyms to Telegram accounts.
    secret_key: SecretStr = Field(alias="VIGIL_SECRET_KEY", min_length=32)
    # How long to wait for Telegram's answer. A request with no answer in time may still have
    # been delivered (see the delivery policy in the README), so this errs on the long side.
    telegram_timeout_seconds: float = Field(default=10.0, gt=0, le=120, alias="TELEGRAM_TIMEOUT_SECONDS")

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_has_botfather_shape(cls, value: SecretStr) -> SecretStr:
        bot_id, _, secret = value.get_secret_value().partition(":")
        if not (bot_id.isdigit() and secret):
            raise ValueError("must look like '123456789:ABC...' as given by @BotFather")
        return value

    @field_validator("telegram_base_url", "telegram_base_file_url")
    @classmethod
    def _is_http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


_ENVIRONMENT_NAMES = {
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "telegram_base_url": "TELEGRAM_BASE_URL",
    "telegram_base_file_url": "TELEGRAM_BASE_FILE_URL",
    "database": "VIGIL_DATABASE",
    "network_file": "VIGIL_NETWORK_FILE",
    "secret_key": "VIGIL_SECRET_KEY",
    "telegram_timeout_seconds": "TELEGRAM_TIMEOUT_SECONDS",
}


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Read settings or raise :class:`ConfigurationError` with a sentence a volunteer can act on."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as error:
        raise ConfigurationError(
            "The settings are not valid:\n"
            + describe_validation_error(error, rename=_ENVIRONMENT_NAMES)
            + "\nSee .env.example for every setting."
        ) from None
