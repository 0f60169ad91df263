"""A request id: what makes a request retried by its surface apply once.

Telegram redelivers an update a crashed bot had not confirmed; a browser retries a request whose
answer it did not get. Either way the service claims the request's id in the same transaction as
its effects (storage: handled_requests), so the second delivery finds it and does nothing. The
surface names its ids, so two surfaces never collide.
"""

from __future__ import annotations

from typing import NewType

RequestId = NewType("RequestId", str)


def telegram_update(update_id: int) -> RequestId:
    """The request a Telegram update carries (a message, a button press)."""
    return RequestId(f"telegram:{update_id}")


def from_surface(surface: str, key: str) -> RequestId:
    """Another surface's request (e.g. ``from_surface("web", idempotency_key)``)."""
    if not surface or ":" in surface or not key:
        raise ValueError("a request id needs a surface name without ':' and a key")
    return RequestId(f"{surface}:{key}")
