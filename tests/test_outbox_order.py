"""Which waiting message goes next in one chat (bot.domain.delivery.next_in_chat)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.delivery import (
    MAX_SENDS,
    SETTLE,
    DeliveryStatus,
    MessageKind,
    MessageRef,
    Outgoing,
    Priority,
    Progress,
    QueuedMessage,
    next_in_chat,
    priority_of,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
GROUP = -100


def row(
    id_: int,
    kind: MessageKind,
    *,
    status=DeliveryStatus.PENDING,
    reply_to=None,
    edit=None,
    age=timedelta(0),
    urgent=False,
):
    text = "" if kind.is_rendered_when_sent else "text"
    return QueuedMessage(
        urgent=urgent,
        id=id_,
        report_id=1,
        message=Outgoing(kind, GROUP, text, reply_to=reply_to, edit=edit),
        progress=Progress(status),
        next_attempt_at=NOW,
        telegram_message_id=None,
        last_error=None,
        created_at=NOW - age,
    )


def test_new_cards_go_before_card_edits_and_reminders_in_the_verifier_group():
    waiting = [row(1, MessageKind.GROUP_NOTICE), row(2, MessageKind.CARD_EDIT), row(3, MessageKind.CARD)]
    assert next_in_chat(waiting, NOW).id == 3
    assert next_in_chat(waiting[:2], NOW).id == 2


def test_a_card_waits_for_its_album():
    waiting = [row(1, MessageKind.CARD_ALBUM), row(2, MessageKind.CARD, reply_to=MessageRef(outbox_id=1))]
    assert next_in_chat(waiting, NOW).id == 1
    assert next_in_chat([waiting[1]], NOW).id == 2


def test_nothing_goes_while_a_message_of_the_chat_is_on_its_way():
    assert (
        next_in_chat([row(1, MessageKind.CARD_EDIT, status=DeliveryStatus.SENDING), row(2, MessageKind.CARD)], NOW)
        is None
    )


def test_a_message_that_waited_long_goes_first_whatever_its_rank():
    waiting = [row(1, MessageKind.GROUP_NOTICE, age=timedelta(minutes=2)), row(2, MessageKind.CARD)]
    assert next_in_chat(waiting, NOW).id == 1


def test_alerts_before_the_desk_before_residents():
    assert (
        priority_of(MessageKind.CHANNEL_POST) < priority_of(MessageKind.CARD) < priority_of(MessageKind.REPORTER_NOTICE)
    )
    assert (
        priority_of(MessageKind.CHANNEL_EDIT) is Priority.ALERT and priority_of(MessageKind.CARD_EDIT) is Priority.DESK
    )


def test_the_desk_in_the_group_and_questions_to_the_reporter_at_residents_pace():
    for kind in (MessageKind.DESK_PROMPT, MessageKind.DESK_ANSWER, MessageKind.DESK_ANSWER_PHOTO):
        assert priority_of(kind) is Priority.DESK
    assert priority_of(MessageKind.REPORTER_QUESTION) is Priority.RESIDENT
    assert MessageKind.REPORTER_QUESTION.is_to_reporter and not MessageKind.DESK_ANSWER.is_to_reporter


def test_new_cards_go_before_the_desks_answers_and_prompts_which_go_before_reminders():
    waiting = [
        row(1, MessageKind.GROUP_NOTICE),
        row(2, MessageKind.DESK_ANSWER),
        row(3, MessageKind.DESK_PROMPT),
        row(4, MessageKind.CARD),
    ]
    assert next_in_chat(waiting, NOW).id == 4
    assert next_in_chat(waiting[:3], NOW).id == 2
    assert next_in_chat(waiting[:1], NOW).id == 1


def test_every_kind_that_may_be_sent_again_has_a_limit():
    for kind in MessageKind:
        assert kind.is_edit or kind in MAX_SENDS, kind


kinds = st.sampled_from(
    [
        MessageKind.CARD_ALBUM,
        MessageKind.CARD,
        MessageKind.CARD_EDIT,
        MessageKind.GROUP_NOTICE,
        MessageKind.DESK_PROMPT,
        MessageKind.DESK_ANSWER,
    ]
)


@given(st.lists(st.tuples(kinds, st.integers(0, 180)), min_size=1, max_size=30))
def test_every_waiting_message_is_sent_eventually_and_never_before_what_it_answers(plan):
    waiting = []
    for index, (kind, age) in enumerate(plan, start=1):
        reply = MessageRef(outbox_id=index - 1) if kind is MessageKind.CARD and index > 1 else None
        waiting.append(row(index, kind, reply_to=reply, age=timedelta(seconds=age)))
    sent: list[int] = []
    while waiting:
        chosen = next_in_chat(waiting, NOW)
        assert chosen is not None  # nothing is stuck
        ref = chosen.message.reply_to
        assert ref is None or ref.outbox_id in sent or all(w.id != ref.outbox_id for w in waiting)
        sent.append(chosen.id)
        waiting.remove(chosen)


def test_an_urgent_reports_card_overtakes_earlier_cards_waiting_for_the_group():
    waiting = [row(1, MessageKind.CARD), row(2, MessageKind.CARD), row(3, MessageKind.CARD, urgent=True)]
    assert next_in_chat(waiting, NOW).id == 3
    assert next_in_chat(waiting[:2], NOW).id == 1


def test_urgency_does_not_put_a_card_edit_before_new_cards():
    waiting = [row(1, MessageKind.CARD), row(2, MessageKind.CARD_EDIT, urgent=True)]
    assert next_in_chat(waiting, NOW).id == 1


@given(st.lists(st.booleans(), min_size=1, max_size=12))
def test_among_new_cards_an_urgent_one_always_goes_first(urgency):
    waiting = [row(i + 1, MessageKind.CARD, urgent=u) for i, u in enumerate(urgency)]
    chosen = next_in_chat(waiting, NOW)
    assert chosen is not None
    assert chosen.urgent == any(urgency)
    # and the oldest of its kind: urgency never reorders the urgent ones among themselves
    assert chosen.id == min(r.id for r in waiting if r.urgent == chosen.urgent)


def test_during_a_burst_a_new_card_waits_to_settle_so_the_reports_joining_it_fold_in():
    young = row(1, MessageKind.CARD)
    assert next_in_chat([young], NOW) is young  # a quiet group: at once
    assert next_in_chat([young], NOW, burst=True) is None
    assert next_in_chat([row(1, MessageKind.CARD, age=SETTLE)], NOW, burst=True).id == 1
    assert next_in_chat([row(1, MessageKind.CARD_EDIT)], NOW, burst=True) is None


def test_during_a_burst_an_urgent_card_and_other_messages_do_not_wait():
    assert next_in_chat([row(1, MessageKind.CARD, urgent=True)], NOW, burst=True).id == 1
    waiting = [row(1, MessageKind.CARD), row(2, MessageKind.GROUP_NOTICE)]
    assert next_in_chat(waiting, NOW, burst=True).id == 2
