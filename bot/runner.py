"""Running Vigil: the one way the bot is started and stopped, for `vigil run`, the sandbox and tests.

:func:`running` starts the Application as ``run_polling`` would, but with Vigil's own polling
loop (:mod:`bot.pipeline`) instead of python-telegram-bot's Updater, so that Telegram hears an
update is done only after it was handled. It stops in the same order as ``run_polling``: stop
fetching, let every fetched update finish (Application.stop), confirm them to Telegram, post_stop,
shutdown, post_shutdown. :func:`run` wraps it for the command line and stops on SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from telegram import Update

from bot.context import PushedUpdates, VigilApplication
from bot.pipeline import ChatOrderedProcessor, Poller

DEFAULT_POLL_TIMEOUT = 10  # seconds Telegram may hold a getUpdates when there is nothing new


@asynccontextmanager
async def running(
    application: VigilApplication, *, poll_timeout: int = DEFAULT_POLL_TIMEOUT
) -> AsyncIterator[VigilApplication]:
    """Vigil handling updates until the block ends."""
    processor = application.update_processor
    if not isinstance(processor, ChatOrderedProcessor):
        raise TypeError("build the application with bot.app.build_application: it needs Vigil's update processor")
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        services = application.bot_data.installed()
        if services is not None and services.webhook is not None:
            async with _pushed(application, services.webhook):
                yield application
            return
        poller = Poller(
            application.bot,
            processor.pending,
            application.update_queue.put,
            poll_timeout=poll_timeout,
            allowed_updates=Update.ALL_TYPES,
            vitals=processor.vitals,
        )
        await application.start()
        await poller.start()
        try:
            yield application
        finally:
            await poller.stop()
            await application.stop()  # waits until every fetched update was handled
            await poller.confirm()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


@asynccontextmanager
async def _pushed(application: VigilApplication, target: PushedUpdates) -> AsyncIterator[None]:
    """Webhook mode: Telegram pushes updates to the web server (bot/web/webhook.py), which answers
    each once it is handled; nothing to fetch or confirm here. Only the lease holder gets this far."""
    await application.start()
    try:
        await application.bot.set_webhook(
            target.url, secret_token=target.secret_token, allowed_updates=Update.ALL_TYPES, drop_pending_updates=False
        )
        yield
    finally:
        # The webhook stays set: a restart (or the standby, which sets its own) continues from it.
        target.stop_accepting()
        await application.stop()  # waits until every pushed update was handled
        if application.post_stop is not None:
            await application.post_stop(application)


def run(application: VigilApplication) -> None:
    """Run until SIGINT or SIGTERM (what ``run_polling`` did), then stop cleanly."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError):  # Windows
                loop.add_signal_handler(signum, stop.set)
        started = asyncio.Event()

        async def serve() -> None:
            async with running(application):
                started.set()
                await stop.wait()

        serving = asyncio.create_task(serve())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not started.is_set() and not serving.done():
            # Still starting: a standby waiting for the lease (bot/services/lease.py) stops at once.
            serving.cancel()
            with suppress(asyncio.CancelledError):
                await serving
        else:
            await serving

    asyncio.run(main())
