"""/status names the active instance and the standbys when two Vigils share PostgreSQL (issue 22)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.delivery import Backlog
from bot.domain.lease import Lease
from bot.i18n import Catalogs
from bot.rendering.status import StatusReport, render_status

NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
ZONE = ZoneInfo("America/Denver")


def status(**more: object) -> StatusReport:
    return StatusReport(
        now=NOW,
        pending_reports=0,
        oldest_pending=None,
        active_alerts=0,
        backlog=Backlog(0, None, 0, 0),
        next_deadline=None,
        recent_problems=[],
        **more,  # type: ignore[arg-type]
    )


def test_status_names_the_active_instance_its_lease_and_the_standby_in_english_and_spanish():
    lease = Lease("east <1>", 7, NOW - timedelta(minutes=3), NOW + timedelta(seconds=6))
    report = status(lease=lease, standbys=(("west", NOW - timedelta(seconds=1)),))
    english = render_status(Catalogs.load()("en"), report, ZONE)
    assert "Active instance: east &lt;1&gt; (lease 7, since " in english  # a name is escaped like any text
    assert "standby: west, seen " in english
    spanish = render_status(Catalogs.load()("es"), report, ZONE)
    assert "Instancia activa: east &lt;1&gt; (turno 7, desde " in spanish and "en espera: west" in spanish


def test_a_single_vigil_on_sqlite_shows_no_instance_line():
    english = render_status(Catalogs.load()("en"), status(), ZONE)
    assert "instance" not in english.lower() and "standby" not in english
