"""📎 Show media: a report's photos, videos and voice notes sent to the verifier group on demand.

A new report reaches the group as one message, its card (issue 18): the group may take 20 messages
a minute, and during a raid every one of them should be a report the verifiers have not seen yet.
The media stay with the report, cleaned, until a verifier wants them: then they go under the card,
those of the reports folded into it too, through the outbox like any card message. Pressing again
sends nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.acting import Refused
from bot.domain.delivery import MessageRef
from bot.services.cards import queue_media
from bot.services.deps import ServiceDeps
from bot.services.presses import Press, Pressed, Presses


@dataclass(frozen=True)
class MediaShown:
    public_ref: str
    messages: int  # how many messages were queued (0: they were in the group already)


class ShowingService:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._presses = Presses(deps)

    async def show_media(self, press: Press) -> MediaShown | Refused:
        """📎 Show media on a card (any verifier but its reporters, whatever the report's state)."""
        return await self._presses.handle(press, self._show)

    async def _show(self, pressed: Pressed) -> MediaShown:
        repo, report, now = pressed.repo, pressed.report, pressed.now
        card = MessageRef(message_id=report.card_message_id) if report.card_message_id is not None else None
        group = report.card_chat_id or self._deps.network.verifier_group_id
        queued = 0
        for report_id in (report.id, *await repo.attached_report_ids(report.id)):
            queued += await queue_media(repo, report_id, group, card, now)
        if queued:
            await repo.enqueue_card_refresh(report.id, now)  # the button goes
        return MediaShown(report.public_ref, queued)
