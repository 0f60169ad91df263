"""The container image, built and run for real with docker or podman, against the fake Bot API.

It builds deploy/Dockerfile, checks the image's size against issue 21's 400 MB, runs the image
read-only (a tmpfs /tmp, as the README says) on the host's network so it reaches the fake Telegram on
127.0.0.1, waits for /healthz, sends a report through the fake, stops the container and checks it
exited cleanly within the issue's 5 s. The base image, Debian's `debian:bookworm-slim`, is used if
the engine has it; otherwise it is made from Debian's archive as Debian makes it (debian_base.py),
so nothing comes from Docker Hub. Skipped, with the reason, where no engine can run a container
(a docker client without a daemon), unless VIGIL_REQUIRE_CONTAINER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from tests.deploy.debian_base import make_debian_base, why_no_debian_base
from tests.e2e.harness import VERIFIER_GROUP
from tests.e2e.people import Resident, quick_report, text_of
from tests.sample_network import SECRET, TOM, network_toml

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS_AT_MOST = 5.0  # issue 21's target for `docker stop`


def usable_engine() -> tuple[str | None, str]:
    """The first of docker and podman that can run containers here, or why none can."""
    reasons = []
    for name in ("docker", "podman"):
        path = shutil.which(name)
        if path is None:
            reasons.append(f"{name} is not installed")
            continue
        try:
            info = subprocess.run([path, "info"], capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            reasons.append(f"`{name} info` failed ({error})")
            continue
        if info.returncode == 0:
            return path, ""
        last = (info.stderr.strip().splitlines() or ["no answer"])[-1]
        reasons.append(f"{name} cannot run containers ({last})")
    return None, "; ".join(reasons)


ENGINE, WHY_NOT = usable_engine()
REQUIRED = os.environ.get("VIGIL_REQUIRE_CONTAINER") == "1"
if ENGINE is None and REQUIRED:
    raise RuntimeError(f"VIGIL_REQUIRE_CONTAINER=1 but no container engine: {WHY_NOT}")
pytestmark = pytest.mark.skipif(ENGINE is None, reason=f"no container engine: {WHY_NOT}")

DEBIAN_IMAGE = "debian:bookworm-slim"  # the Dockerfile's default base
MADE_DEBIAN_IMAGE = "localhost/vigil-test-debian:bookworm-slim"
IMAGE_MB_AT_MOST = 400  # issue 21's target
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")


def is_podman() -> bool:
    return ENGINE is not None and Path(ENGINE).name == "podman"


def limits() -> list[str]:
    """What every container gets here. An engine's default open-file limit (about a million) is more
    than a machine without CAP_SYS_RESOURCE (CI's) may grant, and Vigil needs far fewer. Podman runs
    them with runc where it is installed: crun refuses hosts that mount cgroup v1 beside v2."""
    runtime = ["--runtime", "runc"] if is_podman() and shutil.which("runc") else []
    return [*runtime, "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]


def engine(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    assert ENGINE is not None
    return subprocess.run([ENGINE, *args], capture_output=True, text=True, timeout=timeout, check=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def debian_base(work: Path) -> str:
    """The base image to build on: Debian's own if the engine has it, else one made from Debian's archive."""
    if engine("image", "exists" if is_podman() else "inspect", DEBIAN_IMAGE).returncode == 0:
        return DEBIAN_IMAGE
    if engine("image", "exists" if is_podman() else "inspect", MADE_DEBIAN_IMAGE).returncode == 0:
        return MADE_DEBIAN_IMAGE
    why_not = why_no_debian_base()
    if why_not is not None:
        if REQUIRED:
            raise AssertionError(f"no {DEBIAN_IMAGE} to build on, and it cannot be made here: {why_not}")
        pytest.skip(f"no {DEBIAN_IMAGE} to build on, and it cannot be made here: {why_not}")
    assert ENGINE is not None
    make_debian_base(ENGINE, MADE_DEBIAN_IMAGE, work)
    return MADE_DEBIAN_IMAGE


def build_options(work: Path) -> list[str]:
    """Podman's build steps reach PyPI through the host's trust store, as pip on the host does (a
    TLS-inspecting proxy's certificate included); nothing of it stays in the image."""
    options = ["--network", "host", *limits()]
    if is_podman():
        options += ["--format", "docker"]  # keeps HEALTHCHECK, which the OCI format has no field for
        if HOST_CA.is_file():
            pip_conf = work / "pip.conf"
            pip_conf.write_text("[global]\ncert = /run/host-ca.crt\n")
            options += ["--volume", f"{pip_conf}:/etc/pip.conf:ro", "--volume", f"{HOST_CA}:/run/host-ca.crt:ro"]
    return options


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    work = tmp_path_factory.mktemp("image")
    base = debian_base(work)
    tag = f"localhost/vigil-test:{secrets.token_hex(4)}"
    built = engine(
        "build",
        *build_options(work),
        "--build-arg",
        f"DEBIAN_IMAGE={base}",
        "-f",
        str(ROOT / "deploy" / "Dockerfile"),
        "-t",
        tag,
        str(ROOT),
        timeout=1800,
    )
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    yield tag
    engine("rmi", "--force", tag)


def test_the_image_is_at_most_400_mb(image):
    size = int(engine("image", "inspect", "--format", "{{.Size}}", image).stdout.strip())
    assert size <= IMAGE_MB_AT_MOST * 1_000_000, f"{size / 1e6:.0f} MB"
    health = engine("image", "inspect", "--format", "{{json .Config.Healthcheck}}", image).stdout
    assert "/healthz" in health  # the health check survived the build


async def healthy(base: str, timeout: float = 90.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"/healthz did not answer 200 within {timeout}s")
            await asyncio.sleep(0.5)


async def test_the_image_runs_read_only_reports_flow_and_docker_stop_is_quick(image, fake, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)  # the image's own user (uid 10001) writes the database here
    (data / "network.toml").write_text(network_toml())
    secret_files = tmp_path / "secrets"
    secret_files.mkdir()
    (secret_files / "telegram_bot_token").write_text(fake.token + "\n")
    (secret_files / "vigil_secret_key").write_text(SECRET + "\n")
    for path in secret_files.iterdir():
        path.chmod(0o444)
    port = free_port()
    name = f"vigil-test-{secrets.token_hex(4)}"
    started = engine(
        "run",
        *limits(),
        "--detach",
        "--name",
        name,
        "--network",
        "host",
        "--read-only",
        "--tmpfs",
        "/tmp:rw,noexec,nosuid,size=256m",
        "--volume",
        f"{data}:/data",
        "--volume",
        f"{secret_files}:/run/secrets:ro",
        "--env",
        "TELEGRAM_BOT_TOKEN_FILE=/run/secrets/telegram_bot_token",
        "--env",
        "VIGIL_SECRET_KEY_FILE=/run/secrets/vigil_secret_key",
        "--env",
        f"TELEGRAM_BASE_URL={fake.base_url}",
        "--env",
        f"TELEGRAM_BASE_FILE_URL={fake.base_file_url}",
        "--env",
        f"VIGIL_METRICS_LISTEN=127.0.0.1:{port}",
        image,
    )
    assert started.returncode == 0, started.stderr
    try:
        await healthy(f"http://127.0.0.1:{port}")
        await quick_report(Resident(fake, TOM), "Clovis", "Agents at the dairy, seen from the container test")
        await fake.wait_until(
            lambda: any("seen from the container test" in text_of(m) for m in fake.bot_messages(VERIFIER_GROUP)),
            timeout=30,
            what="the card in the verifier group",
        )
        before = time.monotonic()
        stopped = await asyncio.to_thread(engine, "stop", "--time", "20", name)
        took = time.monotonic() - before
        assert stopped.returncode == 0, stopped.stderr
        state = engine("inspect", "--format", "{{.State.ExitCode}}", name)
        logs = engine("logs", name)
        assert state.stdout.strip() == "0", logs.stderr[-3000:]
        assert took <= STOP_SECONDS_AT_MOST, f"`stop` took {took:.1f} s"
        assert (data / "vigil.sqlite3").is_file()
    finally:
        engine("rm", "--force", name)
