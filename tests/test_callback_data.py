"""Button payloads: versioned, small, parsed strictly."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callback_data as cb
from bot.domain.desk import QUICK_ANSWERS, QuestionKind
from bot.domain.drills import LanguageMix, Pace
from bot.domain.indicators import Indicator
from bot.domain.lifecycle import AlertAction
from bot.domain.public_text import TextChangeKind
from bot.domain.rejection import RejectionReason
from bot.domain.verification import VoteKind


@pytest.mark.parametrize(
    "action",
    [
        cb.Vote(1, VoteKind.CONFIRM),
        cb.Vote(987654321987654321, VoteKind.FALSE_ALARM),
        cb.Form(cb.FormStep.NEIGHBORHOOD, "northampton-florence"),
        cb.Form(cb.FormStep.INDICATOR, Indicator.CHECKPOINT.value),
        cb.Form(cb.FormStep.SUBMIT),
        cb.ChooseLanguage("es"),
        cb.Mute(987654321987654321, True),
        cb.Mute(3, False),
        cb.Forget(True),
        cb.Forget(False),
        cb.OnAlert(1, AlertAction.STILL_ACTIVE),
        cb.OnAlert(987654321987654321, AlertAction.ALL_CLEAR),
        cb.OnAlert(42, AlertAction.RETRACT),
        cb.Detach(1),
        cb.Detach(987654321987654321),
    ],
)
def test_every_action_round_trips_within_telegrams_64_bytes(action):
    data = cb.encode(action)
    assert data.startswith("v1:") and len(data.encode()) <= 64
    assert cb.decode(data) == action


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "v2:vote:c:1",
        "v1:vote:x:1",
        "v1:vote:c:0",
        "v1:vote:c:-5",
        "v1:vote:c:1:extra",
        "v1:form:nb",
        "v1:form:send:now",
        "v1:form:ind:unicorns",
        "v1:form:explode",
        "v1:lang:fr",
        "confirm 12",
        "v1:mute:x:1",
        "v1:mute:m:0",
        "v1:mute:m",
        "v1:forget:maybe",
        "v1:detach:",
        "v1:detach:0",
        "v1:detach:-3",
        "v1:detach:12:extra",
        "v1:detach:abc",
        "v1:forget:",
        "v1:alert:x:1",
        "v1:alert:s:0",
        "v1:alert:e",
        "v1:alert:r:1:2",
    ],
)
def test_anything_unexpected_is_refused(data):
    with pytest.raises(cb.InvalidCallbackData):
        cb.decode(data)


@given(st.text(max_size=80))
def test_decoding_arbitrary_text_either_parses_or_refuses(data):
    try:
        action = cb.decode(data)
    except cb.InvalidCallbackData:
        return
    assert cb.encode(action) == data


# --- the desk's buttons ---------------------------------------------------------------------

MAX_ID = 987654321987654321


@given(
    report=st.integers(min_value=1, max_value=MAX_ID),
    question=st.sampled_from([None, *(q for q in QuestionKind if q is not QuestionKind.OWN)]),
)
def test_ask_buttons_round_trip_within_64_bytes(report, question):
    data = cb.encode(cb.Ask(report, question))
    assert len(data.encode()) <= 64 and cb.decode(data) == cb.Ask(report, question)


@given(
    question=st.integers(min_value=1, max_value=MAX_ID),
    answer=st.sampled_from(sorted({a for answers in QUICK_ANSWERS.values() for a in answers})),
)
def test_quick_answer_buttons_round_trip_within_64_bytes(question, answer):
    data = cb.encode(cb.Answer(question, answer))
    assert len(data.encode()) <= 64 and cb.decode(data) == cb.Answer(question, answer)


@pytest.mark.parametrize(
    "data",
    [
        "v1:ask:own:1",
        "v1:ask:menu:0",
        "v1:ask:lunch:3",
        "v1:ans:maybe:1",
        "v1:ans:yes:0",
        "v1:ans:yes",
        "v1:ask:many:1:2",
    ],
)
def test_unknown_desk_payloads_are_refused(data):
    with pytest.raises(cb.InvalidCallbackData):
        cb.decode(data)


@given(report=st.integers(min_value=1, max_value=MAX_ID), minutes=st.sampled_from([15, 30, 60]))
def test_going_to_check_and_in_person_buttons_round_trip_within_64_bytes(report, minutes):
    for action in (cb.GoCheck(report, minutes), cb.Vote(report, VoteKind.CONFIRM, in_person=True)):
        data = cb.encode(action)
        assert len(data.encode()) <= 64 and cb.decode(data) == action


@pytest.mark.parametrize("data", ["v1:claim:45:1", "v1:claim:15:0", "v1:claim:15", "v1:vote:p:0", "v1:claim:x:1"])
def test_unknown_claims_are_refused(data):
    with pytest.raises(cb.InvalidCallbackData):
        cb.decode(data)


# --- a false alarm's reason, and the rumor check ---------------------------------------------


@given(
    report=st.integers(min_value=1, max_value=MAX_ID),
    reason=st.sampled_from([None, *RejectionReason]),
)
def test_false_alarm_and_reason_buttons_round_trip_within_64_bytes(report, reason):
    for action in (cb.FalseAlarm(report, reason), cb.RumorCheck(report)):
        data = cb.encode(action)
        assert len(data.encode()) <= 64 and cb.decode(data) == action


def test_every_reason_has_its_own_payload():
    payloads = {cb.encode(cb.FalseAlarm(1, reason)) for reason in [None, *RejectionReason]}
    assert len(payloads) == len(RejectionReason) + 1


@pytest.mark.parametrize(
    "data",
    ["v1:no:lunch:1", "v1:no:old:0", "v1:no:old", "v1:no:menu:1:2", "v1:rumor:0", "v1:rumor:", "v1:rumor:1:2"],
)
def test_unknown_reasons_and_rumor_checks_are_refused(data):
    with pytest.raises(cb.InvalidCallbackData):
        cb.decode(data)


@given(report=st.integers(min_value=1, max_value=MAX_ID))
def test_the_detach_button_round_trips_within_64_bytes_and_names_only_the_attached_report(report):
    data = cb.encode(cb.Detach(report))
    assert data == f"v1:detach:{report}" and len(data.encode()) <= 64
    assert cb.decode(data) == cb.Detach(report)
    assert cb.decode_as(data, cb.Vote) is None  # another family's handler does not take it


# --- the public text ---------------------------------------------------------------------------


@pytest.mark.parametrize("change", list(TextChangeKind))
@pytest.mark.parametrize("report_id", [1, 987654321987654321])
def test_public_text_buttons_round_trip_within_64_bytes(change, report_id):
    data = cb.encode(cb.EditText(report_id, change))
    assert len(data.encode()) <= 64 and cb.decode(data) == cb.EditText(report_id, change)
    assert cb.decode_as(data, cb.EditText) == cb.EditText(report_id, change)
    assert cb.decode_as(data, cb.Vote) is None


@pytest.mark.parametrize(
    "data",
    ["v1:text:words", "v1:text:words:0", "v1:text:shout:1", "v1:text:note:1:x", "v1:text:NOTE:1", "v2:text:note:1"],
)
def test_public_text_payloads_are_parsed_strictly(data):
    with pytest.raises(cb.InvalidCallbackData):
        cb.decode(data)


def test_a_confirmation_carries_the_version_of_the_text_its_card_showed():
    for action in (
        cb.Vote(7, VoteKind.CONFIRM, text_version=3),
        cb.Vote(987654321987654321, VoteKind.CONFIRM, in_person=True, text_version=999999999),
    ):
        data = cb.encode(action)
        assert len(data.encode()) <= 64 and cb.decode(data) == action
    assert cb.decode("v1:vote:c:7") == cb.Vote(7, VoteKind.CONFIRM)  # a button drawn before versions
    for refused in ("v1:vote:f:7:t2", "v1:vote:c:7:t0", "v1:vote:c:7:t", "v1:vote:c:7:2"):
        with pytest.raises(cb.InvalidCallbackData):
            cb.decode(refused)


ONE_OF_EACH_FAMILY = [
    cb.Vote(1, VoteKind.CONFIRM, text_version=2),
    cb.GoCheck(1, 15),
    cb.Form(cb.FormStep.SUBMIT),
    cb.ChooseLanguage("es"),
    cb.Mute(1, True),
    cb.Forget(True),
    cb.OnAlert(1, AlertAction.RETRACT),
    cb.Ask(1),
    cb.Answer(1, "yes"),
    cb.Subscribe("clovis"),
    cb.Rights(),
    cb.FalseAlarm(1),
    cb.RumorCheck(1),
    cb.Detach(1),
    cb.EditText(1, TextChangeKind.INCLUDE_WORDS),
    cb.Which(1, answers_it=True),
    cb.DrillMenu(cb.DrillStep.GO, 0b101, Pace.SURGE, LanguageMix.MIX, False),
]


def test_every_payload_is_routed_to_its_own_family_and_no_other():
    assert {type(action) for action in ONE_OF_EACH_FAMILY} == set(cb.FAMILIES)
    for action in ONE_OF_EACH_FAMILY:
        data = cb.encode(action)
        assert [kind for kind in cb.FAMILIES if re.match(cb.pattern(kind), data)] == [type(action)]


@given(st.integers(min_value=1, max_value=10**17), st.booleans())
def test_which_round_trips(question_id: int, answers_it: bool):
    assert cb.decode(cb.encode(cb.Which(question_id, answers_it))) == cb.Which(question_id, answers_it)
