"""📣 Post a rumor check: the network tells the neighborhood a report was NOT confirmed.

When a false "ICE is here!" is going round, the network's denial matters as much as a real alert,
so it is held to the same rules as one: two distinct members of the verifier group, never the
reporter (bot.domain.rejection), and the posts, one per channel in each channel's languages, are
written to the outbox in the transaction of the press that reached the quorum, at the priority of
alerts. A third press, or a redelivered one, posts nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.rejection import RumorSupport, decide_rumor_check
from bot.services import announcements
from bot.services.deps import ServiceDeps
from bot.services.presses import Press, Pressed, Presses, Refused

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RumorChecked:
    public_ref: str
    supporters: int  # verifiers who asked for it so far, this one included
    quorum: int
    posted: bool  # this press reached the quorum: the posts are on their way


class RumorCheckService:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._network = deps.network
        self._presses = Presses(deps)

    async def press(self, press: Press) -> RumorChecked | Refused:
        return await self._presses.handle(press, self._decide)

    async def _decide(self, pressed: Pressed) -> RumorChecked:
        repo, report, now = pressed.repo, pressed.report, pressed.now
        rejection = await repo.rejection(report.id)
        decision = decide_rumor_check(
            status=report.status,
            rejected_at=report.closed_at,
            posted=rejection is not None and rejection.rumor_check_posted_at is not None,
            supporters=[s.verifier for s in rejection.supporters] if rejection else [],
            reporter_pseudonym=report.reporter_pseudonym,
            voter=pressed.voter,
            quorum=self._network.quorum,
            now=now,
        )
        if rejection is None:
            # Rejected before reasons were recorded (migration 0014): its record starts now.
            await repo.record_rejection(report.id, None, report.closed_at or now)
        await repo.add_rumor_support(report.id, RumorSupport(pressed.voter.pseudonym, pressed.press.first_name, now))
        if decision.post:
            await repo.rumor_check_posted(report.id, now)
            posts = await announcements.post_rumor_check(
                repo, report, self._network, self._deps.catalogs, now, links=self._deps.links
            )
            if not posts:
                log.error(
                    "report %s names neighborhood %r, which the network file no longer has: no rumor check posted",
                    report.public_ref,
                    report.neighborhood_key,
                )
            log.info("rumor check for %s queued to %s channel(s)", report.public_ref, posts)
        await repo.enqueue_card_refresh(report.id, now)
        return RumorChecked(report.public_ref, len(decision.supporters), self._network.quorum, decision.post)
