"""`vigil` as a command line: help, version, usage errors, run, check and sandbox."""

from __future__ import annotations

import asyncio
import errno
from importlib.metadata import version
from pathlib import Path

from bot.cli import DEFAULT_SANDBOX_PORT
from bot.fake_telegram import FakeTelegram
from tests.cli.conftest import environment, run_until_polling, settings_for, vigil
from tests.sample_network import CLOVIS_ES_CHANNEL, VERIFIER_GROUP
from tests.sandbox.conftest import start_sandbox


async def test_help_lists_every_command_and_starts_nothing(workdir: Path):
    for flag in ("--help", "-h"):
        result = await vigil(flag, cwd=workdir, env=environment(**settings_for(None, workdir)))
        assert result.code == 0
        for command in ("run", "check", "chats", "sandbox"):
            assert command in result.stdout
    assert not (workdir / "vigil.sqlite3").exists()


async def test_version_comes_from_the_package_metadata(workdir: Path):
    result = await vigil("--version", cwd=workdir, env=environment(**settings_for(None, workdir)))
    assert result.code == 0
    assert result.stdout.strip() == f"vigil {version('vigil')}"


async def test_an_unknown_command_or_option_is_a_usage_error_never_a_start(workdir: Path):
    env = environment(**settings_for(None, workdir))
    for args in (("bogus",), ("--bogus",), ("run", "--bogus"), ("check", "extra")):
        result = await vigil(*args, cwd=workdir, env=env, timeout=20)
        assert result.code == 2, args
        assert "Usage:" in result.stderr and "Error:" in result.stderr
        assert result.stdout == ""
    assert not (workdir / "vigil.sqlite3").exists()


async def test_check_prints_a_table_of_every_chat_and_passes_when_all_can_be_used(workdir: Path, fake: FakeTelegram):
    result = await vigil("check", cwd=workdir, env=environment(**settings_for(fake, workdir)))
    assert result.code == 0, result.output
    assert "Bot: @vigil_test_bot" in result.stdout
    assert "verifier group" in result.stdout and str(VERIFIER_GROUP) in result.stdout
    table = [line for line in result.stdout.splitlines() if line.startswith(("verifier group", "channel for"))]
    assert len(table) == 5 and all(line.endswith("ok") for line in table)
    assert "All 5 chats are ready" in result.stdout
    assert fake.calls("getUpdates") == []  # nothing was started
    assert not (workdir / "vigil.sqlite3").exists()
    result.assert_no_secrets()


async def test_check_fails_naming_each_chat_the_bot_cannot_use(workdir: Path, fake: FakeTelegram):
    fake.set_bot_rights(CLOVIS_ES_CHANNEL, can_edit=False)
    fake.set_member_status(VERIFIER_GROUP, fake.bot_user_id, "left")
    result = await vigil("check", cwd=workdir, env=environment(**settings_for(fake, workdir)))
    assert result.code == 1
    lines = result.stdout.splitlines()
    group_line = next(line for line in lines if line.startswith("verifier group"))
    assert "problem:" in group_line
    channel_line = next(line for line in lines if str(CLOVIS_ES_CHANNEL) in line and line.startswith("channel"))
    assert "clovis (es)" in channel_line and "edit messages" in channel_line
    assert "2 of 5 chats cannot be used" in result.stdout
    result.assert_no_secrets()


async def test_check_reports_a_bad_network_file_without_asking_telegram(workdir: Path, fake: FakeTelegram):
    text = (workdir / "network.toml").read_text().replace('languages = ["es", "en"]', 'languages = ["es", "fr"]')
    (workdir / "network.toml").write_text(text)
    result = await vigil("check", cwd=workdir, env=environment(**settings_for(fake, workdir)))
    assert result.code == 2
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert problems == ["  - neighborhoods[1].channels[0].languages[1]: 'fr' is not allowed here; use 'en' or 'es'"]
    assert fake.requests == []


async def test_run_starts_the_bot_and_stops_cleanly_on_sigterm(workdir: Path, fake: FakeTelegram):
    result = await run_until_polling(fake, "run", cwd=workdir, env=environment(**settings_for(fake, workdir)))
    assert result.code == 0, result.stderr
    assert (workdir / "vigil.sqlite3").exists()


async def test_with_a_token_configured_plain_vigil_runs_the_bot(workdir: Path, fake: FakeTelegram):
    (workdir / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings_for(fake, workdir).items()))
    result = await run_until_polling(fake, cwd=workdir, env=environment())
    assert result.code == 0, result.stderr


def test_with_no_token_plain_vigil_starts_the_sandbox_and_prints_one_line(tmp_path: Path):
    sandbox = start_sandbox(tmp_path)  # port 8321, or any free one if it is taken
    try:
        assert sandbox.first_line.startswith("Vigil sandbox")
        assert "no bot token is configured" in sandbox.first_line
    finally:
        assert sandbox.stop() == 0
    assert sandbox.process.stdout is not None and sandbox.process.stdout.closed


def test_vigil_sandbox_starts_the_sandbox_even_with_a_token_configured(tmp_path: Path):
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=123456:TEST-TOKEN-vigil\n")
    sandbox = start_sandbox(tmp_path, "sandbox", "--port", "0")
    try:
        assert sandbox.first_line.startswith("Vigil sandbox: http://127.0.0.1:")
    finally:
        assert sandbox.stop() == 0


async def test_sandbox_on_a_busy_port_that_was_asked_for_is_one_sentence_never_another_port(tmp_path: Path):
    # The default port itself, asked for by name: only an unasked default may give way to another port.
    port = DEFAULT_SANDBOX_PORT
    try:
        holder: asyncio.Server | None = await asyncio.start_server(lambda r, w: None, "127.0.0.1", port)
    except OSError as error:  # another program (another test run) holds it already: busy all the same
        assert error.errno == errno.EADDRINUSE
        holder = None
    try:
        result = await vigil("sandbox", "--port", str(port), cwd=tmp_path, env=environment())
    finally:
        if holder is not None:
            holder.close()
            await holder.wait_closed()
    assert result.code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"The sandbox could not listen on 127.0.0.1:{port} (another program is using that port); "
        "try another --port, or --port 0 for any free one."
    ]
