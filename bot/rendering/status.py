"""/status for the organizers: what is waiting, what is live, what is stuck, what went wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.delivery import Backlog, DeliveryProblem, FanOutProgress
from bot.domain.lease import Lease
from bot.i18n import Html, Translator, escape
from bot.rendering.labels import local_time

MAX_ERROR_CHARS = 200


@dataclass(frozen=True)
class StatusReport:
    now: datetime
    pending_reports: int
    oldest_pending: datetime | None
    active_alerts: int
    backlog: Backlog
    next_deadline: datetime | None
    recent_problems: list[DeliveryProblem]
    subscribers: int = 0
    fan_outs: tuple[FanOutProgress, ...] = ()
    # On PostgreSQL: who holds the lease, and the standbys seen lately (name, when).
    lease: Lease | None = None
    standbys: tuple[tuple[str, datetime], ...] = ()


def render_status(tr: Translator, status: StatusReport, zone: ZoneInfo) -> Html:
    def when(moment: datetime) -> str:
        return local_time(tr, moment, zone)

    lines = [tr.gettext("📊 <b>Vigil status</b> — {time}", time=when(status.now)), ""]
    if status.lease is not None:
        lines.append(
            tr.gettext(
                "🖥 Active instance: {name} (lease {epoch}, since {time})",
                name=status.lease.holder,
                epoch=status.lease.epoch,
                time=when(status.lease.taken_at),
            )
        )
        for name, seen in status.standbys:
            lines.append(tr.gettext("   standby: {name}, seen {time}", name=name, time=when(seen)))
    lines.append(tr.gettext("🔎 Reports waiting for verification: {n}", n=status.pending_reports))
    if status.oldest_pending is not None:
        lines.append(tr.gettext("   oldest sent {time}", time=when(status.oldest_pending)))
    lines.append(tr.gettext("🟢 Active alerts: {n}", n=status.active_alerts))
    lines.append(tr.gettext("📤 Messages waiting to be sent: {n}", n=status.backlog.waiting))
    if status.backlog.oldest_waiting_since is not None:
        lines.append(tr.gettext("   oldest waiting since {time}", time=when(status.backlog.oldest_waiting_since)))
    lines.append(
        tr.gettext(
            "⚠️ Messages that failed: {failed}; not confirmed by Telegram: {unknown}",
            failed=status.backlog.failed,
            unknown=status.backlog.unknown,
        )
    )
    lines.append(tr.gettext("📬 Subscribers (alerts by direct message): {n}", n=status.subscribers))
    for fan_out in status.fan_outs:
        lines.append(
            tr.ngettext(
                "   {ref}: sent to {sent} of {n} subscriber, {waiting} still waiting",
                "   {ref}: sent to {sent} of {n} subscribers, {waiting} still waiting",
                fan_out.total,
                ref=fan_out.public_ref,
                sent=fan_out.sent,
                waiting=fan_out.waiting,
            )
        )
    if status.next_deadline is not None:
        lines.append(tr.gettext("⏰ Next reminder or expiry: {time}", time=when(status.next_deadline)))
    lines.append("")
    if not status.recent_problems:
        lines.append(tr.gettext("No delivery errors."))
    else:
        lines.append(tr.gettext("<b>Last delivery errors:</b>"))
        for problem in status.recent_problems:
            # A reporter's or a subscriber's chat id is never shown: it is a Telegram account.
            if problem.chat_id is not None:
                where = str(problem.chat_id)
            elif problem.kind.is_to_subscriber:
                where = tr.gettext("a subscriber")
            else:
                where = tr.gettext("a reporter")
            error = (problem.error or "")[:MAX_ERROR_CHARS]
            moment = when(problem.at) if problem.at else "?"
            lines.append(Html(f"• {escape(moment)} — {escape(where)}: {escape(error)}"))
    return Html("\n".join(lines))


def not_an_organizer(tr: Translator) -> Html:
    return tr.gettext("/status is only for the organizers of this network.")
