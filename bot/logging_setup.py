"""Logging that can be shared with a volunteer helping to debug, because it holds no secrets.

Vigil's own log lines name reports by public reference only, never people. What remains is
what libraries log: the Bot API token is part of every request URL (httpx, and exceptions
that quote the URL), so it is scrubbed from every record, and the libraries that log whole
updates (names, usernames, texts) at DEBUG are kept at INFO or above.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from traceback import format_exception
from types import TracebackType
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"
# httpx logs each request URL (with the token) at INFO; telegram.ext logs updates at DEBUG;
# Pillow logs the EXIF tags (camera, GPS) of every image it opens at DEBUG.
_QUIET_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "apscheduler": logging.WARNING,
    "aiosqlite": logging.INFO,
    "PIL": logging.INFO,
}


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a whole token goes before its secret half is looked for.
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self._scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info:
            record.exc_text = self._scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self._scrub(record.stack_info)
        return True


def token_secrets(token: str) -> list[str]:
    """The token, and its secret half alone (the bot id before the colon is public)."""
    return [token, token.partition(":")[2]]


def configure_logging(
    *, secrets: Iterable[str] = (), stream: TextIO | None = None, level: int = logging.INFO
) -> logging.Handler:
    """Replace the root handlers with one scrubbing handler; returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, minimum in _QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(minimum, level))
    return handler


def install_excepthook(*, secrets: Iterable[str] = (), stream: TextIO | None = None) -> None:
    """An uncaught exception is printed as Python would, with the token scrubbed from it.

    Warnings go through logging too, so they pass the same filter."""
    scrub = RedactSecrets(secrets)._scrub

    def excepthook(kind: type[BaseException], value: BaseException, traceback: TracebackType | None) -> None:
        text = "".join(format_exception(kind, value, traceback))
        (stream or sys.stderr).write(scrub(text))

    sys.excepthook = excepthook
    logging.captureWarnings(True)
