"""Drills (issue 19): the desk practises on made-up reports, and nobody outside hears of it.

An organizer starts a drill with /drill; its simulated residents send their reports through the
residents' own submission path (:meth:`ResidentService.submit_simulated`), so the verifiers meet
the real card, the real buttons and the real rules (two distinct verifiers, never the reporter).
The dispatcher keeps every message of it inside (:mod:`bot.services.drill_scope`) and hands the
questions meant for the resident back here, where the scenario's scripted answers reply.

When every scenario is settled, or at /drill stop, the after-action report goes to the verifier
group (and to the organizer, if they started the drill in private); once it has been sent the
drill's reports are deleted. The retention purge
deletes any left at the latest after ``retention.closed_report_days``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain import drills as rules
from bot.domain.delivery import MessageKind, Outgoing, QueuedMessage
from bot.domain.draft import Draft
from bot.domain.evidence import PhotoEvidence
from bot.domain.reports import new_public_ref
from bot.domain.stats import verifier_tag
from bot.drills import pictures
from bot.drills.library import Scenario, place_for
from bot.i18n import Html
from bot.photos import CleanImage, sanitize_image
from bot.rendering.drills import after_action_report
from bot.services.deps import ServiceDeps
from bot.services.desk import DeskService
from bot.services.residents import CleanPhoto, DuplicateSubmit, ResidentService, SimulatedResident
from bot.services.status import organizer_here
from storage.drills import DrillRecord, PlannedReport
from storage.repository import Repository

log = logging.getLogger(__name__)

POLL_WHILE_REPORTING = timedelta(seconds=2)  # look again until the after-action report has left


class DrillRefusal(StrEnum):
    NOT_AN_ORGANIZER = "not_an_organizer"  # not in admin_user_ids, or not in private / the verifier group
    ALREADY_RUNNING = "already_running"
    NO_DRILL = "no_drill"
    NOTHING_CHOSEN = "nothing_chosen"


@dataclass(frozen=True)
class DrillChoice:
    """What the organizer picked on the /drill menu: scenario keys, pace, language mix, and
    whether the after-action report may list the verifiers' own tags."""

    scenarios: tuple[str, ...]
    pace: rules.Pace
    mix: rules.LanguageMix
    show_tags: bool = False


@dataclass(frozen=True)
class RealReportsOpen:
    """Real reports are waiting: the organizer must confirm before a drill adds to the desk."""

    count: int


@dataclass(frozen=True)
class Started:
    drill_id: int
    reports: int


@dataclass(frozen=True)
class Stopped:
    drill_id: int


class DrillService:
    def __init__(
        self, deps: ServiceDeps, *, residents: ResidentService, desk: DeskService, library: tuple[Scenario, ...]
    ) -> None:
        self._deps = deps
        self._residents = residents
        self._desk = desk
        self._library = library
        self._by_key = {scenario.key: scenario for scenario in library}

    @property
    def library(self) -> tuple[Scenario, ...]:
        return self._library

    def allowed(self, *, user_id: int, chat_id: int, private: bool) -> bool:
        """Drills are the organizers' (admin_user_ids), in their private chat or the verifier group:
        the same rule as /status and /stats."""
        return organizer_here(self._deps.network, user_id=user_id, chat_id=chat_id, private=private)

    # --- starting and stopping ------------------------------------------------------------------

    async def start(
        self, choice: DrillChoice, *, user_id: int, chat_id: int, private: bool, confirmed: bool = False
    ) -> Started | RealReportsOpen | DrillRefusal:
        if not self.allowed(user_id=user_id, chat_id=chat_id, private=private):
            return DrillRefusal.NOT_AN_ORGANIZER
        chosen = [self._by_key[key] for key in choice.scenarios if key in self._by_key]
        if not chosen:
            return DrillRefusal.NOTHING_CHOSEN
        # Drawn before the transaction (a picture takes a few milliseconds of CPU, off the event loop).
        earlier = [(s, await _fingerprint(s.photo)) for s in chosen if s.earlier_days]
        now = self._deps.clock()
        async with self._deps.database.unit_of_work() as repo:
            if await repo.running_drill() is not None:
                return DrillRefusal.ALREADY_RUNNING
            waiting = await repo.open_real_reports()
            if waiting and not confirmed:
                return RealReportsOpen(waiting)
            planned = rules.plan([(s.key, s.residents) for s in chosen], choice.pace, choice.mix, now)
            drill_id = await repo.create_drill(chat_id, choice.pace, choice.mix, choice.show_tags, planned, now)
            for scenario, fingerprint in earlier:
                if fingerprint is not None:
                    # The old photo "going round again" was sent with a drill report days ago.
                    when = now - timedelta(days=scenario.earlier_days)
                    await repo.seed_earlier_drill_photo(new_public_ref(), self._place(scenario), fingerprint, when)
        log.info("a drill of %s reports started (%s, %s)", len(planned), choice.pace, choice.mix)
        await self.fire_due()
        return Started(drill_id, len(planned))

    async def stop(self, *, user_id: int, chat_id: int, private: bool) -> Stopped | DrillRefusal:
        """/drill stop: no more simulated reports; the after-action report is written now."""
        if not self.allowed(user_id=user_id, chat_id=chat_id, private=private):
            return DrillRefusal.NOT_AN_ORGANIZER
        async with self._deps.database.unit_of_work() as repo:
            drill = await repo.running_drill()
            if drill is None:
                return DrillRefusal.NO_DRILL
            await repo.stop_drill(drill.id, self._deps.clock())
        await self.fire_due()
        return Stopped(drill.id)

    async def report(self, *, user_id: int, chat_id: int, private: bool) -> Html | DrillRefusal:
        """/drill report: the latest after-action report, or how the running drill stands so far."""
        if not self.allowed(user_id=user_id, chat_id=chat_id, private=private):
            return DrillRefusal.NOT_AN_ORGANIZER
        async with self._deps.database.unit_of_work() as repo:
            drill = await repo.latest_drill()
            if drill is None:
                return DrillRefusal.NO_DRILL
            if drill.report_text is not None:
                return Html(drill.report_text)
            return await self._render_report(repo, drill, final=False)

    # --- the simulated residents ------------------------------------------------------------------

    async def fire_due(self) -> datetime | None:
        """Send the simulated reports that are due, write the after-action report when the drill is
        over, forget the drill once that report has left. Returns when to look again."""
        now = self._deps.clock()
        async with self._deps.database.unit_of_work() as repo:
            drill = await repo.running_drill()
            if drill is None:
                return await self._forget_reported(repo)
            # A scenario that left the library (its file was changed before a restart) is skipped.
            rows = [row for row in await repo.planned_reports(drill.id) if row.planned.scenario in self._by_key]
            settled = await self._settled_scenarios(repo, rows)
            sent = {row.planned.position for row in rows if row.sent}
            due = () if drill.stopped_at else rules.due_now([r.planned for r in rows], sent, settled, now)
        for planned in due:
            await self._send(drill, planned)
        if due:
            return now  # look again at once: a one-at-a-time scenario may already be settled
        every = {row.planned.scenario for row in rows}
        if drill.stopped_at is not None or (len(sent) == len(rows) and settled >= every):
            await self._write_report(drill)
            return now + POLL_WHILE_REPORTING
        if drill.stopped_at is None:
            return rules.next_wakeup([r.planned for r in rows], sent)
        return None

    async def _settled_scenarios(self, repo: Repository, rows: list[PlannedReport]) -> set[str]:
        settled: set[str] = set()
        for row in rows:
            if row.planned.resident != 0 or row.report_id is None:
                continue
            scenario = self._by_key.get(row.planned.scenario)
            if scenario is None:
                continue
            if rules.is_settled(scenario.expected.as_expected(), await repo.drill_outcome(row.report_id)):
                settled.add(row.planned.scenario)
        return settled

    async def _send(self, drill: DrillRecord, planned: rules.Planned) -> None:
        scenario = self._by_key.get(planned.scenario)
        if scenario is None:
            return
        language = planned.language
        draft = Draft(started_at=self._deps.clock())
        draft.add_text(scenario.words_of(planned.resident, language))
        for indicator in scenario.indicators:
            draft.toggle(indicator)
        draft.choose_neighborhood(self._place(scenario))
        photos = []
        if scenario.photo:
            # An old photo going round again is a copy of the one sent before: re-saved, smaller.
            # Each corroborating resident took their own picture of the same scene.
            name = scenario.photo if planned.resident == 0 else f"{scenario.photo}-{planned.resident}"
            clean = await asyncio.to_thread(_clean_picture, name, bool(scenario.earlier_days))
            photos.append(CleanPhoto(clean.data, clean.width, clean.height, PhotoEvidence(clean.fingerprint)))
        resident = SimulatedResident(drill.id, planned.position)
        try:
            await self._residents.submit_simulated(draft, photos, resident=resident, language=language)
        except DuplicateSubmit:
            pass  # the alarm rang twice: the first ring sent it

    def _place(self, scenario: Scenario) -> str:
        keys = tuple(n.key for n in self._deps.network.neighborhoods)
        return place_for(scenario.neighborhood, keys, self._library.index(scenario))

    async def simulate(self, message: QueuedMessage) -> None:
        """A message for a simulated resident has been 'delivered': a question gets its scripted
        answer (a written one, or one the script has no answer for, gets "I can't say")."""
        if message.message.kind is not MessageKind.REPORTER_QUESTION or message.report_id is None:
            return
        async with self._deps.database.unit_of_work() as repo:
            found = await repo.drill_question(message.id)
        if found is None:
            return
        question_id, kind, scenario_key, pseudonym, language = found
        scenario = self._by_key.get(scenario_key)
        code = scenario.answers.get(kind) if scenario is not None else None
        words = self._deps.catalogs(language).gettext("I can't say.")
        await self._desk.answer_as_simulated(pseudonym, question_id, code=code, words=str(words))

    # --- the after-action report -------------------------------------------------------------------

    async def _write_report(self, drill: DrillRecord) -> None:
        now = self._deps.clock()
        async with self._deps.database.unit_of_work() as repo:
            current = await repo.running_drill()
            if current is None or current.id != drill.id:
                return
            text = await self._render_report(repo, current, final=True)
            # The group gets it; so does the organizer, when they started the drill in private.
            group = self._deps.network.verifier_group_id
            outbox_id = await repo.enqueue(None, Outgoing(MessageKind.GROUP_NOTICE, group, text), now)
            if drill.chat_id != group:
                await repo.enqueue(None, Outgoing(MessageKind.GROUP_NOTICE, drill.chat_id, text), now)
            await repo.drill_reported(drill.id, text, outbox_id, now)
        self._deps.after_commit()
        log.info("the after-action report of drill %s was written", drill.id)

    async def _render_report(self, repo: Repository, drill: DrillRecord, *, final: bool) -> Html:
        results = []
        report_ids = []
        for row in await repo.planned_reports(drill.id):
            scenario = self._by_key.get(row.planned.scenario)
            if row.planned.resident != 0 or scenario is None:
                continue
            if row.report_id is not None:
                report_ids.append(row.report_id)
                actual = await repo.drill_outcome(row.report_id)
            else:
                actual = rules.Actual(rules.Decision.OPEN)
            results.append(rules.ScenarioResult(scenario.key, scenario.expected.as_expected(), actual))
        tags: tuple[str, ...] = ()
        if drill.show_tags:
            tags = tuple(dict.fromkeys(verifier_tag(p) for p, _ in await repo.verifier_tags_of(report_ids)))
        tr = self._deps.catalogs(self._deps.network.card_language)
        return after_action_report(tr, results, self._by_key, final=final, tags=tags)

    async def _forget_reported(self, repo: Repository) -> datetime | None:
        """Once the after-action report has left (sent, or settled otherwise), the drill's reports go."""
        drill = await repo.latest_drill()
        if drill is None or drill.reported_at is None or not await repo.drill_reports_left():
            return None
        if await repo.drill_report_waiting(drill.id):
            return self._deps.clock() + POLL_WHILE_REPORTING
        gone = await repo.forget_drill_reports()
        log.info("drill %s: %s reports deleted after its after-action report", drill.id, gone)
        return None


def _clean_picture(name: str, copy: bool) -> CleanImage:
    """A scenario's picture, cleaned like a resident's photo (its fingerprint comes from here)."""
    return sanitize_image(pictures.draw(name, copy=copy))


async def _fingerprint(name: str) -> int | None:
    return (await asyncio.to_thread(_clean_picture, name, False)).fingerprint
