"""Issue 21: /healthz says whether Vigil works and keeps up; /metrics says how much, naming nobody."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.errors import ConfigurationError
from bot.network import parse_network
from tests.e2e.harness import ANA, LUIS, TOM, VERIFIER_GROUP, TravelClock, busy_port, network_toml, running_vigil
from tests.e2e.people import Resident, Verifier, card_in_group, quick_report, text_of

REF = re.compile(r"R-[2-9A-HJ-NP-Z]{4}")
DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json"
METRICS = {"VIGIL_METRICS_LISTEN": "127.0.0.1:0"}


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, parsed by prometheus-client's own parser."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(parsed: dict, name: str, **labels: str) -> float:
    return parsed[(name, tuple(sorted(labels.items())))]


async def health_becomes(base: str, status: int, timeout: float = 15.0) -> str:
    """Ask /healthz until it answers `status` (as a monitor polling it would); returns the body."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        answered, body = await get(f"{base}/healthz")
        if answered == status:
            return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"/healthz still answered {answered} {body!r} after {timeout}s")
        await asyncio.sleep(0.1)


async def publish(fake, words: str) -> str:
    """Tom reports in Clovis, Ana and Luis confirm. Returns the report's reference."""
    receipt = await quick_report(Resident(fake, TOM), "Clovis", words)
    ref = REF.search(text_of(receipt))
    assert ref, text_of(receipt)
    await fake.wait_until(lambda: any(ref.group(0) in text_of(m) for m in fake.bot_messages(VERIFIER_GROUP)))
    await Verifier(fake, ANA).presses(card_in_group(fake, ref.group(0)), "👍")
    await fake.wait_until(lambda: "1/2" in text_of(card_in_group(fake, ref.group(0))), what="Ana's vote on the card")
    await Verifier(fake, LUIS).presses(card_in_group(fake, ref.group(0)), "👍")
    return ref.group(0)


async def test_metrics_count_reports_delays_and_updates_and_name_nobody(fake, tmp_path):
    clock = TravelClock()
    async with running_vigil(fake, tmp_path, clock=clock, VIGIL_WEB_LISTEN="127.0.0.1:0", **METRICS) as vigil:
        ref = await publish(fake, "Three vans at the dairy")
        await vigil.outbox_idle(timeout=10)
        clock.advance(seconds=10)  # past the settling time of the delays
        status, body = await get(f"{vigil.metrics_base}/metrics")
        assert status == 200
        parsed = samples(body)
        assert value(parsed, "vigil_reports", state="published") == 1
        assert value(parsed, "vigil_reports", state="pending") == 0
        assert value(parsed, "vigil_first_verifier_action_delay_seconds_count") == 1
        assert value(parsed, "vigil_publication_delay_seconds_count") == 1
        assert 0 < value(parsed, "vigil_publication_delay_seconds_sum") < 60
        assert value(parsed, "vigil_updates_received_total") >= 5  # words, place, Send, two presses
        assert value(parsed, "vigil_updates_handled_total") >= 5
        assert value(parsed, "vigil_polling_lag_seconds_count") >= 1  # the resident's words had a date
        for priority in ("alert", "desk", "resident", "subscriber"):
            assert value(parsed, "vigil_outbox_messages", priority=priority) == 0
            assert value(parsed, "vigil_outbox_oldest_age_seconds", priority=priority) == 0
        assert value(parsed, "vigil_subscriber_messages", state="waiting") == 0
        assert value(parsed, "vigil_telegram_retry_after_seconds_count", source="outbox") == 0
        assert value(parsed, "process_resident_memory_bytes") > 10_000_000
        assert ("process_cpu_seconds_total", ()) in parsed
        # a scrape counts each delay once
        again = samples((await get(f"{vigil.metrics_base}/metrics"))[1])
        assert value(again, "vigil_publication_delay_seconds_count") == 1
        # nothing that could single out the reporter: no id, name, reference or place
        for secretish in (str(TOM), "Tom", "tom_lc", ref, "clovis", "Clovis"):
            assert secretish not in body, secretish
        # every series the example Grafana dashboard draws is one /metrics serves
        dashboard = json.loads(DASHBOARD.read_text())
        drawn = {
            name
            for panel in dashboard["panels"]
            for target in panel["targets"]
            for name in re.findall(r"\b(?:vigil|process)_[a-z_]+", target["expr"])
        }
        assert drawn and drawn <= {name for name, _ in parsed}, drawn - {name for name, _ in parsed}
        # the public web server tells whether Vigil is healthy, but not how busy it is
        assert (await get(f"{vigil.web_base}/metrics"))[0] == 404
        assert await get(f"{vigil.web_base}/healthz") == (200, "ok\n")


async def test_reports_are_counted_by_neighborhood_only_where_the_network_file_opts_in(fake, tmp_path):
    network = parse_network("metrics_by_neighborhood = true\n" + network_toml())
    async with running_vigil(fake, tmp_path, network=network, **METRICS) as vigil:
        await quick_report(Resident(fake, TOM), "Vado", "A checkpoint on the bridge")
        parsed = samples((await get(f"{vigil.metrics_base}/metrics"))[1])
        assert value(parsed, "vigil_reports", state="pending", neighborhood="vado") == 1
        assert value(parsed, "vigil_reports", state="pending", neighborhood="clovis") == 0


async def test_healthz_turns_503_when_telegram_stops_answering_the_polling_loop(fake, tmp_path):
    answering = asyncio.Event()
    answering.set()

    async def hold_polls(method: str, params: dict) -> None:
        if method == "getUpdates":
            await answering.wait()  # Telegram holds the request and does not answer

    fake.before_call(hold_polls)
    async with running_vigil(fake, tmp_path, VIGIL_HEALTH_POLL_SECONDS="2", **METRICS) as vigil:
        assert await health_becomes(vigil.metrics_base, 200) == "ok\n"
        answering.clear()
        reason = await health_becomes(vigil.metrics_base, 503)
        assert reason.startswith("the polling loop has had no answer from Telegram for ")
        assert reason.endswith("(the limit is 2 s)\n") and reason.count("\n") == 1
        answering.set()
        await health_becomes(vigil.metrics_base, 200)


async def test_healthz_turns_503_when_the_outbox_backs_up_and_metrics_show_the_429(fake, tmp_path):
    async with running_vigil(fake, tmp_path, VIGIL_HEALTH_OUTBOX_SECONDS="1", **METRICS) as vigil:
        assert await health_becomes(vigil.metrics_base, 200) == "ok\n"
        # Telegram asks Vigil to wait 30 s before the next message to the verifier group: the card waits.
        fake.fail_next("sendMessage", retry_after=30, chat_id=VERIFIER_GROUP)
        await quick_report(Resident(fake, TOM), "Clovis", "Agents at the school gate")
        reason = await health_becomes(vigil.metrics_base, 503)
        assert re.fullmatch(r"a card has waited in the outbox for \d+ s \(the limit is 1 s\)\n", reason), reason
        parsed = samples((await get(f"{vigil.metrics_base}/metrics"))[1])
        assert value(parsed, "vigil_telegram_retry_after_seconds_count", source="outbox") == 1
        assert value(parsed, "vigil_telegram_retry_after_seconds_sum", source="outbox") == 30
        assert value(parsed, "vigil_outbox_messages", priority="desk") >= 1
        assert value(parsed, "vigil_outbox_oldest_age_seconds", priority="desk") >= 1


async def test_a_busy_metrics_port_stops_start_up_with_one_sentence_and_leaves_nothing_held(fake, tmp_path):
    with busy_port() as port:
        with pytest.raises(ConfigurationError, match=f"cannot listen on 127.0.0.1:{port} \\(VIGIL_METRICS_LISTEN\\)"):
            async with running_vigil(fake, tmp_path, VIGIL_METRICS_LISTEN=f"127.0.0.1:{port}"):
                pass
    async with running_vigil(fake, tmp_path, **METRICS) as vigil:  # the database and its lock were let go
        assert await health_becomes(vigil.metrics_base, 200) == "ok\n"
