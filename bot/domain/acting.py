"""Who may act on a report, and the one type every rule's refusal has.

Every rule that a verifier's press or request goes through (voting, ending an alert, a rumor
check, the public text, questions, claims, detaching) starts from the same judgement: the person
is a member of the verifier group, and did not send the report. It lives here once, with the
refusal type all rules raise, so no rule module needs another one for either.
"""

from __future__ import annotations

from dataclasses import dataclass


class RuleRefusal(Exception):
    """Something a rule refuses. Raised before anything is written, so nothing is."""


class NotAVerifier(RuleRefusal):
    pass


class ReporterCannotVote(RuleRefusal):
    """The reporter cannot verify, end, question, claim or edit their own report."""


@dataclass(frozen=True)
class Voter:
    """Someone who pressed a button (or asked from another surface), known by the same keyed
    pseudonym as a reporter would be: the rules compare pseudonyms (one vote each, never on one's own
    report), never Telegram ids. `is_verifier`: a current member of the verifier group."""

    pseudonym: str
    is_verifier: bool


def check_may_act(voter: Voter, reporter_pseudonym: str) -> None:
    """A member of the verifier group, and not the reporter. Raises NotAVerifier or ReporterCannotVote."""
    if not voter.is_verifier:
        raise NotAVerifier()
    if voter.pseudonym == reporter_pseudonym:
        raise ReporterCannotVote()
