"""What the verifiers see of a false alarm's reasons and of a rumor check: the reasons under a card,
the reasons in a reporter's track record, and the card's lines and button for the rumor check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot import callback_data as cb
from bot.domain.delivery import Buttons, DeliveryStatus, QueuedMessage
from bot.domain.rejection import RUMOR_CHECK_WINDOW, Rejection, RejectionCounts, RejectionReason
from bot.domain.reports import RecordedVote, Report
from bot.domain.verification import VoteKind
from bot.i18n import N_, Html, Translator, escape
from bot.languages import LANGUAGE_NAMES
from bot.network import Network
from bot.ports import Button
from bot.rendering import drills
from bot.rendering.labels import local_time
from bot.rendering.links import message_link

# The buttons under the card: what a verifier found.
REASON_LABELS: dict[RejectionReason, str] = {
    RejectionReason.NOT_ENFORCEMENT: N_("Not enforcement (e.g. agents at lunch near their office)"),
    RejectionReason.OLD_PHOTO: N_("An old or recycled photo"),
    RejectionReason.WRONG_PLACE: N_("Wrong place"),
    RejectionReason.UNVERIFIED: N_("Could not be verified"),
    RejectionReason.DUPLICATE: N_("A duplicate of another report"),
    RejectionReason.OTHER: N_("Other"),
}


def picker(tr: Translator, ref: str, attached: int = 0) -> Html:
    """`attached`: reports of other residents attached to it, which close with it."""
    text = tr.gettext(
        "👎 <b>Why is {ref} a false alarm?</b> Pick what you found: your vote counts when you pick. "
        "The reporter is told kindly, in their language, and never who voted.",
        ref=ref,
    )
    if not attached:
        return text
    # A first report may be false (an old photo, a rumor) while residents who joined it saw something
    # real: they are closed with it unless a verifier detaches them first.
    warning = tr.ngettext(
        "⚠️ {n} other resident's report is attached to {ref} and will be closed with it. If it is about "
        "something else, press 🔗 Detach under it first.",
        "⚠️ {n} other residents' reports are attached to {ref} and will be closed with it. If one is about "
        "something else, press 🔗 Detach under it first.",
        attached,
        ref=ref,
    )
    return Html(f"{text}\n\n{warning}")


def picker_buttons(tr: Translator, report_id: int, reasons: Sequence[RejectionReason]) -> Buttons:
    """One button per reason that fits the report (bot.domain.rejection.reasons_that_fit)."""
    return tuple(
        ((tr.gettext(REASON_LABELS[reason]), cb.encode(cb.FalseAlarm(report_id, reason))),) for reason in reasons
    )


def reason_label(tr: Translator, reason: RejectionReason | None) -> str:
    return tr.gettext(REASON_LABELS[reason]) if reason is not None else tr.gettext("no reason given")


def reason_counts(tr: Translator, reasons: Mapping[RejectionReason, int]) -> str:
    """ "1 old photo, 1 not enforcement": most frequent first, in the order of the buttons on a tie."""
    order = list(RejectionReason)
    ranked = sorted((r for r, n in reasons.items() if n > 0), key=lambda r: (-reasons[r], order.index(r)))
    return ", ".join(_counted(tr, reason, reasons[reason]) for reason in ranked)


def _counted(tr: Translator, reason: RejectionReason, n: int) -> str:
    match reason:
        case RejectionReason.NOT_ENFORCEMENT:
            return tr.ngettext("{n} not enforcement", "{n} not enforcement", n)
        case RejectionReason.OLD_PHOTO:
            return tr.ngettext("{n} old photo", "{n} old photos", n)
        case RejectionReason.WRONG_PLACE:
            return tr.ngettext("{n} wrong place", "{n} wrong place", n)
        case RejectionReason.UNVERIFIED:
            return tr.ngettext("{n} could not be verified", "{n} could not be verified", n)
        case RejectionReason.DUPLICATE:
            return tr.ngettext("{n} duplicate", "{n} duplicates", n)
        case RejectionReason.OTHER:
            return tr.ngettext("{n} other reason", "{n} other reasons", n)


def rejection_lines(tr: Translator, counts: RejectionCounts) -> list[str]:
    """/stats: the rejections by what was found, and the rumor checks posted."""
    lines: list[str] = []
    found = {r: n for r, n in counts.by_reason.items() if r is not None}
    unknown = counts.by_reason.get(None, 0)
    if found or unknown:
        parts = [reason_counts(tr, found)] if found else []
        if unknown:
            parts.append(tr.ngettext("{n} without a reason", "{n} without a reason", unknown))
        lines.append(tr.gettext("  by reason: {reasons}", reasons=Html(", ".join(parts))))
    lines.append(tr.gettext("Rumor checks posted: {n}", n=counts.rumor_checks))
    return lines


# --- on the card ---------------------------------------------------------------------------------


def vote_reason_lines(tr: Translator, votes: Sequence[RecordedVote]) -> list[str]:
    """While the report is open, what each false-alarm voter found, so the next verifier sees it."""
    return [
        Html(f"  • {escape(v.verifier_name)}: {reason_label(tr, v.reason)}")
        for v in votes
        if v.kind is VoteKind.FALSE_ALARM and v.reason is not None
    ]


def card_lines(
    tr: Translator,
    report: Report,
    rejection: Rejection | None,
    posts: Sequence[QueuedMessage],
    network: Network,
) -> list[str]:
    """The reason the report kept, and the rumor check: who asked for it, or where it was posted."""
    if rejection is None:
        return []
    lines: list[str] = [tr.gettext("🔎 What the verifiers found: {reason}", reason=reason_label(tr, rejection.reason))]
    if rejection.rumor_check_posted_at is None:
        if rejection.supporters:
            names = ", ".join(escape(s.verifier_name) for s in rejection.supporters)
            lines.append(
                tr.gettext(
                    "📣 Rumor check: {count}/{quorum} — {names}",
                    count=len(rejection.supporters),
                    quorum=network.quorum,
                    names=Html(names),
                )
            )
        return lines
    posted = local_time(tr, rejection.rumor_check_posted_at, network.zone)
    lines.append(tr.gettext("📣 Rumor check posted at {time}: not confirmed", time=posted))
    neighborhood = network.neighborhood(report.neighborhood_key)
    languages_of = {c.chat_id: c.languages for c in (neighborhood.channels if neighborhood else ())}
    for post in posts:
        chat_id = post.message.chat_id
        label = " · ".join(LANGUAGE_NAMES[lang] for lang in languages_of.get(chat_id, ()))
        if report.is_drill and post.progress.status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED):
            sent = post.telegram_message_id if post.progress.status is DeliveryStatus.SENT else None
            lines.append("  • " + drills.drill_post_line(tr, label, sent, network.drill_channel))
        elif post.progress.status is DeliveryStatus.SENT and post.telegram_message_id is not None:
            link = message_link(chat_id, post.telegram_message_id)
            lines.append(tr.gettext('  • <a href="{link}">{channel}</a>', link=link, channel=label))
        elif post.progress.status in (DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN):
            lines.append(
                tr.gettext(
                    "  • ⚠️ Could not post to channel {chat_id} ({channel}): {reason}",
                    chat_id=chat_id,
                    channel=label,
                    reason=post.last_error or "",
                )
            )
        else:
            lines.append(tr.gettext("  • {channel}: posting…", channel=label))
    return lines


def rumor_check_button(tr: Translator, report: Report, rejection: Rejection | None, now: datetime) -> Button | None:
    """Offered while it may still be posted (the rules say the rest when it is pressed)."""
    if rejection is None or rejection.rumor_check_posted_at is not None:
        return None
    if report.closed_at is not None and now - report.closed_at > RUMOR_CHECK_WINDOW:
        return None
    return Button(tr.gettext("📣 Post a rumor check"), cb.encode(cb.RumorCheck(report.id)))
