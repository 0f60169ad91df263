"""Issue 18, end to end over HTTP: the web desk inside Telegram.

A verifier opens the desk with the launch data Telegram signs with the bot's token; reports appear
on the live queue; actions go through the same services as the card's buttons (one vote each, the
reporter never counts, a double tap applies once); anyone Telegram does not vouch for gets 401 and
changes nothing, and anyone outside the verifier group 403.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.domain.web_auth import init_data_for, sign_init_data
from tests.e2e.harness import (
    ANA,
    CLOVIS_EN_CHANNEL,
    LUIS,
    MARTA,
    ROSA,
    STRANGER,
    TOM,
    VERIFIER_GROUP,
    production_log,
    running_vigil,
)
from tests.e2e.people import Verifier, text_of
from tests.e2e.steps import report_from_rosa, report_from_tom, wait_card
from tests.e2e.web_desk import action, desk_of, sign_in

WEB = {"VIGIL_WEB_LISTEN": "127.0.0.1:0"}


@pytest.fixture
async def vigil(fake, tmp_path):
    async with running_vigil(fake, tmp_path, **WEB) as running:
        yield running


async def test_a_new_report_appears_on_an_open_desk_without_a_message_spent(vigil, fake):
    async with desk_of(vigil, LUIS) as desk, desk.live() as live:
        first = await live.next_queue()
        assert first["pending"] == []
        ref = await report_from_tom(fake)
        queue = await live.until(lambda q: any(e["ref"] == ref for e in q["pending"]))
    entry = next(e for e in queue["pending"] if e["ref"] == ref)
    assert "Clovis" in entry["html"] and "👍 0/2" in entry["html"]
    assert str(TOM) not in str(queue) and "Tom" not in str(queue)  # nothing names the reporter


async def test_the_report_page_shows_the_card_and_its_cleaned_photo_never_kept(vigil, fake):
    ref = await report_from_tom(fake)
    card = await wait_card(fake, ref, ref)
    async with desk_of(vigil, ANA) as desk:  # Ana's Telegram is in Spanish: so is her desk
        assert desk.opened["language"] == "es"
        entry = await desk.pending_entry(ref)
        report = await desk.report(entry["id"])
        assert report["ref"] == ref and ref in report["card"]
        assert "Vista previa" in report["card"] or "publicará" in report["card"] or ref in report["card"]
        assert [m["kind"] for m in report["media"]] == ["photo"]
        async with await desk.get(report["media"][0]["url"].removeprefix("/desk/api/")) as response:
            assert response.status == 200
            assert response.headers["Cache-Control"] == "no-store"
            assert response.content_type == "image/jpeg"
            photo = await response.read()
    sent = fake.bot_messages(VERIFIER_GROUP)
    album = next(m for m in sent if "photo" in m and m["message_id"] < card["message_id"])
    assert photo == fake.file_bytes(album["photo"][-1]["file_id"])  # the copy Vigil sent, cleaned
    assert b"Exif" not in photo and b"GPS" not in photo


async def test_a_confirm_on_the_desk_and_one_on_the_card_publish_exactly_once(vigil, fake):
    ref = await report_from_tom(fake)
    card = await wait_card(fake, ref, ref)
    async with desk_of(vigil, ANA) as desk:
        report = await desk.report((await desk.pending_entry(ref))["id"])
        confirm = action(report, "👍")
        (status, answer), pressed = await asyncio.gather(
            desk.act(confirm["data"]), Verifier(fake, LUIS).presses(card, "👍")
        )
        assert status == 200 and answer["ok"], answer
        assert not pressed["show_alert"], pressed["text"]
        await wait_card(fake, ref, "confirmed and published")
        await vigil.outbox_idle()
        posts = [m for m in fake.bot_messages(CLOVIS_EN_CHANNEL) if ref in text_of(m) or "Clovis" in text_of(m)]
        assert len(posts) == 1
        # A second confirmation from the desk is refused in the buttons' words; nothing more is posted.
        status, again = await desk.act(confirm["data"])
        assert status == 409 and not again["ok"]
        assert (await desk.queue())["alerts"][0]["ref"] == ref
    await vigil.outbox_idle()
    assert len([m for m in fake.bot_messages(CLOVIS_EN_CHANNEL) if "Clovis" in text_of(m)]) == 1


async def test_a_repeated_request_applies_once(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, ref)
    async with desk_of(vigil, LUIS) as desk:
        report = await desk.report((await desk.pending_entry(ref))["id"])
        going = action(report, "🚶 30")
        results = await asyncio.gather(*(desk.act(going["data"], request_id="tap-once-1234") for _ in range(3)))
        assert [status for status, _ in results] == [200, 200, 200]
        assert sorted(body["repeated"] for _, body in results) == [False, True, True]
        # The same request retried after it applied: still once. A new tap is a new request.
        status, retried = await desk.act(going["data"], request_id="tap-once-1234")
        assert status == 200 and retried["repeated"]
        confirm = action(report, "👍")
        assert (await desk.act(confirm["data"], request_id="vote-once-5678"))[1]["repeated"] is False
        assert (await desk.act(confirm["data"], request_id="vote-once-5678"))[1]["repeated"] is True
        entry = await desk.pending_entry(ref)
    assert "👍 1/2" in entry["html"] and entry["html"].count("Luis") == 0  # voted: no longer "on the way"


async def test_forged_expired_or_another_bots_launch_data_gets_401_and_changes_nothing(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, ref)
    genuine = fake.mini_app_init_data(ANA)
    forged = genuine.replace("Ana", "Anna")  # the name changed: the signature no longer matches
    expired = fake.mini_app_init_data(ANA, age=timedelta(hours=2))
    other_bot = init_data_for(ANA, "Ana", "999999:ANOTHER-BOTS-TOKEN", at=datetime.now(UTC))
    no_hash = sign_init_data({"auth_date": "1", "user": '{"id":7001}'}, fake.token).split("&hash=")[0]
    async with aiohttp.ClientSession() as http:
        for launch_data in (forged, expired, other_bot, no_hash, "hash=00", ""):
            async with await sign_in(http, vigil.web_base, launch_data) as response:
                assert response.status == 401, launch_data
        async with desk_of(vigil, LUIS) as desk:
            report = await desk.report((await desk.pending_entry(ref))["id"])
            confirm = action(report, "👍")["data"]
            bad_sessions = ("", desk.session[:-2] + "xx", desk.session + "x", "a-session-nobody-issued")
        for session in bad_sessions:
            body = {"data": confirm, "request_id": "forged-request-1"}
            headers = {"X-Desk-Session": session}
            async with http.post(f"{vigil.web_base}/desk/api/act", json=body, headers=headers) as response:
                assert response.status == 401
            async with http.get(f"{vigil.web_base}/desk/api/queue", headers=headers) as response:
                assert response.status == 401
    await fake.settled()
    async with desk_of(vigil, MARTA) as desk:
        assert "👍 0/2" in (await desk.pending_entry(ref))["html"]


async def test_someone_outside_the_verifier_group_gets_a_plain_403(vigil, fake):
    async with aiohttp.ClientSession() as http:
        async with await sign_in(http, vigil.web_base, fake.mini_app_init_data(STRANGER)) as response:
            assert response.status == 403
            assert "only for current members of the verifier group" in (await response.json())["refusal"]


async def test_a_verifier_who_left_the_group_is_refused_at_once(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, ref)
    async with desk_of(vigil, LUIS) as desk:
        report = await desk.report((await desk.pending_entry(ref))["id"])
        fake.set_member_status(VERIFIER_GROUP, LUIS, "left")
        status, answer = await desk.act(action(report, "👍")["data"])
        assert status in (403, 409) and not answer.get("ok")
    async with desk_of(vigil, ANA) as desk:
        assert "👍 0/2" in (await desk.pending_entry(ref))["html"]


async def test_a_cards_button_opens_its_report_on_the_desk(fake, tmp_path):
    async with running_vigil(
        fake, tmp_path, VIGIL_WEB_URL="https://desk.example.org", VIGIL_WEB_APP_NAME="desk", **WEB
    ) as vigil:
        ref = await report_from_tom(fake)
        card = await wait_card(fake, ref, ref)
        links = [b["url"] for row in card["reply_markup"]["inline_keyboard"] for b in row if "url" in b]
        [link] = links
        assert link.startswith("https://t.me/vigil_test_bot/desk?startapp=r")
        async with desk_of(vigil, LUIS, start_param=link.split("startapp=")[1]) as desk:
            report = await desk.report(desk.opened["open"])
            assert report["ref"] == ref


async def test_desk_opens_with_a_web_app_button_in_private_and_the_direct_link_in_the_group(fake, tmp_path):
    async with running_vigil(
        fake, tmp_path, VIGIL_WEB_URL="https://desk.example.org", VIGIL_WEB_APP_NAME="desk", **WEB
    ) as vigil:
        sent = fake.user_sends_text(LUIS, "/desk")
        reply = await fake.wait_for_bot_message(LUIS, lambda m: m["message_id"] > sent["message_id"])
        [[button]] = reply["reply_markup"]["inline_keyboard"]
        assert button["web_app"] == {"url": "https://desk.example.org/desk/"}
        menu = fake.world.menu_buttons[LUIS]  # from now on behind Luis's menu button too
        assert menu["type"] == "web_app" and menu["web_app"] == {"url": "https://desk.example.org/desk/"}
        sent = fake.user_sends_text(STRANGER, "/desk")
        refused = await fake.wait_for_bot_message(STRANGER, lambda m: m["message_id"] > sent["message_id"])
        assert "only for current members" in text_of(refused) and "reply_markup" not in refused
        assert STRANGER not in fake.world.menu_buttons
        sent = fake.user_sends_text(LUIS, "/queue", chat_id=VERIFIER_GROUP)
        queue = await fake.wait_for_bot_message(VERIFIER_GROUP, lambda m: m["message_id"] > sent["message_id"])
        [[button]] = queue["reply_markup"]["inline_keyboard"]
        assert button["url"] == "https://t.me/vigil_test_bot/desk?startapp=queue"
        await vigil.outbox_idle()


async def test_a_report_attached_as_corroboration_is_detached_from_the_desk(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, ref)
    rosas, _ = await report_from_rosa(fake)  # Clovis too: attached to Tom's as corroboration
    await wait_card(fake, ref, "2 residents report this")
    async with desk_of(vigil, LUIS) as desk:
        entry = await desk.pending_entry(ref)
        assert entry["residents"] == 2 and [e["ref"] for e in (await desk.queue())["pending"]] == [ref]
        joined = await desk.report(entry["id"])
        [attached] = joined["attached"]
        assert attached["ref"] == rosas
        page = await desk.report(attached["id"])
        assert page["attached_to"] == entry["id"] and str(ROSA) not in str(page) and "Rosa" not in page["card"]
        status, answer = await desk.act(action(page, "🔗")["data"])
        assert status == 200 and answer["ok"], answer
        assert [e["ref"] for e in (await desk.queue())["pending"]] == [ref, rosas]


async def test_a_confirmation_approves_only_the_text_the_desk_showed(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, ref)
    async with desk_of(vigil, LUIS) as luis, desk_of(vigil, ANA) as ana:
        report_id = (await luis.pending_entry(ref))["id"]
        shown = action(await luis.report(report_id), "👍")["data"]
        change = next(a for a in (await ana.report(report_id))["actions"] if a["data"].startswith("v1:text:"))
        assert (await ana.act(change["data"]))[0] == 200  # Ana changes the public text meanwhile
        status, refused = await luis.act(shown)
        assert status == 409 and "changed while you were reading" in refused["message"]
        now_shown = action(await luis.report(report_id), "👍")["data"]
        assert now_shown != shown and (await luis.act(now_shown))[0] == 200
        assert "👍 1/2" in (await luis.pending_entry(ref))["html"]


async def test_only_an_organizer_mutes_a_reporter_from_the_desk(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, ref)
    async with desk_of(vigil, LUIS) as luis, desk_of(vigil, ANA) as ana:  # Ana is the network's admin
        report_id = (await luis.pending_entry(ref))["id"]
        mute = action(await luis.report(report_id), "🔇")["data"]
        status, refused = await luis.act(mute)
        assert status == 403 and refused["message"] == "Only the network's admins can mute a reporter."
        assert (await ana.act(mute))[0] == 200
        await wait_card(fake, ref, ref)
        assert any(a["data"].startswith("v1:mute:u:") for a in (await luis.report(report_id))["actions"])


async def test_a_verifier_never_confirms_their_own_report_from_the_desk(vigil, fake):
    fake.set_member_status(VERIFIER_GROUP, ROSA, "member")  # Rosa reports, and also verifies
    rosas, _ = await report_from_rosa(fake)
    await wait_card(fake, rosas, rosas)
    async with desk_of(vigil, ROSA) as rosa, desk_of(vigil, LUIS) as luis:
        report_id = (await rosa.pending_entry(rosas))["id"]
        status, refused = await rosa.act(action(await rosa.report(report_id), "👍")["data"])
        assert status == 409 and "usted envió este reporte" in refused["message"].lower()
        assert "👍 0/2" in (await luis.pending_entry(rosas))["html"]


async def test_the_desk_logs_no_user_id(vigil, fake):
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, ref)
    with production_log() as log:  # Vigil's own log configuration, at DEBUG for its own loggers
        async with desk_of(vigil, LUIS) as desk:
            report = await desk.report((await desk.pending_entry(ref))["id"])
            await desk.act(action(report, "👍")["data"])
            await desk.act(action(report, "🚶 15")["data"])
            await desk.act("v1:vote:c:999999", request_id="no-such-report")
            await desk.act(action(report, "❓")["options"][0]["data"])  # logged: "the verifiers asked…"
        await vigil.outbox_idle()
    written = log.getvalue()
    assert "GET /desk" not in written and "POST /desk" not in written  # no access log at all
    assert written and not re.search(rf"(?<!\d){LUIS}(?!\d)", written)  # the id itself, not a port like :37002
