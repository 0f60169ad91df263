"""The rules of a drill (bot.domain.drills): whom its messages reach, when its residents write, and
how the after-action report grades decisions, never people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.delivery import (
    DeliveryStatus,
    MessageKind,
    Outgoing,
    Priority,
    Progress,
    QueuedMessage,
    next_in_chat,
    priority_of,
)
from bot.domain.drills import (
    SURGE_SPAN,
    Actual,
    Decision,
    Expected,
    LanguageMix,
    Miss,
    Pace,
    Route,
    ScenarioResult,
    address_kept_out,
    destination,
    due_now,
    is_settled,
    misses,
    plan,
    route,
    summarize,
)
from bot.domain.rejection import RejectionReason

GROUP, CHANNEL, DRILL_CHANNEL = -1001, -1002, -1009
START = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
chats = st.integers(min_value=-(10**13), max_value=10**10)


@given(st.sampled_from(list(MessageKind)), chats, st.one_of(st.none(), st.just(DRILL_CHANNEL)))
def test_a_drill_message_reaches_only_the_group_the_drill_channel_or_the_simulation(kind, chat, drill_channel):
    taken = route(kind, chat, inside=frozenset({GROUP}), drill_channel=drill_channel)
    reached = destination(taken, chat, drill_channel)
    assert reached in (None, GROUP, DRILL_CHANNEL)
    if kind.is_to_subscriber or kind.is_to_reporter:
        assert reached is None  # never a person
    if kind.is_channel:
        assert reached == drill_channel  # the drill channel, or nowhere
    if reached == GROUP:
        assert chat == GROUP


def test_a_drill_post_without_a_drill_channel_is_withheld_and_a_question_is_simulated():
    assert route(MessageKind.CHANNEL_POST, CHANNEL, inside=frozenset({GROUP}), drill_channel=None) is Route.WITHHOLD
    assert route(MessageKind.REPORTER_QUESTION, 5, inside=frozenset({GROUP}), drill_channel=None) is Route.SIMULATE
    assert route(MessageKind.CARD, GROUP, inside=frozenset({GROUP}), drill_channel=None) is Route.SEND


@given(st.sampled_from(list(MessageKind)))
def test_a_drill_message_always_has_the_lowest_priority(kind):
    assert priority_of(kind, drill=True) is Priority.DRILL
    assert priority_of(kind) < priority_of(kind, drill=True)


scenarios = st.lists(
    st.tuples(st.text("abcdefgh", min_size=1, max_size=6), st.integers(min_value=1, max_value=5)),
    min_size=1,
    max_size=8,
    unique_by=lambda s: s[0],
)


@given(scenarios, st.sampled_from(list(LanguageMix)))
def test_a_surge_sends_every_report_within_its_span_in_order(chosen, mix):
    planned = plan(chosen, Pace.SURGE, mix, START)
    assert len(planned) == sum(residents for _, residents in chosen)
    assert [p.position for p in planned] == list(range(len(planned)))
    times = [p.due_at for p in planned]
    assert all(t is not None and START <= t <= START + SURGE_SPAN for t in times)
    assert times == sorted(times)  # type: ignore[type-var]
    if mix is not LanguageMix.MIX:
        assert {p.language for p in planned} == {str(mix)}


@given(scenarios)
def test_one_at_a_time_waits_for_each_scenario_to_be_settled(chosen):
    planned = plan(chosen, Pace.ONE_AT_A_TIME, LanguageMix.ENGLISH, START)
    first = chosen[0][0]
    ready = due_now(planned, set(), set(), START)
    assert {p.scenario for p in ready} == {first}  # every resident of the first scenario, nothing else
    sent = {p.position for p in ready}
    assert due_now(planned, sent, set(), START + timedelta(hours=1)) == ()  # not before it is settled
    if len(chosen) > 1:
        after = due_now(planned, sent, {first}, START)
        assert {p.scenario for p in after} == {chosen[1][0]}


decisions = st.sampled_from([Decision.PUBLISHED, Decision.REJECTED])
reasons = st.one_of(st.none(), st.sampled_from(list(RejectionReason)))


@st.composite
def expectations(draw):  # type: ignore[no-untyped-def]
    decision = draw(decisions)
    if decision is Decision.PUBLISHED:
        return Expected(decision, in_person=draw(st.booleans()), address=draw(st.sampled_from(["", "412 Oak St"])))
    return Expected(decision, draw(reasons), draw(st.booleans()))


actuals = st.builds(
    Actual,
    decision=st.sampled_from(list(Decision)),
    reason=reasons,
    rumor_check=st.booleans(),
    in_person=st.booleans(),
    public_words=st.sampled_from(["", "Cross streets: Oak and 3rd", "They are at my door, 412  oak st"]),
)


@given(st.lists(st.tuples(expectations(), actuals), min_size=1, max_size=10))
def test_the_report_counts_right_decisions_and_names_nobody(pairs):
    results = [ScenarioResult(f"s{i}", expected, actual) for i, (expected, actual) in enumerate(pairs)]
    summary = summarize(results)
    assert summary.total == len(results)
    assert summary.right + summary.differed == summary.total
    assert summary.right == sum(1 for r in results if Miss.DECISION not in r.misses and Miss.REASON not in r.misses)
    assert {key for key, _ in summary.missed} <= {r.key for r in results}


@given(expectations())
def test_doing_exactly_what_was_expected_misses_nothing(expected):
    actual = Actual(expected.decision, expected.reason, expected.rumor_check, expected.in_person, "")
    assert misses(expected, actual) == ()
    assert is_settled(expected, actual)


def test_an_address_in_the_public_words_is_a_miss_whatever_its_case_or_spacing():
    expected = Expected(Decision.PUBLISHED, address="412 Oak St")
    assert not address_kept_out("412 Oak St", "They are at 412  OAK st now")
    assert misses(expected, Actual(Decision.PUBLISHED, public_words="at 412 oak st")) == (Miss.ADDRESS_PUBLIC,)
    assert misses(expected, Actual(Decision.PUBLISHED, public_words="Oak and 3rd")) == ()


def test_a_false_alarm_expecting_a_rumor_check_is_settled_only_once_it_is_posted():
    expected = Expected(Decision.REJECTED, RejectionReason.UNVERIFIED, rumor_check=True)
    assert not is_settled(expected, Actual(Decision.REJECTED, RejectionReason.UNVERIFIED))
    assert is_settled(expected, Actual(Decision.REJECTED, RejectionReason.UNVERIFIED, rumor_check=True))
    assert not is_settled(expected, Actual(Decision.OPEN))


@given(
    st.lists(
        st.tuples(
            st.sampled_from([MessageKind.CARD, MessageKind.CARD_EDIT, MessageKind.GROUP_NOTICE]),
            st.booleans(),
            st.integers(0, 600),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_in_the_group_a_real_message_always_goes_before_a_drills(rows):
    waiting = [
        QueuedMessage(
            id=index + 1,
            report_id=index + 1,
            message=Outgoing(kind, GROUP, "" if kind.is_rendered_when_sent else "text"),
            progress=Progress(DeliveryStatus.PENDING),
            next_attempt_at=START,
            telegram_message_id=None,
            last_error=None,
            created_at=START - timedelta(seconds=age),
            drill=drill,
        )
        for index, (kind, drill, age) in enumerate(rows)
    ]
    chosen = next_in_chat(waiting, START)
    assert chosen is not None
    if any(not row.drill for row in waiting):
        assert not chosen.drill
