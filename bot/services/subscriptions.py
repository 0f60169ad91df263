"""Subscribers: residents who get the alerts of chosen neighborhoods by direct message.

A subscriber is personal data, so only what sending needs is stored: the private chat id, the
neighborhoods and the language (storage/subscribers.py). Every change commits before the handler
replies, and carries the Telegram update id, so a press that Telegram delivers again after a
crash does not toggle a neighborhood back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.subscriptions import SubscriberView
from bot.languages import Language
from bot.network import Network
from bot.services.requests import RequestId
from storage.database import Database
from storage.subscribers import Subscription


class UnknownNeighborhood(LookupError):
    """A key that is not (or no longer) in the network file."""


class SubscriptionService:
    def __init__(self, *, database: Database, network: Network, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._network = network
        self._clock = clock

    async def current(self, chat_id: int) -> SubscriberView:
        async with self._database.unit_of_work() as repo:
            found = await repo.subscription(chat_id)
        return self._view(found)

    async def toggle(
        self, chat_id: int, neighborhood_key: str, language: Language, *, request_id: RequestId | None = None
    ) -> SubscriberView:
        """Subscribe to the neighborhood, or unsubscribe from it if already subscribed."""
        self._check(neighborhood_key)
        async with self._database.unit_of_work() as repo:
            found = await repo.subscription(chat_id)
            if request_id is not None and not await repo.claim_request(request_id, self._clock()):
                return self._view(found)  # already applied before a crash
            if found is not None and neighborhood_key in found.neighborhoods:
                await repo.unsubscribe_from(chat_id, neighborhood_key)
            else:
                await repo.subscribe(chat_id, neighborhood_key, language)
            return self._view(await repo.subscription(chat_id))

    async def subscribe(self, chat_id: int, neighborhood_key: str, language: Language) -> SubscriberView:
        """From a `sub-<key>` deep link: subscribing twice is the same as once."""
        self._check(neighborhood_key)
        async with self._database.unit_of_work() as repo:
            await repo.subscribe(chat_id, neighborhood_key, language)
            return self._view(await repo.subscription(chat_id))

    async def unsubscribe(self, chat_id: int) -> bool:
        """Stop everything: the subscriber, their neighborhoods and the messages still waiting for
        them are deleted. Returns whether they were subscribed."""
        async with self._database.unit_of_work() as repo:
            return await repo.forget_subscriber(chat_id)

    def _check(self, neighborhood_key: str) -> None:
        if self._network.neighborhood(neighborhood_key) is None:
            raise UnknownNeighborhood(neighborhood_key)

    def _view(self, found: Subscription | None) -> SubscriberView:
        if found is None:
            return SubscriberView(None, frozenset())
        # A neighborhood removed from the network file is no longer offered or shown.
        keys = frozenset(k for k in found.neighborhoods if self._network.neighborhood(k) is not None)
        return SubscriberView(found.language, keys)
