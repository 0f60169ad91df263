"""Issue 13, end to end: the retention purge empties the outbox of settled messages, and an alert
whose messages were purged can still be updated in its channels."""

from __future__ import annotations

from tests.e2e.harness import TravelClock, running_vigil
from tests.e2e.people import Verifier, card_in_group, text_of
from tests.e2e.steps import post, publish, replies, wait_card
from tests.sample_network import CLOVIS_EN_CHANNEL, CLOVIS_ES_CHANNEL, MARTA


async def outbox_kinds(vigil) -> list[str]:
    async with vigil.services.database.unit_of_work() as repo:
        rows = [await repo.queued(outbox_id) for outbox_id in range(1, 200)]
    return sorted(str(row.message.kind) for row in rows if row is not None)


async def test_the_purge_drops_settled_messages_but_keeps_the_posts_a_later_edit_needs(fake, tmp_path):
    clock = TravelClock()
    async with running_vigil(fake, tmp_path, clock=clock) as vigil:
        ref = await publish(fake)
        await Verifier(fake, MARTA).presses(card_in_group(fake, ref), "🔄")
        await fake.wait_until(
            lambda: len(replies(fake, CLOVIS_EN_CHANNEL)) == 1 and len(replies(fake, CLOVIS_ES_CHANNEL)) == 1
        )
        await vigil.outbox_idle()
        before = await outbox_kinds(vigil)
        assert {"card_edit", "channel_reply", "reporter_notice"} <= set(before)

        clock.advance(days=6)
        await vigil.services.retention.purge()
        assert await outbox_kinds(vigil) == before  # settled less than a week ago
        clock.advance(days=1, minutes=1)
        await vigil.services.retention.purge()
        assert await outbox_kinds(vigil) == ["channel_post", "channel_post"]  # what later edits refer to

        # The alert's expiry passed long ago; the alarm rings: both posts are still edited in place.
        vigil.alarm_rings()
        await fake.wait_until(lambda: "EXPIRED" in text_of(post(fake, CLOVIS_EN_CHANNEL)), what="the expiry edit")
        await fake.wait_until(lambda: "VENCIDA" in text_of(post(fake, CLOVIS_ES_CHANNEL)), what="the Spanish edit")
        await wait_card(fake, ref, "alert expired without an update")
        await vigil.outbox_idle()
