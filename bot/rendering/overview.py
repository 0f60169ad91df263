"""/queue and /stats: the desk at a glance, in the verifier's or organizer's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.stats import LiveAlert, NotAllowed, Queue, QueueEntry, Stats, WindowFigures
from bot.i18n import Html, Translator, escape
from bot.network import Network
from bot.rendering.labels import local_clock, local_time
from bot.rendering.links import message_link
from bot.rendering.rejection import rejection_lines

# /stats lists at most this many verifiers per window (busiest first), so it fits one message.
MAX_VERIFIERS = 20


def render_queue(tr: Translator, queue: Queue, network: Network) -> Html:
    now = queue.at
    lines: list[str] = []
    if not queue.pending:
        lines.append(tr.gettext("🗂 No reports are waiting for verification."))
    else:
        total = len(queue.pending) + queue.more
        lines.append(
            tr.ngettext("🗂 <b>{n} open report</b>, oldest first:", "🗂 <b>{n} open reports</b>, oldest first:", total)
        )
        for entry in queue.pending:
            lines.extend(_entry_lines(tr, entry, network, now))
        if queue.more:
            lines.append(tr.ngettext("…and {n} more.", "…and {n} more.", queue.more))
    if queue.alerts:
        lines.append("")
        lines.append(tr.ngettext("🟢 <b>{n} live alert</b>:", "🟢 <b>{n} live alerts</b>:", len(queue.alerts)))
        lines.extend(_alert_line(tr, alert, network, now) for alert in queue.alerts)
    return Html("\n".join(lines))


def queue_entry_html(tr: Translator, entry: QueueEntry, network: Network, now: datetime) -> Html:
    """One open report as /queue lists it (the web desk shows the same lines)."""
    return Html("\n".join(_entry_lines(tr, entry, network, now)))


def live_alert_html(tr: Translator, alert: LiveAlert, network: Network, now: datetime) -> Html:
    return Html(_alert_line(tr, alert, network, now))


def _ref(public_ref: str, card: tuple[int, int] | None) -> str:
    link = message_link(*card) if card else None
    if link is None:
        return f"<b>{escape(public_ref)}</b>"
    return f'<a href="{escape(link)}"><b>{escape(public_ref)}</b></a>'


def _place(tr: Translator, network: Network, key: str) -> str:
    neighborhood = network.neighborhood(key)
    return escape(neighborhood.name(tr.language) if neighborhood else key)


def _when(tr: Translator, moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """The hour for today, the day and hour for earlier."""
    if moment.astimezone(zone).date() == now.astimezone(zone).date():
        return local_clock(tr, moment, zone)
    return local_time(tr, moment, zone)


def _entry_lines(tr: Translator, entry: QueueEntry, network: Network, now: datetime) -> list[str]:
    waited = duration(tr, (now - entry.created_at).total_seconds())
    first = tr.gettext(
        "• {ref} · {place} · sent {time} ({waited} ago)",
        ref=Html(_ref(entry.public_ref, entry.card)),
        place=Html(_place(tr, network, entry.neighborhood_key)),
        time=_when(tr, entry.created_at, now, network.zone),
        waited=waited,
    )
    state = [] if entry.residents < 2 else [tr.ngettext("👥 {n} resident", "👥 {n} residents", entry.residents)]
    state += [
        tr.gettext("👍 {n}/{quorum}", n=entry.confirms, quorum=network.quorum),
        tr.gettext("👎 {n}/{quorum}", n=entry.false_alarms, quorum=network.quorum),
    ]
    for name, until in entry.claims:
        state.append(tr.gettext("🚶 {name} until {time}", name=name, time=local_clock(tr, until, network.zone)))
    if entry.unanswered:
        state.append(
            tr.ngettext(
                "❓ {n} question waiting for an answer", "❓ {n} questions waiting for an answer", entry.unanswered
            )
        )
    return [first, "   " + " · ".join(state)]


def _alert_line(tr: Translator, alert: LiveAlert, network: Network, now: datetime) -> str:
    return tr.gettext(
        "• {ref} · {place} · published {time}",
        ref=Html(_ref(alert.public_ref, alert.card)),
        place=Html(_place(tr, network, alert.neighborhood_key)),
        time=_when(tr, alert.published_at, now, network.zone),
    )


def duration(tr: Translator, seconds: float) -> Html:
    """A wait as people say it: "40 s", "6 min", "2 h 5 min", "3 d 4 h"."""
    whole = max(0, round(seconds))
    if whole < 60:
        return tr.gettext("{n} s", n=whole)
    minutes = whole // 60
    if minutes < 60:
        return tr.gettext("{n} min", n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return tr.gettext("{hours} h {minutes} min", hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return tr.gettext("{days} d {hours} h", days=days, hours=hours)


def render_stats(tr: Translator, stats: Stats) -> Html:
    lines: list[str] = []
    for window in stats.windows:
        if lines:
            lines.append("")
        lines.extend(_window_lines(tr, window))
    lines.append("")
    lines.append(
        tr.gettext("Nothing here is about reporters. A verifier whose votes are no longer on record is shown by a tag.")
    )
    return Html("\n".join(lines))


def _window_lines(tr: Translator, window: WindowFigures) -> list[str]:
    lines: list[str] = [
        tr.ngettext("📈 <b>Last {n} day</b>", "📈 <b>Last {n} days</b>", window.days),
        tr.gettext("Reports: {n}", n=window.reports),
    ]
    if window.attached:
        lines.append(tr.gettext("   of which added to another report of the same area: {n}", n=window.attached))
    lines += [
        tr.gettext("Published: {n}", n=window.published),
        tr.gettext("Rejected: {n}", n=window.rejected),
    ]
    lines.extend(rejection_lines(tr, window.rejections))
    lines.append(tr.gettext("Closed unconfirmed: {n}", n=window.unconfirmed))
    if window.withdrawn:
        lines.append(tr.gettext("Withdrawn by the reporter: {n}", n=window.withdrawn))
    if window.publication_median is not None and window.publication_p90 is not None:
        lines.append(
            tr.gettext(
                "From report to publication: median {median}, 90% within {p90}",
                median=duration(tr, window.publication_median),
                p90=duration(tr, window.publication_p90),
            )
        )
    if window.verifiers:
        lines.append(tr.gettext("Verifiers (votes · median time to vote):"))
        for figures in window.verifiers[:MAX_VERIFIERS]:
            lines.append(
                tr.gettext(
                    "• {name}: {votes} · {median}",
                    name=figures.label,
                    votes=figures.votes,
                    median=duration(tr, figures.median_seconds),
                )
            )
        if len(window.verifiers) > MAX_VERIFIERS:
            rest = len(window.verifiers) - MAX_VERIFIERS
            lines.append(tr.ngettext("…and {n} more.", "…and {n} more.", rest))
    else:
        lines.append(tr.gettext("No votes."))
    return lines


def refusal(tr: Translator, why: NotAllowed) -> Html:
    match why:
        case NotAllowed.WRONG_CHAT:
            return tr.gettext("/queue works in the verifier group.")
        case NotAllowed.NOT_A_MEMBER:
            return tr.gettext("/queue is only for members of the verifier group.")
        case NotAllowed.NOT_AN_ORGANIZER:
            return tr.gettext("/stats is only for the organizers of this network.")
