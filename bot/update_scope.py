"""Which Telegram update the running code is handling, and whether it is already confirmed.

The update pipeline (:mod:`bot.pipeline`) confirms an update to Telegram once its effects are
committed. Vigil's handlers commit first and reply to the resident last, so the moment a handler
starts a reply to a resident, everything durable about the update is done: the pipeline may
confirm it then, instead of after the reply has waited its turn for Telegram's 30 messages a
second (during a surge, seconds). That keeps the getUpdates window (100 updates) moving, so a
verifier's press behind a crowd of residents is fetched at once.

The promise is checked, not hoped for: a unit of work started for an update that was already
released raises :class:`CommittedAfterConfirming` (see storage.database), so a handler that
commits after replying fails its tests instead of risking a lost update in a crash.

No Telegram import: storage uses this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field


class CommittedAfterConfirming(RuntimeError):
    """A handler changed stored state after its update was confirmed to Telegram."""


@dataclass
class UpdateTicket:
    update_id: int
    release: Callable[[int], None]
    released: bool = field(default=False)
    # The task handling the update. Tasks and timers started from it (the deadline alarm's job, a
    # delayed panel) inherit the context variable but are not the update's handling.
    task: asyncio.Task[object] | None = field(default_factory=asyncio.current_task)
    # From a resident's private chat: its stored changes wait behind the desk's and the alerts'
    # (storage.database), as its replies do behind theirs for Telegram's budget (bot.rate_limits).
    from_resident: bool = False
    # An error reached the global error handler: what it set out to do may not be committed (a
    # webhook then answers Telegram with an error, so Telegram delivers the update again).
    failed: bool = False


_current: ContextVar[UpdateTicket | None] = ContextVar("vigil_update", default=None)


def begin(ticket: UpdateTicket) -> object:
    return _current.set(ticket)


def end(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def _handling() -> UpdateTicket | None:
    ticket = _current.get()
    return ticket if ticket is not None and ticket.task is asyncio.current_task() else None


def only_replies_left() -> None:
    """The update's effects are committed; what remains is telling the resident."""
    ticket = _handling()
    if ticket is not None and not ticket.released:
        ticket.released = True
        ticket.release(ticket.update_id)


def mark_failed() -> None:
    """The running update's handling ended in an unexpected error (the global error handler says so)."""
    ticket = _handling()
    if ticket is not None:
        ticket.failed = True


def residents_update() -> int | None:
    """The id of the resident's update the running code handles; None when it handles no
    resident's update (a verifier's, or the dispatcher's or the alarm's work, which belong to none)."""
    ticket = _handling()
    return ticket.update_id if ticket is not None and ticket.from_resident else None


def check_may_commit() -> None:
    ticket = _handling()
    if ticket is not None and ticket.released:
        raise CommittedAfterConfirming(
            f"update {ticket.update_id} changed stored state after a reply to a resident had started; "
            "commit first, reply last"
        )


def detach() -> object:
    """Work that belongs to no update (the deadline alarm) starts here. A job armed by a handler may
    run with a copy of that handler's context, ticket included; it must not be judged by that
    update's promise. Pass the result to :func:`end` when done."""
    return _current.set(None)
