"""A desk's past, written through the repository and the announcements, for the feed and `vigil
export` tests and the benchmark.

Each day and neighborhood gets a published report (confirmed by two verifiers, 6 to 11 minutes from
Send to the post), a false alarm with its reason and a rumor check, one nobody confirmed and one
attached to the published one as corroboration. Reports from before `purge_before` are purged,
as the retention purge does, so the export reads them from the anonymous counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.lifecycle import AlertStatus, DeadlineKind
from bot.domain.public_text import PublicText
from bot.domain.rejection import RejectionReason
from bot.domain.reports import RecordedVote, Report, new_public_ref
from bot.domain.verification import ReportStatus, VoteKind
from bot.i18n import Catalogs
from bot.network import Network
from bot.services import announcements
from storage.database import Database
from tests.samples import clovis_report

VERIFIERS = (("verifier-ana", "Ana"), ("verifier-luis", "Luis"))


async def write_history(
    db: Database,
    *,
    first_day: datetime,
    days: int,
    neighborhoods: tuple[str, ...],
    purge_before: datetime | None = None,
) -> None:
    for day in range(days):
        morning = first_day + timedelta(days=day, hours=14)
        async with db.unit_of_work() as repo:
            for index, key in enumerate(neighborhoods):
                sent = morning + timedelta(minutes=index)
                published = await repo.add_report(
                    clovis_report(neighborhood_key=key, created_at=sent, reporter_pseudonym=f"reporter-{day}-{index}"),
                    new_public_ref,
                )
                posted = sent + timedelta(minutes=6 + (day + index) % 6)
                for offset, (pseudonym, name) in enumerate(VERIFIERS):
                    vote = RecordedVote(pseudonym, name, VoteKind.CONFIRM, posted - timedelta(minutes=1 - offset))
                    await repo.add_vote(published.id, vote)
                await repo.set_status(published.id, ReportStatus.PUBLISHED, posted)
                await repo.start_alert(published.id, posted)
                await repo.set_alert_status(published.id, AlertStatus.ENDED, posted + timedelta(hours=1))
                attached = await repo.add_report(
                    clovis_report(neighborhood_key=key, created_at=sent + timedelta(minutes=2)), new_public_ref
                )
                await repo.attach_report(attached.id, published.id)
                await repo.close_attached(published.id, posted + timedelta(hours=1))
                rejected = await repo.add_report(
                    clovis_report(neighborhood_key=key, created_at=sent + timedelta(hours=2)), new_public_ref
                )
                await repo.set_status(rejected.id, ReportStatus.REJECTED, sent + timedelta(hours=2, minutes=9))
                await repo.record_rejection(rejected.id, RejectionReason.NOT_ENFORCEMENT, sent + timedelta(hours=2))
                await repo.rumor_check_posted(rejected.id, sent + timedelta(hours=2, minutes=20))
                unconfirmed = await repo.add_report(
                    clovis_report(neighborhood_key=key, created_at=sent + timedelta(hours=3)), new_public_ref
                )
                await repo.set_status(unconfirmed.id, ReportStatus.EXPIRED, sent + timedelta(hours=4))
    if purge_before is not None:
        async with db.unit_of_work() as repo:
            await repo.purge(
                closed_before=purge_before,
                contacts_closed_before=purge_before,
                records_idle_since=purge_before - timedelta(days=365),
                now=purge_before,
            )


NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC)


async def publish_alert(
    db: Database, network: Network, catalogs: Catalogs, at: datetime, text: PublicText | None = None
) -> Report:
    """What a second confirmation commits for a Clovis report sent six minutes before `at`: the alert,
    its expiry, its posts (and, with the network's feed on, its CAP message)."""
    async with db.unit_of_work() as repo:
        report = await repo.add_report(clovis_report(created_at=at - timedelta(minutes=6)), new_public_ref)
        await repo.set_status(report.id, ReportStatus.PUBLISHED, at)
        await repo.start_alert(report.id, at)
        await repo.set_deadline(report.id, DeadlineKind.EXPIRE_ALERT, at + timedelta(hours=4))
        report = await repo.report(report.id)
        await announcements.post_alert(repo, report, text or PublicText.default_for(report), network, catalogs, at)
    return report


async def close_alert(
    db: Database,
    network: Network,
    catalogs: Catalogs,
    report: Report,
    status: AlertStatus,
    at: datetime,
    last_active_at: datetime,
) -> None:
    """An all clear, a retraction or an expiry: the alert's status and every post's edit."""
    async with db.unit_of_work() as repo:
        await repo.set_alert_status(report.id, status, at)
        await announcements.alert_closed(
            repo, report, network, catalogs, at, status=status, last_active_at=last_active_at
        )
