"""A resident's draft survives kill -9: the old panel's buttons still work and Send publishes once."""

from __future__ import annotations

from bot.fake_telegram import FakeTelegram
from tests.crash.harness import BotProcess, read_only
from tests.e2e.harness import build_world, jpeg_bytes
from tests.e2e.people import shows_media, text_of
from tests.sample_network import TOKEN, TOM, VERIFIER_GROUP, network_toml


def panel(fake: FakeTelegram) -> dict:
    return next(m for m in reversed(fake.bot_messages(TOM)) if "v1:form:" in str(m.get("reply_markup")))


async def test_a_draft_with_photos_is_completed_after_kill_nine_and_sent_once(tmp_path):
    (tmp_path / "network.toml").write_text(network_toml())
    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as fake:
        build_world(fake)
        bot = BotProcess(fake, tmp_path)
        fake.before_call(lambda method, params: _ready(bot, method))
        try:
            await bot.start()
            await bot.wait_ready()
            fake.user_sends_photo(TOM, jpeg_bytes((200, 30, 30), size=(320, 240)), media_group_id="a")
            fake.user_sends_photo(TOM, jpeg_bytes((30, 200, 30), size=(320, 240)), media_group_id="a")
            await fake.wait_until(lambda: "2 photos" in text_of(panel(fake)) if _any_panel(fake) else False, timeout=20)
            first_panel = panel(fake)
            query = fake.user_presses_button(TOM, TOM, first_panel["message_id"], "v1:form:nb:clovis")
            await fake.wait_for_callback_answer(query, timeout=20)
            fake.user_sends_text(TOM, "Agents in vests at the Clovis dairy gate")
            await fake.wait_until(lambda: "dairy gate" in text_of(panel(fake)), timeout=20)
            await fake.settled()

            bot.kill_now()  # no shutdown code runs
            await bot.reap()
            with read_only(bot.database) as db:
                assert db.execute("SELECT COUNT(*) FROM drafts").fetchone()[0] == 1
                assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0

            await bot.start()
            await bot.wait_ready()
            # The panel from before the restart still works, and sends everything the draft had.
            send = fake.user_presses_button(TOM, TOM, panel(fake)["message_id"], "v1:form:send")
            answer = await fake.wait_for_callback_answer(send, timeout=20)
            assert not answer.get("show_alert"), answer
            await fake.wait_until(
                lambda: any("dairy gate" in text_of(m) for m in fake.bot_messages(VERIFIER_GROUP)),
                timeout=60,
                what="the card",
            )
            card = next(m for m in fake.bot_messages(VERIFIER_GROUP) if "dairy gate" in text_of(m))
            await shows_media(fake, card)  # the photos go under the card on demand (issue 18)
            await fake.wait_until(
                lambda: sum(bool(m.get("photo")) for m in fake.bot_messages(VERIFIER_GROUP)) == 2,
                timeout=60,
                what="the album",
            )
            # Killed again before Telegram heard that the Send was handled: it is offered once more.
            bot.kill_now()
            await bot.reap()
            fake.redeliver(fake.update_id_of_query(send))
            await bot.start()
            await bot.wait_ready()
            await fake.wait_until(lambda: not fake.world.updates, timeout=20, what="the Send fetched again")
            await fake.settled(quiet=0.5, timeout=30)
            cards = [m for m in fake.bot_messages(VERIFIER_GROUP) if "dairy gate" in text_of(m)]
            assert len(cards) == 1
            with read_only(bot.database) as db:
                assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 1
                assert db.execute("SELECT COUNT(*) FROM drafts").fetchone()[0] == 0
                assert db.execute("SELECT COUNT(*) FROM draft_media").fetchone()[0] == 0
            assert await bot.stop_gracefully() == 0, bot.log_tail()
        finally:
            bot.kill_now()
            await bot.reap()
            bot.close()


def _any_panel(fake: FakeTelegram) -> bool:
    return any("v1:form:" in str(m.get("reply_markup")) for m in fake.bot_messages(TOM))


async def _ready(bot: BotProcess, method: str) -> None:
    if method == "getUpdates":
        bot.ready.set()
