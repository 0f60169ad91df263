"""A photo's fingerprint and hints on a real SQLite file: carried from the draft to the report,
matched only within the retention window and never with the same report, and gone with the
report's content and with /forgetme."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.domain.draft import Draft, DraftMedia, DraftPhoto, MediaKind
from bot.domain.evidence import PhotoEvidence, PlaceHint, RecycledFrom, Span, TakenHint, TakenKind, TimeUnit
from bot.domain.reports import new_public_ref
from bot.domain.verification import ReportStatus
from tests.samples import DAY, NOW, clovis_report, purge_at

FINGERPRINT = -0x1234_5678_9ABC_DEF0  # stored signed, as SQLite's INTEGER wants
EVIDENCE = PhotoEvidence(
    FINGERPRINT,
    TakenHint(TakenKind.FRESH, Span(TimeUnit.MINUTES, 3)),
    PlaceHint("las-cruces-downtown", 0),
    "las-cruces-downtown/federal-courthouse",
)


async def report_with_photos(repo, *evidence: PhotoEvidence | None, pseudonym="pseudo-K4", created_at=NOW):
    """A report sent from a draft with these photos (and a voice note in the middle, which has no evidence)."""
    draft = Draft(started_at=created_at)
    draft.choose_neighborhood("clovis")
    for number, item in enumerate(evidence):
        draft.add_photo(DraftPhoto(640, 480, item))
        await repo.save_draft(pseudonym, draft, created_at, new_media=b"clean-jpeg-%d" % number)
        if number == 0:
            draft.add_media(DraftMedia(MediaKind.VOICE, duration=3))
            await repo.save_draft(pseudonym, draft, created_at, new_media=b"clean-ogg")
    report = await repo.add_report(clovis_report(reporter_pseudonym=pseudonym, created_at=created_at), new_public_ref)
    await repo.move_draft_media_to_report(pseudonym, report.id)
    await repo.delete_draft(pseudonym)
    return report


async def test_a_photos_evidence_goes_from_the_draft_to_the_report(database):
    async with database.unit_of_work() as repo:
        draft = Draft(started_at=NOW)
        draft.add_photo(DraftPhoto(640, 480, EVIDENCE))
        await repo.save_draft("pseudo-R2", draft, NOW, new_media=b"clean-jpeg")
        assert await repo.draft("pseudo-R2") == draft
        report = await report_with_photos(repo, EVIDENCE, None, PhotoEvidence(FINGERPRINT ^ 1))
    async with database.unit_of_work() as repo:
        stored = await repo.photo_evidence(report.id)
        assert [(photo.number, photo.evidence, photo.recycled_from) for photo in stored] == [
            (1, EVIDENCE, None),
            (2, PhotoEvidence(), None),
            (3, PhotoEvidence(FINGERPRINT ^ 1), None),
        ]
        assert await repo.report_fingerprints(report.id) == [(0, FINGERPRINT), (3, FINGERPRINT ^ 1)]


async def test_fingerprints_are_compared_only_with_other_reports_inside_the_window(database):
    async with database.unit_of_work() as repo:
        too_old = await report_with_photos(repo, PhotoEvidence(1), pseudonym="a", created_at=NOW - 8 * DAY)
        recent = await report_with_photos(repo, PhotoEvidence(2), pseudonym="b", created_at=NOW - 3 * DAY)
        await report_with_photos(repo, PhotoEvidence(), pseudonym="c", created_at=NOW - DAY)  # no fingerprint
        new = await report_with_photos(repo, PhotoEvidence(3), pseudonym="d")
        earlier = await repo.fingerprints_since(NOW - 7 * DAY, excluding=new.id)
        assert earlier == [(recent.id, NOW - 3 * DAY, 2)]
        assert too_old.id not in [row[0] for row in earlier]


async def test_a_recycled_photo_names_the_earlier_report_until_that_report_goes(database):
    async with database.unit_of_work() as repo:
        earlier = await report_with_photos(repo, PhotoEvidence(FINGERPRINT), pseudonym="a", created_at=NOW - 3 * DAY)
        await repo.set_status(earlier.id, ReportStatus.REJECTED, NOW - 3 * DAY)
        report = await report_with_photos(repo, PhotoEvidence(FINGERPRINT), pseudonym="b")
        await repo.mark_recycled(report.id, 0, earlier.id)
        (photo,) = await repo.photo_evidence(report.id)
        assert photo.recycled_from == RecycledFrom(earlier.public_ref, NOW - 3 * DAY)
    async with database.unit_of_work() as repo:
        await purge_at(repo, NOW + 5 * DAY)  # the earlier report closed eight days ago: purged
        (photo,) = await repo.photo_evidence(report.id)
        assert photo.recycled_from is None and photo.evidence == PhotoEvidence(FINGERPRINT)


def _rows(database_path) -> int:
    with sqlite3.connect(database_path) as raw:
        return int(raw.execute("SELECT count(*) FROM photo_evidence").fetchone()[0])


async def test_the_purge_takes_a_reports_fingerprints_and_hints_with_its_content(database, tmp_path):
    async with database.unit_of_work() as repo:
        closed = await report_with_photos(repo, EVIDENCE, pseudonym="a")
        await repo.set_status(closed.id, ReportStatus.REJECTED, NOW)
        kept = await report_with_photos(repo, EVIDENCE, pseudonym="b")
    async with database.unit_of_work() as repo:
        await purge_at(repo, NOW + 7 * DAY + timedelta(minutes=1))
        assert await repo.photo_evidence(closed.id) == []
        assert len(await repo.photo_evidence(kept.id)) == 1
        assert await repo.fingerprints_since(NOW - DAY, excluding=-1) == [(kept.id, NOW, FINGERPRINT)]


async def test_forgetme_erases_fingerprints_and_hints_even_of_a_published_report(database):
    async with database.unit_of_work() as repo:
        published = await report_with_photos(repo, EVIDENCE)
        await repo.set_status(published.id, ReportStatus.PUBLISHED, NOW)
        pending = await report_with_photos(repo, EVIDENCE)
        someone_else = await report_with_photos(repo, EVIDENCE, pseudonym="other")
        draft = Draft(started_at=NOW)
        draft.add_photo(DraftPhoto(640, 480, EVIDENCE))
        await repo.save_draft("pseudo-K4", draft, NOW, new_media=b"clean-jpeg")
    async with database.unit_of_work() as repo:
        await repo.forget_reporter("pseudo-K4")
        assert (await repo.report(published.id)).status is ReportStatus.PUBLISHED  # the alert stays
        assert await repo.photo_evidence(published.id) == []
        assert await repo.photo_evidence(pending.id) == []
        assert await repo.draft("pseudo-K4") is None
        assert len(await repo.photo_evidence(someone_else.id)) == 1
        assert await repo.fingerprints_since(NOW - DAY, excluding=-1) == [(someone_else.id, NOW, FINGERPRINT)]
