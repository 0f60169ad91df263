"""/forgetme with the bot killed between the erasing commit and the card's edit: the card still ends withdrawn."""

from __future__ import annotations

from typing import Any

from bot.fake_telegram import AbortRequest, FakeTelegram
from tests.crash.harness import BotProcess, read_only
from tests.e2e.harness import build_world, jpeg_bytes
from tests.e2e.people import shows_media, text_of
from tests.sample_network import TOKEN, TOM, VERIFIER_GROUP, network_toml


def panel(fake: FakeTelegram) -> dict:
    return next(m for m in reversed(fake.bot_messages(TOM)) if "v1:form:" in str(m.get("reply_markup")))


def newest(fake: FakeTelegram, contains: str) -> dict | None:
    return next((m for m in reversed(fake.bot_messages(TOM)) if contains in text_of(m)), None)


async def test_forgetme_cut_off_after_its_commit_still_withdraws_the_card_and_its_photo(tmp_path):
    (tmp_path / "network.toml").write_text(network_toml())
    async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as fake:
        build_world(fake)
        bot = BotProcess(fake, tmp_path)
        armed = {"kill": False}

        async def before(method: str, params: dict[str, Any]) -> None:
            if method == "getUpdates":
                bot.ready.set()
            if (
                armed["kill"]
                and method in ("editMessageText", "deleteMessage")
                and str(params.get("chat_id")) == str(VERIFIER_GROUP)
            ):
                armed["kill"] = False
                bot.kill_now()  # the erasure is committed; Telegram never sees the edit
                raise AbortRequest()

        fake.before_call(before)
        try:
            await bot.start()
            await bot.wait_ready()
            fake.user_sends_photo(TOM, jpeg_bytes((200, 30, 30), size=(320, 240)), caption="Vans at the dairy")
            await fake.wait_until(
                lambda: any("v1:form:" in str(m.get("reply_markup")) for m in fake.bot_messages(TOM)), timeout=20
            )
            await fake.wait_for_callback_answer(
                fake.user_presses_button(TOM, TOM, panel(fake)["message_id"], "v1:form:nb:clovis"), timeout=20
            )
            await fake.wait_until(lambda: "v1:form:send" in str(panel(fake).get("reply_markup")), timeout=20)
            await fake.wait_for_callback_answer(
                fake.user_presses_button(TOM, TOM, panel(fake)["message_id"], "v1:form:send"), timeout=20
            )
            await fake.wait_until(
                lambda: any(
                    "Vans at the dairy" in text_of(m) and m.get("text") for m in fake.bot_messages(VERIFIER_GROUP)
                ),
                timeout=60,
                what="the card",
            )
            await fake.settled(quiet=0.3)
            card = next(m for m in fake.bot_messages(VERIFIER_GROUP) if "Vans at the dairy" in text_of(m))
            await shows_media(fake, card)  # the photo goes under the card on demand (issue 18)
            await fake.wait_until(
                lambda: any(m.get("photo") for m in fake.bot_messages(VERIFIER_GROUP)), timeout=30, what="the photo"
            )
            await fake.settled(quiet=0.3)

            fake.user_sends_text(TOM, "/forgetme")
            await fake.wait_until(lambda: newest(fake, "Erase everything") is not None, timeout=20)
            question = newest(fake, "Erase everything")
            data = next(
                b["callback_data"]
                for row in question["reply_markup"]["inline_keyboard"]
                for b in row
                if "🗑" in b["text"]
            )
            armed["kill"] = True
            fake.user_presses_button(TOM, TOM, question["message_id"], data)
            await fake.wait_until(lambda: not bot.alive, timeout=20, what="the kill")
            await bot.reap()
            with read_only(bot.database) as db:
                assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0  # the erasure was committed

            await bot.start()
            await bot.wait_ready()

            def card() -> dict:
                return next(
                    m
                    for m in fake.bot_messages(VERIFIER_GROUP)
                    if m.get("text") and ("Vans" in text_of(m) or "withdrawn" in text_of(m))
                )

            await fake.wait_until(
                lambda: "withdrawn by the reporter" in text_of(card()), timeout=30, what="the withdrawn card"
            )
            await fake.wait_until(
                lambda: not any(m.get("photo") for m in fake.bot_messages(VERIFIER_GROUP)),
                timeout=30,
                what="the photo gone",
            )
            assert "Vans" not in text_of(card())
            assert await bot.stop_gracefully() == 0, bot.log_tail()
        finally:
            bot.kill_now()
            await bot.reap()
            bot.close()
