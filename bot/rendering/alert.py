"""The public alert: what, where, when, that two people checked it, and what to do."""

from __future__ import annotations

from bot.domain.reports import Report
from bot.i18n import Catalogs, Html, Translator
from bot.languages import Language
from bot.network import Network
from bot.rendering.labels import bullet_list, indicator_label, local_time, quote

SECTION_SEPARATOR = "\n\n— — —\n\n"


def render_alert(catalogs: Catalogs, report: Report, languages: tuple[Language, ...], network: Network) -> Html:
    """One post per channel; a bilingual channel gets every language in the same post so a
    later "all clear" edits a single message."""
    sections = [_section(catalogs(language), report, network) for language in languages]
    text = SECTION_SEPARATOR.join(sections)
    if report.description:
        # The reporter's own words are not translated; shown once, after every language.
        text += "\n\n" + quote(report.description)
    return Html(text)


def _section(tr: Translator, report: Report, network: Network) -> str:
    neighborhood = network.neighborhood(report.neighborhood_key)
    place = neighborhood.name(tr.language) if neighborhood else report.neighborhood_key
    lines = [
        tr.gettext("🚨 <b>Confirmed alert: {place}</b>", place=place),
        tr.gettext("Reported {time}.", time=local_time(tr, report.created_at, network.zone)),
    ]
    if report.indicators:
        lines.append(tr.gettext("What was seen:"))
        lines.append(bullet_list([indicator_label(tr, i) for i in report.indicators]))
    lines.append(tr.gettext("✅ Confirmed by {n} verifiers of the rapid-response network.", n=network.quorum))
    lines.append("")
    lines.append(
        tr.gettext(
            "<b>Know your rights:</b> stay calm. You have the right to remain silent. "
            "Do not open the door without a warrant signed by a judge. Do not sign anything. "
            "If you see an arrest, ask the person's name and whom to call."
        )
    )
    lines.append(tr.gettext("📞 Rapid-response hotline: {hotline}", hotline=network.hotline))
    return "\n".join(lines)
