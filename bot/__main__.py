"""Start Vigil: `python -m bot` or `vigil`."""

from __future__ import annotations

import os
import sys

from bot.app import build_application
from bot.errors import ConfigurationError
from bot.logging_setup import configure_logging, token_secrets
from bot.network import load_network
from bot.runner import run
from bot.settings import load_settings


def main() -> int:
    configure_logging()
    # Opt in to python-telegram-bot's coming behaviour: RetryAfter.retry_after is a timedelta.
    # Without it, every 429 also raises a deprecation warning from inside the library.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    try:
        settings = load_settings()
        configure_logging(secrets=token_secrets(settings.telegram_bot_token.get_secret_value()))
        network = load_network(settings.network_file)
        application = build_application(settings, network)
        run(application)
    except ConfigurationError as problem:
        print(f"Vigil did not start.\n{problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
