"""The public words: exactly what a channel post says about a report, and who approved them.

The verifiers decide what goes public, not the resident: by default a post says where, which signs
were seen and when. The resident's own words are quoted only if a verifier includes them (a
resident may have written "they are at my door, 412 Oak St"), and a verifier may add a public
note (cross streets, what is happening). Each change makes a new *version* of the text. A
confirmation approves one version: after a change, confirmations of earlier versions no longer
count and their verifiers confirm again, so the quorum always approves the exact words that go out
(the two-person rule public alerting systems apply to the broadcast itself).

Pure values and rules, like :mod:`bot.domain.verification`; nothing here knows Telegram or SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.domain.acting import RuleRefusal, Voter, check_may_act
from bot.domain.indicators import Indicator
from bot.domain.reports import Report
from bot.domain.verification import Ballot, ReportClosed, ReportStatus, VoteKind
from bot.text_length import utf16_length

# A note is read on a phone, once per post, after every language's section. With the resident's
# words (at most 800 units) and two languages, the longest post still fits in Telegram's 4096.
MAX_NOTE_UNITS = 400


@dataclass(frozen=True)
class PublicText:
    """What a post says about the sighting; Vigil's own lines (know your rights, the hotline) are
    the same for every post and not part of it."""

    neighborhood_key: str
    indicators: tuple[Indicator, ...]
    reported_at: datetime
    words: str = ""  # the resident's own words, only once a verifier included them
    note: str = ""  # a verifier's public note
    version: int = 1

    @classmethod
    def default_for(cls, report: Report) -> PublicText:
        """The place, the ticked signs and the time: nothing the resident wrote."""
        return cls(report.neighborhood_key, report.indicators, report.created_at)

    @classmethod
    def legacy_for(cls, report: Report) -> PublicText:
        """What an alert published before versioned texts said: the resident's words were quoted."""
        return cls(report.neighborhood_key, report.indicators, report.created_at, words=report.description)


@dataclass(frozen=True)
class CurrentText:
    """A pending report's public text as it stands, and who last changed it (first name; "" while
    it is the default)."""

    text: PublicText
    changed_by: str = ""


class TextChangeKind(StrEnum):
    INCLUDE_WORDS = "words"
    REMOVE_WORDS = "nowords"
    SET_NOTE = "note"
    REMOVE_NOTE = "nonote"


@dataclass(frozen=True)
class TextChange:
    kind: TextChangeKind
    note: str = ""  # for SET_NOTE: the verifier's words


class TextUnchanged(RuleRefusal):
    """The change would leave the text as it is (a stale button, or the same note again)."""


class NoWordsToInclude(RuleRefusal):
    """The resident wrote nothing."""


class EmptyNote(RuleRefusal):
    pass


class NoteTooLong(RuleRefusal):
    def __init__(self, limit: int, attempted: int) -> None:
        super().__init__(f"a note has at most {limit} UTF-16 units, got {attempted}")
        self.limit = limit
        self.attempted = attempted


class TextChangedSinceShown(RuleRefusal):
    """A confirmation pressed on a card that showed an earlier version of the text."""

    def __init__(self, shown: int, current: int) -> None:
        super().__init__(f"the card showed version {shown}, the text is now version {current}")
        self.shown = shown
        self.current = current


@dataclass(frozen=True)
class Changed:
    text: PublicText  # the new version
    cleared: frozenset[str]  # verifiers whose confirmation of an earlier version no longer counts


def check_editor(*, status: ReportStatus, reporter_pseudonym: str, voter: Voter) -> None:
    """Who may change the public text, or ask to: a verifier, not the reporter, while the report
    waits for verification. Once published, the alert keeps the text its quorum confirmed."""
    check_may_act(voter, reporter_pseudonym)
    if not status.is_open:
        raise ReportClosed(status)


def change_text(
    *,
    current: PublicText,
    resident_words: str,
    status: ReportStatus,
    reporter_pseudonym: str,
    voter: Voter,
    ballots: Sequence[Ballot],
    change: TextChange,
) -> Changed:
    """One change to the public text: a new version, and whose confirmations it clears."""
    check_editor(status=status, reporter_pseudonym=reporter_pseudonym, voter=voter)
    match change.kind:
        case TextChangeKind.INCLUDE_WORDS:
            if not resident_words.strip():
                raise NoWordsToInclude()
            changed = replace(current, words=resident_words)
        case TextChangeKind.REMOVE_WORDS:
            changed = replace(current, words="")
        case TextChangeKind.SET_NOTE:
            changed = replace(current, note=check_note(change.note))
        case TextChangeKind.REMOVE_NOTE:
            changed = replace(current, note="")
    if changed == current:
        raise TextUnchanged()
    return Changed(replace(changed, version=current.version + 1), confirmed_version(ballots, current.version))


def check_note(words: str) -> str:
    """The note as it will be posted (stripped), or the refusal."""
    note = words.strip()
    if not note:
        raise EmptyNote()
    if (length := utf16_length(note)) > MAX_NOTE_UNITS:
        raise NoteTooLong(MAX_NOTE_UNITS, length)
    return note


def confirmed_version(ballots: Sequence[Ballot], version: int) -> frozenset[str]:
    """The verifiers who confirmed exactly this version."""
    return frozenset(b.verifier for b in ballots if b.kind is VoteKind.CONFIRM and b.text_version == version)


def check_seen(*, shown: int, current: int) -> None:
    """A confirmation approves the words its verifier saw: the version on the card they pressed must
    still be the current one (a change may have been made while the card's edit was on its way)."""
    if shown != current:
        raise TextChangedSinceShown(shown, current)
