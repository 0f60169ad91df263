"""The `vigil` command line: run the bot, check the set-up, find chat ids, or try the sandbox.

`vigil` alone runs the bot when a token is configured (the environment, or a `.env` in the
current directory or next to the network file) and the sandbox otherwise, so a fresh clone
shows Vigil working before anyone talks to @BotFather. Every failure to start is one sentence
on stderr and exit code 2; the traceback, if any, goes to the log at DEBUG (`-v`).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import re
import signal
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import click
from telegram.error import TelegramError

from bot.errors import ConfigurationError, TelegramUnavailable
from bot.logging_setup import configure_logging, install_excepthook, token_secrets
from bot.settings import (
    DatabaseSettings,
    EnvFile,
    FlyerSettings,
    KeySettings,
    NetworkFileSettings,
    Settings,
    TelegramSettings,
    find_env_file,
    load_settings,
    token_is_configured,
)

log = logging.getLogger(__name__)

# Configuration or Telegram problems that stop a command; click's own usage errors are 2 as well.
EXIT_CANNOT_START = 2
# `vigil check` found chats the bot cannot use.
EXIT_CHECK_FAILED = 1
DEFAULT_SANDBOX_PORT = 8321
SANDBOX_STILL_WORKS = "`vigil sandbox` still works: it tries Vigil in the browser with no settings and no Telegram."
# What Telegram allows as a bot's username: 5 to 32 letters, digits or _, ending in "bot".
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,29}[Bb][Oo][Tt]")


class Stop(click.ClickException):
    """Vigil cannot go on: the message is printed as it is (no "Error:"), and the exit code is 2."""

    exit_code = EXIT_CANNOT_START

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, err=True)


@dataclass(frozen=True)
class Options:
    env_file: Path | None = None
    network_file: Path | None = None
    verbose: bool = False

    def merged(self, **given: Any) -> Options:
        """Options given after the command win over the same options given before it."""
        return replace(self, **{name: value for name, value in given.items() if value not in (None, False)})

    def env(self) -> EnvFile:
        with configuration_problems():
            return find_env_file(self.env_file, network_file=self.network_file)

    def overrides(self) -> dict[str, Any]:
        return {"VIGIL_NETWORK_FILE": self.network_file} if self.network_file is not None else {}


F = TypeVar("F", bound=Callable[..., Any])


def common_options(command: F) -> F:
    """The options every command takes, before or after its name."""
    for decorator in reversed(
        (
            click.option(
                "--env-file",
                type=click.Path(path_type=Path, dir_okay=False),
                help="The settings file (default: .env in the current directory, then next to the network file).",
            ),
            click.option(
                "--network",
                "network_file",
                type=click.Path(path_type=Path, dir_okay=False),
                help="The network file (default: VIGIL_NETWORK_FILE, or network.toml).",
            ),
            click.option("-v", "--verbose", is_flag=True, default=False, help="Log at DEBUG, tracebacks included."),
        )
    ):
        command = decorator(command)
    return command


@contextmanager
def configuration_problems(prefix: str = "") -> Iterator[None]:
    try:
        yield
    except ConfigurationError as problem:
        raise Stop(f"{prefix}{problem}") from None


def _options(context: click.Context, **given: Any) -> Options:
    options = context.find_object(Options) or Options()
    options = options.merged(**given)
    configure_logging(level=logging.DEBUG if options.verbose else logging.INFO)
    return options


def _secure_output(settings: TelegramSettings, options: Options, *, level: int = logging.INFO) -> None:
    """From here on the token is scrubbed from the log and from any uncaught exception."""
    secrets = token_secrets(settings.telegram_bot_token.get_secret_value())
    configure_logging(secrets=secrets, level=logging.DEBUG if options.verbose else level)
    install_excepthook(secrets=secrets)


def _run_until_interrupted(main: Callable[[asyncio.Event], Any]) -> Any:
    """Run `main(stop)` with `stop` set on SIGINT or SIGTERM."""

    async def guarded() -> Any:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError):  # Windows
                loop.add_signal_handler(signum, stop.set)
        return await main(stop)

    return asyncio.run(guarded())


@contextmanager
def telegram_problems(settings: TelegramSettings) -> Iterator[None]:
    """A Telegram failure before Vigil is up becomes one sentence; the traceback goes to DEBUG."""
    from bot.startup import explain

    try:
        yield
    except TelegramError as error:
        log.debug("Telegram could not be used at start-up", exc_info=error)
        raise Stop(str(explain(error, settings))) from None
    except TelegramUnavailable as error:
        raise Stop(str(error)) from None


# --- the commands ------------------------------------------------------------------------------


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vigil", prog_name="vigil", message="%(prog)s %(version)s")
@common_options
@click.pass_context
def cli(context: click.Context, env_file: Path | None, network_file: Path | None, verbose: bool) -> None:
    """Vigil: verified community alerts in Telegram.

    With no command, Vigil runs the bot if a bot token is configured (TELEGRAM_BOT_TOKEN in the
    environment or in .env), and otherwise starts the sandbox, a local demo in the browser.
    """
    options = Options(env_file, network_file, verbose)
    context.obj = options
    if context.invoked_subcommand is not None:
        return
    _options(context)
    if not token_is_configured(options.env()):
        context.invoke(sandbox, no_token=True)
        return
    try:
        context.invoke(run)
    except Stop as problem:
        # A token is set, so this was meant to be the real bot; the demo needs none of it.
        raise Stop(f"{problem.message}\n{SANDBOX_STILL_WORKS}") from None


@cli.command(short_help="Run the bot.")
@common_options
@click.option(
    "--webhook",
    is_flag=True,
    default=False,
    help="Telegram pushes updates to VIGIL_WEB_URL/telegram/webhook instead of Vigil polling for them.",
)
@click.pass_context
def run(context: click.Context, /, webhook: bool = False, **given: Any) -> None:
    """Run the bot (what `vigil` does when a token is configured)."""
    from bot.app import build_application
    from bot.network import load_network
    from bot.runner import run as run_application

    options = _options(context, **given)
    env = options.env()
    with configuration_problems("Vigil did not start.\n"):
        settings = load_settings(env, **options.overrides())
        if webhook:
            settings = settings.model_copy(update={"webhook": True})
        _secure_output(settings, options)
        network = load_network(settings.network_file)
        log.info("Settings: %s Network file: %s", env.describe(), settings.network_file)
        application = build_application(settings, network)
        with telegram_problems(settings):
            run_application(application)


@cli.command(short_help="Check the settings and the bot's access to every chat.")
@common_options
@click.pass_context
def check(context: click.Context, /, **given: Any) -> None:
    """Check the settings, the network file and the bot's access to every chat; start nothing."""
    from bot.network import load_network
    from bot.setup_check import check_setup
    from bot.web.desk.check import check_web

    options = _options(context, **given)
    env = options.env()
    with configuration_problems("The set-up has problems.\n"):
        settings = load_settings(env, **options.overrides())
        _secure_output(settings, options, level=logging.WARNING)
        network = load_network(settings.network_file)
    click.echo(env.describe())
    click.echo(
        f"Network file {settings.network_file}: valid ({len(network.neighborhoods)} neighborhoods, "
        f"{len(network.channel_ids())} channels, quorum {network.quorum})."
    )
    with telegram_problems(settings):
        ok = asyncio.run(check_setup(settings, network, click.echo))
    ok = asyncio.run(check_web(settings, click.echo)) and ok
    if not ok:
        context.exit(EXIT_CHECK_FAILED)


@cli.command(short_help="Show the ids of the groups and channels the bot is added to.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=None,
    help="Stop after this many seconds (default: wait until Ctrl+C).",
)
@common_options
@click.pass_context
def chats(context: click.Context, /, timeout: float | None, **given: Any) -> None:
    """Show the id of every group and channel the bot is added to, with the lines for the network file.

    Needs only TELEGRAM_BOT_TOKEN. Stop `vigil run` first: Telegram gives a bot's updates to one
    program at a time.
    """
    from bot.setup_chats import watch_chats

    options = _options(context, **given)
    env = options.env()
    with configuration_problems("Vigil cannot look for chats.\n"):
        settings = load_settings(env, kind=TelegramSettings)
    _secure_output(settings, options, level=logging.WARNING)
    with telegram_problems(settings):
        _run_until_interrupted(lambda stop: watch_chats(settings, click.echo, stop=stop, timeout=timeout))


@cli.command(short_help="Try Vigil in the browser, with no Telegram at all.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_SANDBOX_PORT,
    show_default=True,
    help="Port of the page on 127.0.0.1 (0: any free port).",
)
@click.option(
    "--database",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Keep the sandbox's database in this file (default: a fresh temporary one).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the web browser.")
@common_options
@click.pass_context
def sandbox(
    context: click.Context,
    /,
    port: int = DEFAULT_SANDBOX_PORT,
    database: Path | None = None,
    open_browser: bool = False,
    no_token: bool = False,
    **given: Any,
) -> None:
    """Try Vigil in the browser: a local fake Telegram, the real bot and sample people; nothing leaves this computer."""
    from bot.sandbox.server import serve

    options = _options(context, **given)
    if not options.verbose:
        configure_logging(level=logging.WARNING)

    # A port that was asked for is kept or refused; only the default gives way to any free port.
    port_was_given = context.get_parameter_source("port") is click.core.ParameterSource.COMMANDLINE

    def announce(address: str) -> None:
        notes = []
        if no_token:
            notes.append("no bot token is configured; `vigil run` runs the real bot")
        if not address.endswith(f":{port}/") and port != 0:
            notes.append(f"port {port} was busy")
        why = f" ({'; '.join(notes)})" if notes else ""
        click.echo(f"Vigil sandbox{why}: {address} (Ctrl+C stops it)")
        if open_browser:
            import webbrowser

            webbrowser.open(address)

    try:
        _run_until_interrupted(
            lambda stop: serve(
                port=port,
                database=database,
                announce=announce,
                stop=stop,
                any_port_if_busy=not port_was_given,
            )
        )
    except OSError as error:
        log.debug("The sandbox could not start", exc_info=error)
        why = "another program is using that port" if error.errno == errno.EADDRINUSE else error.strerror or error
        raise Stop(
            f"The sandbox could not listen on 127.0.0.1:{port} ({why}); "
            "try another --port, or --port 0 for any free one."
        ) from None


@cli.command(short_help="Write a printable flyer (PNG or PDF) for a neighborhood.")
@click.argument("neighborhood_key")
@click.option("--language", default=None, help="The flyer's language (default: the network's default_language).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The file to write; .pdf for a PDF, otherwise PNG (default: flyer-<key>-<language>.png).",
)
@click.option(
    "--bot-username",
    default=None,
    help="The bot's username for the QR codes; with it the flyer is made offline, with no token and no Telegram.",
)
@common_options
@click.pass_context
def flyer(
    context: click.Context,
    /,
    neighborhood_key: str,
    language: str | None,
    out: Path | None,
    bot_username: str | None,
    **given: Any,
) -> None:
    """Write a one-page flyer for NEIGHBORHOOD_KEY: its name, a QR code to report what you see, a QR
    code to get its alerts by direct message, the hotline and three know-your-rights lines.

    The QR codes link to the bot by the username Telegram gives it (asked now, with the token), or
    by --bot-username, given as @BotFather shows it.
    """
    from bot.domain.deep_links import DeepLinks
    from bot.flyer import render_flyer, save_flyer
    from bot.i18n import Catalogs
    from bot.languages import is_supported, supported_languages
    from bot.network import load_network

    options = _options(context, **given)
    env = options.env()
    with configuration_problems("Vigil cannot make the flyer.\n"):
        # Only what is used: the token only to ask Telegram for the username, never the secret key.
        telegram: FlyerSettings | None = None
        if bot_username is None:
            telegram = load_settings(env, kind=FlyerSettings, **options.overrides())
            _secure_output(telegram, options, level=logging.WARNING)
            network_file = telegram.network_file
        else:
            network_file = load_settings(env, kind=NetworkFileSettings, **options.overrides()).network_file
        network = load_network(network_file)
    if bot_username is not None:
        bot_username = bot_username.removeprefix("@")
        if not BOT_USERNAME.fullmatch(bot_username):
            raise Stop(
                f"'{bot_username}' is not a bot's username: 5 to 32 letters, digits or _, ending in 'bot' "
                "(as @BotFather shows it)."
            )
    neighborhood = network.neighborhood(neighborhood_key)
    if neighborhood is None:
        keys = ", ".join(n.key for n in network.neighborhoods)
        raise Stop(f"The network file has no neighborhood '{neighborhood_key}'; its keys are: {keys}.")
    language = language or network.default_language
    if not is_supported(language):
        raise Stop(f"Vigil has no '{language}' catalog; use one of: {', '.join(supported_languages())}.")
    if telegram is not None:
        with telegram_problems(telegram):
            bot_username = asyncio.run(_bot_username(telegram))
    assert bot_username is not None
    out = out or Path(f"flyer-{neighborhood_key}-{language}.png")
    image = render_flyer(Catalogs.load()(language), network, neighborhood, DeepLinks(bot_username))
    try:
        save_flyer(image, out)
    except OSError as error:
        raise Stop(f"Could not write {out}: {error.strerror or error}.") from None
    click.echo(f"Wrote {out} ({neighborhood.name(language)}, {language}, for @{bot_username}).")


@cli.command("rotate-key", short_help="Start using a new VIGIL_SECRET_KEY (only when no vote is in progress).")
@common_options
@click.pass_context
def rotate_key(context: click.Context, /, **given: Any) -> None:
    """Make the VIGIL_SECRET_KEY now in the settings the key of the database, after a leak.

    Stop Vigil first, and put the new key in .env. Every resident and verifier gets a new
    pseudonym: track records, mutes, drafts and language choices made under the old key are
    deleted. Refused while a report is open or an alert is live (a verifier who already voted
    could vote again). See docs/operations.md.
    """
    from bot.app import utc_now
    from bot.services.pseudonyms import Pseudonyms
    from bot.services.secret_key import KeyAlreadyInUse, KeyRotated, rotate_secret_key

    options = _options(context, **given)
    env = options.env()
    with configuration_problems("Vigil cannot change the key.\n"):
        settings = load_settings(env, kind=KeySettings)
    if isinstance(settings.database, Path) and not settings.database.is_file():
        raise Stop(f"There is no database at {settings.database}: a new one takes the key it first starts with.")
    pseudonyms = Pseudonyms(settings.secret_key.get_secret_value())
    outcome = asyncio.run(rotate_secret_key(settings.database, pseudonyms, utc_now()))
    if isinstance(outcome, KeyAlreadyInUse):
        click.echo(f"{settings.database} already uses this VIGIL_SECRET_KEY: nothing to change.")
    elif isinstance(outcome, KeyRotated):
        click.echo(
            f"{settings.database} now uses the new VIGIL_SECRET_KEY; {outcome.forgotten} track records, "
            "mutes, drafts and settings made under the old key were deleted. Start Vigil, and destroy every "
            "copy of the old key."
        )
    else:
        raise Stop(
            f"Not now: {outcome.open_reports} open report(s) and {outcome.live_alerts} live alert(s) are still "
            "gathering votes, and under a new key a verifier who already voted could vote again; settle them "
            "(or let them expire), then run this again."
        )


@cli.command(short_help="Export the desk's figures by day and neighborhood (CSV or JSON).")
@click.option("--from", "first", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="First day (UTC).")
@click.option("--to", "last", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="Last day (UTC).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The file to write: .csv or .json.",
)
@click.option("--verifiers", is_flag=True, help="Also each verifier's votes and median time to vote, by tag only.")
@common_options
@click.pass_context
def export(
    context: click.Context, /, first: datetime, last: datetime, out: Path, verifiers: bool, **given: Any
) -> None:
    """Write the figures /stats shows, by day and neighborhood, from FROM to TO: reports, those attached
    as corroboration, published, rejected by reason, rumor checks, closed unconfirmed, withdrawn, and the
    median and 90th percentile time to publish. Nothing about reporters.

    Only what the database still holds: reports within the retention period, and the anonymous counts
    the purge keeps of older ones (delays for 30 days). With .csv and --verifiers, the verifiers'
    figures go to a second file, <name>-verifiers.csv.
    """
    from bot.export import FORMATS, read_export, write_export

    options = _options(context, **given)
    if out.suffix.lower() not in FORMATS:
        raise click.BadParameter("must end in .csv or .json", param_hint="--out")
    if first > last:
        raise click.BadParameter("is after --to", param_hint="--from")
    env = options.env()
    with configuration_problems("Vigil cannot export.\n"):
        settings = load_settings(env, **options.overrides())
    _secure_output(settings, options, level=logging.WARNING)
    if isinstance(settings.database, Path) and not settings.database.exists():
        raise Stop(f"There is no database at {settings.database} (VIGIL_DATABASE).")
    figures = asyncio.run(read_export(settings.database, first.date(), last.date(), verifiers=verifiers))
    try:
        written = write_export(figures, out)
    except OSError as error:
        raise Stop(f"Could not write {out}: {error.strerror or error}.") from None
    click.echo(f"Wrote {', '.join(map(str, written))} ({len(figures.days)} rows, {first:%Y-%m-%d} to {last:%Y-%m-%d}).")


def file_command(short_help: str) -> Callable[[Callable[..., None]], click.Command]:
    """A command of the group that takes one FILE and the common options (backup, restore)."""

    def decorate(function: Callable[..., None]) -> click.Command:
        with_options = common_options(click.pass_context(function))
        return cli.command(short_help=short_help)(
            click.argument("file", type=click.Path(path_type=Path, dir_okay=False))(with_options)
        )

    return decorate


def _database_file(database: Path | str, command: str) -> Path:
    """The SQLite file these commands work on; a PostgreSQL server has its own tools for them."""
    if isinstance(database, Path):
        return database
    raise Stop(
        f"vigil {command} works on an SQLite file. VIGIL_DATABASE names a PostgreSQL server: use pg_dump "
        "and pg_restore for copies; Vigil applies its migrations itself when it starts."
    )


@file_command("Copy the database while Vigil runs.")
def backup(context: click.Context, /, file: Path, **given: Any) -> None:
    """Copy the database to FILE, consistently, while the bot goes on running (SQLite's online backup).

    The copy holds reports and pseudonyms but not VIGIL_SECRET_KEY: keep the key somewhere else.
    """
    from storage.backup import backup as take_backup

    settings = _database_settings(context, given)
    try:
        done = take_backup(_database_file(settings.database, "backup"), file)
    except (OSError, sqlite3.Error) as error:
        raise Stop(f"Vigil could not back up {settings.database} to {file}: {error}.") from None
    click.echo(f"Backed up {settings.database} to {done.path} ({done.pages} pages in {done.seconds:.2f} s).")


@file_command("Put a backup in place of the database (Vigil stopped).")
def restore(context: click.Context, /, file: Path, **given: Any) -> None:
    """Check FILE (SQLite's integrity check, migrations this Vigil knows, the secret key it was made
    with) and put it in place of the database; the database it replaces is kept beside it.

    Refused while Vigil runs on the database: stop it first.
    """
    from bot.services.pseudonyms import Pseudonyms
    from storage.backup import DatabaseInUse, RestoreRefused
    from storage.backup import restore as put_back

    settings = _settings_for_storage(context, given)
    try:
        check, kept = put_back(
            file,
            _database_file(settings.database, "restore"),
            Pseudonyms(settings.secret_key.get_secret_value()).key_check(),
        )
    except RestoreRefused as refusal:
        raise Stop(f"Nothing was restored: {refusal}") from None
    except DatabaseInUse as error:
        raise Stop(f"Nothing was restored: {error}. Stop Vigil first, then restore.") from None
    except (OSError, sqlite3.Error) as error:
        raise Stop(f"Nothing was restored: {error}.") from None
    click.echo(
        f"Restored {file} to {settings.database}: integrity ok, the same secret key, "
        f"{check.reports} reports, schema {check.highest:04d}."
    )
    if kept is not None:
        click.echo(f"The database it replaced is kept as {kept}; delete it once Vigil runs well.")
    click.echo("Start Vigil: it applies any newer migrations itself.")


@cli.command(short_help="Apply new migrations, or list them with --check.")
@click.option("--check", is_flag=True, help="Only list the migrations the database has not had; apply nothing.")
@common_options
@click.pass_context
def migrate(context: click.Context, /, check: bool, **given: Any) -> None:
    """Bring the database's schema up to date (start-up does it too, after a backup).

    With --check, list the pending migrations and exit 1 if there are any, 0 if none.
    """
    from storage.backup import DatabaseInUse, InstanceLock, pending_migrations
    from storage.database import Database

    settings = _database_settings(context, given)
    database_file = _database_file(settings.database, "migrate")
    pending = pending_migrations(database_file)
    if check:
        if not pending:
            click.echo(f"{settings.database} is up to date: no pending migration.")
            return
        click.echo(f"{settings.database} has {len(pending)} pending migration(s):")
        for migration in pending:
            click.echo(f"  {migration.name}")
        context.exit(EXIT_CHECK_FAILED)
    if not pending:
        click.echo(f"{settings.database} is up to date: no pending migration.")
        return

    async def apply() -> None:
        database = await Database.open(settings.database)  # backs up, then migrates
        await database.close()

    try:
        with InstanceLock(database_file).held():
            asyncio.run(apply())
    except DatabaseInUse as error:
        raise Stop(f"No migration was applied: {error}. Stop Vigil first (or just restart it).") from None
    click.echo(f"Applied {len(pending)} migration(s) to {settings.database}: {', '.join(m.name for m in pending)}.")


def _database_settings(context: click.Context, given: dict[str, Any]) -> DatabaseSettings:
    options = _options(context, **given)
    with configuration_problems("Vigil cannot find the database.\n"):
        return load_settings(options.env(), kind=DatabaseSettings)


def _settings_for_storage(context: click.Context, given: dict[str, Any]) -> Settings:
    options = _options(context, **given)
    with configuration_problems("Vigil cannot use the database.\n"):
        settings = load_settings(options.env(), kind=Settings, **options.overrides())
    _secure_output(settings, options, level=logging.WARNING)
    return settings


async def _bot_username(settings: TelegramSettings) -> str:
    """The bot's username as Telegram knows it (getMe): links must never name a stale one."""
    from telegram import Bot

    async with Bot(settings.telegram_bot_token.get_secret_value(), base_url=settings.telegram_base_url) as bot:
        return bot.username


def main(argv: list[str] | None = None) -> int:
    """The console script and `python -m bot`; returns the exit code."""
    # Opt in to python-telegram-bot's coming behaviour: RetryAfter.retry_after is a timedelta.
    # Without it, every 429 also raises a deprecation warning from inside the library.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    configure_logging()
    try:
        code = cli.main(args=argv, prog_name="vigil", standalone_mode=False)
    except click.ClickException as problem:
        problem.show()
        return problem.exit_code
    except click.Abort:
        click.echo("Stopped.", err=True)
        return 130
    return code if isinstance(code, int) else 0
