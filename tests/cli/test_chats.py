"""`vigil chats` against the fake Telegram: the ids come from the bot itself, no third-party bot."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from bot.fake_telegram import FakeTelegram
from tests.cli.conftest import environment, settings_for
from tests.sample_network import ANA, TOKEN, TOM

NEW_GROUP = -1001555000001
NEW_CHANNEL = -1002555000002
BASIC_GROUP = -4555003


async def _read_until(stream: asyncio.StreamReader, text: str, seen: list[str], timeout: float = 20.0) -> None:
    async def read() -> None:
        while not any(text in line for line in seen):
            line = await stream.readline()
            if not line:
                raise AssertionError(f"`vigil chats` ended before printing {text!r}; it printed {seen}")
            seen.append(line.decode().rstrip("\n"))

    await asyncio.wait_for(read(), timeout)


async def test_chats_prints_each_group_and_channel_the_bot_is_added_to_with_the_lines_to_paste(
    workdir: Path, fake: FakeTelegram
):
    fake.add_group(NEW_GROUP, "Verificadores Anthony", member_ids=[ANA], bot_is_member=False)
    fake.add_channel(NEW_CHANNEL, "Alertas Anthony", bot_is_admin=False)
    fake.add_group(BASIC_GROUP, "Old neighbours", member_ids=[ANA])
    # Only the token is needed: no secret, no network file.
    env = environment(
        TELEGRAM_BOT_TOKEN=TOKEN,
        **{k: v for k, v in settings_for(fake, workdir).items() if k.startswith("TELEGRAM_BASE")},
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "chats",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    seen: list[str] = []
    try:
        await _read_until(process.stdout, "Waiting for chats", seen)
        assert "@vigil_test_bot" in seen[-1]

        fake.user_sends_text(TOM, "hello")  # a private chat: not shown
        fake.add_bot_to_chat(NEW_GROUP, by_user_id=ANA)
        await _read_until(process.stdout, f"verifier_group_id = {NEW_GROUP}", seen)
        fake.add_bot_to_chat(NEW_CHANNEL, by_user_id=ANA)
        await _read_until(process.stdout, f"chat_id = {NEW_CHANNEL}", seen)
        fake.user_sends_text(ANA, "/start@vigil_test_bot", chat_id=BASIC_GROUP)
        await _read_until(process.stdout, f"verifier_group_id = {BASIC_GROUP}", seen)
    finally:
        process.send_signal(signal.SIGINT)
        rest, errors = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, errors.decode()
    output = "\n".join(seen) + rest.decode()

    assert f"Verificadores Anthony (supergroup) id {NEW_GROUP}: the bot is a member" in output
    assert f"Alertas Anthony (channel) id {NEW_CHANNEL}: the bot is an administrator" in output
    assert f'{{ chat_id = {NEW_CHANNEL}, languages = ["en"] }}' in output
    assert f"Old neighbours (group) id {BASIC_GROUP}" in output and "basic group" in output
    assert "Tom" not in output and str(TOM) not in output
    assert TOKEN.partition(":")[2] not in output + errors.decode()


async def test_chats_with_a_timeout_ends_by_itself_and_says_when_it_found_nothing(workdir: Path, fake: FakeTelegram):
    env = environment(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "chats",
        "--timeout",
        "1",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert stdout.decode().strip().endswith("No group or channel yet.")


async def test_chats_stops_with_a_sentence_when_another_program_takes_the_bots_updates(
    workdir: Path, fake: FakeTelegram
):
    env = environment(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url)
    first = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "chats",
        "--timeout",
        "30",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await fake.wait_until(lambda: bool(fake.calls("getUpdates")), timeout=20, what="the first poll")
    # Another program (here a second `vigil chats`, as it would be `vigil run`) polls the same bot:
    # Telegram ends the first long poll with 409 Conflict.
    second = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "chats",
        "--timeout",
        "30",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        _, errors = await asyncio.wait_for(first.communicate(), 30)
    finally:
        second.send_signal(signal.SIGINT)
        await asyncio.wait_for(second.wait(), 30)
    assert first.returncode == 2
    assert errors.decode().strip() == (
        "Another program is taking this bot's updates (is `vigil run` running?): stop it, then run `vigil chats` again."
    )
