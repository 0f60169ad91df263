"""What the container image relies on, checked without a container engine.

The image itself is built and run in test_container.py where docker or podman can; these run
everywhere: the Dockerfile's promises read from the file, its HEALTHCHECK program run as it is
against a real Vigil, and `vigil run` (the image's command) stopping cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
import time
from pathlib import Path

from tests.cli.conftest import environment, settings_for
from tests.e2e.harness import running_vigil
from tests.sample_network import network_toml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()
STOP_SECONDS_AT_MOST = 5.0  # issue 21's target for `docker stop`


def final_stage() -> str:
    return DOCKERFILE.split("\nFROM ")[-1]


def health_check_program() -> str:
    match = re.search(r"^HEALTHCHECK .*?\\\n\s+CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert match, "no HEALTHCHECK ... CMD [...] in the Dockerfile"
    command = json.loads(match.group(1))
    assert command[:2] == ["python", "-c"]
    return command[2]


def test_the_final_image_runs_as_its_own_user_with_one_volume_and_stops_on_sigterm():
    final = final_stage()
    assert "USER vigil:vigil" in final and "useradd --system --uid 10001" in final
    assert 'VOLUME ["/data"]' in final and "VIGIL_DATABASE=/data/vigil.sqlite3" in final
    assert "STOPSIGNAL SIGTERM" in final and "HEALTHCHECK" in final
    # no build tools and no download in the final stage: it only copies the virtualenv
    assert "apt-get" not in final and "pip install" not in final and "curl" not in final
    assert "COPY --from=build /opt/vigil /opt/vigil" in final
    # the health check asks the port the image's VIGIL_METRICS_LISTEN serves
    assert "VIGIL_METRICS_LISTEN=0.0.0.0:9464" in final and "127.0.0.1:9464/healthz" in health_check_program()


def test_what_the_dockerfile_copies_exists_and_is_not_ignored():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for source in re.findall(r"^COPY (?!--)(\S+)", DOCKERFILE, re.MULTILINE):
        assert (ROOT / source).exists(), source
        assert source not in ignored, source
    assert "pip install ." in DOCKERFILE  # only PyPI through pip, and Debian's packages


def test_the_compose_file_reads_secrets_from_files_and_bakes_none_in():
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    assert "TELEGRAM_BOT_TOKEN_FILE: /run/secrets/telegram_bot_token" in compose
    assert "VIGIL_SECRET_KEY_FILE: /run/secrets/vigil_secret_key" in compose
    assert "restart: unless-stopped" in compose and "read_only: true" in compose and "/tmp:" in compose
    assert "profiles: [https]" in compose and (ROOT / "deploy" / "Caddyfile").is_file()
    assert not re.search(r"^\s*(TELEGRAM_BOT_TOKEN|VIGIL_SECRET_KEY):", compose, re.MULTILINE)
    assert "TOKEN" not in DOCKERFILE.replace("TELEGRAM_BOT_TOKEN_FILE", "")


async def run_program(program: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", program, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def health_check_until(program: str, wanted: int, timeout: float = 15.0) -> str:
    """Run the image's health check as Docker would, every 0.2 s, until it exits `wanted`; its stderr."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        code, reason = await run_program(program)
        if code == wanted:
            return reason
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the health check still exited {code} ({reason!r}) after {timeout}s")
        await asyncio.sleep(0.2)


async def test_the_image_health_check_passes_when_healthy_and_prints_the_reason_when_not(fake, tmp_path):
    answering = asyncio.Event()
    answering.set()

    async def hold_polls(method: str, params: dict) -> None:
        if method == "getUpdates":
            await answering.wait()  # Telegram stops answering the polling loop

    fake.before_call(hold_polls)
    metrics = {"VIGIL_METRICS_LISTEN": "127.0.0.1:0", "VIGIL_HEALTH_POLL_SECONDS": "2"}
    async with running_vigil(fake, tmp_path, **metrics) as vigil:
        program = health_check_program().replace("127.0.0.1:9464", vigil.metrics_base.removeprefix("http://"))
        await health_check_until(program, 0)
        answering.clear()
        reason = await health_check_until(program, 1)
        answering.set()
    assert reason.startswith("the polling loop has had no answer from Telegram for "), reason
    reason = await health_check_until(program, 1)  # Vigil stopped: nothing answers
    assert reason.startswith("/healthz did not answer:"), reason


async def test_vigil_run_exits_cleanly_and_quickly_on_sigterm(fake, tmp_path):
    """The image's command and signal, without the container around them."""
    (tmp_path / "network.toml").write_text(network_toml())
    env = environment(**settings_for(fake, tmp_path, VIGIL_METRICS_LISTEN="127.0.0.1:0"))
    log = tmp_path / "vigil.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env, stdout=output, stderr=output
        )
        try:
            await fake.wait_until(lambda: len(fake.calls("getUpdates")) >= 2, timeout=60, what="Vigil polling")
            before = time.monotonic()
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), 30)
            took = time.monotonic() - before
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert code == 0, log.read_text()[-2000:]
    assert took <= STOP_SECONDS_AT_MOST, f"SIGTERM took {took:.1f} s"
