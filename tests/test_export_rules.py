"""The rules behind `vigil export`: every count lands in exactly one row, and the delays' figures
are values that occurred (nearest rank, as /stats)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.exports import COLUMNS, NO_REASON, day_figures, verifier_days

days = st.sampled_from(["2026-11-01", "2026-11-02", "2026-11-03"])
places = st.sampled_from(["clovis", "vado", "portales"])
statuses = st.sampled_from(["published", "rejected", "expired", "merged", "withdrawn", "pending"])
outcomes = st.lists(st.tuples(days, places, statuses, st.integers(0, 50)))
delays = st.lists(st.tuples(days, places, st.floats(0, 7200)))


@given(outcomes, delays)
def test_every_report_is_counted_once_and_delays_are_values_that_occurred(outcome_rows, delay_rows):
    rows = day_figures(outcome_rows, [], delay_rows)
    assert sum(r.reports for r in rows) == sum(count for *_, count in outcome_rows)
    assert sum(r.published for r in rows) == sum(count for _, _, status, count in outcome_rows if status == "published")
    assert len({(r.day, r.neighborhood) for r in rows}) == len(rows)
    assert [(r.day, r.neighborhood) for r in rows] == sorted((r.day, r.neighborhood) for r in rows)
    for row in rows:
        here = [seconds for day, place, seconds in delay_rows if (day, place) == (row.day, row.neighborhood)]
        if here:
            assert row.publish_median_seconds in here and row.publish_p90_seconds in here
            assert row.publish_median_seconds <= row.publish_p90_seconds
        else:
            assert row.publish_median_seconds is None and row.publish_p90_seconds is None


def test_rejections_without_a_reason_are_counted_as_none_given_and_every_column_is_there():
    (row,) = day_figures([("2026-11-01", "vado", "rejected", 3)], [("2026-11-01", "vado", None, 1, 0)], [])
    assert row.rejected_by_reason == {NO_REASON: 1}
    assert tuple(row.as_row()) == COLUMNS


def test_a_verifiers_day_counts_their_votes_under_their_tag():
    (day,) = verifier_days([("2026-11-01", "V-7K2M", 60.0), ("2026-11-01", "V-7K2M", 180.0)])
    assert (day.verifier, day.votes, day.median_seconds) == ("V-7K2M", 2, 60.0)
