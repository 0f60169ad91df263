"""The public alert: what, where, when, that two people checked it, and what to do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.lifecycle import AlertStatus
from bot.domain.public_text import PublicText
from bot.domain.reports import Report
from bot.i18n import Catalogs, Html, Translator, escape
from bot.languages import Language
from bot.network import Network
from bot.rendering.labels import bullet_list, indicator_label, local_clock, local_time, quote

SECTION_SEPARATOR = "\n\n— — —\n\n"


def render_alert(
    catalogs: Catalogs,
    text: PublicText,
    languages: tuple[Language, ...],
    network: Network,
    *,
    in_person: bool = False,
    footer: bool = True,
) -> Html:
    """One post per channel; a bilingual channel gets every language in the same post so a
    later "all clear" edits a single message. The card's preview is rendered here too, so what
    the verifiers confirm and what is posted cannot differ. `footer` False (only for a preview on a
    card that would otherwise be too long for Telegram) names the know-your-rights paragraph and
    the hotline, the same in every post, instead of repeating them."""
    sections = [_section(catalogs(language), text, network, in_person, footer) for language in languages]
    post = SECTION_SEPARATOR.join(sections)
    # A verifier's note and the resident's words (only once a verifier included them) are not
    # translated: each is shown once, after every language.
    if text.note:
        post += "\n\n" + verifiers_note(catalogs, languages, text.note)
    if text.words:
        post += "\n\n" + quote(text.words)
    return Html(post)


def verifiers_note(catalogs: Catalogs, languages: tuple[Language, ...], note: str) -> Html:
    """The verifiers' note, in the words they wrote, under a label in each language of the post."""
    label = " / ".join(dict.fromkeys(catalogs(language).gettext("From the verifiers:") for language in languages))
    return Html(f"📝 <b>{label}</b> {escape(note)}")


@dataclass(frozen=True)
class AlertWords:
    """One language's section of a post, in parts: the CAP feed says the same words in its own fields."""

    headline: Html
    body: tuple[str, ...]  # when it was reported, what was seen, who confirmed it
    rights: Html  # the know-your-rights paragraph
    hotline: Html


def alert_words(tr: Translator, text: PublicText, network: Network, in_person: bool) -> AlertWords:
    neighborhood = network.neighborhood(text.neighborhood_key)
    place = neighborhood.name(tr.language) if neighborhood else text.neighborhood_key
    body: list[str] = [tr.gettext("Reported {time}.", time=local_time(tr, text.reported_at, network.zone))]
    if text.indicators:
        body.append(tr.gettext("What was seen:"))
        body.append(bullet_list([indicator_label(tr, i) for i in text.indicators]))
    body.append(tr.gettext("✅ Confirmed by {n} verifiers of the rapid-response network.", n=network.quorum))
    if in_person:
        body.append(tr.gettext("📍 Confirmed in person by a verifier."))
    return AlertWords(
        headline=tr.gettext("🚨 <b>Confirmed alert: {place}</b>", place=place),
        body=tuple(body),
        rights=tr.gettext(
            "<b>Know your rights:</b> stay calm. You have the right to remain silent. "
            "Do not open the door without a warrant signed by a judge. Do not sign anything. "
            "If you see an arrest, ask the person's name and whom to call."
        ),
        hotline=tr.gettext("📞 Rapid-response hotline: {hotline}", hotline=network.hotline),
    )


def _section(tr: Translator, text: PublicText, network: Network, in_person: bool, footer: bool = True) -> str:
    words = alert_words(tr, text, network, in_person)
    lines: list[str] = [words.headline, *words.body, ""]
    if not footer:
        lines.append(tr.gettext("(Then the know-your-rights paragraph and the hotline, as in every alert.)"))
        return "\n".join(lines)
    lines.append(words.rights)
    lines.append(words.hotline)
    return "\n".join(lines)


# --- after publication ---------------------------------------------------------------------


def render_still_active(
    catalogs: Catalogs, report: Report, languages: tuple[Language, ...], network: Network, at: datetime
) -> Html:
    """The short reply under the post when a verifier confirms it is still going on."""
    return _in_languages(
        catalogs,
        languages,
        lambda tr: tr.gettext(
            "🔄 <b>Still active</b> — {place}: verifiers confirmed at {time} that this is still going on. "
            "Stay alert and share this alert.",
            place=_place(tr, report, network),
            time=local_time(tr, at, network.zone),
        ),
    )


def render_ending_reply(
    catalogs: Catalogs,
    report: Report,
    languages: tuple[Language, ...],
    network: Network,
    status: AlertStatus,
    at: datetime,
) -> Html:
    """The reply under the post that notifies subscribers that it ended or was retracted."""

    def line(tr: Translator) -> str:
        place, time = _place(tr, report, network), local_time(tr, at, network.zone)
        if status is AlertStatus.RETRACTED:
            return tr.gettext(
                "⚠️ <b>Retracted</b> — {place}: at {time} the verifiers withdrew the alert above. Please disregard it.",
                place=place,
                time=time,
            )
        return tr.gettext(
            "✅ <b>All clear</b> — {place}: verifiers confirmed at {time} that the activity reported above has ended.",
            place=place,
            time=time,
        )

    return _in_languages(catalogs, languages, line)


def render_expired_notice(
    catalogs: Catalogs, report: Report, languages: tuple[Language, ...], network: Network, last_active_at: datetime
) -> Html:
    """To a subscriber: the channels' posts only get a banner when an alert expires, but a direct
    message cannot be edited for everyone at once, so subscribers get this short note."""
    return _in_languages(
        catalogs,
        languages,
        lambda tr: tr.gettext(
            "⌛ <b>Expired</b> — {place}: no update since {time}. The alert may be out of date.",
            place=_place(tr, report, network),
            time=local_time(tr, last_active_at, network.zone),
        ),
    )


def render_closed_alert(
    catalogs: Catalogs,
    text: PublicText,
    languages: tuple[Language, ...],
    network: Network,
    status: AlertStatus,
    at: datetime,
    last_active_at: datetime,
    *,
    in_person: bool = False,
) -> Html:
    """The post as edited when the alert is over: a banner on top, the original text kept below."""

    banners = "\n".join(
        closed_banner(catalogs(language), network, status, at, last_active_at) for language in languages
    )
    return Html(banners + SECTION_SEPARATOR + render_alert(catalogs, text, languages, network, in_person=in_person))


def closed_banner(
    tr: Translator, network: Network, status: AlertStatus, at: datetime, last_active_at: datetime
) -> Html:
    """The line on top of a post once its alert is over (ended, retracted or expired)."""
    match status:
        case AlertStatus.ENDED:
            return tr.gettext(
                "✅ <b>ENDED — all clear since {time}.</b> The alert below is no longer active.",
                time=local_time(tr, at, network.zone),
            )
        case AlertStatus.RETRACTED:
            return tr.gettext(
                "⚠️ <b>RETRACTED at {time}.</b> The verifiers withdrew this alert: do not act on it.",
                time=local_time(tr, at, network.zone),
            )
        case _:
            return tr.gettext(
                "⌛ <b>EXPIRED</b> — no update since {time}. This alert may be out of date.",
                time=local_time(tr, last_active_at, network.zone),
            )


def render_rumor_check(
    catalogs: Catalogs, report: Report, languages: tuple[Language, ...], network: Network, now: datetime
) -> Html:
    """The network's public "not confirmed" for a rejected report (two verifiers asked for it). The
    report's time is the hour when it was made today, else the day and hour (it can be from yesterday)."""

    def section(tr: Translator) -> str:
        place = _place(tr, report, network)
        same_day = report.created_at.astimezone(network.zone).date() == now.astimezone(network.zone).date()
        if same_day:
            checked = tr.gettext(
                "We checked reports of immigration agents in {place} at {time}: <b>not confirmed</b>.",
                place=place,
                time=local_clock(tr, report.created_at, network.zone),
            )
        else:
            checked = tr.gettext(
                "We checked reports of immigration agents in {place} from {time}: <b>not confirmed</b>.",
                place=place,
                time=local_time(tr, report.created_at, network.zone),
            )
        return "\n".join(
            [
                tr.gettext("🔎 <b>Rumor check: {place}</b>", place=place),
                checked,
                tr.gettext(
                    "Please don't share unverified posts; report what you see to this bot. "
                    "Two trained verifiers check every report before an alert is published."
                ),
            ]
        )

    return Html(SECTION_SEPARATOR.join(section(catalogs(language)) for language in languages))


def _place(tr: Translator, report: Report, network: Network) -> str:
    neighborhood = network.neighborhood(report.neighborhood_key)
    return neighborhood.name(tr.language) if neighborhood else report.neighborhood_key


def _in_languages(catalogs: Catalogs, languages: tuple[Language, ...], line: Callable[[Translator], str]) -> Html:
    return Html("\n\n".join(line(catalogs(language)) for language in languages))
