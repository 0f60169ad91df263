"""`vigil check`, the web desk's part: are its settings consistent, and does its address answer?

Nothing is started, so a desk that does not answer yet (Vigil not running, or the reverse proxy not
set up) is only noted; an address that answers with something other than Vigil's desk, or settings
that cannot work together, fail the check.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

import aiohttp

from bot.settings import Settings
from bot.web.desk.links import DESK_PATH

Echo = Callable[[str], None]
MARKER = "/desk/static/desk.js"  # what only Vigil's desk page loads


async def check_web(settings: Settings, echo: Echo) -> bool:
    url, listen, app = settings.web_url, settings.web_listen, settings.web_app_name
    if not (url or listen or app):
        echo("Web desk: not set up (VIGIL_WEB_LISTEN and VIGIL_WEB_URL are unset); the group's buttons work alone.")
        return True
    if url and not listen:
        echo("Web desk: problem: VIGIL_WEB_URL is set but VIGIL_WEB_LISTEN is not, so nothing serves the desk.")
        return False
    if app and not url:
        echo("Web desk: problem: VIGIL_WEB_APP_NAME needs VIGIL_WEB_URL, the https:// address the Mini App opens.")
        return False
    if not url:
        echo(f"Web desk: listens on {listen}, but without VIGIL_WEB_URL no button in Telegram opens it.")
        return True
    page = url + DESK_PATH
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
            http.get(page, allow_redirects=False) as response,
        ):
            body = await response.text(errors="replace")
            status, policy = response.status, response.headers.get("Content-Security-Policy", "")
    except (aiohttp.ClientError, TimeoutError, ssl.SSLError) as error:
        echo(
            f"Web desk: {page} does not answer yet ({type(error).__name__}). Once `vigil run` is started "
            f"behind your https proxy (README: The web desk), it must."
        )
        return True
    if status != 200 or MARKER not in body or not policy.startswith("default-src 'self'"):
        echo(
            f"Web desk: problem: {page} answers (HTTP {status}) but not with Vigil's desk. The reverse proxy "
            f"must forward it to VIGIL_WEB_LISTEN ({listen})."
        )
        return False
    link = f" Cards open it with https://t.me/<bot>/{app}." if app else " Set VIGIL_WEB_APP_NAME for cards' buttons."
    echo(f"Web desk: {page} answers with Vigil's desk.{link}")
    return True
