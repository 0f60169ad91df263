"""What a resident does: write a draft, add cleaned photos, submit, choose a language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from bot.domain.corroboration import report_to_join
from bot.domain.delivery import MessageKind, MessageRef, Outgoing
from bot.domain.draft import Draft, DraftPhoto, MediaKind
from bot.domain.drills import simulated_pseudonym
from bot.domain.evidence import EarlierPhoto, PhotoEvidence, find_recycled, known_place_at, place_hint, taken_hint
from bot.domain.lifecycle import deadlines_for_new_report
from bot.domain.limits import AlreadyReportedHere, BucketRule, IntakeFull, TooManyReports, take
from bot.domain.reports import NewReport, new_public_ref
from bot.languages import Language, match_language
from bot.media import CleanAudio, CleanVideo
from bot.photos import PhotoClues
from bot.rendering.card import withdrawn_card, withdrawn_photo_caption
from bot.rendering.corroboration import detached_reply_withdrawn
from bot.services import corroboration
from bot.services.cards import queue_card
from bot.services.corroboration import Joined
from bot.services.deps import ServiceDeps
from bot.services.images import ImageCleaner
from bot.services.requests import RequestId
from storage.repository import ReportNotFound, Repository

INTAKE_BUCKET = "intake"
VOICE_NOTICE = "voice"  # the one-time warning that a voice can identify the resident


class DuplicateSubmit(Exception):
    """Telegram delivered the Send press again (after a crash): the report was already made."""


@dataclass(frozen=True)
class CleanPhoto:
    """A photo ready to join the draft: its clean pixels and what the card may say about it."""

    data: bytes = field(repr=False)
    width: int
    height: int
    evidence: PhotoEvidence


@dataclass(frozen=True)
class Receipt:
    public_ref: str
    report_id: int | None  # None when the report was dropped because its reporter is muted
    joined: Joined | None = None  # attached to an open report of the same place as corroboration


@dataclass(frozen=True)
class SimulatedResident:
    """A drill's resident: no Telegram account, only a place in the drill's plan."""

    drill_id: int
    position: int

    @property
    def pseudonym(self) -> str:
        return simulated_pseudonym(self.drill_id, self.position)


def _up_to(draft: Draft, position: int) -> Draft:
    """The draft as it was when its photo at `position` was added (save_draft stores the last one)."""
    return replace(draft, media=draft.media[: position + 1])


class ResidentService:
    def __init__(self, deps: ServiceDeps, *, images: ImageCleaner | None = None) -> None:
        self._database = deps.database
        self._telegram = deps.telegram
        self._network = deps.network
        self._catalogs = deps.catalogs
        self._pseudonyms = deps.pseudonyms
        self._clock = deps.clock
        self._after_commit = deps.after_commit  # arms the reminder and expiry of a new report
        self._deps = deps
        self._images = images or ImageCleaner(deps.telegram)

    @property
    def _draft_lifetime(self) -> timedelta:
        return timedelta(hours=self._network.retention.draft_hours)

    async def draft(self, user_id: int, *, opened_by_message: int | None = None) -> Draft:
        """The draft to keep writing: the stored one, unless it was abandoned long ago (then a new
        one, started by `opened_by_message`, stored when something is added to it)."""
        current = await self.current_draft(user_id)
        return current or Draft(started_at=self._clock(), opened_by_message=opened_by_message)

    async def current_draft(self, user_id: int) -> Draft | None:
        """The stored draft, if it is still being written (the buttons of its panels act on it)."""
        async with self._database.unit_of_work() as repo:
            draft = await repo.draft(self._pseudonyms.of_user(user_id))
        if draft is None or draft.is_stale(self._clock(), self._draft_lifetime):
            return None
        return draft

    async def keep(
        self, user_id: int, draft: Draft, *, request_id: RequestId | None = None, new_media: bytes | None = None
    ) -> Draft:
        """Store the draft as the update left it (`new_media`: the cleaned bytes of the photo, video
        or voice note it just added). Telegram may deliver an update again after a crash: then
        nothing changes, and the stored draft is returned."""
        pseudonym = self._pseudonyms.of_user(user_id)
        now = self._clock()
        async with self._database.unit_of_work() as repo:
            if request_id is not None and not await repo.claim_request(request_id, now):
                return await repo.draft(pseudonym) or draft
            await repo.save_draft(pseudonym, draft, now, new_media=new_media)
        return draft

    async def discard(self, user_id: int) -> None:
        async with self._database.unit_of_work() as repo:
            await repo.delete_draft(self._pseudonyms.of_user(user_id))

    async def language_of(self, user_id: int, client_language: str | None) -> Language:
        """The resident's chosen language, else their Telegram client's, else the network's."""
        async with self._database.unit_of_work() as repo:
            chosen = await repo.resident_language(self._pseudonyms.of_user(user_id))
        return chosen or match_language(client_language) or self._network.default_language

    async def choose_language(self, user_id: int, language: Language) -> None:
        async with self._database.unit_of_work() as repo:
            await repo.set_resident_language(self._pseudonyms.of_user(user_id), language)
            # A subscriber's alerts follow (their private chat's id is their user id).
            await repo.set_subscriber_language(user_id, language)

    async def clean_photo(
        self, draft: Draft, file_id: str, *, sent_at: datetime | None = None, as_file: bool = False
    ) -> CleanPhoto:
        """Download and strip every byte of metadata; the caller adds it to the draft and keeps it.
        Raises TooManyPhotos before downloading anything when the draft is full.

        An image sent as a file (`as_file`) may still say when and where it was taken (Telegram
        strips that from compressed photos): that becomes hints against `sent_at` (the message's
        time; now if not given) and the draft's neighborhood, and the time and coordinates themselves
        are dropped here."""
        draft.check_room_for(MediaKind.PHOTO)
        clean = await self._images.clean(file_id, read_clues=as_file)
        evidence = PhotoEvidence(clean.fingerprint)
        if clean.clues is not None:
            evidence = self._hints(clean.clues, sent_at or self._clock(), draft.neighborhood_key, clean.fingerprint)
        return CleanPhoto(clean.data, clean.width, clean.height, evidence)

    def _hints(
        self, clues: PhotoClues, sent_at: datetime, neighborhood_key: str | None, fingerprint: int | None
    ) -> PhotoEvidence:
        taken = None
        if clues.taken_at is not None:
            # A camera writes its local time; without OffsetTimeOriginal, the network's zone is the best guess.
            zone = timezone(clues.taken_offset) if clues.taken_offset is not None else self._network.zone
            taken = taken_hint(clues.taken_at.replace(tzinfo=zone), sent_at)
        place = known = None
        if clues.point is not None:
            place = place_hint(clues.point, self._network.areas(), neighborhood_key)
            at = known_place_at(clues.point, self._network.known_places())
            known = at.code if at is not None else None
        return PhotoEvidence(fingerprint, taken, place, known)

    async def clean_video(self, draft: Draft, file_id: str) -> CleanVideo:
        """Download and remux without metadata. Raises TooManyPhotos first when the album is full,
        MediaRefused when the file cannot be used."""
        draft.check_room_for(MediaKind.VIDEO)
        return await self._images.clean_video(file_id)

    async def clean_voice(self, draft: Draft, file_id: str) -> CleanAudio:
        """Download and re-encode as a voice note without metadata. Raises TooManyVoiceNotes first."""
        draft.check_room_for(MediaKind.VOICE)
        return await self._images.clean_audio(file_id)

    async def first_voice_note(self, user_id: int) -> bool:
        """Whether this is the resident's first voice note (then they are warned once); remembered
        under their pseudonym only. Call before replying: it commits."""
        async with self._database.unit_of_work() as repo:
            return await repo.note_given(self._pseudonyms.of_user(user_id), VOICE_NOTICE)

    async def submit(
        self, draft: Draft, *, user_id: int, chat_id: int, language: Language, request_id: RequestId | None = None
    ) -> Receipt:
        """Take the limits' tokens, store the report and queue its card for the verifiers.

        Raises AlreadyReportedHere, TooManyReports or IntakeFull without storing anything, and then
        the draft is left intact. The card (and its album) go through the outbox, written in the same
        transaction as the report: the resident's receipt never waits on the verifier group's pace,
        and a crash neither loses nor doubles a card. `request_id` is the Send press: a press Telegram
        delivers again after a crash finds the report already made (DuplicateSubmit).
        """
        return await self._submit(
            draft, self._pseudonyms.of_user(user_id), chat_id=chat_id, language=language, request_id=request_id
        )

    async def submit_simulated(
        self, draft: Draft, photos: Sequence[CleanPhoto], *, resident: SimulatedResident, language: Language
    ) -> Receipt:
        """A drill's simulated resident sends their report through the same path as a real one: the
        same card, deadlines, corroboration and desk, marked as a drill's. It has no Telegram chat
        (the dispatcher hands its messages to the simulation), takes nothing from the intake limits,
        joins only its own scenario's report, and its photos are compared only with drills' photos."""
        for photo in photos:
            draft.add_photo(DraftPhoto(photo.width, photo.height, photo.evidence))
        return await self._submit(
            draft, resident.pseudonym, chat_id=0, language=language, drill=resident, photos=[p.data for p in photos]
        )

    async def _submit(
        self,
        draft: Draft,
        pseudonym: str,
        *,
        chat_id: int,
        language: Language,
        request_id: RequestId | None = None,
        drill: SimulatedResident | None = None,
        photos: Sequence[bytes] = (),
    ) -> Receipt:
        neighborhood_key = draft.check_ready()
        now = self._clock()
        personal_key = f"reporter:{pseudonym}"
        async with self._database.unit_of_work() as repo:
            if request_id is not None and not await repo.claim_request(request_id, now):
                raise DuplicateSubmit()
            if drill is None:
                muted = await self._take_limits(repo, pseudonym, neighborhood_key, personal_key, now)
                if muted:
                    # Indistinguishable from a real receipt, so a muted flooder learns nothing.
                    await repo.delete_draft(pseudonym)
                    return Receipt(new_public_ref(), None)
                # Asked before this report exists, so it cannot find itself.
                joined_id = report_to_join(neighborhood_key, await repo.open_reports_in(neighborhood_key))
            else:
                if not await repo.claim_drill_position(drill.drill_id, drill.position):
                    raise DuplicateSubmit()  # sent already (the drill's alarm rang twice)
                for position, data in enumerate(photos):
                    await repo.save_draft(pseudonym, _up_to(draft, position), now, new_media=data)
                joined_id = report_to_join(
                    neighborhood_key, await repo.drill_reports_to_join(drill.drill_id, drill.position)
                )
            report = await repo.add_report(
                NewReport(
                    reporter_pseudonym=pseudonym,
                    reporter_chat_id=chat_id,
                    neighborhood_key=neighborhood_key,
                    indicators=draft.ordered_indicators(),
                    description=draft.description,
                    reporter_language=language,
                    created_at=now,
                    is_drill=drill is not None,
                ),
                new_public_ref,
            )
            if drill is not None:
                await repo.drill_report_sent(drill.drill_id, drill.position, report.id)
            await repo.note_report_sent(pseudonym, now)
            media = await repo.move_draft_media_to_report(pseudonym, report.id)
            await self._flag_recycled_photos(repo, report.id, now, drill=drill is not None)
            await repo.delete_draft(pseudonym)
            group = self._network.verifier_group_id
            joined = None
            if joined_id is not None:
                # Corroboration: a reply under the open report's card, and no deadlines of its own
                # (it closes with the report it joined).
                joined = await corroboration.attach(repo, report, joined_id, media, group, now)
            else:
                # With the report, in its transaction: every pending report is sure to be reminded
                # about and to expire, even if Vigil stops before the card is delivered.
                for kind, due_at in deadlines_for_new_report(report.created_at, self._network.timeouts).items():
                    await repo.set_deadline(report.id, kind, due_at)
                await queue_card(repo, report.id, media, group, now)
        self._after_commit()
        return Receipt(report.public_ref, report.id, joined)

    async def _take_limits(
        self, repo: Repository, pseudonym: str, neighborhood_key: str, personal_key: str, now: datetime
    ) -> bool:
        """Take a real resident's tokens (raising AlreadyReportedHere, TooManyReports or IntakeFull);
        True when the resident is muted (their report is then silently dropped)."""
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
            return True
        intake = take(BucketRule(self._network.limits.intake_per_hour), await repo.bucket(INTAKE_BUCKET), now)
        if not intake.allowed:
            assert intake.retry_at is not None
            raise IntakeFull(intake.retry_at)  # rolls back the personal token too
        await repo.save_bucket(INTAKE_BUCKET, intake.state)
        return False

    async def _flag_recycled_photos(self, repo: Repository, report_id: int, now: datetime, *, drill: bool) -> None:
        """Each photo already sent with another report of the retention window is marked with it (a
        drill's photos only with drills', a real report's only with real ones)."""
        since = now - timedelta(days=self._network.retention.closed_report_days)
        mine = await repo.report_fingerprints(report_id)
        if not mine:
            return
        earlier = [EarlierPhoto(*row) for row in await repo.fingerprints_since(since, excluding=report_id, drill=drill)]
        for position, fingerprint in mine:
            match = find_recycled(fingerprint, earlier, report_id)
            if match is not None:
                await repo.mark_recycled(report_id, position, match.report_id)

    async def forget(self, user_id: int) -> int:
        """/forgetme: erase everything linked to the resident (reports, language, track record,
        subscription); withdraw their open reports, and the replies of their reports attached to
        another one. Other residents' reports attached to a withdrawn one get cards of their own.

        In the erasing transaction, each withdrawn card's new text and the removal of its photos
        from the verifier group go to the outbox, so a crash cannot leave the old card behind.
        Returns how many open or attached reports were withdrawn.
        """
        tr = self._catalogs(self._network.card_language)
        now = self._clock()
        async with self._database.unit_of_work() as repo:
            withdrawn = await repo.forget_reporter(self._pseudonyms.of_user(user_id))
            # A subscription too, with the alerts still waiting for them (their private chat is their id).
            await repo.forget_subscriber(user_id)
            for card in withdrawn:
                if card.joined_id is not None:
                    await repo.enqueue_card_refresh(card.joined_id, now)  # one resident fewer reports it
                for attached_id in card.attached_ids:
                    # Other residents' reports attached to the withdrawn one must not vanish with it.
                    try:
                        report = await repo.report(attached_id)
                    except ReportNotFound:
                        continue  # the resident's own, erased too
                    await corroboration.detach_in(
                        repo, self._deps, report, detached_reply_withdrawn(tr, report.public_ref, card.public_ref), now
                    )
                if card.chat_id is None:
                    continue
                if card.message_id is not None:
                    await repo.enqueue(
                        None,
                        Outgoing(
                            MessageKind.CARD_WITHDRAWN,
                            card.chat_id,
                            withdrawn_card(tr, card.public_ref),
                            edit=MessageRef(message_id=card.message_id),
                        ),
                        now,
                    )
                for photo in card.photo_message_ids:
                    await repo.enqueue(
                        None,
                        Outgoing(
                            MessageKind.PHOTO_DELETE,
                            card.chat_id,
                            withdrawn_photo_caption(tr),
                            edit=MessageRef(message_id=photo),
                        ),
                        now,
                    )
        self._after_commit()
        await self._database.checkpoint()
        return len(withdrawn)
