"""The outbox policy: what is retried, what waits, and how many copies can ever exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.delivery import (
    BACKOFF_CAP,
    MAX_ATTEMPTS,
    MAX_SENDS,
    DeliveryStatus,
    MessageKind,
    MessageRef,
    Outcome,
    Outgoing,
    Progress,
    after_attempt,
    backoff,
    begin_attempt,
    recover_after_crash,
)

NOW = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
NEW = Progress(DeliveryStatus.PENDING)


def one_attempt(kind, progress, outcome, **kwargs):
    return after_attempt(kind, begin_attempt(progress), outcome, NOW, **kwargs)


def test_a_delivered_message_is_sent_and_never_tried_again():
    sent = one_attempt(MessageKind.CHANNEL_POST, NEW, Outcome.DELIVERED)
    assert sent.status is DeliveryStatus.SENT and sent.attempts == 1
    with pytest.raises(ValueError):
        begin_attempt(sent)


def test_a_429_waits_exactly_as_long_as_telegram_asked_and_is_not_counted():
    waiting = one_attempt(MessageKind.CHANNEL_POST, NEW, Outcome.RATE_LIMITED, retry_after=timedelta(seconds=7))
    assert waiting.status is DeliveryStatus.PENDING
    assert waiting.retry_at == NOW + timedelta(seconds=7)
    assert waiting.attempts == 0


def test_network_errors_back_off_exponentially_up_to_five_minutes():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == BACKOFF_CAP
    retry = one_attempt(MessageKind.CHANNEL_POST, Progress(DeliveryStatus.PENDING, attempts=2), Outcome.NOT_DELIVERED)
    assert retry.status is DeliveryStatus.PENDING and retry.retry_at == NOW + timedelta(seconds=4)


def test_retries_stop_after_the_last_attempt():
    last = one_attempt(
        MessageKind.CHANNEL_POST, Progress(DeliveryStatus.PENDING, attempts=MAX_ATTEMPTS - 1), Outcome.NOT_DELIVERED
    )
    assert last.status is DeliveryStatus.FAILED


def test_a_refusal_is_final():
    assert one_attempt(MessageKind.CHANNEL_POST, NEW, Outcome.REFUSED).status is DeliveryStatus.FAILED


def test_an_unconfirmed_channel_post_is_sent_once_more_then_never_again():
    again = one_attempt(MessageKind.CHANNEL_POST, NEW, Outcome.UNCERTAIN)
    assert again.status is DeliveryStatus.PENDING and again.uncertain_attempts == 1
    final = one_attempt(MessageKind.CHANNEL_POST, again, Outcome.UNCERTAIN)
    assert final.status is DeliveryStatus.UNKNOWN


def test_an_unconfirmed_notice_is_not_sent_again():
    for kind in (MessageKind.REPORTER_NOTICE, MessageKind.GROUP_NOTICE):
        assert one_attempt(kind, NEW, Outcome.UNCERTAIN).status is DeliveryStatus.UNKNOWN


def test_an_unconfirmed_edit_is_simply_repeated():
    for kind in (MessageKind.CHANNEL_EDIT, MessageKind.CARD_EDIT):
        again = one_attempt(kind, NEW, Outcome.UNCERTAIN)
        assert again.status is DeliveryStatus.PENDING


def test_a_row_found_sending_after_a_crash_counts_as_unconfirmed():
    crashed = begin_attempt(NEW)
    assert recover_after_crash(MessageKind.CHANNEL_POST, crashed, NOW).status is DeliveryStatus.PENDING
    assert recover_after_crash(MessageKind.REPORTER_NOTICE, crashed, NOW).status is DeliveryStatus.UNKNOWN


def test_outgoing_messages_are_well_formed():
    Outgoing(MessageKind.CARD_EDIT, -100)
    Outgoing(MessageKind.CHANNEL_EDIT, -100, "banner", edit=MessageRef(outbox_id=3))
    with pytest.raises(ValueError):
        Outgoing(MessageKind.CARD_EDIT, -100, "text")
    with pytest.raises(ValueError):
        Outgoing(MessageKind.CHANNEL_EDIT, -100, "banner")
    with pytest.raises(ValueError):
        Outgoing(MessageKind.CHANNEL_POST, -100, "")
    with pytest.raises(ValueError):
        MessageRef(message_id=1, outbox_id=2)


# --- properties -----------------------------------------------------------------------------

outcomes = st.lists(st.one_of(st.sampled_from(list(Outcome)), st.just("crash")), min_size=1, max_size=60)


def run(kind, events):
    """Replay outcomes the way the dispatcher does; count requests that may have made a message."""
    progress, may_have_arrived, requests = NEW, 0, 0
    for event in events:
        if progress.status.is_final:
            break
        progress = begin_attempt(progress)
        requests += 1
        if event == "crash":
            progress = recover_after_crash(kind, progress, NOW)
            may_have_arrived += 1
            continue
        if event in (Outcome.DELIVERED, Outcome.UNCERTAIN):
            may_have_arrived += 1
        progress = after_attempt(kind, progress, event, NOW, retry_after=timedelta(seconds=3))
    return progress, may_have_arrived, requests


@given(st.sampled_from([k for k in MessageKind if not k.is_edit]), outcomes)
def test_a_new_message_can_exist_at_most_max_sends_times(kind, events):
    progress, may_have_arrived, _ = run(kind, events)
    assert may_have_arrived <= MAX_SENDS[kind]
    assert MAX_SENDS[kind] <= 2  # so never more than one duplicate


@given(st.sampled_from(list(MessageKind)), outcomes)
def test_nothing_is_sent_after_a_final_state_and_attempts_are_bounded(kind, events):
    progress, _, requests = run(kind, events)
    assert progress.attempts <= MAX_ATTEMPTS
    if progress.status is DeliveryStatus.SENT:
        assert events[requests - 1] is Outcome.DELIVERED


@given(st.integers(min_value=1, max_value=3600))
def test_after_a_429_the_next_try_is_never_earlier_than_retry_after(seconds):
    waiting = one_attempt(MessageKind.CHANNEL_REPLY, NEW, Outcome.RATE_LIMITED, retry_after=timedelta(seconds=seconds))
    assert waiting.retry_at >= NOW + timedelta(seconds=seconds)
