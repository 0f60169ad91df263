"""Issue 9, items 4 to 6: the rules behind a card's evidence lines, and the fingerprint's threshold
measured on real pictures."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import numpy
import piexif
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.domain.evidence import (
    CLOCK_SLACK,
    FRESH,
    OPERATION_SIGNS,
    SAME_PICTURE_DISTANCE,
    Area,
    EarlierPhoto,
    KnownPlace,
    PlaceHint,
    Point,
    Span,
    TakenHint,
    TakenKind,
    TimeUnit,
    coarse_span,
    find_recycled,
    hamming,
    known_place_at,
    known_places_for,
    place_hint,
    rounded_km,
    same_picture,
    taken_hint,
    ticked_operation_signs,
)
from bot.domain.indicators import Indicator
from bot.photos import PhotoClues, phash_bits, sanitize_image
from tests.photo_samples import crop, jpeg, phone_exif, scene

SENT = datetime(2026, 3, 2, 21, 5, tzinfo=UTC)
DOWNTOWN = Area("las-cruces-downtown", Point(32.3128, -106.7781), 2.5)
VADO = Area("vado", Point(32.1115, -106.6625), 5)
COURTHOUSE = KnownPlace(
    "las-cruces-downtown", "federal-courthouse", Area("federal-courthouse", Point(32.3117, -106.7786), 0.3)
)
ROSWELL_OFFICE = KnownPlace("roswell", "ice-office")  # no point: the whole neighborhood
EL_PASO = Point(31.7619, -106.4850)

points = st.builds(Point, st.floats(-89.9, 89.9), st.floats(-179.9, 179.9))
fingerprints = st.integers(-(1 << 63), (1 << 63) - 1)


# --- when -------------------------------------------------------------------------------------


def test_a_photo_taken_minutes_before_it_was_sent_is_fresh():
    assert taken_hint(SENT - timedelta(minutes=3, seconds=20), SENT) == TakenHint(
        TakenKind.FRESH, Span(TimeUnit.MINUTES, 3)
    )


def test_a_photo_taken_two_years_before_is_old():
    hint = taken_hint(SENT - timedelta(days=2 * 365 + 30), SENT)
    assert hint == TakenHint(TakenKind.OLD, Span(TimeUnit.YEARS, 2)) and hint.is_warning


def test_a_phone_clock_a_few_minutes_ahead_still_counts_as_just_taken():
    assert taken_hint(SENT + timedelta(minutes=4), SENT) == TakenHint(TakenKind.FRESH, Span(TimeUnit.MINUTES, 0))


def test_a_photo_dated_well_after_it_was_sent_cannot_be_trusted():
    hint = taken_hint(SENT + timedelta(hours=5), SENT)
    assert hint.kind is TakenKind.AFTER_SENT and hint.span == Span(TimeUnit.HOURS, 5) and hint.is_warning


@pytest.mark.parametrize(
    ("delta", "span"),
    [
        (timedelta(seconds=59), Span(TimeUnit.MINUTES, 0)),
        (timedelta(minutes=59), Span(TimeUnit.MINUTES, 59)),
        (timedelta(minutes=60), Span(TimeUnit.HOURS, 1)),
        (timedelta(hours=47, minutes=59), Span(TimeUnit.HOURS, 47)),
        (timedelta(hours=48), Span(TimeUnit.DAYS, 2)),
        (timedelta(days=364), Span(TimeUnit.DAYS, 364)),
        (timedelta(days=365), Span(TimeUnit.YEARS, 1)),
    ],
)
def test_spans_are_said_in_the_largest_unit_that_fits(delta, span):
    assert coarse_span(delta) == span


_UNIT = {
    TimeUnit.MINUTES: timedelta(minutes=1),
    TimeUnit.HOURS: timedelta(hours=1),
    TimeUnit.DAYS: timedelta(days=1),
    TimeUnit.YEARS: timedelta(days=365),
}


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=365 * 30)))
def test_a_span_never_says_more_time_than_passed_nor_a_whole_unit_less(delta):
    span = coarse_span(delta)
    assert _UNIT[span.unit] * span.value <= delta < _UNIT[span.unit] * (span.value + 1)


@given(st.timedeltas(min_value=-timedelta(days=3000), max_value=timedelta(days=3000)))
def test_the_kind_of_time_hint_follows_only_how_long_before_it_was_sent(before):
    hint = taken_hint(SENT - before, SENT)
    if before < -CLOCK_SLACK:
        assert hint.kind is TakenKind.AFTER_SENT
    elif before <= FRESH:
        assert hint.kind is TakenKind.FRESH and not hint.is_warning
    else:
        assert hint.kind is TakenKind.OLD
    assert TakenHint.parse(hint.code()) == hint


def test_a_time_hint_code_this_version_does_not_know_is_ignored():
    assert TakenHint.parse("someday:eons:3") is None and TakenHint.parse("garbage") is None


# --- where ------------------------------------------------------------------------------------


def test_distance_between_las_cruces_and_el_paso():
    assert 66 < DOWNTOWN.center.distance_km(EL_PASO) < 70


@given(points, points)
def test_distance_is_symmetric_and_zero_only_to_itself(a, b):
    assert a.distance_km(b) == pytest.approx(b.distance_km(a), abs=1e-6)
    assert a.distance_km(a) == 0
    assert 0 <= a.distance_km(b) <= 20_016  # half the Earth's circumference


@given(st.floats(0, 20_000), st.floats(0, 20_000))
def test_rounded_km_is_coarse_at_least_one_and_never_reverses_order(a, b):
    assert rounded_km(a) >= 1
    if a <= b:
        assert rounded_km(a) <= rounded_km(b)
    if a >= 20:
        assert rounded_km(a) % 10 == 0


def test_a_photo_taken_inside_the_chosen_neighborhood():
    assert place_hint(Point(32.3117, -106.7786), [DOWNTOWN, VADO], "las-cruces-downtown") == PlaceHint(
        "las-cruces-downtown", 0
    )


def test_a_photo_taken_in_el_paso_is_far_from_downtown():
    hint = place_hint(EL_PASO, [DOWNTOWN, VADO], "las-cruces-downtown")
    assert hint == PlaceHint("las-cruces-downtown", 60)  # 68 km from the center, minus the 2.5 km radius
    assert hint.is_warning_for("las-cruces-downtown")


def test_before_a_neighborhood_is_chosen_the_hint_names_the_one_it_was_taken_in_or_the_nearest():
    assert place_hint(Point(32.11, -106.66), [DOWNTOWN, VADO], None) == PlaceHint("vado", 0)
    assert place_hint(EL_PASO, [DOWNTOWN, VADO], None) == PlaceHint("vado", 40)
    # Chosen, but without an area (Clovis in the sample network): the same.
    assert place_hint(EL_PASO, [DOWNTOWN, VADO], "clovis") == PlaceHint("vado", 40)


def test_no_place_hint_without_any_neighborhood_area():
    assert place_hint(EL_PASO, [], "las-cruces-downtown") is None


def test_inside_another_neighborhood_is_a_warning_for_this_one():
    assert PlaceHint("vado", 0).is_warning_for("las-cruces-downtown")
    assert not PlaceHint("vado", 0).is_warning_for("vado")


def test_a_photo_inside_another_neighborhood_says_so_whichever_was_chosen():
    assert place_hint(Point(32.11, -106.66), [DOWNTOWN, VADO], "las-cruces-downtown") == PlaceHint("vado", 0)


@given(points, st.sampled_from([None, "las-cruces-downtown", "vado", "clovis"]))
def test_a_place_hint_stays_true_whichever_neighborhood_is_chosen_later(point, chosen):
    """Inside: that area contains the point. Outside: no area contains it, and the distance is to
    the chosen neighborhood when it has an area, else to the nearest one."""
    areas = {DOWNTOWN.key: DOWNTOWN, VADO.key: VADO}
    hint = place_hint(point, list(areas.values()), chosen)
    assert hint is not None
    area = areas[hint.neighborhood_key]
    if hint.inside:
        assert area.contains(point)
        if chosen in areas and areas[chosen].contains(point):
            assert hint.neighborhood_key == chosen
    else:
        assert not any(a.contains(point) for a in areas.values())
        assert hint.km == rounded_km(area.km_outside(point))
        if chosen in areas:
            assert hint.neighborhood_key == chosen
        else:
            assert area.km_outside(point) == min(a.km_outside(point) for a in areas.values())
    assert PlaceHint.parse(hint.code()) == hint


# --- known places -----------------------------------------------------------------------------


def test_a_photo_taken_at_the_courthouse_is_at_the_known_place():
    assert known_place_at(Point(32.3118, -106.7787), [COURTHOUSE, ROSWELL_OFFICE]) == COURTHOUSE
    assert known_place_at(Point(32.3128, -106.7700), [COURTHOUSE, ROSWELL_OFFICE]) is None  # 800 m away


def test_a_place_without_a_point_applies_to_every_report_of_its_neighborhood_only():
    assert known_places_for("roswell", [COURTHOUSE, ROSWELL_OFFICE], []) == [ROSWELL_OFFICE]
    assert known_places_for("vado", [COURTHOUSE, ROSWELL_OFFICE], []) == []


def test_a_place_with_a_point_applies_only_when_a_photo_was_taken_there():
    assert known_places_for("las-cruces-downtown", [COURTHOUSE], []) == []
    assert known_places_for("las-cruces-downtown", [COURTHOUSE], [COURTHOUSE.code]) == [COURTHOUSE]


def test_agency_markings_are_not_a_sign_of_an_operation_near_an_agency_office():
    assert Indicator.AGENCY_MARKINGS not in OPERATION_SIGNS
    assert {Indicator.VEHICLES, Indicator.TENTS_BUSES_VANS, Indicator.APPROACHING_PEOPLE} <= set(OPERATION_SIGNS)
    assert Indicator.APPROACHING_HOUSE in OPERATION_SIGNS and Indicator.DETENTIONS in OPERATION_SIGNS


@given(st.sets(st.sampled_from(list(Indicator))))
def test_every_operation_sign_is_listed_once_and_marked_exactly_when_ticked(ticked):
    signs = ticked_operation_signs(ticked)
    assert [sign for sign, _ in signs] == list(OPERATION_SIGNS)
    assert {sign for sign, on in signs if on} == ticked & set(OPERATION_SIGNS)


# --- recycled photos: the rule ------------------------------------------------------------------


@given(fingerprints, fingerprints)
def test_hamming_distance_is_a_symmetric_count_of_differing_bits(a, b):
    assert hamming(a, b) == hamming(b, a)
    assert 0 <= hamming(a, b) <= 64
    assert hamming(a, a) == 0 and same_picture(a, a)


def test_the_most_recent_earlier_report_is_named_and_never_the_same_report():
    fingerprint = 0x0F0F_0F0F_0F0F_0F0F
    close = fingerprint ^ 0b111  # three bits differ
    earlier = [
        EarlierPhoto(1, SENT - timedelta(days=3), close),
        EarlierPhoto(2, SENT - timedelta(days=1), close),
        EarlierPhoto(3, SENT - timedelta(hours=1), ~fingerprint),  # a different picture
        EarlierPhoto(9, SENT, fingerprint),  # the report itself
    ]
    assert find_recycled(fingerprint, earlier, report_id=9) == earlier[1]
    assert find_recycled(fingerprint, earlier[2:], report_id=9) is None


@given(fingerprints, st.sets(st.integers(0, 63), max_size=20))
def test_a_photo_matches_exactly_when_few_enough_bits_differ(fingerprint, flipped):
    other = fingerprint
    for bit in flipped:
        other ^= 1 << bit
    match = find_recycled(fingerprint, [EarlierPhoto(1, SENT, other)], report_id=2)
    assert (match is not None) == (len(flipped) <= SAME_PICTURE_DISTANCE)


# --- recycled photos: the threshold on real pictures -------------------------------------------


def _fingerprint(data: bytes) -> int:
    value = sanitize_image(data).fingerprint
    assert value is not None
    return value


def _variants(image: Image.Image) -> dict[str, bytes]:
    width, height = image.size
    return {
        "re-encoded at low quality": jpeg(image, quality=40),
        "resized to half": jpeg(image.resize((width // 2, height // 2))),
        "enlarged": jpeg(image.resize((width * 2, height * 2))),
        "cropped 2% on each side": jpeg(crop(image, 2)),
        "top 4% cut off (a status bar)": jpeg(image.crop((0, height * 4 // 100, width, height))),
        "brighter": jpeg(image.point(lambda value: min(255, value + 20))),
    }


@pytest.mark.parametrize("seed", range(6))
def test_the_same_picture_re_encoded_resized_or_slightly_cropped_matches(seed):
    original = scene(seed)
    fingerprint = _fingerprint(jpeg(original))
    for change, data in _variants(original).items():
        assert same_picture(fingerprint, _fingerprint(data)), f"{change}: {hamming(fingerprint, _fingerprint(data))}"


# --- pHash itself: ImageHash's, without SciPy -----------------------------------------------------


def _imagehash_phash(picture: Image.Image) -> int:
    import imagehash  # the reference implementation, on SciPy's FFT (a test dependency only)

    return int(str(imagehash.phash(picture)), 16)


def _reference_low_frequencies(picture: Image.Image) -> numpy.ndarray:
    """The 8 x 8 coefficients ImageHash compares with their median, computed as it does (SciPy's FFT)."""
    import scipy.fftpack

    grey = numpy.asarray(picture.convert("L").resize((32, 32), Image.Resampling.LANCZOS))
    return scipy.fftpack.dct(scipy.fftpack.dct(grey, axis=0), axis=1)[:8, :8]


@pytest.mark.parametrize("seed", range(12))
def test_the_phash_is_imagehashs_bit_for_bit_on_photos(seed):
    original = scene(seed)
    for picture in (original, *(Image.open(io.BytesIO(data)) for data in _variants(original).values())):
        assert phash_bits(picture) == _imagehash_phash(picture)


@settings(max_examples=200, deadline=None)
@example(width=8, height=8, kind="ramps", seed=0)
@given(
    st.integers(8, 120),
    st.integers(8, 120),
    st.sampled_from(["noise", "stripes", "ramps"]),
    st.integers(0, 2**32 - 1),
)
def test_the_phash_differs_from_imagehashs_only_where_imagehashs_bit_is_rounding_noise(width, height, kind, seed):
    """Where two frequencies are equal in exact arithmetic (a striped or symmetric picture), ImageHash's
    FFT puts them a rounding error apart, on either side of the median; Vigil's are equal, and a
    frequency equal to the median is not above it. Every other bit is the same."""
    rng = numpy.random.default_rng(seed)
    if kind == "noise":
        pixels = rng.integers(0, 256, (height, width, 3), dtype=numpy.uint8)
    elif kind == "stripes":  # whole rows of zero frequencies: ties at the median
        pixels = numpy.repeat(rng.integers(0, 256, (height, 1, 3), dtype=numpy.uint8), width, axis=1)
    else:  # diagonal ramps: symmetric frequencies
        diagonal = numpy.add.outer(numpy.arange(height), numpy.arange(width))[..., None]
        pixels = (diagonal * rng.integers(1, 4, 3) % 256).astype(numpy.uint8)
    picture = Image.fromarray(pixels)
    ours = phash_bits(picture)
    differing = ours ^ _imagehash_phash(picture)
    low = _reference_low_frequencies(picture).ravel()
    median = numpy.median(low)
    for position in range(64):
        tie = abs(low[position] - median) < 1e-6
        assert ours >> (63 - position) & 1 == (not tie and low[position] > median), position
        assert not differing >> (63 - position) & 1 or tie, (position, low[position], median)
    if kind == "noise":
        assert differing == 0


def test_different_pictures_do_not_match():
    fingerprints = [_fingerprint(jpeg(scene(seed))) for seed in range(100, 130)]
    distances = [hamming(a, b) for i, a in enumerate(fingerprints) for b in fingerprints[i + 1 :]]
    assert min(distances) > SAME_PICTURE_DISTANCE


def test_a_flat_picture_has_no_fingerprint():
    """Every single-colour image would hash the same: it is never taken for another report's photo."""
    assert sanitize_image(jpeg(Image.new("RGB", (640, 480), (200, 40, 40)))).fingerprint is None


# --- reading the clues before cleaning ---------------------------------------------------------


def test_time_offset_and_position_are_read_from_an_image_sent_as_a_file_and_not_kept_in_it():
    taken = datetime(2026, 3, 2, 14, 2, 0)
    data = jpeg(scene(1), exif=phone_exif(taken=taken, offset="-07:00", at=(32.3117, -106.7786)))
    clean = sanitize_image(data, read_clues=True)
    assert clean.clues is not None
    assert clean.clues.taken_at == taken and clean.clues.taken_offset == timedelta(hours=-7)
    assert clean.clues.point is not None
    assert clean.clues.point.distance_km(Point(32.3117, -106.7786)) < 0.01
    assert clean.clues.taken_at.replace(tzinfo=timezone(clean.clues.taken_offset)) == datetime(
        2026, 3, 2, 21, 2, tzinfo=UTC
    )
    assert not Image.open(io.BytesIO(clean.data)).getexif()
    assert b"PhoneMaker" not in clean.data


def test_clues_are_read_only_when_asked_for():
    data = jpeg(scene(1), exif=phone_exif(taken=datetime(2026, 3, 2, 14, 2), at=(32.3, -106.7)))
    assert sanitize_image(data).clues is None


def test_an_image_without_metadata_has_empty_clues():
    clues = sanitize_image(jpeg(scene(2)), read_clues=True).clues
    assert clues is not None and (clues.taken_at, clues.taken_offset, clues.point) == (None, None, None)


@pytest.mark.parametrize(
    ("details", "gps"),
    [
        ({piexif.ExifIFD.DateTimeOriginal: b"not a date at all!!"}, {}),
        ({piexif.ExifIFD.DateTimeOriginal: b"0000:00:00 00:00:00"}, {}),
        ({piexif.ExifIFD.OffsetTimeOriginal: b"+99:99"}, {}),
        ({}, {piexif.GPSIFD.GPSLatitude: ((32, 0), (1, 0), (1, 0)), piexif.GPSIFD.GPSLongitude: ((1, 1), (1, 1))}),
        (
            {},
            {piexif.GPSIFD.GPSLatitude: ((0, 1), (0, 1), (0, 1)), piexif.GPSIFD.GPSLongitude: ((0, 1), (0, 1), (0, 1))},
        ),
        (
            {},
            {
                piexif.GPSIFD.GPSLatitude: ((95, 1), (0, 1), (0, 1)),
                piexif.GPSIFD.GPSLongitude: ((1, 1), (0, 1), (0, 1)),
            },
        ),
    ],
)
def test_garbled_metadata_gives_no_clue_and_the_photo_is_still_cleaned(details, gps):
    data = jpeg(scene(3), exif=piexif.dump({"0th": {}, "Exif": details, "GPS": gps}))
    clean = sanitize_image(data, read_clues=True)
    assert clean.clues == PhotoClues()
    assert not Image.open(io.BytesIO(clean.data)).getexif()
