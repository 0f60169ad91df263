"""The rules behind /stats: nearest-rank percentiles, per-verifier figures, verifiers' tags."""

from __future__ import annotations

import hashlib
import math

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.rejection import RejectionCounts, RejectionReason
from bot.domain.reporters import reporter_tag
from bot.domain.stats import VoteTime, median, percentile, verifier_figures, verifier_tag, window_figures

values = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=60)
fractions = st.floats(min_value=0.01, max_value=1.0)


@given(values, fractions)
def test_a_percentile_is_a_value_that_occurred_with_enough_values_at_or_below_it(xs, fraction):
    p = percentile(xs, fraction)
    assert p in xs
    assert sum(x <= p for x in xs) >= math.ceil(fraction * len(xs))
    # and it is the smallest such value
    assert sum(x < p for x in xs) < math.ceil(fraction * len(xs))


@given(values, fractions, fractions)
def test_a_higher_fraction_never_gives_a_lower_percentile(xs, a, b):
    low, high = sorted((a, b))
    assert percentile(xs, low) <= percentile(xs, high)


def test_known_medians_and_the_empty_case():
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2  # nearest rank: a value that occurred, never 2.5
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert median([]) is None


@given(st.lists(st.tuples(st.sampled_from("abcde"), st.integers(0, 3600)), max_size=40))
def test_every_vote_is_counted_once_under_its_verifier(votes):
    figures = verifier_figures(VoteTime(who, seconds) for who, seconds in votes)
    assert sum(f.votes for f in figures) == len(votes)
    assert len(figures) == len({who for who, _ in votes})
    assert [f.votes for f in figures] == sorted((f.votes for f in figures), reverse=True)


def test_a_verifier_is_named_by_their_latest_name_on_record_or_else_by_a_tag():
    votes = [VoteTime("V-ANA2", 60, "Ana"), VoteTime("V-ANA2", 120, "Ana M."), VoteTime("V-ANA2", 600)]
    votes += [VoteTime("V-OLD3", 300)]
    figures = verifier_figures(votes)
    assert [(f.label, f.votes, f.median_seconds) for f in figures] == [("Ana", 3, 120), ("V-OLD3", 1, 300)]


def test_a_verifiers_tag_is_not_the_same_persons_reporter_tag():
    # The same person has one pseudonym whether they report or verify: a shared tag would tell the
    # group which reports a verifier sent.
    pseudonyms = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(500)]
    assert all(verifier_tag(p)[2:] != reporter_tag(p)[1:] for p in pseudonyms)
    assert len({verifier_tag(p) for p in pseudonyms}) > 490  # stable and spread out
    assert verifier_tag(pseudonyms[0]) == verifier_tag(pseudonyms[0])


def test_window_figures_count_outcomes_and_leave_pending_as_reports_only():
    figures = window_figures(
        7, {"pending": 2, "published": 3, "rejected": 4, "expired": 1, "withdrawn": 1, "merged": 2}, [60, 600, 120], []
    )
    assert (figures.reports, figures.published, figures.rejected, figures.unconfirmed) == (13, 3, 4, 1)
    assert (figures.withdrawn, figures.attached) == (1, 2)
    assert (figures.publication_median, figures.publication_p90) == (120, 600)
    assert figures.verifiers == ()


def test_a_windows_figures_carry_the_rejections_by_reason_and_the_rumor_checks():
    counts = RejectionCounts({RejectionReason.OLD_PHOTO: 2, None: 1}, rumor_checks=1)
    figures = window_figures(7, {"rejected": 3}, [], [], counts)
    assert figures.rejected == 3 and figures.rejections.total == 3 and figures.rejections.rumor_checks == 1
    assert window_figures(7, {}, [], []).rejections == RejectionCounts()
