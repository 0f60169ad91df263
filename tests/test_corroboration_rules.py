"""Corroboration's rules: which open report a new one joins, who counts, who may act, what detaching does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.acting import NotAVerifier, ReporterCannotVote, Voter
from bot.domain.corroboration import (
    AddedReporterCannotVote,
    NotAttached,
    OpenReport,
    check_not_a_reporter,
    detach,
    is_joinable,
    report_to_join,
    residents_reporting,
)
from bot.domain.desk import open_for_the_desk
from bot.domain.lifecycle import AlertStatus
from bot.domain.verification import ReportClosed, ReportStatus

NOW = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
CLOVIS, VADO = "clovis", "vado"


def candidate(report_id, *, key=CLOVIS, status=ReportStatus.PENDING, alert=None, minutes_ago=5, attached_to=None):
    return OpenReport(report_id, key, status, alert, NOW - timedelta(minutes=minutes_ago), attached_to)


# --- which report a new one joins ---------------------------------------------------------------


def test_a_new_report_joins_the_pending_report_of_its_neighborhood():
    assert report_to_join(CLOVIS, [candidate(1)]) == 1


def test_a_new_report_joins_a_live_alert_of_its_neighborhood():
    live = candidate(1, status=ReportStatus.PUBLISHED, alert=AlertStatus.ACTIVE)
    assert report_to_join(CLOVIS, [live]) == 1


def test_nothing_to_join_elsewhere_or_once_closed():
    assert report_to_join(CLOVIS, []) is None
    assert report_to_join(CLOVIS, [candidate(1, key=VADO)]) is None
    for status in (ReportStatus.REJECTED, ReportStatus.EXPIRED, ReportStatus.MERGED):
        assert report_to_join(CLOVIS, [candidate(1, status=status)]) is None
    for ended in (AlertStatus.ENDED, AlertStatus.RETRACTED, AlertStatus.EXPIRED):
        assert report_to_join(CLOVIS, [candidate(1, status=ReportStatus.PUBLISHED, alert=ended)]) is None


def test_a_report_that_is_itself_attached_is_never_joined():
    assert report_to_join(CLOVIS, [candidate(2, status=ReportStatus.MERGED, attached_to=1)]) is None


def test_of_several_open_reports_the_newest_is_joined():
    older = candidate(1, minutes_ago=40)
    detached_newer = candidate(2, minutes_ago=3)  # detached earlier as a different incident
    assert report_to_join(CLOVIS, [older, detached_newer]) == 2


statuses = st.sampled_from(list(ReportStatus))
alerts = st.one_of(st.none(), st.sampled_from(list(AlertStatus)))
candidates = st.lists(
    st.builds(
        OpenReport,
        report_id=st.integers(min_value=1, max_value=50),
        neighborhood_key=st.sampled_from([CLOVIS, VADO]),
        status=statuses,
        alert=alerts,
        created_at=st.integers(min_value=0, max_value=600).map(lambda m: NOW - timedelta(minutes=m)),
        attached_to=st.one_of(st.none(), st.integers(min_value=1, max_value=50)),
    ),
    max_size=12,
)


@given(candidates, st.sampled_from([CLOVIS, VADO]))
def test_property_a_new_report_only_ever_joins_an_open_unattached_report_of_its_own_neighborhood(found, key):
    joined = report_to_join(key, found)
    eligible = [c for c in found if c.neighborhood_key == key and is_joinable(c)]
    if not eligible:
        assert joined is None  # then it gets a card of its own
        return
    chosen = [c for c in eligible if c.report_id == joined]
    assert chosen, "the joined report is one of the eligible ones"
    for c in chosen:
        assert c.attached_to is None and open_for_the_desk(c.status, c.alert)
    assert max(c.created_at for c in eligible) in {c.created_at for c in chosen}


@given(candidates, st.sampled_from([CLOVIS, VADO]))
def test_property_the_choice_does_not_depend_on_the_order_storage_returns_them_in(found, key):
    by_id = {c.report_id: c for c in found}  # storage returns each report once
    unique = list(by_id.values())
    assert report_to_join(key, unique) == report_to_join(key, list(reversed(unique)))


# --- who counts ---------------------------------------------------------------------------------


def test_the_same_resident_writing_twice_counts_once():
    assert residents_reporting(["tom", "rosa", "rosa"]) == 2
    assert residents_reporting(["tom"]) == 1


@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=20))
def test_property_residents_are_counted_once_each_whatever_they_send(reporters):
    count = residents_reporting(reporters)
    assert 1 <= count <= len(reporters)
    assert residents_reporting(reporters + reporters) == count  # writing again adds nobody
    assert count == len(set(reporters))


# --- never the reporter, and the quorum does not change ----------------------------------------


def test_the_reporter_and_every_attached_reporter_are_refused_and_a_stranger_is_not_a_verifier():
    with pytest.raises(ReporterCannotVote):
        check_not_a_reporter(Voter("tom", True), "tom", ["tom", "rosa"])
    with pytest.raises(AddedReporterCannotVote):
        check_not_a_reporter(Voter("rosa", True), "tom", ["tom", "rosa"])
    with pytest.raises(NotAVerifier):
        check_not_a_reporter(Voter("rosa", False), "tom", ["tom", "rosa"])
    check_not_a_reporter(Voter("ana", True), "tom", ["tom", "rosa"])  # a verifier who sent nothing


@given(
    voter=st.sampled_from(["v1", "v2", "v3", "r1", "r2"]),
    is_verifier=st.booleans(),
    added=st.lists(st.sampled_from(["r1", "r2", "v3"]), max_size=4),
)
def test_property_nobody_who_sent_any_joined_report_gets_past_the_press_check(voter, is_verifier, added):
    reporter = "r1"
    try:
        check_not_a_reporter(Voter(voter, is_verifier), reporter, [reporter, *added])
    except (NotAVerifier, ReporterCannotVote, AddedReporterCannotVote):
        return
    assert is_verifier and voter != reporter and voter not in added


# --- detaching ----------------------------------------------------------------------------------


def test_an_attached_report_is_detached_into_a_pending_report_while_the_joined_one_is_open():
    assert detach(status=ReportStatus.MERGED, attached_to=1, joined_status=ReportStatus.PENDING, joined_alert=None) is (
        ReportStatus.PENDING
    )
    live = dict(joined_status=ReportStatus.PUBLISHED, joined_alert=AlertStatus.ACTIVE)
    assert detach(status=ReportStatus.MERGED, attached_to=1, **live) is ReportStatus.PENDING


def test_nothing_to_detach_from_a_report_that_is_not_attached():
    with pytest.raises(NotAttached):
        detach(status=ReportStatus.PENDING, attached_to=None, joined_status=ReportStatus.PENDING, joined_alert=None)
    with pytest.raises(NotAttached):  # its joined report is gone
        detach(status=ReportStatus.MERGED, attached_to=None, joined_status=ReportStatus.MERGED, joined_alert=None)


def test_once_the_joined_report_closed_the_attached_one_closed_with_it():
    with pytest.raises(ReportClosed):
        detach(status=ReportStatus.MERGED, attached_to=1, joined_status=ReportStatus.REJECTED, joined_alert=None)
    with pytest.raises(ReportClosed):
        detach(
            status=ReportStatus.MERGED,
            attached_to=1,
            joined_status=ReportStatus.PUBLISHED,
            joined_alert=AlertStatus.ENDED,
        )


@given(status=statuses, attached_to=st.one_of(st.none(), st.just(1)), joined=statuses, alert=alerts)
def test_property_detaching_yields_a_pending_report_only_from_an_attached_one_of_an_open_report(
    status, attached_to, joined, alert
):
    try:
        result = detach(status=status, attached_to=attached_to, joined_status=joined, joined_alert=alert)
    except NotAttached:
        assert status is not ReportStatus.MERGED or attached_to is None
        return
    except ReportClosed:
        assert not open_for_the_desk(joined, alert)
        return
    assert result is ReportStatus.PENDING
    assert status is ReportStatus.MERGED and attached_to is not None and open_for_the_desk(joined, alert)
