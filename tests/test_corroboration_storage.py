"""Corroboration in storage, against a real SQLite file: attaching, counting, detaching, closing with
the joined report, the purge and /forgetme."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.lifecycle import AlertStatus
from bot.domain.reports import new_public_ref
from bot.domain.verification import ReportStatus
from tests.samples import DAY, NOW, clovis_report, purge_at


async def add(repo, pseudonym: str, **overrides):
    return await repo.add_report(clovis_report(reporter_pseudonym=pseudonym, **overrides), new_public_ref)


async def test_open_reports_of_a_neighborhood_are_pending_or_live_alerts_and_never_attached_ones(database):
    async with database.unit_of_work() as repo:
        pending = await add(repo, "tom")
        live = await add(repo, "ana")
        await repo.set_status(live.id, ReportStatus.PUBLISHED, NOW)
        await repo.start_alert(live.id, NOW)
        ended = await add(repo, "luis")
        await repo.set_status(ended.id, ReportStatus.PUBLISHED, NOW)
        await repo.start_alert(ended.id, NOW)
        await repo.set_alert_status(ended.id, AlertStatus.ENDED, NOW)
        rejected = await add(repo, "marta")
        await repo.set_status(rejected.id, ReportStatus.REJECTED, NOW)
        elsewhere = await add(repo, "eve", neighborhood_key="vado")
        attached = await add(repo, "rosa")
        await repo.attach_report(attached.id, pending.id)
        found = {c.report_id: c for c in await repo.open_reports_in("clovis")}
        assert set(found) == {pending.id, live.id}
        assert found[live.id].alert is AlertStatus.ACTIVE and found[pending.id].alert is None
        assert [c.report_id for c in await repo.open_reports_in("vado")] == [elsewhere.id]


async def test_an_attached_report_keeps_its_own_row_and_contact_and_counts_its_reporter(database):
    async with database.unit_of_work() as repo:
        joined = await add(repo, "tom")
        first = await add(repo, "rosa", description="Tres camionetas")
        again = await add(repo, "rosa", description="Ahora cinco")
        for report in (first, again):
            await repo.attach_report(report.id, joined.id)
        stored = await repo.report(first.id)
        assert stored.status is ReportStatus.MERGED and stored.attached_to == joined.id
        assert stored.closed_at is None and stored.description == "Tres camionetas"
        assert await repo.reporter_chat_id(first.id) is not None  # she hears the outcome later
        assert await repo.attached_report_ids(joined.id) == [first.id, again.id]
        # Everyone in the family, from any of its reports: one entry per report, counted once later.
        assert sorted(await repo.reporters_joined(joined.id)) == ["rosa", "rosa", "tom"]
        assert sorted(await repo.reporters_joined(first.id)) == ["rosa", "rosa", "tom"]
        # Not the reporter's "open report here": she may add to it again.
        assert await repo.open_report_in("rosa", "clovis") is None


async def test_detaching_makes_it_pending_with_no_card_and_out_of_the_family(database):
    async with database.unit_of_work() as repo:
        joined = await add(repo, "tom")
        attached = await add(repo, "rosa")
        await repo.attach_report(attached.id, joined.id)
        await repo.attach_card(attached.id, -100, 42, [])  # its reply in the group
        await repo.detach_report(attached.id)
        stored = await repo.report(attached.id)
        assert stored.status is ReportStatus.PENDING and stored.attached_to is None
        assert stored.card_message_id is None and stored.card_chat_id is None and stored.closed_at is None
        assert await repo.reporters_joined(joined.id) == ["tom"]
        assert await repo.attached_report_ids(joined.id) == []
        assert await repo.open_report_in("rosa", "clovis") == stored.public_ref


async def test_attached_reports_close_with_the_joined_report_and_are_then_purged_like_it(database):
    async with database.unit_of_work() as repo:
        joined = await add(repo, "tom")
        attached = await add(repo, "rosa")
        await repo.attach_report(attached.id, joined.id)
        await purge_at(repo, NOW + 8 * DAY)
        # Still waiting for the joined report's outcome: neither it nor the contact is purged.
        assert (await repo.report(attached.id)).closed_at is None
        assert await repo.reporter_chat_id(attached.id) is not None
        await repo.set_status(joined.id, ReportStatus.REJECTED, NOW + 8 * DAY)
        await repo.close_attached(joined.id, NOW + 8 * DAY)
        assert (await repo.report(attached.id)).closed_at == NOW + 8 * DAY
        await purge_at(repo, NOW + 8 * DAY + timedelta(hours=2))
        assert await repo.reporter_chat_id(attached.id) is None  # contact goes after the grace period
        counts = await purge_at(repo, NOW + 15 * DAY + timedelta(minutes=1))
        assert counts.reports == 2
        assert ("2026-11-22", "clovis", "merged", 1) in await repo.statistics()
        assert ("2026-11-22", "clovis", "rejected", 1) in await repo.statistics()


async def test_an_attached_report_left_without_its_joined_one_is_closed_by_the_purge_not_kept_forever(database):
    async with database.unit_of_work() as repo:
        joined = await add(repo, "tom")
        attached = await add(repo, "rosa")
        await repo.attach_report(attached.id, joined.id)
        await repo.delete_report(joined.id)  # however it went, the link is gone (ON DELETE SET NULL)
        await purge_at(repo, NOW + DAY)
        assert (await repo.report(attached.id)).closed_at == NOW + DAY
        await purge_at(repo, NOW + 8 * DAY + timedelta(minutes=1))
        assert await repo.attached_report_ids(joined.id) == []
        assert await repo.open_reports_in("clovis") == []
        counts = await purge_at(repo, NOW + 9 * DAY)
        assert counts.reports == 0


async def test_forgetme_of_an_attached_reporter_withdraws_her_reply_and_names_the_joined_report(database):
    async with database.unit_of_work() as repo:
        joined = await add(repo, "tom")
        attached = await add(repo, "rosa")
        await repo.attach_report(attached.id, joined.id)
        await repo.attach_card(attached.id, -100, 42, [])
        await repo.settle_album(attached.id, [], [])
        withdrawn = await repo.forget_reporter("rosa")
        assert [(w.public_ref, w.message_id, w.joined_id) for w in withdrawn] == [(attached.public_ref, 42, joined.id)]
        assert await repo.attached_report_ids(joined.id) == []
        assert await repo.reporters_joined(joined.id) == ["tom"]


async def test_forgetme_of_the_joined_reporter_names_the_attached_reports_that_must_not_vanish(database):
    async with database.unit_of_work() as repo:
        joined = await add(repo, "tom")
        attached = await add(repo, "rosa")
        await repo.attach_report(attached.id, joined.id)
        withdrawn = await repo.forget_reporter("tom")
        assert [(w.public_ref, w.attached_ids) for w in withdrawn] == [(joined.public_ref, (attached.id,))]
        # Rosa's report survives the deletion of the one it joined (ON DELETE SET NULL).
        survivor = await repo.report(attached.id)
        assert survivor.attached_to is None and survivor.reporter_pseudonym == "rosa"


async def test_the_first_media_message_and_the_card_row_a_reply_waits_for(database):
    async with database.unit_of_work() as repo:
        report = await add(repo, "rosa")
        assert await repo.first_media_message(report.id) is None
        assert await repo.card_outbox_id(report.id) is None
        await repo._db.execute(
            "INSERT INTO report_photos (report_id, position, file_id, message_id)"
            " VALUES (?, 0, 'f0', 7), (?, 1, 'f1', 8)",
            (report.id, report.id),
        )
        assert await repo.first_media_message(report.id) == 7
