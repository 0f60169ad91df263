"""The verifier card: everything a verifier needs to decide, re-rendered from stored state."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from datetime import datetime

from PIL import Image

from bot import callback_data as cb
from bot.domain.delivery import DeliveryProblem, DeliveryStatus, MessageKind, QueuedMessage
from bot.domain.desk import Claim, Question
from bot.domain.draft import MediaKind
from bot.domain.evidence import StoredEvidence
from bot.domain.lifecycle import Alert, AlertAction, AlertStatus
from bot.domain.public_text import CurrentText
from bot.domain.rejection import Rejection
from bot.domain.reporters import ReporterStanding
from bot.domain.reports import ChannelPost, RecordedVote, Report
from bot.domain.verification import ReportStatus, VoteKind
from bot.i18n import Html, Translator, escape
from bot.languages import LANGUAGE_NAMES
from bot.network import Network
from bot.ports import Button, Keyboard
from bot.rendering import desk, drills
from bot.rendering import public_text as public
from bot.rendering import rejection as rejected
from bot.rendering.evidence import evidence_lines, known_place_lines
from bot.rendering.labels import bullet_list, indicator_label, local_time, quote
from bot.rendering.links import message_link


def render_card(
    tr: Translator,
    report: Report,
    votes: list[RecordedVote],
    posts: list[ChannelPost],
    network: Network,
    *,
    reporter: ReporterStanding | None = None,
    alert: Alert | None = None,
    problems: Sequence[DeliveryProblem] = (),
    questions: Sequence[Question] = (),
    claims: Sequence[Claim] = (),
    now: datetime | None = None,
    rejection: Rejection | None = None,
    rumor_posts: Sequence[QueuedMessage] = (),
    residents: int = 1,
    evidence: Sequence[StoredEvidence] = (),
    public_text: CurrentText | None = None,
    preview: Html | None = None,
    posted_in: Sequence[str] = (),
) -> tuple[Html, Keyboard | None]:
    """`residents`: how many distinct residents report this (its reporter and those of the reports
    attached to it as corroboration). `public_text`, `preview`: the text a confirmation approves now,
    and the post it makes (rendered by bot.rendering.alert in the card's language); `posted_in`: the
    languages the channels get."""
    headline = _alert_headline(tr, report, alert) if alert and not alert.status.is_active else _headline(tr, report)
    previewed = report.status is ReportStatus.PENDING and public_text is not None and preview is not None
    words_in_preview = bool(previewed and public_text and public_text.text.words)
    lines = [headline, "", *_content_lines(tr, report, network, evidence, reporter, words_in_preview=words_in_preview)]
    lines.extend(_residents_lines(tr, residents))
    lines.extend(desk.card_lines(tr, list(questions), network.desk.max_questions))
    if report.status is ReportStatus.PENDING and now is not None:
        lines.extend(desk.claim_lines(tr, list(claims), votes, now, network.zone))
    version = public_text.text.version if public_text else 1
    if previewed and public_text is not None and preview is not None:
        lines.append("")
        lines.extend(public.preview_lines(tr, public_text, preview, posted_in))
    # A confirmation counts for the version of the text it approved; a false alarm always counts.
    counted = [v for v in votes if v.as_ballot().counts_for(version)]
    lines.append("")
    lines.append(_tally_line(tr, counted, VoteKind.CONFIRM, network.quorum))
    lines.append(_tally_line(tr, counted, VoteKind.FALSE_ALARM, network.quorum))
    if report.status is ReportStatus.PENDING:
        lines.extend(public.cleared_line(tr, votes, version))
        lines.extend(rejected.vote_reason_lines(tr, votes))
    if report.status is ReportStatus.REJECTED:
        lines.extend(rejected.card_lines(tr, report, rejection, rumor_posts, network))
    lines.extend(_post_lines(tr, report, posts, network))
    if report.status is ReportStatus.EXPIRED:
        minutes = int(network.timeouts.report_expiry.total_seconds() // 60)
        lines.append(
            tr.ngettext(
                "Could not be confirmed within {n} minute; nothing was published.",
                "Could not be confirmed within {n} minutes; nothing was published.",
                minutes,
            )
        )
    if alert is not None:
        lines.extend(_alert_lines(tr, alert, network))
    lines.extend(_problem_lines(tr, report, problems, network))
    if report.status is ReportStatus.PUBLISHED and alert is not None and alert.status.is_active:
        return Html("\n".join(lines)), _alert_keyboard(tr, report)
    rumor_check = rejected.rumor_check_button(tr, report, rejection, now) if now is not None else None
    return Html("\n".join(lines)), _keyboard(tr, report, reporter, public_text, rumor_check)


def _content_lines(
    tr: Translator,
    report: Report,
    network: Network,
    evidence: Sequence[StoredEvidence],
    reporter: ReporterStanding | None,
    *,
    words_in_preview: bool = False,
) -> list[str]:
    """What a resident sent, as a card or an attached report's reply shows it: where, when, the
    ticked signs, their words, what is above it, what its photos say, and its reporter's record."""
    neighborhood = network.neighborhood(report.neighborhood_key)
    place = neighborhood.name(tr.language) if neighborhood else report.neighborhood_key
    lines = [f"📍 {escape(place)}", f"🕒 {escape(local_time(tr, report.created_at, network.zone))}"]
    if report.indicators:
        lines.append(tr.gettext("<b>What they see:</b>"))
        lines.append(bullet_list([indicator_label(tr, i) for i in report.indicators]))
    if report.description and words_in_preview:
        # Quoted once, in the preview below: the card stays within Telegram's 4096 units.
        lines.append(tr.gettext("<b>In their words:</b> quoted in the public post below."))
    elif report.description:
        lines.append(tr.gettext("<b>In their words:</b>"))
        lines.append(quote(report.description))
    lines.extend(_media_lines(tr, report))
    lines.extend(evidence_lines(tr, report, evidence, network))
    lines.extend(known_place_lines(tr, report, evidence, network))
    if reporter is not None:
        lines.extend(_reporter_lines(tr, reporter, network))
    return lines


def _media_lines(tr: Translator, report: Report) -> list[Html]:
    """What is above the card, counted by kind (file ids recorded before migration 0010 are photos)."""
    kinds = report.media_kinds or (MediaKind.PHOTO,) * len(report.photo_file_ids)
    lines: list[Html] = []
    if photos := sum(k is MediaKind.PHOTO for k in kinds):
        lines.append(
            tr.ngettext("📷 {n} photo above (metadata removed)", "📷 {n} photos above (metadata removed)", photos)
        )
    if videos := sum(k is MediaKind.VIDEO for k in kinds):
        lines.append(
            tr.ngettext(
                "🎥 {n} video above (metadata removed; never public)",
                "🎥 {n} videos above (metadata removed; never public)",
                videos,
            )
        )
    if voices := sum(k is MediaKind.VOICE for k in kinds):
        lines.append(
            tr.ngettext(
                "🎤 {n} voice note above (re-encoded; for verifiers only)",
                "🎤 {n} voice notes above (re-encoded; for verifiers only)",
                voices,
            )
        )
    return lines


def _residents_lines(tr: Translator, residents: int) -> list[str]:
    """Corroboration: each distinct resident is evidence (their reports are replies to this card), never a vote."""
    if residents < 2:
        return []
    return [
        tr.ngettext(
            "👥 <b>{n} resident reports this</b> (their reports are replies to this card)",
            "👥 <b>{n} residents report this</b> (their reports are replies to this card)",
            residents,
        )
    ]


def render_attached_reply(
    tr: Translator,
    report: Report,
    joined_ref: str,
    network: Network,
    *,
    reporter: ReporterStanding | None = None,
    detachable: bool = True,
    evidence: Sequence[StoredEvidence] = (),
) -> tuple[Html, Keyboard | None]:
    """A report attached to an open one: a reply to that report's card, with what this resident sent.
    `detachable` while the report it joined is open: a verifier can then give it a card of its own."""
    lines = [
        tr.gettext(
            "👥 <b>Report {ref}</b> — another resident reports this too; added to {joined}",
            ref=report.public_ref,
            joined=joined_ref,
        ),
        "",
        *_content_lines(tr, report, network, evidence, reporter),
    ]
    if not detachable:
        return Html("\n".join(lines)), None
    lines.append("")
    lines.append(
        tr.gettext(
            "Evidence for {joined}, not a vote. If it is about something else, detach it: it gets its own card.",
            joined=joined_ref,
        )
    )
    button = Button(tr.gettext("🔗 Detach: it is something else"), cb.encode(cb.Detach(report.id)))
    return Html("\n".join(lines)), ((button,),)


def _alert_headline(tr: Translator, report: Report, alert: Alert) -> str:
    match alert.status:
        case AlertStatus.ENDED:
            return tr.gettext("🏁 <b>Report {ref}</b> — alert ended: all clear", ref=report.public_ref)
        case AlertStatus.RETRACTED:
            return tr.gettext("↩️ <b>Report {ref}</b> — alert retracted", ref=report.public_ref)
        case _:
            return tr.gettext("⌛ <b>Report {ref}</b> — alert expired without an update", ref=report.public_ref)


def _alert_lines(tr: Translator, alert: Alert, network: Network) -> list[str]:
    lines: list[str] = []
    if alert.status.is_active and alert.active_until is not None:
        lines.append(
            tr.gettext(
                "🟢 Active until {time}, unless a verifier presses Still active.",
                time=local_time(tr, alert.active_until, network.zone),
            )
        )
    still = [v for v in alert.votes if v.action is AlertAction.STILL_ACTIVE]
    if still:
        latest = still[-1]
        lines.append(
            tr.gettext(
                "🔄 Still active: {time} — {name}",
                time=local_time(tr, latest.cast_at, network.zone),
                name=latest.verifier_name,
            )
        )
    for action in (AlertAction.ALL_CLEAR, AlertAction.RETRACT):
        voters = [v for v in alert.votes if v.action is action]
        if not voters and not alert.status.is_active:
            continue
        names = Html(", ".join(escape(v.verifier_name) for v in voters))
        if action is AlertAction.ALL_CLEAR:
            line = tr.gettext("✅ All clear: {count}/{quorum}", count=len(voters), quorum=network.quorum)
        else:
            line = tr.gettext("↩️ Retract: {count}/{quorum}", count=len(voters), quorum=network.quorum)
        lines.append(Html(f"{line} — {names}") if names else line)
    return lines


def _problem_lines(tr: Translator, report: Report, problems: Sequence[DeliveryProblem], network: Network) -> list[str]:
    """Updates of channel posts that failed or were never confirmed (posts have their own lines)."""
    neighborhood = network.neighborhood(report.neighborhood_key)
    languages_of = {c.chat_id: c.languages for c in (neighborhood.channels if neighborhood else ())}
    lines: list[str] = []
    for problem in problems:
        if problem.kind not in (MessageKind.CHANNEL_EDIT, MessageKind.CHANNEL_REPLY) or problem.chat_id is None:
            continue
        if problem.status not in (DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN):
            continue
        label = " · ".join(LANGUAGE_NAMES[lang] for lang in languages_of.get(problem.chat_id, ()))
        lines.append(
            tr.gettext(
                "⚠️ Could not update channel {chat_id} ({channel}): {reason}",
                chat_id=problem.chat_id,
                channel=label,
                reason=problem.error or "",
            )
        )
    return lines


def _alert_keyboard(tr: Translator, report: Report) -> Keyboard:
    return (
        (
            Button(tr.gettext("🔄 Still active"), cb.encode(cb.OnAlert(report.id, AlertAction.STILL_ACTIVE))),
            Button(tr.gettext("✅ All clear"), cb.encode(cb.OnAlert(report.id, AlertAction.ALL_CLEAR))),
            Button(tr.gettext("↩️ Retract"), cb.encode(cb.OnAlert(report.id, AlertAction.RETRACT))),
        ),
        (_ask_button(tr, report),),
    )


def _ask_button(tr: Translator, report: Report) -> Button:
    return Button(tr.gettext("❓ Ask the reporter"), cb.encode(cb.Ask(report.id)))


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
    in_person = tr.gettext("in person")
    names = Html(
        ", ".join(escape(v.verifier_name) + (f" ({in_person})" if v.in_person else "") for v in votes if v.kind is kind)
    )
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
    if report.is_drill:
        return drills.drill_post_lines(tr, posts, languages_of, network.drill_channel)
    lines: list[str] = []
    for post in posts:
        label = " · ".join(LANGUAGE_NAMES[lang] for lang in languages_of.get(post.channel_id, ()))
        link = message_link(post.channel_id, post.message_id) if post.message_id else None
        if link and post.maybe_twice:
            lines.append(
                tr.gettext(
                    '📣 Posted: <a href="{link}">{channel}</a> — ⚠️ sent again after Telegram did not '
                    "confirm the first try, so it may appear twice",
                    link=link,
                    channel=label,
                )
            )
        elif link:
            lines.append(tr.gettext('📣 Posted: <a href="{link}">{channel}</a>', link=link, channel=label))
        elif post.maybe_twice and post.message_id is None:
            lines.append(
                tr.gettext(
                    "⚠️ Telegram did not confirm the post in channel {chat_id} ({channel}) after two tries: "
                    "check the channel.",
                    chat_id=post.channel_id,
                    channel=label,
                )
            )
        elif post.error:
            lines.append(
                tr.gettext(
                    "⚠️ Could not post to channel {chat_id} ({channel}): {reason}",
                    chat_id=post.channel_id,
                    channel=label,
                    reason=post.error,
                )
            )
    if len(posts) < len(languages_of):
        lines.append(tr.gettext("📣 Posting to the channels…"))
    return lines


def _reporter_lines(tr: Translator, reporter: ReporterStanding, network: Network) -> list[str]:
    record = reporter.record
    if record.is_empty:
        line = tr.gettext("👤 Reporter {tag} · no earlier reports on record", tag=reporter.tag)
    else:
        counts = [
            tr.ngettext("{n} confirmed", "{n} confirmed", record.confirmed),
            tr.ngettext("{n} false alarm", "{n} false alarms", record.false_alarms),
            tr.ngettext("{n} not confirmed in time", "{n} not confirmed in time", record.unconfirmed),
        ]
        line = tr.gettext("👤 Reporter {tag} · earlier: {counts}", tag=reporter.tag, counts=Html(", ".join(counts)))
    lines: list[str] = [line]
    if record.false_alarm_reasons:
        reasons = rejected.reason_counts(tr, record.false_alarm_reasons)
        lines.append(tr.gettext("👎 Earlier false alarms: {reasons}", reasons=Html(reasons)))
    if reporter.muted_until is not None:
        until = local_time(tr, reporter.muted_until, network.zone)
        lines.append(
            tr.gettext(
                "🔇 Muted until {until}: new reports from {tag} do not reach this group.", until=until, tag=reporter.tag
            )
        )
    return lines


def _keyboard(
    tr: Translator,
    report: Report,
    reporter: ReporterStanding | None,
    public_text: CurrentText | None = None,
    rumor_check: Button | None = None,
) -> Keyboard | None:
    rows: list[tuple[Button, ...]] = []
    # A confirmation approves the version of the public text this card shows.
    shown = public_text.text.version if public_text is not None else None
    if report.status is ReportStatus.PENDING:
        rows.append(
            (
                Button(tr.gettext("👍 Confirm"), cb.encode(cb.Vote(report.id, VoteKind.CONFIRM, text_version=shown))),
                # Opens the reasons under the card; the vote is cast with the reason picked there.
                Button(tr.gettext("👎 False alarm"), cb.encode(cb.FalseAlarm(report.id))),
            )
        )
        rows.append(
            (
                Button(
                    tr.gettext("📍 Confirm in person"),
                    cb.encode(cb.Vote(report.id, VoteKind.CONFIRM, in_person=True, text_version=shown)),
                ),
            )
        )
        if public_text is not None:
            rows.append(public.buttons(tr, report, public_text))
        rows.append(desk.claim_buttons(tr, report.id))
        rows.append((_ask_button(tr, report),))
    if rumor_check is not None:
        rows.append((rumor_check,))
    # Admins mute from a card that is still open, or from one that turned out to be a false alarm.
    if reporter is not None and report.status in (ReportStatus.PENDING, ReportStatus.REJECTED):
        if reporter.muted_until is None:
            rows.append((Button(tr.gettext("🔇 Mute reporter (admins)"), cb.encode(cb.Mute(report.id, True))),))
        else:
            rows.append((Button(tr.gettext("🔊 Unmute reporter (admins)"), cb.encode(cb.Mute(report.id, False))),))
    return tuple(rows) or None


def withdrawn_card(tr: Translator, public_ref: str) -> Html:
    """What replaces a card when its reporter erased their data: nothing of the report remains."""
    return tr.gettext(
        "🗑 <b>Report {ref}</b> — withdrawn by the reporter, who asked Vigil to erase their data. No action needed.",
        ref=public_ref,
    )


@functools.cache
def withdrawn_photo() -> bytes:
    """What covers a withdrawn report's photo where Telegram will not delete it: plain grey."""
    out = io.BytesIO()
    Image.new("RGB", (640, 360), (120, 120, 120)).save(out, "JPEG", quality=70)
    return out.getvalue()


def withdrawn_photo_caption(tr: Translator) -> str:
    return tr.gettext("🗑 Photo removed: the reporter asked Vigil to erase their data.")
