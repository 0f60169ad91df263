"""The public words on a card: include or remove the resident's words, write or remove a note.

Every change goes through the one press path (bot.services.presses) and commits in one transaction
with the card's refresh: a new version of the text, which clears the confirmations of earlier
versions (the card names whose, and that they need to confirm again). A note is written by
replying to the bot's prompt in the group, the same way as a verifier's own question
(bot.services.desk routes the reply here).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.delivery import MessageKind, MessageRef, Outgoing
from bot.domain.public_text import MAX_NOTE_UNITS, TextChange, TextChangeKind, change_text, check_editor
from bot.rendering import public_text as text
from bot.services.deps import ServiceDeps
from bot.services.presses import Press, Pressed, Presses, Refused

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextChanged:
    public_ref: str
    version: int
    change: TextChangeKind
    cleared: tuple[str, ...]  # first names of the verifiers whose confirmations no longer count


@dataclass(frozen=True)
class NotePrompted:
    public_ref: str


class PublicTextService:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._network = deps.network
        self._catalogs = deps.catalogs
        self._presses = Presses(deps)

    async def change(self, press: Press, kind: TextChangeKind) -> TextChanged | NotePrompted | Refused:
        """A button on the card: SET_NOTE opens the prompt; the others change the text at once."""
        if kind is TextChangeKind.SET_NOTE:
            return await self._presses.handle(press, self._prompt)
        return await self._presses.handle(press, lambda pressed: self._change(pressed, TextChange(kind)))

    async def write_note(self, press: Press, words: str) -> TextChanged | Refused:
        """A verifier's reply to the note prompt: their words become the public note."""
        change = TextChange(TextChangeKind.SET_NOTE, words)
        return await self._presses.handle(press, lambda pressed: self._change(pressed, change))

    async def _prompt(self, pressed: Pressed) -> NotePrompted:
        repo, report = pressed.repo, pressed.report
        check_editor(status=report.status, reporter_pseudonym=report.reporter_pseudonym, voter=pressed.voter)
        tr = self._catalogs(self._network.card_language)
        card = MessageRef(message_id=report.card_message_id) if report.card_message_id is not None else None
        prompt = text.note_prompt(tr, report.public_ref, MAX_NOTE_UNITS)
        await repo.enqueue(
            report.id,
            Outgoing(MessageKind.NOTE_PROMPT, self._network.verifier_group_id, prompt, reply_to=card),
            pressed.now,
        )
        return NotePrompted(report.public_ref)

    async def _change(self, pressed: Pressed, change: TextChange) -> TextChanged:
        repo, report, now = pressed.repo, pressed.report, pressed.now
        current = await repo.public_text(report)
        votes = await repo.votes(report.id)
        changed = change_text(
            current=current.text,
            resident_words=report.description,
            status=report.status,
            reporter_pseudonym=report.reporter_pseudonym,
            voter=pressed.voter,
            ballots=[v.as_ballot() for v in votes],
            change=change,
        )
        await repo.save_public_text(report.id, changed.text, pressed.press.first_name, now)
        await repo.enqueue_card_refresh(report.id, now)
        log.info("the public text of %s is now version %s", report.public_ref, changed.text.version)
        names = tuple(v.verifier_name for v in votes if v.verifier in changed.cleared)
        return TextChanged(report.public_ref, changed.text.version, change.kind, names)
