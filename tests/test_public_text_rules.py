"""The public text's rules: versions, and confirmations that approve exactly one version."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.acting import NotAVerifier, ReporterCannotVote, RuleRefusal, Voter
from bot.domain.indicators import Indicator
from bot.domain.public_text import (
    MAX_NOTE_UNITS,
    EmptyNote,
    NoteTooLong,
    NoWordsToInclude,
    PublicText,
    TextChange,
    TextChangedSinceShown,
    TextChangeKind,
    TextUnchanged,
    change_text,
    check_seen,
    confirmed_version,
)
from bot.domain.reports import Report
from bot.domain.verification import AlreadyVoted, Ballot, ReportClosed, ReportStatus, VoteKind, cast_vote

REPORTER = "pseudonym-of-reporter"
WORDS = "They are at my door right now, 412 Oak St"
NOW = datetime(2026, 11, 22, 21, 5, tzinfo=UTC)


def verifier(n: int) -> Voter:
    return Voter(f"verifier-{n}", is_verifier=True)


def report(description: str = WORDS) -> Report:
    return Report(
        1,
        "R-7F3K",
        REPORTER,
        "clovis",
        (Indicator.VEHICLES,),
        description,
        "en",
        ReportStatus.PENDING,
        NOW,
        None,
        1,
        2,
        (),
    )


def change(current: PublicText, kind: TextChangeKind, *, note: str = "", ballots=(), by: Voter | None = None, **kw):
    return change_text(
        current=current,
        resident_words=kw.get("words", WORDS),
        status=kw.get("status", ReportStatus.PENDING),
        reporter_pseudonym=REPORTER,
        voter=by or verifier(1),
        ballots=list(ballots),
        change=TextChange(kind, note),
    )


def test_the_default_text_is_the_place_the_signs_and_the_time_without_the_residents_words():
    text = PublicText.default_for(report())
    assert (text.neighborhood_key, text.indicators, text.reported_at) == ("clovis", (Indicator.VEHICLES,), NOW)
    assert text.words == "" and text.note == "" and text.version == 1


def test_an_alert_from_before_versioned_texts_kept_the_residents_words():
    assert PublicText.legacy_for(report()).words == WORDS


def test_including_the_words_makes_a_new_version_and_clears_only_confirmations_of_the_current_one():
    text = PublicText.default_for(report())
    ballots = [Ballot("verifier-2", VoteKind.CONFIRM, 1), Ballot("verifier-3", VoteKind.FALSE_ALARM, 1)]
    changed = change(text, TextChangeKind.INCLUDE_WORDS, ballots=ballots)
    assert changed.text == replace(text, words=WORDS, version=2)
    assert changed.cleared == {"verifier-2"}  # a false alarm is about the sighting: it stays


def test_a_note_is_stripped_and_a_later_change_keeps_what_it_does_not_touch():
    with_words = change(PublicText.default_for(report()), TextChangeKind.INCLUDE_WORDS).text
    noted = change(with_words, TextChangeKind.SET_NOTE, note="  Main St and 5th  ").text
    assert (noted.words, noted.note, noted.version) == (WORDS, "Main St and 5th", 3)
    removed = change(noted, TextChangeKind.REMOVE_WORDS).text
    assert (removed.words, removed.note, removed.version) == ("", "Main St and 5th", 4)
    assert change(removed, TextChangeKind.REMOVE_NOTE).text == replace(removed, note="", version=5)


def test_a_change_that_changes_nothing_is_refused_so_no_confirmation_is_cleared_for_nothing():
    text = PublicText.default_for(report())
    with pytest.raises(TextUnchanged):
        change(text, TextChangeKind.REMOVE_WORDS)
    noted = change(text, TextChangeKind.SET_NOTE, note="Main St").text
    with pytest.raises(TextUnchanged):
        change(noted, TextChangeKind.SET_NOTE, note="Main St ")


def test_words_cannot_be_included_when_the_resident_wrote_none():
    with pytest.raises(NoWordsToInclude):
        change(PublicText.default_for(report("")), TextChangeKind.INCLUDE_WORDS, words="  ")


def test_a_note_is_limited_in_telegrams_units_so_the_post_fits_in_one_message():
    text = PublicText.default_for(report())
    assert change(text, TextChangeKind.SET_NOTE, note="🚨" * (MAX_NOTE_UNITS // 2)).text.version == 2
    with pytest.raises(NoteTooLong) as too_long:
        change(text, TextChangeKind.SET_NOTE, note="🚨" * (MAX_NOTE_UNITS // 2) + "a")  # an emoji counts twice
    assert (too_long.value.limit, too_long.value.attempted) == (MAX_NOTE_UNITS, MAX_NOTE_UNITS + 1)
    with pytest.raises(EmptyNote):
        change(text, TextChangeKind.SET_NOTE, note=" \n ")


@pytest.mark.parametrize(
    ("voter", "status", "refusal"),
    [
        (Voter("stranger", is_verifier=False), ReportStatus.PENDING, NotAVerifier),
        (Voter(REPORTER, is_verifier=True), ReportStatus.PENDING, ReporterCannotVote),
        (verifier(1), ReportStatus.PUBLISHED, ReportClosed),
        (verifier(1), ReportStatus.REJECTED, ReportClosed),
    ],
)
def test_only_a_verifier_other_than_the_reporter_changes_the_text_of_an_open_report(voter, status, refusal):
    with pytest.raises(refusal):
        change(PublicText.default_for(report()), TextChangeKind.INCLUDE_WORDS, by=voter, status=status)


def test_a_confirmation_of_an_earlier_version_neither_counts_nor_stops_its_verifier_from_confirming_again():
    stale = Ballot("verifier-1", VoteKind.CONFIRM, 1)
    decision = cast_vote(
        status=ReportStatus.PENDING,
        ballots=[stale, Ballot("verifier-2", VoteKind.CONFIRM, 2)],
        reporter_pseudonym=REPORTER,
        voter=verifier(1),
        kind=VoteKind.CONFIRM,
        quorum=2,
        text_version=2,
    )
    assert decision.replaces == stale and decision.ballot == Ballot("verifier-1", VoteKind.CONFIRM, 2)
    assert decision.status is ReportStatus.PUBLISHED


def test_stale_confirmations_alone_never_reach_the_quorum():
    decision = cast_vote(
        status=ReportStatus.PENDING,
        ballots=[Ballot("verifier-1", VoteKind.CONFIRM, 1), Ballot("verifier-2", VoteKind.CONFIRM, 1)],
        reporter_pseudonym=REPORTER,
        voter=verifier(3),
        kind=VoteKind.CONFIRM,
        quorum=2,
        text_version=2,
    )
    assert decision.status is ReportStatus.PENDING and not decision.closed_report


def test_a_confirmation_of_the_current_version_or_a_false_alarm_still_counts_once():
    for previous in (Ballot("verifier-1", VoteKind.CONFIRM, 2), Ballot("verifier-1", VoteKind.FALSE_ALARM, 1)):
        with pytest.raises(AlreadyVoted):
            cast_vote(
                status=ReportStatus.PENDING,
                ballots=[previous],
                reporter_pseudonym=REPORTER,
                voter=verifier(1),
                kind=VoteKind.CONFIRM,
                quorum=2,
                text_version=2,
            )


# --- the promise, over any sequence of edits and votes ------------------------------------------


@dataclass
class Desk:
    """What storage keeps for one report: its current text, its ballots, and what was published."""

    quorum: int
    text: PublicText = field(default_factory=lambda: PublicText.default_for(report()))
    ballots: list[Ballot] = field(default_factory=list)
    status: ReportStatus = ReportStatus.PENDING
    published: tuple[PublicText, frozenset[str]] | None = None

    def vote(self, voter: Voter, kind: VoteKind) -> None:
        decision = cast_vote(
            status=self.status,
            ballots=self.ballots,
            reporter_pseudonym=REPORTER,
            voter=voter,
            kind=kind,
            quorum=self.quorum,
            text_version=self.text.version,
        )
        if decision.replaces is not None:
            self.ballots.remove(decision.replaces)
        self.ballots.append(decision.ballot)
        self.status = decision.status
        if decision.status is ReportStatus.PUBLISHED:
            self.published = (self.text, confirmed_version(self.ballots, self.text.version))

    def edit(self, voter: Voter, kind: TextChangeKind, note: str) -> None:
        changed = change_text(
            current=self.text,
            resident_words=WORDS,
            status=self.status,
            reporter_pseudonym=REPORTER,
            voter=voter,
            ballots=self.ballots,
            change=TextChange(kind, note),
        )
        # exactly the confirmations of the version it replaces no longer count
        assert changed.cleared == confirmed_version(self.ballots, self.text.version)
        self.text = changed.text
        assert confirmed_version(self.ballots, self.text.version) == frozenset()


people = st.sampled_from(
    [verifier(1), verifier(2), verifier(3), verifier(4), Voter(REPORTER, True), Voter("stranger", False)]
)
votes = st.tuples(st.just("vote"), people, st.sampled_from(list(VoteKind)))
edits = st.tuples(
    st.just("edit"), people, st.sampled_from(list(TextChangeKind)), st.sampled_from(["", "Main St", "5th"])
)


@settings(max_examples=400)
@given(quorum=st.integers(2, 3), steps=st.lists(st.one_of(votes, edits), max_size=25))
def test_no_sequence_of_edits_and_votes_publishes_words_fewer_than_quorum_verifiers_confirmed(quorum, steps):
    desk = Desk(quorum)
    for step in steps:
        try:
            if step[0] == "vote":
                desk.vote(step[1], step[2])
            else:
                desk.edit(step[1], step[2], step[3])
        except RuleRefusal:
            continue  # refused: nothing was written
        assert desk.text.version >= 1
    if desk.published is None:
        return
    text, confirmers = desk.published
    assert text == desk.text  # nothing changed the text after publication
    assert len(confirmers) >= quorum
    assert REPORTER not in confirmers and "stranger" not in confirmers


@given(quorum=st.integers(2, 4), edits_first=st.lists(st.sampled_from(list(TextChangeKind)), max_size=6))
def test_quorum_distinct_confirmations_of_the_current_version_publish_it(quorum, edits_first):
    desk = Desk(quorum)
    for kind in edits_first:
        try:
            desk.edit(verifier(1), kind, "Main St")
        except RuleRefusal:
            pass
    for n in range(1, quorum + 1):
        desk.vote(verifier(n), VoteKind.CONFIRM)
    assert desk.published is not None and desk.published[0] == desk.text


def test_a_confirmation_must_come_from_a_card_that_showed_the_current_version():
    check_seen(shown=3, current=3)
    with pytest.raises(TextChangedSinceShown) as stale:
        check_seen(shown=2, current=3)
    assert (stale.value.shown, stale.value.current) == (2, 3)
