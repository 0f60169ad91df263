"""What a resident does: write a draft, add cleaned photos, submit, choose a language."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.domain.delivery import MessageKind, MessageRef, Outgoing
from bot.domain.draft import CleanPhoto, Draft
from bot.domain.lifecycle import deadlines_for_new_report
from bot.domain.limits import AlreadyReportedHere, BucketRule, IntakeFull, TooManyReports, take
from bot.domain.reports import NewReport, new_public_ref
from bot.languages import Language, match_language
from bot.ports import DeliveryError
from bot.services.images import ImageCleaner, PhotoRefused
from bot.rendering.card import withdrawn_card
from bot.services.deps import ServiceDeps
from storage.repository import Repository

log = logging.getLogger(__name__)

INTAKE_BUCKET = "intake"


class DuplicateSubmit(Exception):
    """Telegram delivered the Send press again (after a crash): the report was already made."""


@dataclass(frozen=True)
class Receipt:
    public_ref: str
    report_id: int | None  # None when the report was dropped because its reporter is muted




class ResidentService:
    def __init__(self, deps: ServiceDeps, *, images: ImageCleaner | None = None) -> None:
        self._database = deps.database
        self._telegram = deps.telegram
        self._network = deps.network
        self._catalogs = deps.catalogs
        self._pseudonyms = deps.pseudonyms
        self._clock = deps.clock
        self._after_commit = deps.after_commit  # arms the reminder and expiry of a new report
        self._images = images or ImageCleaner(deps.telegram)

    def fresh_draft(self, current: Draft | None) -> Draft:
        """The draft to keep writing: the current one, unless it was abandoned long ago."""
        now = self._clock()
        if current is None or current.is_stale(now):
            return Draft(started_at=now)
        return current

    async def language_of(self, user_id: int, client_language: str | None) -> Language:
        """The resident's chosen language, else their Telegram client's, else the network's."""
        async with self._database.unit_of_work() as repo:
            chosen = await repo.resident_language(self._pseudonyms.of_user(user_id))
        return chosen or match_language(client_language) or self._network.default_language

    async def choose_language(self, user_id: int, language: Language) -> None:
        async with self._database.unit_of_work() as repo:
            await repo.set_resident_language(self._pseudonyms.of_user(user_id), language)

    async def add_photo(self, draft: Draft, file_id: str) -> None:
        """Download, strip every byte of metadata, keep only the clean pixels in the draft."""
        clean = await self._images.clean(file_id)
        draft.add_photo(CleanPhoto(clean.data, clean.width, clean.height))

    async def submit(
        self, draft: Draft, *, user_id: int, chat_id: int, language: Language, update_id: int | None = None
    ) -> Receipt:
        """Take the limits' tokens, store the report and queue its card for the verifiers.

        Raises AlreadyReportedHere, TooManyReports or IntakeFull without storing anything, and then
        the draft is left intact. The card (and its album) go through the outbox, written in the same
        transaction as the report: the resident's receipt never waits on the verifier group's pace,
        and a crash neither loses nor doubles a card. `update_id` is the Send press: a press Telegram
        delivers again after a crash finds the report already made (DuplicateSubmit).
        """
        neighborhood_key = draft.check_ready()
        pseudonym = self._pseudonyms.of_user(user_id)
        now = self._clock()
        personal_key = f"reporter:{pseudonym}"
        async with self._database.unit_of_work() as repo:
            if update_id is not None and not await repo.claim_update(update_id, now):
                raise DuplicateSubmit()
            waiting = await repo.open_report_in(pseudonym, neighborhood_key)
            if waiting is not None:
                raise AlreadyReportedHere(waiting)
            personal = take(BucketRule(self._network.limits.reports_per_hour), await repo.bucket(personal_key), now)
            if not personal.allowed:
                assert personal.retry_at is not None
                raise TooManyReports(personal.retry_at)
            await repo.save_bucket(personal_key, personal.state)
            muted_until = await repo.muted_until(pseudonym)
            if muted_until is not None and muted_until > now:
                # Indistinguishable from a real receipt, so a muted flooder learns nothing.
                return Receipt(new_public_ref(), None)
            intake = take(BucketRule(self._network.limits.intake_per_hour), await repo.bucket(INTAKE_BUCKET), now)
            if not intake.allowed:
                assert intake.retry_at is not None
                raise IntakeFull(intake.retry_at)  # rolls back the personal token too
            await repo.save_bucket(INTAKE_BUCKET, intake.state)
            report = await repo.add_report(
                NewReport(
                    reporter_pseudonym=pseudonym,
                    reporter_chat_id=chat_id,
                    neighborhood_key=neighborhood_key,
                    indicators=draft.ordered_indicators(),
                    description=draft.description,
                    reporter_language=language,
                    created_at=now,
                ),
                new_public_ref,
            )
            await repo.note_report_sent(pseudonym, now)
            # With the report, in its transaction: every pending report is sure to be reminded
            # about and to expire, even if Vigil stops before the card is delivered.
            for kind, due_at in deadlines_for_new_report(report.created_at, self._network.timeouts).items():
                await repo.set_deadline(report.id, kind, due_at)
            await self._queue_card(repo, report.id, [p.data for p in draft.photos], now)
        self._after_commit()
        return Receipt(report.public_ref, report.id)

    async def _queue_card(self, repo: Repository, report_id: int, photos: list[bytes], now: datetime) -> None:
        """The album (cleaned photos) and then the card, rendered from stored state when sent."""
        group = self._network.verifier_group_id
        album = None
        if photos:
            await repo.add_report_media(report_id, photos)
            album = await repo.enqueue(report_id, Outgoing(MessageKind.CARD_ALBUM, group), now)
        reply_to = MessageRef(outbox_id=album) if album is not None else None
        await repo.enqueue(report_id, Outgoing(MessageKind.CARD, group, reply_to=reply_to), now)

    async def forget(self, user_id: int) -> int:
        """/forgetme: erase everything linked to the resident; withdraw their open reports.

        Returns how many open reports were withdrawn.
        """
        async with self._database.unit_of_work() as repo:
            withdrawn = await repo.forget_reporter(self._pseudonyms.of_user(user_id))
        tr = self._catalogs(self._network.card_language)
        for card in withdrawn:
            if card.chat_id is None or card.message_id is None:
                continue
            try:
                await self._telegram.edit_text(card.chat_id, card.message_id, withdrawn_card(tr, card.public_ref))
            except DeliveryError as error:
                log.error("could not mark the card of %s as withdrawn: %s", card.public_ref, error.reason)
        await self._database.checkpoint()
        return len(withdrawn)
