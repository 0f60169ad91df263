"""Make docs/desk.png, the README's picture of the web desk (a command, never a test's side effect).

    python -m tests.e2e.desk_screenshot [path]

The real Vigil against the fake Telegram, with reports from shared/scenarios.md, and the desk
opened in Debian's Chromium as Luis would see it on a phone in Telegram's dark theme.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from bot.fake_telegram import FakeTelegram
from tests.e2e.harness import ANA, LUIS, TOKEN, build_world, running_vigil
from tests.e2e.people import Verifier, card_in_group
from tests.e2e.steps import CLOVIS_DAIRY, desk_url, report_from_tom, wait_card
from tests.sandbox.browser import CHROMIUM, CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parents[2]


async def main(target: Path) -> None:
    from playwright.async_api import async_playwright

    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with tempfile.TemporaryDirectory(prefix="vigil-desk-png-") as scratch:
        async with FakeTelegram(token=TOKEN, bot_username="vigil_test_bot") as fake:
            build_world(fake)
            async with running_vigil(fake, Path(scratch), VIGIL_WEB_LISTEN="127.0.0.1:0") as vigil:
                first = await report_from_tom(fake, text=CLOVIS_DAIRY)
                await report_from_tom(
                    fake,
                    place="Vado",
                    indicators=("People being detained",),
                    text="White bus and two vans in the Walmart parking lot in Vado, agents stopping people.",
                )
                await report_from_tom(
                    fake, place="Downtown Las Cruces", text="Two ICE agents at the taco place by the courthouse."
                )
                card = await wait_card(fake, first, first)
                await Verifier(fake, ANA).presses(card, "🚶 30")
                await Verifier(fake, LUIS).presses(card_in_group(fake, first), "👍")
                await vigil.outbox_idle(timeout=60)
                async with async_playwright() as playwright:
                    browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
                    page = await browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
                    await page.goto(desk_url(vigil, LUIS))
                    await page.locator("#queue li").nth(2).wait_for()
                    await page.locator("#map-box summary").click()
                    await page.locator("#map svg").wait_for()
                    await page.screenshot(path=str(target), full_page=True)
                    await browser.close()
    print(f"wrote {target}")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "desk.png"))
