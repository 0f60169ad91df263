"""Issue 4, end to end: limits, mutes, /forgetme, /privacy and the retention purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.network import parse_network
from tests.e2e.harness import ANA, LUIS, ROSA, TOM, VERIFIER_GROUP, buttons_of, jpeg_bytes, network_toml, running_vigil
from tests.e2e.people import Resident, Verifier, card_in_group, quick_report, text_of
from tests.e2e.steps import ref_in, report_from_tom, wait_card


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def with_limits(**limits: int) -> str:
    lines = "\n".join(f"{k} = {v}" for k, v in limits.items())
    text = network_toml()
    head, _, rest = text.partition("[[neighborhoods]]")
    return f"{head}[limits]\n{lines}\n\n[[neighborhoods]]{rest}"


async def test_one_open_report_per_place_and_the_draft_is_kept(vigil, fake):
    tom = Resident(fake, TOM)
    first = ref_in(text_of(await quick_report(tom, "Clovis", "Vans at the dairy")))
    await tom.sends_text("More vans arriving at the dairy", expect="Where")
    await tom.taps("Clovis")
    before = len(fake.bot_messages(TOM))
    await tom.taps("✅")
    notice = fake.bot_messages(TOM)[before]
    assert first in text_of(notice) and "still with the verifiers" in text_of(notice)
    assert "not sent yet" in text_of(tom.panel())  # the draft is still there
    assert sum(1 for m in fake.bot_messages(VERIFIER_GROUP) if "needs verification" in text_of(m)) == 1


async def test_a_reporter_over_the_limit_is_told_when_to_try_again(fake, tmp_path):
    clock = Clock()
    network = parse_network(with_limits(reports_per_hour=2))
    async with running_vigil(fake, tmp_path, network=network, clock=clock):
        tom = Resident(fake, TOM)
        await quick_report(tom, "Clovis", "Vans at the dairy")
        await quick_report(tom, "Vado", "Bus at the church")
        await tom.sends_text("Agents downtown", expect="Where")
        await tom.taps("Downtown Las Cruces")
        before = len(fake.bot_messages(TOM))
        await tom.taps("✅")
        notice = text_of(fake.bot_messages(TOM)[before])
        assert "several reports in a short time" in notice and "17:30" not in notice
        assert "10:30 MST" in notice  # 17:00 UTC + 30 minutes, in the network's time zone
        assert "+1-575-555-0100" in notice
        clock.now += timedelta(minutes=30)
        panel_id = tom.panel()["message_id"]
        await tom.taps("✅")
        assert "Sent to the verifiers" in text_of(tom.current(panel_id))


async def test_the_network_intake_cap_protects_the_verifier_group(fake, tmp_path):
    clock = Clock()
    network = parse_network(with_limits(intake_per_hour=1))
    async with running_vigil(fake, tmp_path, network=network, clock=clock):
        await quick_report(Resident(fake, TOM), "Clovis", "Vans at the dairy")
        rosa = Resident(fake, ROSA)
        await rosa.sends_text("Camionetas en la iglesia", expect="Dónde")
        await rosa.taps("Vado")
        before = len(fake.bot_messages(ROSA))
        await rosa.taps("✅")
        notice = text_of(fake.bot_messages(ROSA)[before])
        assert "muchísimos reportes" in notice and "11:00" in notice
        assert sum(1 for m in fake.bot_messages(VERIFIER_GROUP) if "needs verification" in text_of(m)) == 1


async def test_admin_mutes_a_reporter_whose_next_reports_get_a_receipt_but_never_reach_verifiers(vigil, fake):
    ref = await report_from_tom(fake)
    card = await wait_card(fake, ref, "needs")
    assert "no earlier reports on record" in text_of(card)
    refused = await Verifier(fake, LUIS).presses(card, "🔇")  # Luis verifies but is not an admin
    assert refused["show_alert"] and "admins" in refused["text"]
    answer = await Verifier(fake, ANA).presses(card_in_group(fake, ref), "🔇")  # Ana is an admin
    assert "silenciado" in answer["text"]  # Ana's client is Spanish
    card = await wait_card(fake, ref, "Muted until")
    assert [t for t, _ in buttons_of(card)] == [
        "👍 Confirm",
        "👎 False alarm",
        "📍 Confirm in person",
        "🗣 Include their words",
        "✏️ Write a public note",
        "🚶 15 min",
        "🚶 30 min",
        "🚶 60 min",
        "❓ Ask the reporter",
        "🔊 Unmute reporter (admins)",
    ]

    cards_before = len(fake.bot_messages(VERIFIER_GROUP))
    receipt = await quick_report(Resident(fake, TOM), "Vado", "Another bus")
    assert "Sent to the verifiers" in text_of(receipt)  # neutral: the reporter cannot tell
    await fake.settled()  # the bot is idle: whatever it would do, it has done
    assert len(fake.bot_messages(VERIFIER_GROUP)) == cards_before

    await Verifier(fake, ANA).presses(card_in_group(fake, ref), "🔊")
    await fake.wait_until(lambda: "Muted until" not in text_of(card_in_group(fake, ref)))
    assert buttons_of(card_in_group(fake, ref))[-1][0] == "🔇 Mute reporter (admins)"
    await quick_report(Resident(fake, TOM), "Downtown Las Cruces", "Agents at the courthouse")
    await fake.wait_until(lambda: len(fake.bot_messages(VERIFIER_GROUP)) == cards_before + 1)


async def test_track_record_follows_the_reporter_pseudonym(vigil, fake):
    first = await report_from_tom(fake)
    await Verifier(fake, ANA).presses(await wait_card(fake, first, "needs"), "👍")
    await Verifier(fake, LUIS).presses(card_in_group(fake, first), "👍")
    published = await wait_card(fake, first, "confirmed and published")
    assert "no earlier reports on record" in text_of(published)  # its own outcome is not "earlier"
    second = await report_from_tom(fake, place="Vado", text="Bus at the church")
    card = await wait_card(fake, second, "needs")
    assert "earlier: 1 confirmed, 0 false alarms, 0 not confirmed in time" in text_of(card)
    tag = text_of(card).split("Reporter ")[1][:5]
    assert tag.startswith("#") and tag in text_of(published)


async def test_forgetme_withdraws_open_reports_and_erases_the_resident(vigil, fake):
    tom = Resident(fake, TOM)
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs")
    await tom.sends_text("/language", expect="Choose your language")
    await tom.taps("Español", tom.fake.bot_messages(TOM)[-1])
    question = await tom.sends_text("/forgetme", expect="Borrar todo")
    kept = await tom.taps("Conservar", question)
    assert kept == {"text": "", "show_alert": False, "url": None}
    assert "No se borró nada" in text_of(tom.current(question["message_id"]))
    question = await tom.sends_text("/forgetme", expect="Borrar todo")
    await tom.taps("🗑", question)
    assert "se retiró 1 reporte" in text_of(tom.current(question["message_id"]))
    card = card_in_group(fake, ref)
    assert "withdrawn by the reporter" in text_of(card) and buttons_of(card) == []
    assert "Vans" not in text_of(card) and "SUVs" not in text_of(card)
    # the chosen language was erased too: the client's English is back
    await tom.sends_text("/privacy", expect="What Vigil keeps about you")


async def test_privacy_states_the_networks_own_retention_numbers(vigil, fake):
    rosa = Resident(fake, ROSA)
    text = text_of(await rosa.sends_text("/privacy", expect="Qué guarda Vigil"))
    assert "7 días" in text and "60 minutos" in text and "90 días" in text and "/forgetme" in text


async def test_retention_purge_deletes_closed_reports_and_keeps_anonymous_counts(fake, tmp_path):
    clock = Clock()
    async with running_vigil(fake, tmp_path, clock=clock) as vigil:
        ref = await report_from_tom(fake)
        await Verifier(fake, ANA).calls_false_alarm(await wait_card(fake, ref, "needs"))
        await Verifier(fake, LUIS).calls_false_alarm(card_in_group(fake, ref))
        await wait_card(fake, ref, "false alarm")
        open_ref = await report_from_tom(fake, place="Vado", text="Bus at the church")
        services = vigil.application.bot_data.services
        (job,) = vigil.application.job_queue.get_jobs_by_name("retention-purge")
        assert job.job.trigger.interval == timedelta(hours=1)  # first run: right after start-up
        clock.now += timedelta(days=6)
        assert (await services.retention.purge()).reports == 0
        clock.now += timedelta(days=1, minutes=1)
        assert (await services.retention.purge()).reports == 1
        async with services.database.unit_of_work() as repo:
            assert await repo.statistics() == [("2026-11-23", "clovis", "rejected", 1)]
            assert (await repo.count_by_status()) == {"pending": 1}
        database = vigil.settings.database
        assert b"SUVs parked" not in database.read_bytes()
        assert not (database.parent / f"{database.name}-wal").exists() or (
            b"SUVs parked" not in (database.parent / f"{database.name}-wal").read_bytes()
        )
        assert open_ref in text_of(card_in_group(fake, open_ref))


async def test_an_album_is_one_report_and_costs_one_token(fake, tmp_path):
    network = parse_network(with_limits(reports_per_hour=1))
    async with running_vigil(fake, tmp_path, network=network):
        tom = Resident(fake, TOM)
        for color in ((200, 0, 0), (0, 200, 0), (0, 0, 200)):
            fake.user_sends_photo(TOM, jpeg_bytes(color), media_group_id="album-1")
        await fake.wait_until(lambda: any("3 photos" in text_of(m) for m in fake.bot_messages(TOM)))
        await fake.settled()
        await tom.taps("Clovis")
        panel_id = tom.panel()["message_id"]
        await tom.taps("✅")
        assert "Sent to the verifiers" in text_of(tom.current(panel_id))
        cards = [m for m in fake.bot_messages(VERIFIER_GROUP) if "needs verification" in text_of(m)]
        assert len(cards) == 1 and "3 photos" in text_of(cards[0])
        assert sum(1 for m in fake.bot_messages(VERIFIER_GROUP) if m.get("photo")) == 3


async def test_forgetme_removes_the_withdrawn_reports_photos_from_the_verifier_group(vigil, fake):
    tom = Resident(fake, TOM)
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs")
    await vigil.outbox_idle()
    assert sum(bool(m.get("photo")) for m in fake.bot_messages(VERIFIER_GROUP)) == 1
    question = await tom.sends_text("/forgetme", expect="Erase everything")
    await tom.taps("🗑", question)
    await vigil.outbox_idle()
    assert [m for m in fake.bot_messages(VERIFIER_GROUP) if m.get("photo")] == []
    assert "withdrawn by the reporter" in text_of(card_in_group(fake, ref))


async def test_a_photo_telegram_will_not_delete_is_covered_by_a_placeholder(vigil, fake):
    tom = Resident(fake, TOM)
    ref = await report_from_tom(fake)
    await wait_card(fake, ref, "needs")
    await vigil.outbox_idle()
    (photo,) = [m for m in fake.bot_messages(VERIFIER_GROUP) if m.get("photo")]
    fake.fail_next("deleteMessage", error_code=400, description="Bad Request: message can't be deleted")
    question = await tom.sends_text("/forgetme", expect="Erase everything")
    await tom.taps("🗑", question)
    await vigil.outbox_idle()
    (covered,) = [m for m in fake.bot_messages(VERIFIER_GROUP) if m.get("photo")]
    assert covered["message_id"] == photo["message_id"]
    assert covered["photo"][-1]["file_id"] != photo["photo"][-1]["file_id"]
    assert "reporter asked Vigil to erase" in covered["caption"]
