"""The card's lines about a report's photos and place: a recycled photo, when and where a photo
was taken (hints only), and the caution for a known place where agents work anyway."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.evidence import (
    PlaceHint,
    Span,
    StoredEvidence,
    TakenHint,
    TakenKind,
    TimeUnit,
    coarse_span,
    known_places_for,
    ticked_operation_signs,
)
from bot.domain.reports import Report
from bot.i18n import Html, Translator, escape
from bot.network import Network
from bot.rendering.labels import indicator_label

# The card must fit in one Telegram message next to the words, the signs, the desk and the votes:
# lines beyond these are counted in one last line (recycled photos come first: they matter most).
MAX_EVIDENCE_LINES = 8


def evidence_lines(tr: Translator, report: Report, photos: Sequence[StoredEvidence], network: Network) -> list[Html]:
    """Which photos were already sent with an earlier report, then when and where they were taken.
    Photos that say the same are named together ("photos 1, 2, 4: taken inside Vado"); a report
    with one photo says "this photo"."""
    several = len(photos) > 1
    recycled: dict[tuple[str, Span], list[int]] = {}
    hints: dict[tuple[str, str], list[int]] = {}
    for photo in photos:
        if photo.recycled_from is not None:
            earlier = (photo.recycled_from.public_ref, _span_between(report, photo.recycled_from.created_at))
            recycled.setdefault(earlier, []).append(photo.number)
        if photo.evidence.taken is not None:
            taken = (_taken_icon(photo.evidence.taken), taken_text(tr, photo.evidence.taken))
            hints.setdefault(taken, []).append(photo.number)
        if photo.evidence.place is not None:
            place = photo.evidence.place
            hints.setdefault((_place_icon(place, report, network), place_text(tr, place, report, network)), []).append(
                photo.number
            )
    lines: list[Html] = []
    for (ref, span), numbers in recycled.items():
        if several:
            lines.append(
                tr.ngettext(
                    "⚠️ photo {numbers} was already sent with {ref}, {span} before this report",
                    "⚠️ photos {numbers} were already sent with {ref}, {span} before this report",
                    len(numbers),
                    numbers=_numbers(numbers),
                    ref=ref,
                    span=span_text(tr, span),
                )
            )
        else:
            lines.append(
                tr.gettext(
                    "⚠️ this photo was already sent with {ref}, {span} before this report",
                    ref=ref,
                    span=span_text(tr, span),
                )
            )
    for (icon, text), numbers in hints.items():
        label = (
            tr.ngettext("photo {numbers}: ", "photos {numbers}: ", len(numbers), numbers=_numbers(numbers))
            if several
            else Html("")
        )
        lines.append(Html(f"{icon} {label}{text}"))
    if len(lines) > MAX_EVIDENCE_LINES:
        hidden = len(lines) - (MAX_EVIDENCE_LINES - 1)
        lines = lines[: MAX_EVIDENCE_LINES - 1]
        lines.append(
            tr.ngettext("… and {n} more line about the photos", "… and {n} more lines about the photos", hidden)
        )
    return lines


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _span_between(report: Report, earlier: datetime) -> Span:
    return coarse_span(report.created_at - earlier)


def _taken_icon(hint: TakenHint) -> str:
    return "⚠️" if hint.is_warning else "🕒"


def span_text(tr: Translator, span: Span) -> Html:
    match span.unit:
        case TimeUnit.MINUTES if span.value == 0:
            return tr.gettext("less than a minute")
        case TimeUnit.MINUTES:
            return tr.ngettext("{n} minute", "{n} minutes", span.value)
        case TimeUnit.HOURS:
            return tr.ngettext("{n} hour", "{n} hours", span.value)
        case TimeUnit.DAYS:
            return tr.ngettext("{n} day", "{n} days", span.value)
        case TimeUnit.YEARS:
            return tr.ngettext("{n} year", "{n} years", span.value)


def taken_text(tr: Translator, hint: TakenHint) -> Html:
    if hint.kind is TakenKind.AFTER_SENT:
        return tr.gettext(
            "its date is {span} after it was sent: the phone's clock is wrong, or the date was changed",
            span=span_text(tr, hint.span),
        )
    return tr.gettext("taken {span} before it was sent", span=span_text(tr, hint.span))


def _place_icon(hint: PlaceHint, report: Report, network: Network) -> str:
    reported = network.neighborhood(report.neighborhood_key)
    if not hint.inside and (reported is None or reported.area is None):
        return "📍"  # outside every area, and the report's neighborhood has none: a fact, not a warning
    return "⚠️" if hint.is_warning_for(report.neighborhood_key) else "📍"


def place_text(tr: Translator, hint: PlaceHint, report: Report, network: Network) -> Html:
    neighborhood = network.neighborhood(hint.neighborhood_key)
    name = neighborhood.name(tr.language) if neighborhood else hint.neighborhood_key
    reported = network.neighborhood(report.neighborhood_key)
    reported_name = reported.name(tr.language) if reported else report.neighborhood_key
    if hint.inside and hint.neighborhood_key == report.neighborhood_key:
        return tr.gettext("taken inside {place}", place=name)
    if hint.inside:
        return tr.gettext("taken inside {place}, not in {reported}", place=name, reported=reported_name)
    if hint.neighborhood_key == report.neighborhood_key or reported is None or reported.area is None:
        return tr.gettext("taken {km} km from {place}", km=hint.km, place=name)
    # Outside every area, measured from another neighborhood (the nearest, before a place was chosen).
    return tr.gettext("taken outside {reported}, {km} km from {place}", reported=reported_name, km=hint.km, place=name)


def known_place_lines(tr: Translator, report: Report, photos: Sequence[StoredEvidence], network: Network) -> list[Html]:
    """The guide's caution when the report is at a known place, with the operation signs the
    resident ticked in bold."""
    codes = [p.evidence.known_place for p in photos if p.evidence.known_place]
    places = known_places_for(report.neighborhood_key, network.known_places(), codes)
    if not places:
        return []
    names = Html(", ".join(escape(network.known_place_name(place, tr.language)) for place in places))
    lines = [
        tr.gettext(
            "🏛 <b>Known place: {places}.</b> Agents work here for ordinary reasons. Before confirming, "
            "look for signs of an operation:",
            places=names,
        )
    ]
    signs = ticked_operation_signs(report.indicators)
    for sign, ticked in signs:
        label = indicator_label(tr, sign)
        if ticked:
            by_resident = tr.gettext("ticked by the resident")
            lines.append(Html(f"☑️ <b>{escape(label)}</b> — {by_resident}"))
        else:
            lines.append(Html(f"▫️ {escape(label)}"))
    if not any(ticked for _, ticked in signs):
        lines.append(tr.gettext("The resident ticked none of these signs."))
    return lines
