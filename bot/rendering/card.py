"""The verifier card: everything a verifier needs to decide, re-rendered from stored state."""

from __future__ import annotations

from bot import callback_data as cb
from bot.domain.reporters import ReporterStanding
from bot.domain.reports import ChannelPost, RecordedVote, Report
from bot.domain.verification import ReportStatus, VoteKind
from bot.i18n import Html, Translator, escape
from bot.network import Network
from bot.ports import Button, Keyboard
from bot.rendering.labels import bullet_list, indicator_label, local_time, quote
from bot.rendering.links import message_link
from bot.languages import LANGUAGE_NAMES


def render_card(
    tr: Translator,
    report: Report,
    votes: list[RecordedVote],
    posts: list[ChannelPost],
    network: Network,
    reporter: ReporterStanding,
) -> tuple[Html, Keyboard | None]:
    neighborhood = network.neighborhood(report.neighborhood_key)
    place = neighborhood.name(tr.language) if neighborhood else report.neighborhood_key
    lines = [_headline(tr, report), ""]
    lines.append(f"📍 {escape(place)}")
    lines.append(f"🕒 {escape(local_time(tr, report.created_at, network.zone))}")
    if report.indicators:
        lines.append(tr.gettext("<b>What they see:</b>"))
        lines.append(bullet_list([indicator_label(tr, i) for i in report.indicators]))
    if report.description:
        lines.append(tr.gettext("<b>In their words:</b>"))
        lines.append(quote(report.description))
    if report.photo_file_ids:
        lines.append(tr.ngettext("📷 {n} photo above (metadata removed)", "📷 {n} photos above (metadata removed)", len(report.photo_file_ids)))
    lines.extend(_reporter_lines(tr, reporter, network))
    lines.append("")
    lines.append(_tally_line(tr, votes, VoteKind.CONFIRM, network.quorum))
    lines.append(_tally_line(tr, votes, VoteKind.FALSE_ALARM, network.quorum))
    lines.extend(_post_lines(tr, report, posts, network))
    return Html("\n".join(lines)), _keyboard(tr, report, reporter)


def _headline(tr: Translator, report: Report) -> str:
    match report.status:
        case ReportStatus.PENDING:
            return tr.gettext("🔎 <b>Report {ref}</b> — needs verification", ref=report.public_ref)
        case ReportStatus.PUBLISHED:
            return tr.gettext("✅ <b>Report {ref}</b> — confirmed and published", ref=report.public_ref)
        case ReportStatus.REJECTED:
            return tr.gettext("❌ <b>Report {ref}</b> — closed as a false alarm, not published", ref=report.public_ref)
        case ReportStatus.EXPIRED:
            return tr.gettext("⌛ <b>Report {ref}</b> — expired without confirmation", ref=report.public_ref)
        case ReportStatus.MERGED:
            return tr.gettext("🔗 <b>Report {ref}</b> — merged into another report", ref=report.public_ref)


def _tally_line(tr: Translator, votes: list[RecordedVote], kind: VoteKind, quorum: int) -> str:
    names = Html(", ".join(escape(v.verifier_name) for v in votes if v.kind is kind))
    count = sum(1 for v in votes if v.kind is kind)
    if kind is VoteKind.CONFIRM:
        line = tr.gettext("👍 Confirmed: {count}/{quorum}", count=count, quorum=quorum)
    else:
        line = tr.gettext("👎 False alarm: {count}/{quorum}", count=count, quorum=quorum)
    return Html(f"{line} — {names}") if names else line


def _post_lines(tr: Translator, report: Report, posts: list[ChannelPost], network: Network) -> list[str]:
    if report.status is not ReportStatus.PUBLISHED:
        return []
    neighborhood = network.neighborhood(report.neighborhood_key)
    languages_of = {c.chat_id: c.languages for c in (neighborhood.channels if neighborhood else ())}
    lines = []
    for post in posts:
        label = " · ".join(LANGUAGE_NAMES[lang] for lang in languages_of.get(post.channel_id, ()))
        link = message_link(post.channel_id, post.message_id) if post.message_id else None
        if link:
            lines.append(tr.gettext('📣 Posted: <a href="{link}">{channel}</a>', link=link, channel=label))
        elif post.error:
            lines.append(
                tr.gettext("⚠️ Could not post to channel {chat_id} ({channel}): {reason}",
                           chat_id=post.channel_id, channel=label, reason=post.error)
            )
    if not posts:
        lines.append(tr.gettext("📣 Posting to the channels…"))
    return lines


def _reporter_lines(tr: Translator, reporter: ReporterStanding, network: Network) -> list[str]:
    record = reporter.record
    if record.is_empty:
        line = tr.gettext("👤 Reporter {tag} · no earlier reports on record", tag=reporter.tag)
    else:
        line = tr.gettext(
            "👤 Reporter {tag} · earlier: {confirmed} confirmed, {false_alarms} false alarm(s), "
            "{unconfirmed} not confirmed in time",
            tag=reporter.tag, confirmed=record.confirmed, false_alarms=record.false_alarms,
            unconfirmed=record.unconfirmed,
        )
    lines = [line]
    if reporter.muted_until is not None:
        until = local_time(tr, reporter.muted_until, network.zone)
        lines.append(tr.gettext("🔇 Muted until {until}: new reports from {tag} do not reach this group.",
                                until=until, tag=reporter.tag))
    return lines


def _keyboard(tr: Translator, report: Report, reporter: ReporterStanding) -> Keyboard | None:
    rows: list[tuple[Button, ...]] = []
    if report.status is ReportStatus.PENDING:
        rows.append((
            Button(tr.gettext("👍 Confirm"), cb.encode(cb.Vote(report.id, VoteKind.CONFIRM))),
            Button(tr.gettext("👎 False alarm"), cb.encode(cb.Vote(report.id, VoteKind.FALSE_ALARM))),
        ))
    # Admins mute from a card that is still open, or from one that turned out to be a false alarm.
    if report.status in (ReportStatus.PENDING, ReportStatus.REJECTED):
        if reporter.muted_until is None:
            rows.append((Button(tr.gettext("🔇 Mute reporter (admins)"), cb.encode(cb.Mute(report.id, True))),))
        else:
            rows.append((Button(tr.gettext("🔊 Unmute reporter (admins)"), cb.encode(cb.Mute(report.id, False))),))
    return tuple(rows) or None


def withdrawn_card(tr: Translator, public_ref: str) -> Html:
    """What replaces a card when its reporter erased their data: nothing of the report remains."""
    return tr.gettext(
        "🗑 <b>Report {ref}</b> — withdrawn by the reporter, who asked Vigil to erase their data. "
        "No action needed.",
        ref=public_ref,
    )
