"""Labels shared by several messages, marked for translation where they are defined."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_skeleton

from bot.domain.indicators import Indicator
from bot.i18n import N_, Html, Translator, escape

INDICATOR_LABELS: dict[Indicator, str] = {
    Indicator.VEHICLES: N_("Several vehicles parked haphazardly"),
    Indicator.TENTS_BUSES_VANS: N_("Tents, buses or vans"),
    Indicator.APPROACHING_PEOPLE: N_("Agents approaching people and asking questions"),
    Indicator.APPROACHING_HOUSE: N_("Agents approaching a particular house"),
    Indicator.AGENCY_MARKINGS: N_("Agency markings visible (ICE, CBP, HSI…)"),
    Indicator.DETENTIONS: N_("People being detained"),
    Indicator.CHECKPOINT: N_("A road checkpoint"),
}


def indicator_label(tr: Translator, indicator: Indicator) -> str:
    return tr.gettext(INDICATOR_LABELS[indicator])


def bullet_list(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def local_time(tr: Translator, moment: datetime, zone: ZoneInfo) -> str:
    """A moment that fits into a sentence ("confirmed at {time}", "until {time}"): the hour and the
    local zone, then the day, "14:53 MST on Tuesday, December 1" ("14:53 MST del martes 1 de
    diciembre"). Babel names the weekday and orders day and month as the language does."""
    day = moment.astimezone(zone)
    return tr.gettext(
        "{clock} on {weekday}, {date}",
        clock=local_clock(tr, moment, zone),
        weekday=format_date(day.date(), "EEEE", locale=tr.language),
        date=format_skeleton("MMMMd", day, locale=tr.language),
    )


def local_clock(tr: Translator, moment: datetime, zone: ZoneInfo) -> str:
    """Only the hour and the zone ("14:05 MST"), for a moment later today."""
    return f"{format_datetime(moment, 'HH:mm', tzinfo=zone, locale=tr.language)} {zone_label(moment, zone)}"


def zone_label(moment: datetime, zone: ZoneInfo) -> str:
    """The zone as people there write it ("MST", "MDT", "CET", "UTC"), the same in every language.

    Babel's zone names depend on the locale: its Spanish data has no abbreviation for most
    American zones and prints an offset ("-0700"), so the Spanish post and the English one
    would disagree. tzdata's abbreviation is what local phones and radio use. A zone that has
    no lettered abbreviation (tzdata writes "-03") is shown as its offset, "-0300".
    """
    local = moment.astimezone(zone)
    name = local.tzname() or ""
    return name if name.isalpha() else local.strftime("%z")


def quote(text: str) -> Html:
    """A resident's own words, escaped, set apart from what Vigil says."""
    return Html(f"<blockquote>{escape(text)}</blockquote>")
