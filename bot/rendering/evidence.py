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


def evidence_lines(tr: Translator, report: Report, photos: Sequence[StoredEvidence], network: Network) -> list[Html]:
    """One line per recycled photo and per hint; "photo 2:" says which when there are several."""
    lines: list[Html] = []
    several = len(photos) > 1
    for photo in photos:
        label = tr.gettext("photo {n}: ", n=photo.number) if several else Html("")
        if photo.recycled_from is not None:
            earlier = span_text(tr, _span_between(report, photo.recycled_from.created_at))
            if several:
                line = tr.gettext(
                    "⚠️ photo {n} was already sent with {ref}, {span} before this report",
                    n=photo.number,
                    ref=photo.recycled_from.public_ref,
                    span=earlier,
                )
            else:
                line = tr.gettext(
                    "⚠️ this photo was already sent with {ref}, {span} before this report",
                    ref=photo.recycled_from.public_ref,
                    span=earlier,
                )
            lines.append(line)
        if photo.evidence.taken is not None:
            lines.append(Html(f"{_taken_icon(photo.evidence.taken)} {label}{taken_text(tr, photo.evidence.taken)}"))
        if photo.evidence.place is not None:
            place = photo.evidence.place
            icon = "⚠️" if place.is_warning_for(report.neighborhood_key) else "📍"
            lines.append(Html(f"{icon} {label}{place_text(tr, place, report, network)}"))
    return lines


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


def place_text(tr: Translator, hint: PlaceHint, report: Report, network: Network) -> Html:
    neighborhood = network.neighborhood(hint.neighborhood_key)
    name = neighborhood.name(tr.language) if neighborhood else hint.neighborhood_key
    if not hint.inside:
        return tr.gettext("taken {km} km from {place}", km=hint.km, place=name)
    if hint.neighborhood_key == report.neighborhood_key:
        return tr.gettext("taken inside {place}", place=name)
    reported = network.neighborhood(report.neighborhood_key)
    return tr.gettext(
        "taken inside {place}, not in {reported}",
        place=name,
        reported=reported.name(tr.language) if reported else report.neighborhood_key,
    )


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
