"""Each way start-up can fail is one plain sentence and exit code 2: no traceback, no token, no library wording."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.fake_telegram import FakeTelegram
from tests.cli.conftest import ROOT, environment, no_dns, settings_for, vigil

LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")
WRONG_TOKEN = "123456:WRONG-token-that-botfather-never-gave"
MAKE_A_SECRET = "secrets.token_urlsafe(48)"


def assert_one_plain_failure(result, *expected: str) -> None:
    """`vigil check` may have printed what it checked so far on stdout; the failure is on stderr."""
    assert result.code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) <= 4, result.stderr  # a sentence, or a list of settings
    for text in expected:
        assert text in result.stderr, result.stderr
    for wording in ("Value error", "items after validation", "pydantic", "httpx", "telegram.error"):
        assert wording not in result.stderr
    result.assert_no_secrets()
    assert WRONG_TOKEN.partition(":")[2] not in result.output


async def test_the_placeholder_secret_from_env_example_is_refused_with_how_to_make_one(workdir: Path, fake):
    env = settings_for(fake, workdir, VIGIL_SECRET_KEY="replace-with-at-least-32-random-characters")
    result = await vigil("run", cwd=workdir, env=environment(**env))
    assert_one_plain_failure(result, "VIGIL_SECRET_KEY", "example value from .env.example", MAKE_A_SECRET)
    assert fake.requests == []


@pytest.mark.parametrize("secret", ["x" * 48, "0123456789" * 4, "password" * 5])
async def test_a_guessable_secret_is_refused_with_how_to_make_one(workdir: Path, fake, secret: str):
    result = await vigil("run", cwd=workdir, env=environment(**settings_for(fake, workdir, VIGIL_SECRET_KEY=secret)))
    assert_one_plain_failure(result, "VIGIL_SECRET_KEY", "too easy to guess", MAKE_A_SECRET)
    assert secret not in result.output


async def test_a_short_secret_says_how_many_characters_in_plain_words(workdir: Path):
    result = await vigil(
        "check", cwd=workdir, env=environment(**settings_for(None, workdir, VIGIL_SECRET_KEY="abc123"))
    )
    assert_one_plain_failure(result, "VIGIL_SECRET_KEY: needs at least 32 random characters (it has 6)")


async def test_the_example_token_from_env_example_is_refused(workdir: Path):
    env = settings_for(None, workdir, TELEGRAM_BOT_TOKEN="123456789:replace-with-the-token-from-botfather")
    result = await vigil("run", cwd=workdir, env=environment(**env))
    assert_one_plain_failure(result, "TELEGRAM_BOT_TOKEN", "@BotFather")


async def test_a_wrong_token_is_one_sentence_and_the_token_is_nowhere(workdir: Path, fake: FakeTelegram):
    env = environment(**settings_for(fake, workdir, TELEGRAM_BOT_TOKEN=WRONG_TOKEN))
    for command in ("run", "check"):
        result = await vigil(command, cwd=workdir, env=env)
        assert_one_plain_failure(result, "refused the bot token", "TELEGRAM_BOT_TOKEN")
        said = [line for line in result.stderr.splitlines() if line and not LOG_LINE.match(line)]
        assert len(said) == 1, result.stderr  # one sentence, besides the INFO log of `vigil run`
        assert command == "check" or result.stdout == ""


async def test_with_verbose_the_traceback_goes_to_the_log_with_the_token_scrubbed(workdir: Path, fake: FakeTelegram):
    env = environment(**settings_for(fake, workdir, TELEGRAM_BOT_TOKEN=WRONG_TOKEN))
    result = await vigil("-v", "run", cwd=workdir, env=env)
    assert result.code == 2
    assert "DEBUG" in result.stderr and "Traceback" in result.stderr and "InvalidToken" in result.stderr
    assert "[redacted]" in result.stderr
    assert WRONG_TOKEN.partition(":")[2] not in result.output
    assert result.stderr.strip().endswith("(/mybots, then API Token).")


async def test_telegram_unreachable_is_one_sentence(workdir: Path):
    closed_port = await _unused_loopback_port()
    env = settings_for(None, workdir, TELEGRAM_BASE_URL=f"http://127.0.0.1:{closed_port}/bot")
    result = await vigil("run", cwd=workdir, env=environment(**env))
    assert_one_plain_failure(result, "could not connect to Telegram at 127.0.0.1", "internet connection")


async def test_a_dns_failure_is_one_sentence(workdir: Path, tmp_path: Path):
    env = environment(**settings_for(None, workdir))  # the real https://api.telegram.org
    env["PYTHONPATH"] = no_dns(tmp_path / "no-dns", no_network=False)
    result = await vigil("run", cwd=workdir, env=env)
    assert_one_plain_failure(result, "The name api.telegram.org could not be found (DNS)", "TELEGRAM_BASE_URL")


async def test_no_network_at_all_is_one_sentence(workdir: Path, tmp_path: Path):
    env = environment(**settings_for(None, workdir))
    env["PYTHONPATH"] = no_dns(tmp_path / "no-network", no_network=True)
    for command in ("run", "check", "chats"):
        result = await vigil(command, cwd=workdir, env=env)
        assert_one_plain_failure(result, "could not look up api.telegram.org", "no internet connection")


async def test_telegram_that_never_answers_is_one_sentence(workdir: Path):
    async with _silent_server() as port:
        env = settings_for(
            None, workdir, TELEGRAM_BASE_URL=f"http://127.0.0.1:{port}/bot", TELEGRAM_TIMEOUT_SECONDS="1"
        )
        result = await vigil("run", cwd=workdir, env=environment(**env))
    assert_one_plain_failure(result, "did not answer in time", "TELEGRAM_TIMEOUT_SECONDS")


async def test_a_missing_setting_says_where_vigil_looked(workdir: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "network.toml").write_text((workdir / "network.toml").read_text())
    result = await vigil(
        "run",
        "--network",
        str(elsewhere / "network.toml"),
        cwd=workdir,
        env=environment(VIGIL_SECRET_KEY=settings_for(None, workdir)["VIGIL_SECRET_KEY"]),
    )
    assert_one_plain_failure(
        result, "TELEGRAM_BOT_TOKEN: is missing", str(workdir / ".env"), str(elsewhere / ".env"), "--env-file"
    )


async def test_dotenv_next_to_the_network_file_is_read(workdir: Path, tmp_path: Path, fake: FakeTelegram):
    elsewhere = tmp_path / "etc-vigil"
    elsewhere.mkdir()
    (elsewhere / "network.toml").write_text((workdir / "network.toml").read_text())
    settings = settings_for(fake, elsewhere)
    (elsewhere / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    result = await vigil("check", cwd=workdir, env=environment(VIGIL_NETWORK_FILE=str(elsewhere / "network.toml")))
    assert result.code == 0, result.output
    assert f"Vigil read the environment and {elsewhere / '.env'}" in result.stdout


async def test_env_file_option_is_read_and_a_missing_one_is_named(workdir: Path, tmp_path: Path, fake: FakeTelegram):
    custom = tmp_path / "vigil.env"
    custom.write_text("".join(f"{k}={v}\n" for k, v in settings_for(fake, workdir).items()))
    result = await vigil("check", "--env-file", str(custom), cwd=workdir, env=environment())
    assert result.code == 0, result.output
    missing = await vigil("--env-file", str(tmp_path / "nope.env"), "check", cwd=workdir, env=environment())
    assert_one_plain_failure(
        missing, f"The settings file {tmp_path / 'nope.env'} (given with --env-file) does not exist."
    )


async def test_a_bad_language_reports_only_the_bad_language(workdir: Path, fake):
    text = (workdir / "network.toml").read_text().replace('languages = ["es", "en"]', 'languages = ["es", "fr"]')
    (workdir / "network.toml").write_text(text)
    result = await vigil("run", cwd=workdir, env=environment(**settings_for(fake, workdir)))
    assert_one_plain_failure(result, "'fr' is not allowed here; use 'en' or 'es'")
    assert "channels:" not in result.stderr and "at least" not in result.stderr


async def _unused_loopback_port() -> int:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port


class _silent_server:
    """Accepts connections and never answers: Telegram overloaded, or a proxy that swallows requests."""

    async def __aenter__(self) -> int:
        self._writers: list[asyncio.StreamWriter] = []

        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.append(writer)

        self._server = await asyncio.start_server(hold, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._writers:
            writer.close()
        self._server.close()
        await self._server.wait_closed()


async def test_plain_vigil_with_the_example_env_file_says_what_is_wrong_and_that_the_sandbox_still_works(
    workdir: Path,
):
    (workdir / ".env").write_text((ROOT / ".env.example").read_text())
    result = await vigil(cwd=workdir, env=environment())
    assert result.code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert "TELEGRAM_BOT_TOKEN: is still the example value from .env.example" in result.stderr
    assert "VIGIL_SECRET_KEY: is still the example value from .env.example" in result.stderr
    assert result.stderr.strip().endswith(
        "`vigil sandbox` still works: it tries Vigil in the browser with no settings and no Telegram."
    )


async def test_run_with_no_env_file_names_each_missing_setting_as_the_readme_promises(workdir: Path):
    result = await vigil("run", cwd=workdir, env=environment())
    assert result.code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        "Vigil did not start.",
        "The settings are not valid:",
        "  - TELEGRAM_BOT_TOKEN: is missing",
        "  - VIGIL_SECRET_KEY: is missing",
        f"Vigil read the environment and found no .env file (it looked for {workdir / '.env'}; --env-file names "
        "one). See .env.example for every setting.",
    ]
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "says why in a short message that names each missing or wrong setting" in readme
