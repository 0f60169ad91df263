"""`vigil check` checks the web desk's address: Vigil's desk answers there, or it says what is wrong."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

from bot.fake_telegram import FakeTelegram
from tests.cli.conftest import environment, settings_for, vigil
from tests.e2e.harness import running_vigil


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_check_finds_vigils_desk_at_the_web_address(workdir: Path, fake: FakeTelegram, tmp_path_factory):
    port = free_port()
    listen = f"127.0.0.1:{port}"
    async with running_vigil(fake, tmp_path_factory.mktemp("running"), VIGIL_WEB_LISTEN=listen):
        settings = settings_for(
            fake, workdir, VIGIL_WEB_LISTEN=listen, VIGIL_WEB_URL=f"http://{listen}", VIGIL_WEB_APP_NAME="desk"
        )
        result = await vigil("check", cwd=workdir, env=environment(**settings))
    assert result.code == 0, result.output
    assert f"Web desk: http://{listen}/desk/ answers with Vigil's desk." in result.stdout
    result.assert_no_secrets()


async def test_check_fails_when_the_address_answers_with_something_else(workdir: Path, fake: FakeTelegram):
    other = urlsplit(fake.base_url)  # the fake Bot API's own server: not a desk
    url = f"http://{other.hostname}:{other.port}"
    settings = settings_for(fake, workdir, VIGIL_WEB_LISTEN="127.0.0.1:8080", VIGIL_WEB_URL=url)
    result = await vigil("check", cwd=workdir, env=environment(**settings))
    assert result.code == 1
    assert "answers (HTTP 404) but not with Vigil's desk" in result.stdout
    assert "forward it to VIGIL_WEB_LISTEN (127.0.0.1:8080)" in result.stdout


async def test_check_fails_when_nothing_would_serve_the_web_address(workdir: Path, fake: FakeTelegram):
    settings = settings_for(fake, workdir, VIGIL_WEB_URL="https://desk.example.org")
    result = await vigil("check", cwd=workdir, env=environment(**settings))
    assert result.code == 1
    assert "VIGIL_WEB_URL is set but VIGIL_WEB_LISTEN is not" in result.stdout


async def test_a_desk_not_running_yet_is_only_noted(workdir: Path, fake: FakeTelegram):
    listen = f"127.0.0.1:{free_port()}"
    settings = settings_for(fake, workdir, VIGIL_WEB_LISTEN=listen, VIGIL_WEB_URL=f"http://{listen}")
    result = await vigil("check", cwd=workdir, env=environment(**settings))
    assert result.code == 0, result.output
    assert f"http://{listen}/desk/ does not answer yet" in result.stdout
