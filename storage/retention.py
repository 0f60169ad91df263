"""SQL that forgets: the retention purge and a resident's /forgetme.

Before report rows go, they are folded into anonymous daily counts (day, neighborhood, outcome),
and what /stats needs into figures that name no reporter (storage.overview).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.codec import to_text
from storage.dialect import Connection, Dialect
from storage.drills import DrillQueries
from storage.overview import OverviewQueries

_FOLD_INTO_STATISTICS = """
INSERT INTO report_statistics (day, neighborhood_key, status, count)
SELECT substr(created_at, 1, 10), neighborhood_key, {status}, count(*) FROM reports
WHERE {condition}
GROUP BY 1, 2, 3
ON CONFLICT (day, neighborhood_key, status) DO UPDATE SET count = report_statistics.count + excluded.count
"""

# A rejected report also leaves its reason, and whether a rumor check was posted for it.
_FOLD_REJECTIONS = """
INSERT INTO rejection_statistics (day, neighborhood_key, reason, count, rumor_checks)
SELECT substr(created_at, 1, 10), neighborhood_key, COALESCE(rejections.reason, ''), count(*),
       count(rejections.rumor_check_posted_at)
FROM reports JOIN rejections ON rejections.report_id = reports.id
WHERE {condition}
GROUP BY 1, 2, 3
ON CONFLICT (day, neighborhood_key, reason) DO UPDATE SET
    count = rejection_statistics.count + excluded.count,
    rumor_checks = rejection_statistics.rumor_checks + excluded.rumor_checks
"""


_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class PurgeCounts:
    reports: int
    contacts: int
    reporter_records: int


@dataclass(frozen=True)
class WithdrawnCard:
    public_ref: str
    chat_id: int | None
    message_id: int | None
    photo_message_ids: tuple[int, ...] = ()
    # Corroboration (issue 9): for an attached report, the report it joined (its card's count drops);
    # for a withdrawn report, the other residents' reports attached to it (they get cards of their own).
    joined_id: int | None = None
    attached_ids: tuple[int, ...] = ()


class RetentionQueries(DrillQueries, OverviewQueries):
    _db: Connection
    _sql: Dialect

    async def purge(
        self, *, closed_before: datetime, contacts_closed_before: datetime, records_idle_since: datetime, now: datetime
    ) -> PurgeCounts:
        # A report attached as corroboration closes with the one it joined; if that one is gone
        # without closing it (its link was set to NULL), it closes now, so it is not kept forever.
        await self._db.execute(
            "UPDATE reports SET closed_at = ? WHERE status = 'merged' AND attached_to IS NULL AND closed_at IS NULL",
            (to_text(now),),
        )
        # A drill's reports go at the retention limit whatever their state, before anything is
        # folded into the counts: a drill counts nowhere (issue 19).
        await self.forget_drill_reports(created_before=closed_before)
        # Closed, and if it became an alert, that alert has ended too (it may still need the reporter).
        closed = (
            "closed_at IS NOT NULL AND closed_at < :cutoff AND NOT EXISTS (SELECT 1 FROM alerts"
            " WHERE alerts.report_id = reports.id AND (alerts.status = 'active' OR alerts.closed_at >= :cutoff))"
        )
        cutoff = {"cutoff": to_text(closed_before)}
        await self._db.execute(_FOLD_INTO_STATISTICS.format(status="status", condition=closed), cutoff)
        await self._db.execute(_FOLD_REJECTIONS.format(condition=closed), cutoff)
        await self.fold_desk_statistics(closed, cutoff)
        await self.purge_desk_statistics(now)
        # Contacts first: a report kept for its record must still not keep a way to reach the reporter.
        contacts = await self._db.execute(
            f"DELETE FROM reporter_contacts WHERE report_id IN (SELECT id FROM reports WHERE {closed})",
            {"cutoff": to_text(contacts_closed_before)},
        )
        reports = await self._db.execute(f"DELETE FROM reports WHERE {closed}", cutoff)
        records = await self._db.execute(
            "DELETE FROM reporter_records WHERE last_report_at < ?", (to_text(records_idle_since),)
        )
        await self._db.execute("DELETE FROM reporter_mutes WHERE until < ?", (to_text(now),))
        # A bucket untouched for an hour is full again, the same as no row at all.
        await self._db.execute("DELETE FROM intake_buckets WHERE updated_at < ?", (to_text(now - _HOUR),))
        return PurgeCounts(reports.rowcount, contacts.rowcount, records.rowcount)

    async def forget_reporter(self, pseudonym: str) -> list[WithdrawnCard]:
        """Erase what is linked to a pseudonym. Returns the cards of the reports it withdrew.

        Published alerts stay (they are public and name no one) but lose their link to the
        pseudonym; a mute stays until it ends, so forgetting is not a way around it.
        """
        # Open reports, and reports attached to another one (their reply in the group goes the same way).
        async with self._db.execute(
            "SELECT r.public_ref, r.card_chat_id, r.card_message_id, r.attached_to,"
            f" (SELECT {self._sql.json_array_of('p.message_id')} FROM report_photos p"
            "  WHERE p.report_id = r.id AND p.message_id IS NOT NULL) AS photos,"
            f" (SELECT {self._sql.json_array_of('a.id')} FROM reports a"
            "  WHERE a.attached_to = r.id AND a.status = 'merged')"
            "  AS attached"
            " FROM reports r WHERE r.reporter_pseudonym = ? AND r.status IN ('pending', 'merged') ORDER BY r.id",
            (pseudonym,),
        ) as cursor:
            withdrawn = [
                WithdrawnCard(
                    r["public_ref"],
                    r["card_chat_id"],
                    r["card_message_id"],
                    tuple(json.loads(r["photos"] or "[]")),
                    joined_id=r["attached_to"],
                    attached_ids=tuple(json.loads(r["attached"] or "[]")),
                )
                for r in await cursor.fetchall()
            ]
        # The desk's questions and answers, and the messages that carried them, go from the reports
        # that stay (published alerts) too: an answer is the reporter's own words or photo.
        await self._db.execute(
            "DELETE FROM desk_questions WHERE report_id IN (SELECT id FROM reports WHERE reporter_pseudonym = ?)",
            (pseudonym,),
        )
        await self._db.execute(
            "DELETE FROM outbox"
            " WHERE kind IN ('reporter_question', 'question_answered', 'desk_answer', 'desk_answer_photo')"
            " AND report_id IN (SELECT id FROM reports WHERE reporter_pseudonym = ?)",
            (pseudonym,),
        )
        # What their photos' metadata hinted at, and their fingerprints, from the reports that stay too.
        await self._db.execute(
            "DELETE FROM photo_evidence WHERE report_id IN (SELECT id FROM reports WHERE reporter_pseudonym = ?)",
            (pseudonym,),
        )
        mine = "reporter_pseudonym = ? AND status != 'published'"
        await self._db.execute(
            _FOLD_INTO_STATISTICS.format(
                status="CASE status WHEN 'pending' THEN 'withdrawn' ELSE status END", condition=mine
            ),
            (pseudonym,),
        )
        await self._db.execute(_FOLD_REJECTIONS.format(condition=mine), (pseudonym,))
        await self.fold_desk_statistics(mine, (pseudonym,))
        await self._db.execute(f"DELETE FROM reports WHERE {mine}", (pseudonym,))
        await self._db.execute(
            "DELETE FROM reporter_contacts WHERE report_id IN (SELECT id FROM reports WHERE reporter_pseudonym = ?)",
            (pseudonym,),
        )
        await self._db.execute(
            "UPDATE reports SET reporter_pseudonym = ? WHERE reporter_pseudonym = ?",
            (f"forgotten:{secrets.token_hex(16)}", pseudonym),
        )
        # Its false alarms by reason (reporter_false_alarms) go with it, by cascade.
        await self._db.execute("DELETE FROM reporter_records WHERE pseudonym = ?", (pseudonym,))
        await self._db.execute("DELETE FROM resident_settings WHERE pseudonym = ?", (pseudonym,))
        await self._db.execute("DELETE FROM resident_notices WHERE pseudonym = ?", (pseudonym,))
        await self._db.execute("DELETE FROM drafts WHERE reporter_pseudonym = ?", (pseudonym,))
        return withdrawn

    async def statistics(self) -> list[tuple[str, str, str, int]]:
        async with self._db.execute(
            "SELECT day, neighborhood_key, status, count FROM report_statistics ORDER BY 1, 2, 3"
        ) as cursor:
            return [(r["day"], r["neighborhood_key"], r["status"], r["count"]) for r in await cursor.fetchall()]
