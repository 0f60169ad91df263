"""Webhook mode (issue 22): Telegram pushes updates to Vigil's web server, which answers each only
once its effects are committed; runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from bot.web.webhook import PATH, SECRET_HEADER, secret_token
from tests.e2e.harness import ANA, CLOVIS_EN_CHANNEL, LUIS, TOM, button_data, running_vigil
from tests.e2e.people import Verifier, card_in_group, card_saying, report_in_words
from tests.sample_network import SECRET

WORDS = "Three unmarked vans outside the dairy on the Clovis highway"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def pushed(fake, tmp_path, database_target):
    port = free_port()
    async with running_vigil(
        fake,
        tmp_path,
        VIGIL_DATABASE=database_target,
        VIGIL_WEB_LISTEN=f"127.0.0.1:{port}",
        VIGIL_WEB_URL=f"http://127.0.0.1:{port}",
        VIGIL_WEBHOOK=True,
    ) as vigil:
        yield vigil


async def test_telegram_pushes_the_updates_and_two_confirmations_publish(pushed, fake):
    webhook = fake.api.webhook
    assert webhook is not None and webhook.webhook.url.endswith(PATH)
    assert webhook.webhook.secret_token == secret_token(SECRET)
    ref = await report_in_words(fake, TOM, WORDS, "Clovis")
    card = await card_saying(fake, ref, "needs verification")
    await Verifier(fake, ANA).presses(card, "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref), "👍")
    await fake.wait_for_bot_message(CLOVIS_EN_CHANNEL)
    await fake.settled()
    # every update was answered 200 once its effects were committed, and none is left waiting
    assert fake.world.updates == []
    assert all(status == 200 for _, status in webhook.webhook.deliveries)
    assert fake.calls("getUpdates") == []  # nobody polls while the webhook is set


async def test_a_request_without_the_secret_token_is_refused(pushed, fake):
    url = f"{pushed.web_base}{PATH}"
    update = {"update_id": 999, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=update) as response:
            assert response.status == 401
        async with http.post(url, json=update, headers={SECRET_HEADER: "guess"}) as response:
            assert response.status == 401


async def test_an_update_whose_handling_failed_is_answered_with_an_error_and_applied_once_when_pushed_again(
    pushed, fake
):
    ref = await report_in_words(fake, TOM, WORDS, "Clovis")
    card = await card_saying(fake, ref, "needs verification")
    # The press is committed, then its answer to Telegram fails in a way nobody expected: the
    # webhook request gets a 500, Telegram pushes the press again, and the vote still counts once.
    fake.fail_next("answerCallbackQuery", error_code=400, description="Bad Request: something unexpected")
    press = Verifier(fake, ANA)
    fake.user_presses_button(ANA, card["chat"]["id"], card["message_id"], button_data(card, "👍"))
    await card_saying(fake, ref, "Confirmed: 1/2 — Ana")
    await fake.wait_until(lambda: fake.world.updates == [], what="the press delivered again and answered 200")
    statuses = [status for _, status in fake.api.webhook.webhook.deliveries]
    assert 500 in statuses and statuses[-1] == 200
    await press.presses(card_in_group(fake, ref), "👍")  # the same verifier again: still one vote
    await fake.settled()
    assert "Confirmed: 1/2 — Ana" in card_in_group(fake, ref)["text"]
