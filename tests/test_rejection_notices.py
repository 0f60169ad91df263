"""Issue 23, item 1: what a resident is told about a false alarm is true of their own report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.draft import MediaKind
from bot.domain.rejection import RejectionReason, ReportHolds, finding
from bot.domain.reports import Report
from bot.domain.verification import ReportStatus
from bot.i18n import Catalogs
from bot.rendering.notices import outcome

NOW = datetime(2026, 12, 1, 21, 53, tzinfo=UTC)
CATALOGS = Catalogs.load()
# What a notice may not mention when the report holds no such thing, in every language.
PICTURE_WORDS = ("photo", "foto", "video", "picture", "imagen")


def rejected(media: tuple[MediaKind, ...] = (), language: str = "en") -> Report:
    return Report(
        9,
        "R-S9Q5",
        "pseudonym",
        "clovis",
        (),
        "Saw two ICE guys at the taco place next to the dairy on the Clovis highway!!",
        language,  # type: ignore[arg-type]
        ReportStatus.REJECTED,
        NOW,
        NOW,
        -100100,
        12,
        tuple(f"file-{n}" for n in range(len(media))),
        media,
    )


def holds_of(report: Report, reports_around: int = 0) -> ReportHolds:
    return ReportHolds(report.count_of(MediaKind.PHOTO), report.count_of(MediaKind.VIDEO), reports_around)


@given(
    reason=st.sampled_from([*RejectionReason, None]),
    reports_around=st.integers(0, 2),
    voice_notes=st.integers(0, 3),
    language=st.sampled_from(["en", "es"]),
)
def test_a_report_without_photos_or_videos_never_hears_about_a_photo(reason, reports_around, voice_notes, language):
    report = rejected((MediaKind.VOICE,) * voice_notes, language)
    notice = outcome(CATALOGS(language), report, found=finding(reason, holds_of(report, reports_around)))
    assert notice is not None and report.public_ref in notice
    assert not any(word in notice.lower() for word in PICTURE_WORDS), notice


@pytest.mark.parametrize(
    ("media", "english", "spanish"),
    [
        ((MediaKind.PHOTO,), "the photo seems to be an older one", "la foto parece ser una más antigua"),
        ((MediaKind.PHOTO, MediaKind.PHOTO), "the photos seem to be older ones", "las fotos parecen ser más antiguas"),
        ((MediaKind.VIDEO,), "the video seems to be an older one", "el video parece ser uno más antiguo"),
        ((MediaKind.PHOTO, MediaKind.VIDEO), "the photos and videos seem", "las fotos y los videos parecen"),
    ],
)
def test_an_old_photo_notice_names_what_the_report_holds(media, english, spanish):
    report = rejected(media)
    found = finding(RejectionReason.OLD_PHOTO, holds_of(report))
    assert english in outcome(CATALOGS("en"), report, found=found)
    assert spanish in outcome(CATALOGS("es"), report, found=found)


def test_a_resident_whose_words_were_added_to_a_report_with_an_old_photo_hears_it_was_that_reports_photo():
    judged = rejected((MediaKind.PHOTO,))
    attached = rejected((), "es")
    found = finding(RejectionReason.OLD_PHOTO, holds_of(judged), attached=True)
    notice = outcome(CATALOGS("es"), attached, found=found)
    assert "junto con el reporte de la misma zona al que se agregó" in notice
    assert "la foto parece" not in notice
