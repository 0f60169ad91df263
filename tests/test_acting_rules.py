"""Who may act on a report: one rule, shared by every rule module."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.acting import NotAVerifier, ReporterCannotVote, RuleRefusal, Voter, check_may_act

pseudonyms = st.text(alphabet="0123456789abcdef", min_size=1, max_size=8)


@given(pseudonyms, pseudonyms, st.booleans())
def test_only_a_member_who_is_not_the_reporter_may_act(voter: str, reporter: str, member: bool) -> None:
    may = member and voter != reporter
    try:
        check_may_act(Voter(voter, member), reporter)
    except RuleRefusal:
        assert not may
    else:
        assert may


def test_someone_outside_the_group_is_refused_before_being_compared_with_the_reporter() -> None:
    with pytest.raises(NotAVerifier):
        check_may_act(Voter("same", is_verifier=False), "same")


def test_the_reporter_is_refused_even_as_a_member() -> None:
    with pytest.raises(ReporterCannotVote):
        check_may_act(Voter("same", is_verifier=True), "same")
