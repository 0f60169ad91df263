"""What the resident is told about their report."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.lifecycle import AlertStatus, StillNeeded
from bot.domain.limits import AlreadyReportedHere, IntakeFull, TooManyReports
from bot.domain.rejection import Finding, RejectionReason
from bot.domain.reports import Report
from bot.domain.verification import ReportStatus
from bot.i18n import Html, Translator
from bot.network import Network
from bot.rendering.labels import local_clock, local_time


def receipt(tr: Translator, public_ref: str) -> Html:
    return tr.gettext(
        "✅ <b>Sent to the verifiers.</b> Your reference is <b>{ref}</b>.\n"
        "Two trained volunteers will check it before anything is made public. "
        "We will tell you here when it is confirmed or not.\n"
        "Stay safe: keep your distance from the agents.",
        ref=public_ref,
    )


def outcome(tr: Translator, report: Report, *, found: Finding | None = None) -> Html | None:
    """How the report was decided. A false alarm says what the verifiers found (`found`, worded for
    this report by bot.domain.rejection.finding), kindly: the resident did the right thing by
    reporting, whatever it turned out to be."""
    if report.status is ReportStatus.REJECTED and found is not None:
        return _rejected_because(tr, report.public_ref, found)
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
        case ReportStatus.EXPIRED:
            return tr.gettext(
                "Your report <b>{ref}</b> could not be confirmed in time, so it was not published. "
                "Thank you for reporting. If it is still going on, send a new report with what you see now.",
                ref=report.public_ref,
            )
        case _:
            return None


def _rejected_because(tr: Translator, ref: str, found: Finding) -> Html:
    thanks = tr.gettext("Thank you for reporting: checking first keeps alerts trustworthy.")
    match found.reason:
        case RejectionReason.NOT_ENFORCEMENT:
            said = tr.gettext(
                # True of every sighting, agents at lunch or local police taken for ICE alike.
                "The verifiers checked your report <b>{ref}</b>: what was seen there did not seem to be an "
                "immigration enforcement operation (for example, agents going about ordinary business near their "
                "office, or local police), so it was not published.",
                ref=ref,
            )
            after = tr.gettext("If you see agents stopping or detaining people, send a new report right away.")
        case RejectionReason.OLD_PHOTO:
            said = _old_pictures(tr, ref, found)
            after = tr.gettext(
                "Photos shared by others are often old. If you see something yourself, a photo you take "
                "from a safe distance helps the verifiers most."
            )
        case RejectionReason.WRONG_PLACE:
            said = tr.gettext(
                "The verifiers checked your report <b>{ref}</b>: what they found points to a different place "
                "than the one in the report, so it was not published.",
                ref=ref,
            )
            after = tr.gettext("If it is happening near you, send a new report and choose the place where you are.")
        case RejectionReason.DUPLICATE:
            said = tr.gettext(
                # Another report came within a day of it (bot.domain.rejection.reason_fits), before or after.
                "The verifiers checked your report <b>{ref}</b>: it is about the same thing as another report "
                "they checked, so it was not published on its own.",
                ref=ref,
            )
            after = tr.gettext("Every report helps them check. If you see something new, send another report.")
        case _:
            said = tr.gettext(
                "The verifiers checked your report <b>{ref}</b> but could not confirm it, so it was not published. "
                "That does not mean you were wrong.",
                ref=ref,
            )
            after = tr.gettext("If it is still going on or you see something new, send another report.")
    return Html(f"{said}\n{thanks} {after}")


def _old_pictures(tr: Translator, ref: str, found: Finding) -> Html:
    """Only what the report holds: its photos, its videos, or the report it was added to."""
    if found.of_joined:
        return tr.gettext(
            "The verifiers checked your report <b>{ref}</b> together with the report from the same area it was "
            "added to: a photo or video sent with that report seems to be an older one that is going around, so "
            "they could not confirm it is happening now, and nothing was published.",
            ref=ref,
        )
    if found.videos and found.photos:
        return tr.gettext(
            "The verifiers checked your report <b>{ref}</b>: the photos and videos seem to be older ones that are "
            "going around, so they could not confirm it is happening now, and it was not published.",
            ref=ref,
        )
    if found.videos:
        return tr.ngettext(
            "The verifiers checked your report <b>{ref}</b>: the video seems to be an older one that is going "
            "around, so they could not confirm it is happening now, and it was not published.",
            "The verifiers checked your report <b>{ref}</b>: the videos seem to be older ones that are going "
            "around, so they could not confirm it is happening now, and it was not published.",
            found.videos,
            ref=ref,
        )
    return tr.ngettext(
        "The verifiers checked your report <b>{ref}</b>: the photo seems to be an older one that is "
        "going around, so they could not confirm it is happening now, and it was not published.",
        "The verifiers checked your report <b>{ref}</b>: the photos seem to be older ones that are "
        "going around, so they could not confirm it is happening now, and it was not published.",
        found.photos,
        ref=ref,
    )


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
            when=when,
            hotline=network.hotline,
        )
    return tr.gettext(
        "You have sent several reports in a short time. Your draft is kept: you can send it after {when}. "
        "If someone is in danger now, call the hotline: {hotline}",
        when=when,
        hotline=network.hotline,
    )


def alert_outcome(tr: Translator, report: Report, status: AlertStatus) -> Html | None:
    """How the alert made from the resident's report ended (the last thing they are told)."""
    match status:
        case AlertStatus.ENDED:
            return tr.gettext(
                "✅ The alert from your report <b>{ref}</b> has ended: verifiers marked it all clear.",
                ref=report.public_ref,
            )
        case AlertStatus.RETRACTED:
            return tr.gettext(
                "The alert from your report <b>{ref}</b> was retracted by the verifiers "
                "and is marked so in the channel.",
                ref=report.public_ref,
            )
        case AlertStatus.EXPIRED:
            return tr.gettext(
                "The alert from your report <b>{ref}</b> has expired: nobody confirmed it was still going on.",
                ref=report.public_ref,
            )
        case _:
            return None


def reminder(
    tr: Translator, report: Report, needed: StillNeeded, *, waited: timedelta, expires_at: datetime, zone: ZoneInfo
) -> Html:
    """One nudge in the verifier group, naming exactly what the report still needs."""
    minutes = int(waited.total_seconds() // 60)
    lines = [
        tr.ngettext(
            "⏰ <b>Report {ref}</b> has waited {n} minute.",
            "⏰ <b>Report {ref}</b> has waited {n} minutes.",
            minutes,
            ref=report.public_ref,
        ),
        tr.ngettext(
            "Still needed: {n} more confirmation to publish it,",
            "Still needed: {n} more confirmations to publish it,",
            needed.confirmations,
        ),
        tr.ngettext(
            "or {n} more false-alarm vote to close it.",
            "or {n} more false-alarm votes to close it.",
            needed.false_alarms,
        ),
        tr.gettext(
            "If nobody decides, it closes as not confirmed at {time}.",
            time=local_clock(tr, expires_at, zone),
        ),
    ]
    return Html("\n".join(lines))
