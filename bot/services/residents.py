"""What a resident does: write a draft, add cleaned photos, submit, choose a language."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.draft import CleanPhoto, Draft
from bot.domain.lifecycle import deadlines_for_new_report
from bot.domain.limits import AlreadyReportedHere, BucketRule, IntakeFull, TooManyReports, give_back, take
from bot.domain.reporters import ReporterStanding
from bot.domain.reports import NewReport, Report, new_public_ref
from bot.i18n import Catalogs
from bot.languages import Language, match_language
from bot.network import Network
from bot.photos import ImageRejected, ImageRejection, sanitize_image
from bot.ports import DeliveryError, TelegramPort
from bot.rendering.card import render_card, withdrawn_card
from bot.services.pseudonyms import Pseudonyms
from bot.services.standing import standing_of
from storage.database import Database

log = logging.getLogger(__name__)

INTAKE_BUCKET = "intake"


class CardDeliveryFailed(Exception):
    """The verifier group could not be reached; the report was not kept and the draft is intact."""


@dataclass(frozen=True)
class Receipt:
    public_ref: str
    report_id: int | None  # None when the report was dropped because its reporter is muted


class PhotoRefused(Exception):
    def __init__(self, rejection: ImageRejected) -> None:
        super().__init__(str(rejection))
        self.reason = rejection.reason


class ResidentService:
    def __init__(
        self,
        *,
        database: Database,
        telegram: TelegramPort,
        network: Network,
        catalogs: Catalogs,
        pseudonyms: Pseudonyms,
        clock: Callable[[], datetime],
        after_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._database = database
        self._telegram = telegram
        self._network = network
        self._catalogs = catalogs
        self._pseudonyms = pseudonyms
        self._clock = clock
        self._after_commit = after_commit  # arms the reminder and expiry of a new report

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
        try:
            data = await self._telegram.download(file_id)
        except DeliveryError as error:
            log.info("could not download a resident's image: %s", error.reason)
            raise PhotoRefused(ImageRejected(ImageRejection.CORRUPT)) from None
        try:
            # Decoding and re-encoding is CPU work; keep the event loop free for other residents.
            clean = await asyncio.to_thread(sanitize_image, data)
        except ImageRejected as rejection:
            raise PhotoRefused(rejection) from None
        draft.add_photo(CleanPhoto(clean.data, clean.width, clean.height))

    async def submit(self, draft: Draft, *, user_id: int, chat_id: int, language: Language) -> Receipt:
        """Take the limits' tokens, store the report and put its card before the verifiers.

        Raises AlreadyReportedHere, TooManyReports or IntakeFull without storing anything, and
        CardDeliveryFailed after undoing everything; in every case the draft is left intact.
        """
        neighborhood_key = draft.check_ready()
        pseudonym = self._pseudonyms.of_user(user_id)
        now = self._clock()
        personal_key = f"reporter:{pseudonym}"
        personal_rule = BucketRule(self._network.limits.reports_per_hour)
        intake_rule = BucketRule(self._network.limits.intake_per_hour)
        async with self._database.unit_of_work() as repo:
            waiting = await repo.open_report_in(pseudonym, neighborhood_key)
            if waiting is not None:
                raise AlreadyReportedHere(waiting)
            personal = take(personal_rule, await repo.bucket(personal_key), now)
            if not personal.allowed:
                assert personal.retry_at is not None
                raise TooManyReports(personal.retry_at)
            await repo.save_bucket(personal_key, personal.state)
            muted_until = await repo.muted_until(pseudonym)
            if muted_until is not None and muted_until > now:
                # Indistinguishable from a real receipt, so a muted flooder learns nothing.
                return Receipt(new_public_ref(), None)
            intake = take(intake_rule, await repo.bucket(INTAKE_BUCKET), now)
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
            standing = await standing_of(repo, report, now)
        try:
            await self._deliver_card(report, draft, standing)
        except DeliveryError as error:
            log.error("could not deliver report %s to the verifier group: %s", report.public_ref, error.reason)
            async with self._database.unit_of_work() as repo:
                await repo.delete_report(report.id)
                for key, rule in ((personal_key, personal_rule), (INTAKE_BUCKET, intake_rule)):
                    state = await repo.bucket(key)
                    if state is not None:
                        await repo.save_bucket(key, give_back(rule, state, self._clock()))
            raise CardDeliveryFailed() from error
        self._after_commit()
        return Receipt(report.public_ref, report.id)

    async def _deliver_card(self, report: Report, draft: Draft, standing: ReporterStanding) -> None:
        group = self._network.verifier_group_id
        first_photo_message, photo_file_ids = (
            await self._telegram.send_photos(group, [p.data for p in draft.photos]) if draft.photos else (None, [])
        )
        with_photos = replace(report, photo_file_ids=tuple(photo_file_ids))
        text, keyboard = render_card(
            self._catalogs(self._network.card_language), with_photos, [], [], self._network, reporter=standing
        )
        card_message = await self._telegram.send_text(group, text, keyboard, reply_to=first_photo_message)
        async with self._database.unit_of_work() as repo:
            await repo.attach_card(report.id, group, card_message, photo_file_ids)

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
