"""What the resident is told about their report."""

from __future__ import annotations

from bot.domain.reports import Report
from bot.domain.verification import ReportStatus
from bot.i18n import Html, Translator


def receipt(tr: Translator, report: Report) -> Html:
    return tr.gettext(
        "✅ <b>Sent to the verifiers.</b> Your reference is <b>{ref}</b>.\n"
        "Two trained volunteers will check it before anything is made public. "
        "We will tell you here when it is confirmed or not.\n"
        "Stay safe: keep your distance from the agents.",
        ref=report.public_ref,
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
