"""Residents' drafts on a real SQLite file: they survive, carry their cleaned photos, and go."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.draft import Draft, DraftPhoto, MediaKind
from bot.domain.indicators import Indicator
from bot.domain.reports import new_public_ref
from tests.samples import NOW, clovis_report


def a_draft() -> Draft:
    draft = Draft(started_at=NOW, opened_by_message=41)
    draft.add_text("Two vans at the laundromat")
    draft.toggle(Indicator.VEHICLES)
    draft.choose_neighborhood("clovis")
    return draft


async def test_a_draft_and_its_photos_are_stored_and_read_back(database):
    draft = a_draft()
    async with database.unit_of_work() as repo:
        await repo.save_draft("pseudo-K4", draft, NOW)
        draft.add_photo(DraftPhoto(640, 480))
        await repo.save_draft("pseudo-K4", draft, NOW, new_media=b"clean-jpeg-1")
        draft.add_photo(DraftPhoto(480, 640))
        await repo.save_draft("pseudo-K4", draft, NOW, new_media=b"clean-jpeg-2")
    async with database.unit_of_work() as repo:
        stored = await repo.draft("pseudo-K4")
    assert stored == draft
    assert stored.photos == [DraftPhoto(640, 480), DraftPhoto(480, 640)]
    assert not stored.is_shown_on(41) and stored.is_shown_on(42)


async def test_sending_moves_the_photos_to_the_report_and_deletes_the_draft(database):
    draft = a_draft()
    draft.add_photo(DraftPhoto(640, 480))
    async with database.unit_of_work() as repo:
        await repo.save_draft("pseudo-K4", draft, NOW, new_media=b"clean-jpeg-1")
        report = await repo.add_report(clovis_report(reporter_pseudonym="pseudo-K4"), new_public_ref)
        assert await repo.move_draft_media_to_report("pseudo-K4", report.id) == [MediaKind.PHOTO]
        await repo.delete_draft("pseudo-K4")
    async with database.unit_of_work() as repo:
        assert await repo.draft("pseudo-K4") is None
        assert [item.data for item in await repo.report_media(report.id)] == [b"clean-jpeg-1"]


async def test_abandoned_drafts_are_purged_and_forgetme_erases_the_draft(database):
    async with database.unit_of_work() as repo:
        await repo.save_draft("old", Draft(started_at=NOW - timedelta(hours=3)), NOW, new_media=None)
        await repo.save_draft("fresh", Draft(started_at=NOW), NOW)
        await repo.save_draft("pseudo-K4", a_draft(), NOW)
    async with database.unit_of_work() as repo:
        assert await repo.purge_drafts(started_before=NOW - timedelta(hours=2)) == 1
        await repo.forget_reporter("pseudo-K4")
    async with database.unit_of_work() as repo:
        assert await repo.draft("old") is None and await repo.draft("pseudo-K4") is None
        assert await repo.draft("fresh") is not None


def test_a_panel_from_before_the_draft_started_is_not_its_own():
    draft = Draft(started_at=NOW, opened_by_message=10)
    assert [draft.is_shown_on(m) for m in (9, 10, 11, 500)] == [False, False, True, True]
    assert Draft(started_at=NOW).is_shown_on(1)


async def test_a_nul_in_a_residents_words_is_dropped_before_it_is_stored(database):
    draft = a_draft()
    draft.add_text("Vans at\x00 the dairy\x00")
    assert draft.description.endswith("\nVans at the dairy")
    async with database.unit_of_work() as repo:
        await repo.save_draft("pseudo-K4", draft, NOW)
    async with database.unit_of_work() as repo:
        stored = await repo.draft("pseudo-K4")
    assert stored is not None and stored.description == draft.description
