"""Shared test setup."""

from __future__ import annotations

import os

# The same opt-in as bot/__main__.py: python-telegram-bot reports RetryAfter.retry_after as a
# timedelta instead of warning that the int form is deprecated (warnings are errors here).
os.environ.setdefault("PTB_TIMEDELTA", "true")
