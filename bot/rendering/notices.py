"""What the resident is told about their report."""

from __future__ import annotations

from bot.domain.reports import Report
from bot.network import Network
from bot.rendering.labels import local_time
from bot.domain.limits import AlreadyReportedHere, IntakeFull, TooManyReports
from bot.domain.verification import ReportStatus
from bot.i18n import Html, Translator


def receipt(tr: Translator, public_ref: str) -> Html:
    return tr.gettext(
        "✅ <b>Sent to the verifiers.</b> Your reference is <b>{ref}</b>.\n"
        "Two trained volunteers will check it before anything is made public. "
        "We will tell you here when it is confirmed or not.\n"
        "Stay safe: keep your distance from the agents.",
        ref=public_ref,
    )


def outcome(tr: Translator, report: Report) -> Html | None:
    match report.status:
        case ReportStatus.PUBLISHED:
            return tr.gettext(
                "📣 Your report <b>{ref}</b> was confirmed by two verifiers and published as an alert. "
                "Thank you for looking out for your community.",
                ref=report.public_ref,
            )
        case ReportStatus.REJECTED:
            return tr.gettext(
                "Your report <b>{ref}</b> could not be confirmed, so it was not published. "
                "Thank you for reporting: checking first keeps alerts trustworthy. "
                "If you see something new, send another report.",
                ref=report.public_ref,
            )
        case _:
            return None


def limit_notice(tr: Translator, refusal: AlreadyReportedHere | TooManyReports, network: Network) -> Html:
    """Why Send did nothing, when to try again, and that the draft is safe."""
    if isinstance(refusal, AlreadyReportedHere):
        return tr.gettext(
            "Your report <b>{ref}</b> for this place is still with the verifiers. You will hear here when "
            "it is checked. Your new draft is kept: send it when the first one is checked, or choose another place.",
            ref=refusal.public_ref,
        )
    when = local_time(tr, refusal.retry_at, network.zone)
    if isinstance(refusal, IntakeFull):
        return tr.gettext(
            "The verifiers are receiving very many reports right now. Your draft is kept: tap Send again "
            "after {when}. If someone is in danger now, call the hotline: {hotline}",
            when=when, hotline=network.hotline,
        )
    return tr.gettext(
        "You have sent several reports in a short time. Your draft is kept: you can send it after {when}. "
        "If someone is in danger now, call the hotline: {hotline}",
        when=when, hotline=network.hotline,
    )
