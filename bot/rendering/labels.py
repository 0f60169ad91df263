"""Labels shared by several messages, marked for translation where they are defined."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

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
    """A time residents read at a glance: weekday, day, month, hour and the local zone."""
    return format_datetime(moment, "EEE d MMM, HH:mm zzz", tzinfo=zone, locale=tr.language)


def quote(text: str) -> Html:
    """A resident's own words, escaped, set apart from what Vigil says."""
    return Html(f"<blockquote>{escape(text)}</blockquote>")
