"""The delivery policy of the outbox: when to send again, when to stop, and what "unknown" means.

Pure functions over plain values; the dispatcher (:mod:`bot.services.dispatcher`) does the I/O.

The hard case is a request that may have reached Telegram without Vigil hearing back: a
timeout after the request was written, a dropped connection, or the bot killed mid-request
(found at start-up as a row still marked ``sending``). The Bot API offers no way to ask
"did my message arrive?", so the policy decides per kind of message:

* **Edits** (the verifier card, the ENDED/RETRACTED/EXPIRED banner) are repeated: applying the
  same edit twice changes nothing.
* **Channel posts and channel replies** are sent **once more, and only once**: a missing alert or
  a missing "all clear" can put people in danger, a second copy cannot. So a subscriber may see
  the same post twice, never three times, and only after such an unconfirmed request; the card
  says so. The copy Vigil never heard about is not edited later (it has no message id for it).
* **Direct messages to subscribers** (the alert and its updates) are treated like channel posts:
  once more, and only once, after an unconfirmed request.
* **Cards and their albums** in the verifier group are also sent once more, and only once: a
  report the verifiers never see is never verified, while a second card works like the first
  (its buttons name the report).
* **Notices** (to the reporter, reminders in the verifier group) are **not** sent again: a lost
  "thank you" or reminder harms nobody, a repeated one only adds noise. They end as ``unknown``.

Everything else is plain: a 429 waits exactly as long as Telegram asked (and does not count as an
attempt); network errors and 5xx answers, where the request certainly did not produce a message,
are retried with exponential back-off; a refusal (403, 400, a migrated chat) is final and shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from bot.domain.buttons import Keyboard


class MessageKind(StrEnum):
    CHANNEL_POST = "channel_post"
    CHANNEL_EDIT = "channel_edit"
    CHANNEL_REPLY = "channel_reply"
    CARD_ALBUM = "card_album"  # a new report's cleaned photos, before its card (or its reply, if attached)
    CARD = "card"  # a new report's card, with its buttons
    CARD_EDIT = "card_edit"
    # After /forgetme, for a report that no longer exists: the card's text replaced, and each of
    # its photos deleted (or, where Telegram does not allow it, replaced by a placeholder).
    CARD_WITHDRAWN = "card_withdrawn"
    PHOTO_DELETE = "photo_delete"
    PHOTO_PLACEHOLDER = "photo_placeholder"
    # An attached report's reply, once a verifier detached it (it then has a card of its own): the
    # reply's text replaced by a line saying so.
    CARD_DETACHED = "card_detached"
    REPORTER_NOTICE = "reporter_notice"
    GROUP_NOTICE = "group_notice"  # a reminder in the verifier group
    # The desk (issue 9). Kinds are checked here, not by the database (migration 0006).
    DESK_PROMPT = "desk_prompt"  # "ask the reporter": quick questions, or reply with your own
    NOTE_PROMPT = "note_prompt"  # "write the public note": a verifier replies to it with the note
    REPORTER_QUESTION = "reporter_question"  # a verifiers' question, to the reporter's private chat
    # That question edited once the reporter tapped a quick answer: it shows the answer, without buttons.
    QUESTION_ANSWERED = "question_answered"
    DESK_ANSWER = "desk_answer"  # the reporter's answer, in the group as a reply to the card
    DESK_ANSWER_PHOTO = "desk_answer_photo"  # a cleaned photo the reporter answered with (outbox_media)
    # A rejected report's reasons (False alarm asks why), under its card; and the rumor check, the
    # public "not confirmed" that two verifiers post to the neighborhood's channels.
    REASON_PICKER = "reason_picker"
    # The reasons message edited instead of posted again, when what it offers changed (issue 23).
    REASON_PICKER_EDIT = "reason_picker_edit"
    CHANNEL_RUMOR_CHECK = "channel_rumor_check"
    SUBSCRIBER_ALERT = "subscriber_alert"  # a published alert, by direct message to a subscriber
    SUBSCRIBER_UPDATE = "subscriber_update"  # still active, all clear, retracted, expired: to a subscriber

    @property
    def is_edit(self) -> bool:
        """Changes an existing message: doing it twice changes nothing, so it is simply repeated."""
        return self in (
            MessageKind.CHANNEL_EDIT,
            MessageKind.CARD_EDIT,
            MessageKind.CARD_WITHDRAWN,
            MessageKind.CARD_DETACHED,
            MessageKind.PHOTO_DELETE,
            MessageKind.PHOTO_PLACEHOLDER,
            MessageKind.REASON_PICKER_EDIT,
            MessageKind.QUESTION_ANSWERED,
        )

    @property
    def is_channel(self) -> bool:
        return self in (
            MessageKind.CHANNEL_POST,
            MessageKind.CHANNEL_EDIT,
            MessageKind.CHANNEL_REPLY,
            MessageKind.CHANNEL_RUMOR_CHECK,
        )

    @property
    def is_to_reporter(self) -> bool:
        """Sent to a reporter's private chat, whose id is forgotten once the message is done with."""
        return self in (MessageKind.REPORTER_NOTICE, MessageKind.REPORTER_QUESTION, MessageKind.QUESTION_ANSWERED)

    @property
    def is_to_subscriber(self) -> bool:
        """A direct message to a subscriber: many of them at once, each to a person's private chat."""
        return self in (MessageKind.SUBSCRIBER_ALERT, MessageKind.SUBSCRIBER_UPDATE)

    @property
    def is_personal(self) -> bool:
        """To a person's private chat, whose id /status and the logs never show."""
        return self.is_to_subscriber or self.is_to_reporter

    @property
    def is_rendered_when_sent(self) -> bool:
        """Cards (and their albums) are built from stored state when sent, so they show the newest."""
        return self in (MessageKind.CARD_ALBUM, MessageKind.CARD, MessageKind.CARD_EDIT)


class Priority(IntEnum):
    """Whose message goes first when Telegram's budget of 30 messages a second is contended."""

    # Not from 0: python-telegram-bot's ExtBot silently drops a falsy rate_limit_args.
    ALERT = 1  # posts, edits and replies in the neighborhood channels
    DESK = 2  # cards, card edits and reminders in the verifier group
    RESIDENT = 3  # draft panels, receipts and notices in private chats (the default)
    # Alerts by direct message. Last, because they come in bulk (one per subscriber, thousands at
    # once) while everything above is a trickle that people wait on: a resident's panel or a card
    # then goes at once instead of behind a fan-out, and the fan-out loses only that trickle's
    # share of the budget. Aging still serves each of them within 3 levels' head start.
    SUBSCRIBER = 4
    # A drill's messages (issue 19): practice never takes a real report's share of the budget.
    DRILL = 5


def priority_of(kind: MessageKind, *, drill: bool = False) -> Priority:
    if drill:
        return Priority.DRILL
    if kind.is_channel:
        return Priority.ALERT
    if kind.is_to_subscriber:
        return Priority.SUBSCRIBER
    if kind.is_to_reporter:
        return Priority.RESIDENT
    return Priority.DESK


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # a request is (or, after a crash, may have been) on its way
    SENT = "sent"
    FAILED = "failed"  # Telegram refused, or retries were exhausted
    UNKNOWN = "unknown"  # may have arrived; the policy forbids another try
    SKIPPED = "skipped"  # no longer needed (e.g. the post it would edit was never made)

    @property
    def is_final(self) -> bool:
        return self not in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RATE_LIMITED = "rate_limited"  # 429: Telegram said when to come back
    NOT_DELIVERED = "not_delivered"  # network error or 5xx: certainly no message
    UNCERTAIN = "uncertain"  # timed out after the request left, or the bot died mid-request
    REFUSED = "refused"  # 403, 400, migrated chat: trying again will not help


# How many requests of each kind may produce a message. Two for what subscribers must not miss
# (hence at most one duplicate), one for notices. Edits are idempotent and not limited here.
MAX_SENDS: dict[MessageKind, int] = {
    MessageKind.CHANNEL_POST: 2,
    MessageKind.CHANNEL_REPLY: 2,
    MessageKind.CARD_ALBUM: 2,
    MessageKind.CARD: 2,
    MessageKind.REPORTER_NOTICE: 1,
    MessageKind.GROUP_NOTICE: 1,
    MessageKind.DESK_PROMPT: 1,
    MessageKind.NOTE_PROMPT: 1,
    MessageKind.REASON_PICKER: 1,
    # Like an alert: a denial nobody sees lets the rumor run; a second copy harms nobody.
    MessageKind.CHANNEL_RUMOR_CHECK: 2,
    MessageKind.REPORTER_QUESTION: 1,
    # An answer is evidence the verifiers should not miss; a second copy only repeats it.
    MessageKind.DESK_ANSWER: 2,
    MessageKind.DESK_ANSWER_PHOTO: 2,
    # Like a channel post: a subscriber who misses an alert or its all clear may act on the wrong
    # belief, a second copy harms nobody; so once more after an unconfirmed try, never a third time.
    MessageKind.SUBSCRIBER_ALERT: 2,
    MessageKind.SUBSCRIBER_UPDATE: 2,
}
MAX_ATTEMPTS = 25  # with the back-off below, about an hour and a half of Telegram being down
BACKOFF_FIRST = timedelta(seconds=1)
BACKOFF_CAP = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s, ... up to five minutes between tries."""
    if attempts <= 1:
        return BACKOFF_FIRST
    grown: timedelta = BACKOFF_FIRST * 2 ** min(attempts - 1, 20)
    return min(grown, BACKOFF_CAP)


@dataclass(frozen=True)
class Progress:
    """A row's delivery state as the outbox stores it."""

    status: DeliveryStatus
    attempts: int = 0
    uncertain_attempts: int = 0
    retry_at: datetime | None = None


def begin_attempt(progress: Progress) -> Progress:
    """Written (and committed) before the request leaves, so a crash leaves a trace."""
    if progress.status is not DeliveryStatus.PENDING:
        raise ValueError(f"cannot send a {progress.status} message")
    return Progress(DeliveryStatus.SENDING, progress.attempts + 1, progress.uncertain_attempts, None)


def after_attempt(
    kind: MessageKind,
    progress: Progress,
    outcome: Outcome,
    now: datetime,
    *,
    retry_after: timedelta | None = None,
) -> Progress:
    """The state after one request's outcome. `progress` is the state from :func:`begin_attempt`."""
    if progress.status is not DeliveryStatus.SENDING:
        raise ValueError(f"no request is on its way for a {progress.status} message")
    attempts, uncertain = progress.attempts, progress.uncertain_attempts
    match outcome:
        case Outcome.DELIVERED:
            return Progress(DeliveryStatus.SENT, attempts, uncertain)
        case Outcome.REFUSED:
            return Progress(DeliveryStatus.FAILED, attempts, uncertain)
        case Outcome.RATE_LIMITED:
            # Telegram did not take the message; waiting is what it asked, not a failure.
            wait = max(retry_after or BACKOFF_FIRST, BACKOFF_FIRST)
            return Progress(DeliveryStatus.PENDING, attempts - 1, uncertain, now + wait)
        case Outcome.UNCERTAIN if not kind.is_edit:
            uncertain += 1
            if uncertain >= MAX_SENDS[kind]:
                return Progress(DeliveryStatus.UNKNOWN, attempts, uncertain)
            return Progress(DeliveryStatus.PENDING, attempts, uncertain, now + backoff(attempts))
        case Outcome.UNCERTAIN | Outcome.NOT_DELIVERED:
            if outcome is Outcome.UNCERTAIN:
                uncertain += 1  # an edit: repeating it is harmless, but keep count
            if attempts >= MAX_ATTEMPTS:
                return Progress(DeliveryStatus.FAILED, attempts, uncertain)
            return Progress(DeliveryStatus.PENDING, attempts, uncertain, now + backoff(attempts))
    raise AssertionError(outcome)  # pragma: no cover - every Outcome is matched above


def recover_after_crash(kind: MessageKind, progress: Progress, now: datetime) -> Progress:
    """A row still ``sending`` at start-up: the bot died during its request, so it may have arrived."""
    return after_attempt(kind, progress, Outcome.UNCERTAIN, now)


# --- what the services put in the outbox --------------------------------------------------


@dataclass(frozen=True)
class MessageRef:
    """A message to reply to or edit: known by its id, or the one another outbox row produced."""

    message_id: int | None = None
    outbox_id: int | None = None

    def __post_init__(self) -> None:
        if (self.message_id is None) == (self.outbox_id is None):
            raise ValueError("a message reference names a message id or an outbox row, not both")


# Inline buttons carried by a queued message: rows of (label, callback data). Plain tuples, so the
# domain needs no Telegram type; the dispatcher turns them into a keyboard.
Buttons = tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True)
class Outgoing:
    """One message to Telegram, rendered when the state changed.

    A card edit carries no text: the card is rendered from stored state when it is sent, so it
    always shows the newest tally and the links of posts made since.
    """

    kind: MessageKind
    chat_id: int
    text: str = ""
    reply_to: MessageRef | None = None
    edit: MessageRef | None = None
    buttons: Buttons = ()
    keyboard: Keyboard | None = None  # URL and callback buttons under the message (kept by edits)

    def __post_init__(self) -> None:
        if self.kind.is_rendered_when_sent:
            # A card replies to its album; an attached report's album replies to the card it joined.
            if self.text or self.edit or (self.reply_to and self.kind is MessageKind.CARD_EDIT):
                raise ValueError(f"a {self.kind} is rendered when it is sent")
            return
        if not self.text and self.kind is not MessageKind.PHOTO_DELETE:
            raise ValueError(f"a {self.kind} needs its text")
        if self.kind.is_edit != (self.edit is not None):
            raise ValueError(f"a {self.kind} {'needs' if self.kind.is_edit else 'cannot have'} a message to edit")


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    report_id: int | None
    message: Outgoing
    progress: Progress
    next_attempt_at: datetime
    telegram_message_id: int | None
    last_error: str | None
    created_at: datetime
    drill: bool = False  # a drill's message (its report is a drill's): after every real one, kept inside


# Within the verifier group, which waiting message goes first: new cards (so the desk sees every
# report), then edits of cards (coalesced: one pending edit per card carries the newest state),
# then reminders. Elsewhere, and within a rank, the order they were queued in. A drill's messages
# come after all of those (issue 19).
DESK_RANK: dict[MessageKind, int] = {
    MessageKind.CARD_ALBUM: 0,
    MessageKind.CARD: 0,
    MessageKind.CARD_EDIT: 1,
    MessageKind.CARD_WITHDRAWN: 1,
    MessageKind.CARD_DETACHED: 1,
    MessageKind.PHOTO_DELETE: 1,
    MessageKind.PHOTO_PLACEHOLDER: 1,
    MessageKind.GROUP_NOTICE: 2,
    MessageKind.DESK_PROMPT: 1,  # a verifier is waiting for it, like a card edit
    MessageKind.NOTE_PROMPT: 1,
    MessageKind.REASON_PICKER_EDIT: 1,  # a verifier is waiting for it, like a card edit
    MessageKind.DESK_ANSWER: 1,
    MessageKind.DESK_ANSWER_PHOTO: 1,
}
RANK_AGING = timedelta(minutes=1)  # a message that waited this long goes first, whatever its rank


def next_in_chat(waiting: list[QueuedMessage], now: datetime) -> QueuedMessage | None:
    """The message to send next in one chat, or None while one is on its way (or none is due).

    `waiting` is the chat's unfinished messages. A message that replies to or edits another
    queued message of the same chat waits for it (an album before its card, a post before its edit).
    """
    if any(row.progress.status is DeliveryStatus.SENDING for row in waiting):
        return None
    open_ids = {row.id for row in waiting}

    def blocked(row: QueuedMessage) -> bool:
        refs = (row.message.reply_to, row.message.edit)
        return any(ref is not None and ref.outbox_id in open_ids for ref in refs)

    def turn(row: QueuedMessage) -> tuple[bool, int, int]:
        rank = DESK_RANK.get(row.message.kind, 0)
        if now - row.created_at >= RANK_AGING:
            rank = 0
        return row.drill, rank, row.id  # a drill's messages after every real one, however long they waited

    candidates = [row for row in waiting if not blocked(row)]
    if not candidates:
        return None
    return min(candidates, key=turn)


@dataclass(frozen=True)
class DeliveryProblem:
    """A message that could not be delivered (or not confirmed), for the card, /status and logs."""

    outbox_id: int
    report_id: int | None
    kind: MessageKind
    chat_id: int | None  # None for a reporter's private chat, which is not kept
    status: DeliveryStatus
    error: str | None
    at: datetime | None


@dataclass(frozen=True)
class Backlog:
    waiting: int  # pending or on their way
    oldest_waiting_since: datetime | None
    failed: int
    unknown: int


@dataclass(frozen=True)
class FanOutProgress:
    """How far one alert's direct messages to subscribers have got, for /status."""

    report_id: int
    public_ref: str
    waiting: int
    sent: int
    total: int
