"""One outbox message's delivery, and what its outcome changes: the dispatcher's other half.

The dispatcher (:mod:`bot.services.dispatcher`) decides *when* a message goes (scheduling, one
request per chat, the caps). This module decides *how* one message goes and what follows:

1. it commits ``sending`` (one more attempt) *before* the request leaves, so a crash mid-request
   leaves a trace that start-up recovery treats as "may have arrived";
2. it makes the request through the TelegramPort;
3. it commits the outcome through the policy in :mod:`bot.domain.delivery`, with the Telegram
   message id it produced, and what follows from it (the channel post on the card, the
   reporter's chat id forgotten).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot import departure
from bot.domain import drills
from bot.domain.delivery import (
    DeliveryStatus,
    MessageKind,
    MessageRef,
    Outcome,
    Outgoing,
    Priority,
    Progress,
    QueuedMessage,
    after_attempt,
    begin_attempt,
    priority_of,
    recover_after_crash,
)
from bot.domain.draft import MediaKind
from bot.domain.reports import ChannelPost, ReportMedia
from bot.ports import Button, DeliveryError, DeliveryUncertain, Keyboard, RateLimited, TelegramPort, TemporaryFailure
from bot.rendering.card import withdrawn_photo
from bot.services.cards import CardRenderer
from bot.services.drill_scope import SIMULATED, WITHHELD, DrillScope
from bot.vitals import Vitals
from storage.database import Database
from storage.repository import ReportNotFound, Repository

log = logging.getLogger(__name__)

CRASH_NOTE = "Vigil stopped before Telegram answered"
UNCHANGED = "the card already shows this"
# The messages that are a report's card: what Telegram shows there is remembered, so an edit that
# would change nothing is never sent.
_CARD_MESSAGES = (MessageKind.CARD, MessageKind.CARD_EDIT)


@dataclass(frozen=True)
class _Request:
    chat_id: int
    priority: Priority
    text: str = ""
    keyboard: Keyboard | None = None
    reply_to: int | None = None
    edit: int | None = None
    media: tuple[ReportMedia, ...] = ()
    caption: str | None = None
    delete: bool = False  # delete the message `edit` names
    placeholder: bool = False  # replace the photo `edit` names by a placeholder, captioned `text`


@dataclass(frozen=True)
class _Result:
    outcome: Outcome
    message_id: int | None = None
    error: str | None = None
    retry_after: timedelta | None = None
    file_ids: tuple[str, ...] = ()
    message_ids: tuple[int, ...] = ()
    forbidden: bool = False  # 403: the bot may not write to that chat (a subscriber blocked it)


class Sender:
    """Sends one outbox message and records what happened, each step in its own unit of work."""

    def __init__(
        self,
        *,
        database: Database,
        telegram: TelegramPort,
        cards: CardRenderer,
        clock: Callable[[], datetime],
        drill_scope: DrillScope | None = None,
        vitals: Vitals | None = None,
    ) -> None:
        self._database = database
        self._vitals = vitals or Vitals()  # 429s for /metrics
        self._drill_scope = drill_scope
        self._telegram = telegram
        self._cards = cards
        self._clock = clock
        # A 429 pauses its whole chat, not only the message Telegram refused: Telegram counts the
        # chat's messages, so another one (an urgent card, a new card before an edit) sent before
        # the wait is over would only earn another 429. In memory: after a restart Telegram says again.
        self._paused: dict[int, datetime] = {}

    def paused_until(self, chat_id: int, now: datetime) -> datetime | None:
        """When a chat that Telegram answered 429 may take a message again; None if it may now."""
        until = self._paused.get(chat_id)
        if until is not None and until <= now:
            del self._paused[chat_id]
            return None
        return until

    async def recover(self) -> None:
        """Messages left ``sending`` by a crash may have arrived: apply the policy, never resend blindly."""
        now = self._clock()
        async with self._database.unit_of_work() as repo:
            for row in await repo.in_doubt():
                progress = recover_after_crash(row.message.kind, row.progress, now)
                await repo.save_progress(row.id, progress, now, error=CRASH_NOTE)
                if row.message.kind in _CARD_MESSAGES and row.report_id is not None:
                    await repo.set_card_shown(row.report_id, None)  # the edit may or may not show
                await self._follow_up(repo, row, progress, _Result(Outcome.UNCERTAIN, error=CRASH_NOTE), now)
                log.warning(
                    "%s %s was on its way when Vigil stopped; it may have arrived, so it is now %s",
                    row.message.kind,
                    await _describe(repo, row),
                    _policy_word(progress),
                )

    async def deliver(self, head: QueuedMessage) -> None:
        if await self._deliver(head) and self._drill_scope is not None:
            await self._drill_scope.simulate(head)

    async def _deliver(self, head: QueuedMessage) -> bool:
        """Send one message; True when it went to a drill's simulated resident instead."""
        now = self._clock()
        async with self._database.unit_of_work() as repo:
            row = await repo.queued(head.id)
            if row is None or row.progress.status is not DeliveryStatus.PENDING:
                return False
            request = await self._prepare(repo, row)
            if row.drill and not isinstance(request, str):
                request = self._keep_inside(row, request)
            if isinstance(request, str):
                return await self._settle_unsent(repo, row, request, now)
            shown = _card_shown(request) if row.message.kind in _CARD_MESSAGES else None
            if row.message.kind is MessageKind.CARD_EDIT and shown is not None and row.report_id is not None:
                if await repo.card_shown(row.report_id) == f"{request.edit}:{shown}":
                    # Telegram would answer "message is not modified" and still count the request
                    # against the group's 20 a minute (issue 18).
                    return await self._settle_unsent(repo, row, UNCHANGED, now)
            sending = begin_attempt(row.progress)
            # A card (rendered just now from stored state) is marked in this same transaction, as it
            # always was: a pending card edit means one not rendered yet, which enqueue_card_refresh
            # joins instead of queueing another. So is everything when the port cannot say when its
            # request leaves.
            early = row.message.kind.is_rendered_when_sent or not self._telegram.reports_departure
            if early:
                await repo.save_progress(row.id, sending, now)

        async def on_its_way() -> None:
            """Committed as the request leaves (after its wait in the rate limiter), so a crash
            while it only waited leaves it pending, not in doubt (bot/departure.py)."""
            async with self._database.unit_of_work() as repo:
                await repo.save_progress(row.id, sending, self._clock())

        if early:
            result = await self._perform(request)
        else:
            with departure.departing(on_its_way):
                result = await self._perform(request)
        now = self._clock()
        progress = after_attempt(row.message.kind, sending, result.outcome, now, retry_after=result.retry_after)
        if result.outcome is Outcome.RATE_LIMITED and progress.retry_at is not None:
            self._paused[request.chat_id] = progress.retry_at
        async with self._database.unit_of_work() as repo:
            await repo.save_progress(row.id, progress, now, telegram_message_id=result.message_id, error=result.error)
            if shown is not None and row.report_id is not None:
                # Known once Telegram confirmed it; after a request in doubt, no longer known.
                if result.outcome is Outcome.DELIVERED and result.message_id is not None:
                    await repo.set_card_shown(row.report_id, f"{result.message_id}:{shown}")
                elif result.outcome is Outcome.UNCERTAIN:
                    await repo.set_card_shown(row.report_id, None)
            await self._follow_up(repo, row, progress, result, now)
            if result.outcome is not Outcome.DELIVERED:
                self._log_problem(row, progress, result, await _describe(repo, row))
        if row.message.kind.is_to_reporter and progress.status.is_final:
            # The write-ahead log still holds the page with the reporter's chat id until a checkpoint.
            await self._database.checkpoint()
        return False

    async def _settle_unsent(self, repo: Repository, row: QueuedMessage, reason: str, now: datetime) -> bool:
        """A message not sent to Telegram: no longer needed (skipped, with `reason`), held back from a
        drill (skipped; a post is recorded so the card says "would have been posted"), or for a
        drill's simulated resident (settled as sent; True, so it is handed to the simulation)."""
        simulated = reason == SIMULATED
        status = DeliveryStatus.SENT if simulated else DeliveryStatus.SKIPPED
        settled = Progress(status, row.progress.attempts, row.progress.uncertain_attempts)
        await repo.save_progress(row.id, settled, now)
        if simulated:
            await self._follow_up(repo, row, settled, _Result(Outcome.DELIVERED), now)
            return True
        held = _Result(Outcome.REFUSED, error=WITHHELD) if reason == WITHHELD else None
        await self._follow_up(repo, row, settled, held, now)
        log.info("%s %s skipped: %s", row.message.kind, await _describe(repo, row), reason)
        return False

    def _keep_inside(self, row: QueuedMessage, request: _Request) -> _Request | str:
        """A drill's message: the one place it is routed (bot.domain.drills.route). Marked with the
        drill banner, to the verifier group or the drill channel; to the simulated resident; or
        held back. Without a scope (a dispatcher built without one), everything is held back."""
        scope = self._drill_scope
        if scope is None:
            return WITHHELD
        taken = drills.route(row.message.kind, request.chat_id, inside=scope.inside, drill_channel=scope.drill_channel)
        if taken is drills.Route.SIMULATE:
            return SIMULATED
        chat = drills.destination(taken, request.chat_id, scope.drill_channel)
        if chat is None:
            return WITHHELD
        if request.delete:
            return replace(request, chat_id=chat)
        if request.media:
            return replace(request, chat_id=chat, caption=scope.mark(request.caption))
        return replace(request, chat_id=chat, text=scope.mark(request.text))

    async def _prepare(self, repo: Repository, row: QueuedMessage) -> _Request | str:
        """The request to make, or why the message is no longer needed."""
        message = row.message
        priority = priority_of(message.kind, drill=row.drill)
        if message.kind is MessageKind.CARD_EDIT:
            view = await self._cards.current(repo, row.report_id) if row.report_id is not None else None
            if view is None:
                return "the report has no card to update"
            return _Request(view.chat_id, priority, view.text, view.keyboard, edit=view.message_id)
        if message.kind is MessageKind.CARD_ALBUM:
            # Photos and videos in one album, or one voice note: what this message carries.
            media = await repo.report_media(row.report_id, row.id) if row.report_id is not None else []
            if not media:
                return "the report and its media are gone"
            card = await _target(repo, message.reply_to)  # an attached report's: the card it joined
            return _Request(message.chat_id, priority, media=tuple(media), reply_to=card.message_id)
        if message.kind is MessageKind.CARD:
            new = await self._cards.new(repo, row.report_id) if row.report_id is not None else None
            if new is None:
                return "the report is gone"
            album = await _target(repo, message.reply_to)
            return _Request(message.chat_id, priority, new.text, new.keyboard, reply_to=album.message_id)
        if message.kind is MessageKind.DESK_ANSWER_PHOTO:
            photo = await repo.outbox_media(row.id)
            if photo is None:
                return "the photo is gone"
            card = await _target(repo, message.reply_to)
            answer = ReportMedia(0, MediaKind.PHOTO, photo)
            return _Request(message.chat_id, priority, media=(answer,), caption=message.text, reply_to=card.message_id)
        edit = await _target(repo, message.edit)
        if message.edit is not None and edit.message_id is None:
            return "the message to update was never confirmed by Telegram"
        reply = await _target(repo, message.reply_to)
        if message.reply_to is not None and not reply.may_exist:
            return "the message to reply to was never made"
        # A reply to a post that may exist but whose id is unknown goes out on its own: the
        # subscribers must still hear that the alert ended.
        keyboard = tuple(tuple(Button(label, data) for label, data in line) for line in message.buttons) or None
        return _Request(
            message.chat_id,
            priority,
            message.text,
            message.keyboard or keyboard,
            reply_to=reply.message_id,
            edit=edit.message_id,
            delete=message.kind is MessageKind.PHOTO_DELETE,
            placeholder=message.kind is MessageKind.PHOTO_PLACEHOLDER,
        )

    async def _perform(self, request: _Request) -> _Result:
        chat, priority = request.chat_id, request.priority
        try:
            if request.media:
                message_ids, file_ids = await self._telegram.send_media(
                    chat, request.media, caption=request.caption, reply_to=request.reply_to, priority=priority
                )
                return _Result(
                    Outcome.DELIVERED, message_ids[0], file_ids=tuple(file_ids), message_ids=tuple(message_ids)
                )
            if request.delete and request.edit is not None:
                await self._telegram.delete_message(chat, request.edit, priority=priority)
                return _Result(Outcome.DELIVERED, request.edit)
            if request.placeholder and request.edit is not None:
                await self._telegram.replace_photo(
                    chat, request.edit, withdrawn_photo(), request.text, priority=priority
                )
                return _Result(Outcome.DELIVERED, request.edit)
            if request.edit is not None:
                await self._telegram.edit_text(chat, request.edit, request.text, request.keyboard, priority=priority)
                return _Result(Outcome.DELIVERED, request.edit)
            message_id = await self._telegram.send_text(
                chat, request.text, request.keyboard, reply_to=request.reply_to, priority=priority
            )
            return _Result(Outcome.DELIVERED, message_id)
        except RateLimited as error:
            self._vitals.rate_limited(error.retry_after, source="outbox")
            return _Result(Outcome.RATE_LIMITED, error=error.reason, retry_after=error.retry_after)
        except TemporaryFailure as error:
            return _Result(Outcome.NOT_DELIVERED, error=error.reason)
        except DeliveryUncertain as error:
            return _Result(Outcome.UNCERTAIN, error=error.reason)
        except DeliveryError as error:
            return _Result(Outcome.REFUSED, error=error.reason, forbidden=error.forbidden)

    async def _follow_up(
        self, repo: Repository, row: QueuedMessage, progress: Progress, result: _Result | None, now: datetime
    ) -> None:
        """What a settled message changes elsewhere, in the same transaction as its outcome."""
        kind, status = row.message.kind, progress.status
        message_id = result.message_id if result is not None else None
        error = result.error if result is not None else None
        if kind.is_to_subscriber and status is DeliveryStatus.FAILED and result is not None and result.forbidden:
            # The subscriber blocked the bot (or deleted their account): they are removed, with the
            # messages still waiting for them.
            await repo.forget_subscriber(row.message.chat_id)
            log.info("a subscriber blocked the bot and was removed")
            return
        if kind is MessageKind.PHOTO_DELETE and status is DeliveryStatus.FAILED:
            # Telegram would not delete it (too old, say): cover it instead; the report is gone.
            placeholder = Outgoing(
                MessageKind.PHOTO_PLACEHOLDER, row.message.chat_id, row.message.text, edit=row.message.edit
            )
            await repo.enqueue(None, placeholder, now)
            return
        if row.report_id is None or not status.is_final:
            return
        if kind is MessageKind.CARD_ALBUM:
            # Sent: Telegram's copies stand for the media from now on. Failed or in doubt: the card
            # goes without them. Either way the cleaned bytes are no longer kept.
            album = result if status is DeliveryStatus.SENT and result is not None else _Result(Outcome.REFUSED)
            await repo.settle_album(row.report_id, list(album.file_ids), list(album.message_ids), row.id)
        elif kind is MessageKind.CARD:
            if status is DeliveryStatus.SENT and message_id is not None:
                # No refresh needed here: the card was rendered from stored state as it left, and
                # what changed it since (a report attached meanwhile) queued an edit that follows
                # it (enqueue_card_refresh).
                await repo.attach_card(row.report_id, row.message.chat_id, message_id, [])
        elif kind is MessageKind.CHANNEL_POST:
            post = ChannelPost(
                row.message.chat_id,
                message_id if status is DeliveryStatus.SENT else None,
                None if status is DeliveryStatus.SENT else error,
                maybe_twice=progress.uncertain_attempts > 0,
            )
            await repo.record_channel_post(row.report_id, post, now)
            await repo.enqueue_card_refresh(row.report_id, now)
        elif kind is MessageKind.CHANNEL_RUMOR_CHECK:
            await repo.enqueue_card_refresh(row.report_id, now)  # the card links to it, or shows the failure
        elif kind in (MessageKind.CHANNEL_EDIT, MessageKind.CHANNEL_REPLY) and status in (
            DeliveryStatus.FAILED,
            DeliveryStatus.UNKNOWN,
        ):
            await repo.enqueue_card_refresh(row.report_id, now)  # the card shows the failure
        elif kind in (MessageKind.REPORTER_NOTICE, MessageKind.QUESTION_ANSWERED):
            await repo.forget_notice_chat(row.id)
        elif kind is MessageKind.REPORTER_QUESTION:
            if status is DeliveryStatus.SENT and message_id is not None:
                # The reporter answers by replying to it: its id in their chat finds the question again.
                await repo.question_delivered(row.id, message_id)
            await repo.forget_notice_chat(row.id)
        elif kind is MessageKind.DESK_ANSWER_PHOTO:
            await repo.drop_outbox_media(row.id)

    def _log_problem(self, row: QueuedMessage, progress: Progress, result: _Result, what: str) -> None:
        if progress.status is DeliveryStatus.FAILED:
            log.error("could not deliver %s %s: %s", row.message.kind, what, result.error)
        elif progress.status is DeliveryStatus.UNKNOWN:
            log.error(
                "%s %s was not confirmed by Telegram (%s) and will not be sent again",
                row.message.kind,
                what,
                result.error,
            )
        else:
            log.warning(
                "%s %s: %s; trying again at %s",
                row.message.kind,
                what,
                result.error,
                progress.retry_at.isoformat() if progress.retry_at else "once more",
            )


def _card_shown(request: _Request) -> str:
    """A digest of what a card's request makes Telegram show: its text and buttons."""
    buttons = [[(b.text, b.callback_data, b.url) for b in row] for row in request.keyboard or ()]
    digest = hashlib.sha256(json.dumps([request.text, buttons], ensure_ascii=False).encode()).hexdigest()
    return digest


@dataclass(frozen=True)
class _Target:
    message_id: int | None  # known: reply to it, or edit it
    may_exist: bool  # false when it certainly does not exist (refused, skipped, gone)


async def _target(repo: Repository, ref: MessageRef | None) -> _Target:
    """The message a reference points at, as far as Vigil knows it."""
    if ref is None:
        return _Target(None, False)
    if ref.message_id is not None:
        return _Target(ref.message_id, True)
    assert ref.outbox_id is not None
    target = await repo.queued(ref.outbox_id)
    if target is None:
        return _Target(None, False)
    if target.progress.status is DeliveryStatus.SENT and target.telegram_message_id is not None:
        return _Target(target.telegram_message_id, True)
    return _Target(None, target.progress.status is DeliveryStatus.UNKNOWN)


async def _describe(repo: Repository, row: QueuedMessage) -> str:
    """For the log: the report reference and the chat, but never a reporter's chat id."""
    reference = "?"
    if row.report_id is not None:
        try:
            reference = (await repo.report(row.report_id)).public_ref
        except ReportNotFound:
            pass
    match row.message.kind:
        case kind if kind.is_to_reporter:
            where = "the reporter"
        case kind if kind.is_to_subscriber:
            where = "a subscriber"  # never a person's chat id in the log
        case _:
            where = f"chat {row.message.chat_id}"
    return f"of report {reference} to {where}"


def _policy_word(progress: Progress) -> str:
    if progress.status is DeliveryStatus.PENDING:
        return "sent once more (it may appear twice)" if progress.uncertain_attempts else "retried"
    return str(progress.status)
