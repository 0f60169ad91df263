"""The lease's rules (bot/domain/lease.py): one holder at a time, and a fencing token that only grows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.lease import DURATION, MARGIN, Lease, Step, may_act, next_lease, step_for

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
NAMES = st.sampled_from(["a", "b", "c"])
# (who asks, how long after the previous request): pauses up to three lease durations
REQUESTS = st.lists(st.tuples(NAMES, st.floats(min_value=0, max_value=3 * DURATION.total_seconds())), max_size=60)


def test_nobody_holding_it_the_first_instance_takes_epoch_one():
    assert next_lease(None, "a", T0) == Lease("a", 1, T0, T0 + DURATION)


def test_a_standby_waits_while_the_lease_is_valid_and_takes_it_with_a_new_epoch_once_it_ran_out():
    held = Lease("a", 4, T0, T0 + DURATION)
    assert step_for(held, "b", T0 + DURATION - timedelta(milliseconds=1)) is Step.WAIT
    assert next_lease(held, "b", T0 + DURATION - timedelta(milliseconds=1)) is None
    taken = next_lease(held, "b", T0 + DURATION)
    assert taken is not None and taken.holder == "b" and taken.epoch == 5


def test_a_holder_that_let_its_lease_run_out_gets_a_new_epoch_too():
    held = Lease("a", 4, T0, T0 + DURATION)
    again = next_lease(held, "a", T0 + DURATION + timedelta(seconds=1))
    assert again is not None and again.epoch == 5


def test_the_holder_stops_acting_a_margin_before_its_lease_runs_out():
    held = Lease("a", 4, T0, T0 + DURATION)
    assert may_act(held, "a", 4, T0 + DURATION - MARGIN - timedelta(milliseconds=1))
    assert not may_act(held, "a", 4, T0 + DURATION - MARGIN)
    assert not may_act(held, "a", 3, T0)  # an older epoch of the same name is fenced off
    assert not may_act(held, "b", 4, T0)


@given(REQUESTS)
def test_epochs_only_grow_and_each_new_holder_gets_a_greater_one(requests):
    lease, now = None, T0
    for name, pause in requests:
        now += timedelta(seconds=pause)
        after = next_lease(lease, name, now)
        if after is None:
            continue
        if lease is not None:
            assert after.epoch >= lease.epoch
            if after.holder != lease.holder or after.taken_at != lease.taken_at:
                assert after.epoch == lease.epoch + 1
            assert after.expires_at >= lease.expires_at or lease.expired(now)
        lease = after


@given(REQUESTS, st.floats(min_value=0, max_value=10))
def test_at_any_moment_at_most_one_instance_may_act(requests, probe):
    """Whoever held the lease at some epoch, only the row's current holder and epoch may act, so
    two instances never both may act, at any moment."""
    lease, now, granted = None, T0, set()
    for name, pause in requests:
        now += timedelta(seconds=pause)
        after = next_lease(lease, name, now)
        if after is not None:
            lease = after
            granted.add((after.holder, after.epoch))
        moment = now + timedelta(seconds=probe)
        acting = [g for g in granted if may_act(lease, g[0], g[1], moment)]
        assert len(acting) <= 1


@given(NAMES, NAMES, st.integers(min_value=1, max_value=10**6), st.floats(min_value=-10, max_value=10))
def test_no_one_can_take_the_lease_while_its_holder_may_still_act(holder, other, epoch, offset):
    lease = Lease(holder, epoch, T0, T0 + DURATION)
    moment = T0 + timedelta(seconds=offset)
    if may_act(lease, holder, epoch, moment) and other != holder:
        assert next_lease(lease, other, moment) is None
