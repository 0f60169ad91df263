"""Running Vigil: the one way the bot is started and stopped, for `vigil run`, the sandbox and tests.

:func:`running` starts the Application the way ``run_polling`` does (initialize, post_init,
polling, start) and stops it in the same order (stop polling, stop, post_stop, shutdown,
post_shutdown). :func:`run` wraps it for the command line and stops on SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from telegram import Update

from bot.context import VigilApplication


@asynccontextmanager
async def running(application: VigilApplication, *, poll_timeout: int = 10) -> AsyncIterator[VigilApplication]:
    """Vigil handling updates until the block ends."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def run(application: VigilApplication) -> None:
    """Run until SIGINT or SIGTERM (what ``run_polling`` did), then stop cleanly."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError):  # Windows
                loop.add_signal_handler(signum, stop.set)
        async with running(application):
            await stop.wait()

    asyncio.run(main())
