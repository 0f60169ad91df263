"""What the web desk reads: the queue, a report's page, its cleaned media; who may read them.

Only reads. Actions go through the same services as the card's buttons (bot.web.desk.actions).
Membership of the verifier group is asked of Telegram and remembered a minute at most
(bot.web.desk.membership); the services ask again on every action.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.domain.draft import MediaKind
from bot.domain.rejection import RejectionReason, reasons_that_fit
from bot.domain.stats import Queue
from bot.i18n import Html
from bot.languages import Language
from bot.ports import DeliveryError, Keyboard
from bot.services.cards import CardRenderer
from bot.services.deps import ServiceDeps
from bot.web.desk.membership import Membership
from storage.repository import ReportNotFound

# The web desk lists every open report (the group's /queue stops at 25 to fit one message).
WEB_QUEUE_LIMIT = 1000
MAX_MEDIA_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download


@dataclass(frozen=True)
class ReportPage:
    report_id: int
    public_ref: str
    card: Html  # exactly what the group's card shows (Telegram's HTML subset), in the reader's language
    keyboard: Keyboard
    media: tuple[MediaKind, ...]  # by position; each served by `media()`, cleaned
    attached_to: int | None
    attached: tuple[tuple[int, str], ...] = ()  # (id, reference) of the reports attached to it, oldest first
    reasons: tuple[RejectionReason, ...] = ()  # the false alarm's reasons that fit what it holds


class WebDeskService:
    def __init__(self, deps: ServiceDeps, cards: CardRenderer, membership: Membership) -> None:
        self._deps = deps
        self._cards = cards
        self._membership = membership

    async def is_member(self, user_id: int) -> bool:
        return await self._membership.is_member(user_id)

    async def queue(self) -> Queue:
        async with self._deps.database.unit_of_work() as repo:
            return await repo.desk_queue(self._deps.clock(), WEB_QUEUE_LIMIT)

    async def report(self, report_id: int, language: Language) -> ReportPage | None:
        async with self._deps.database.unit_of_work() as repo:
            shown = await self._cards.in_language(repo, report_id, language)
            if shown is None:
                return None
            report, card, keyboard = shown
            waiting = await repo.report_media(report_id)
            attached = tuple(
                [(i, (await repo.report(i)).public_ref) for i in await repo.attached_report_ids(report_id)]
            )
            reasons = reasons_that_fit(await repo.report_holds(report))
        # Telegram's copies of what Vigil sent (already cleaned), then the cleaned bytes still waiting.
        media = report.media_kinds + tuple(item.kind for item in waiting)
        return ReportPage(
            report.id, report.public_ref, card, keyboard or (), media, report.attached_to, attached, reasons
        )

    async def media(self, report_id: int, position: int) -> tuple[MediaKind, bytes] | None:
        """A report's photo, video or voice note: only ever the cleaned copy Vigil made (the copy it sent
        to the group, or the bytes still waiting to go); a resident's original is never kept."""
        try:
            async with self._deps.database.unit_of_work() as repo:
                report = await repo.report(report_id)
                waiting = await repo.report_media(report_id)
        except ReportNotFound:
            return None
        sent = len(report.photo_file_ids)
        if 0 <= position < sent:
            with tempfile.TemporaryDirectory(prefix="vigil-desk-") as scratch:
                destination = Path(scratch) / "media"
                try:
                    await self._deps.telegram.download(
                        report.photo_file_ids[position], destination, max_bytes=MAX_MEDIA_BYTES
                    )
                except DeliveryError:
                    return None
                return report.media_kinds[position], destination.read_bytes()
        if 0 <= position - sent < len(waiting):
            item = waiting[position - sent]
            return item.kind, item.data
        return None
