"""The token buckets that throttle floods, proved on plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.limits import BucketRule, BucketState, give_back, level, take

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_a_new_reporter_may_send_a_burst_then_waits_for_the_next_token():
    rule = BucketRule(per_hour=3)
    state = None
    for _ in range(3):
        result = take(rule, state, T0)
        assert result.allowed
        state = result.state
    refused = take(rule, state, T0)
    assert not refused.allowed
    assert refused.retry_at == T0 + timedelta(minutes=20)
    assert take(rule, refused.state, refused.retry_at).allowed


def test_a_clock_stepping_back_never_adds_tokens():
    rule = BucketRule(per_hour=2)
    state = BucketState(0.0, T0)
    assert level(rule, state, T0 - timedelta(hours=5)) == 0.0


def test_giving_back_restores_the_token_but_never_overfills():
    rule = BucketRule(per_hour=2)
    taken = take(rule, None, T0).state
    assert level(rule, give_back(rule, taken, T0), T0) == 2.0
    assert level(rule, give_back(rule, BucketState(2.0, T0), T0), T0) == 2.0


@given(
    per_hour=st.integers(min_value=1, max_value=50),
    gaps=st.lists(st.integers(min_value=0, max_value=7200), min_size=1, max_size=120),
)
def test_no_window_ever_allows_more_than_the_burst_plus_the_refill(per_hour, gaps):
    rule = BucketRule(per_hour=per_hour)
    state = None
    now = T0
    allowed_at: list[datetime] = []
    for gap in gaps:
        now += timedelta(seconds=gap)
        result = take(rule, state, now)
        state = result.state
        if result.allowed:
            allowed_at.append(now)
        else:
            assert result.retry_at is not None and result.retry_at > now
            # the promise made to the resident holds: at retry_at there is a token
            assert take(rule, state, result.retry_at).allowed
    for start in allowed_at:
        for end in allowed_at:
            if end < start:
                continue
            window = (end - start).total_seconds()
            inside = sum(1 for moment in allowed_at if start <= moment <= end)
            assert inside <= per_hour + window / rule.seconds_per_token + 1e-9
