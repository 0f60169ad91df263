"""Start Vigil: `python -m bot` or `vigil`."""

from __future__ import annotations

import logging
import os
import sys

from telegram import Update

from bot.app import build_application
from bot.errors import ConfigurationError
from bot.network import load_network
from bot.settings import load_settings


def configure_logging() -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # The deadline alarm is re-armed after every state change; APScheduler would log each time.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def main() -> int:
    configure_logging()
    # Opt in to python-telegram-bot's coming behaviour: RetryAfter.retry_after is a timedelta.
    # Without it, every 429 also raises a deprecation warning from inside the library.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    try:
        settings = load_settings()
        network = load_network(settings.network_file)
        application = build_application(settings, network)
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    except ConfigurationError as problem:
        print(f"Vigil did not start.\n{problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
