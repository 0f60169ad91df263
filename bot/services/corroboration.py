"""Corroboration instead of duplicates: a second report of an open one is attached to it.

A resident who reports a neighborhood where verifiers are already checking a report (or where its
alert is live) adds evidence to that report instead of opening a second card: their report is kept
with everything of its own (reference, contact, words, signs, cleaned photos) and is folded into
the card it joined: an edit of that card (its signs, its words, its media counted; a 🔗 Detach
button), queued in the submit's transaction, never a message of its own (issue 18: the group's 20
messages a minute go to cards). Its media go under the card when a verifier presses 📎 Show media.
The card counts the distinct residents; none of them may verify it. (Reports attached before
issue 18 arrived as a reply under the card; those replies keep working.)

A verifier who sees it is about something else detaches it: it becomes a pending report with a
card of its own (replying to its media, if they were shown) and its own reminder and expiry; an
old reply says it was detached, and the joined card's count drops. All in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.domain.acting import Refused
from bot.domain.corroboration import detach
from bot.domain.delivery import MessageKind, MessageRef, Outgoing
from bot.domain.lifecycle import deadlines_for_new_report
from bot.domain.reports import ChannelPost, Report
from bot.i18n import Html
from bot.rendering.corroboration import detached_reply
from bot.services.deps import ServiceDeps
from bot.services.presses import Press, Pressed, Presses
from storage.repository import Repository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Joined:
    """What the resident is told when their report was attached to an open one."""

    neighborhood_key: str
    live_alert: bool  # the report it joined was already confirmed and published
    posts: tuple[ChannelPost, ...] = ()  # for a live alert: where it was published


@dataclass(frozen=True)
class Detached:
    public_ref: str
    joined_ref: str


async def attach(repo: Repository, report: Report, joined_id: int, now: datetime) -> Joined:
    """Attach a just-stored report to `joined_id`: it is folded into that report's card, which is
    edited (or, not sent yet, rendered with it when sent; already rendered and on its way, edited
    once it arrives). No message of its own: the group's
    budget of 20 a minute goes to cards (issue 18); its media wait for 📎 Show media on the card."""
    await repo.attach_report(report.id, joined_id)
    joined = await repo.report(joined_id)
    await repo.enqueue_card_refresh(joined_id, now)  # "👥 2 residents report this", and what this one adds
    alert = await repo.alert(joined_id)
    if alert is not None and alert.status.is_active:
        posts = tuple(p for p in await repo.channel_posts(joined_id) if p.message_id is not None)
        return Joined(joined.neighborhood_key, live_alert=True, posts=posts)
    return Joined(joined.neighborhood_key, live_alert=False)


async def detach_in(repo: Repository, deps: ServiceDeps, report: Report, reply_text: Html, now: datetime) -> None:
    """Make an attached report a pending report of its own, in the caller's transaction: its old
    reply says so (`reply_text`), it gets a card (replying to its media, already in the group) and
    its own reminder and expiry, counted from now."""
    network = deps.network
    if report.card_chat_id is not None and report.card_message_id is not None:
        await repo.enqueue(
            report.id,
            Outgoing(
                MessageKind.CARD_DETACHED,
                report.card_chat_id,
                reply_text,
                edit=MessageRef(message_id=report.card_message_id),
            ),
            now,
        )
    await repo.detach_report(report.id)
    for kind, due_at in deadlines_for_new_report(now, network.timeouts).items():
        await repo.set_deadline(report.id, kind, due_at)
    media = await repo.first_media_message(report.id)
    reply_to = MessageRef(message_id=media) if media is not None else None
    await repo.enqueue(report.id, Outgoing(MessageKind.CARD, network.verifier_group_id, reply_to=reply_to), now)
    log.info("report %s was detached and has its own card", report.public_ref)


class CorroborationService:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._presses = Presses(deps)

    async def detach(self, press: Press) -> Detached | Refused:
        """🔗 Detach on an attached report's reply (any verifier but its reporters)."""
        return await self._presses.handle(press, self._detach)

    async def _detach(self, pressed: Pressed) -> Detached:
        repo, report, now = pressed.repo, pressed.report, pressed.now
        joined = await repo.report(report.attached_to) if report.attached_to is not None else None
        joined_alert = await repo.alert(joined.id) if joined is not None else None
        detach(
            status=report.status,
            attached_to=report.attached_to,
            joined_status=joined.status if joined is not None else report.status,
            joined_alert=joined_alert.status if joined_alert is not None else None,
        )
        assert joined is not None  # detach() refuses a report that is not attached
        tr = self._deps.catalogs(self._deps.network.card_language)
        await detach_in(repo, self._deps, report, detached_reply(tr, report.public_ref, joined.public_ref), now)
        await repo.enqueue_card_refresh(joined.id, now)  # the count drops
        return Detached(report.public_ref, joined.public_ref)
