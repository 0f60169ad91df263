"""Issue 18 in Debian's Chromium: the web desk as a verifier sees it inside Telegram.

The page is opened the way a Telegram client opens a Mini App: the launch parameters (signed data,
theme) in the URL fragment. It loads nothing from outside Vigil's server.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import LUIS, STRANGER, running_vigil
from tests.e2e.steps import desk_url, report_from_tom, wait_card
from tests.sandbox.browser import CHROMIUM, CHROMIUM_FLAGS

PHONE = {"width": 360, "height": 740}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@pytest.fixture
async def vigil(fake, tmp_path):
    async with running_vigil(fake, tmp_path, VIGIL_WEB_LISTEN="127.0.0.1:0") as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        await chromium.close()


async def open_desk(browser, vigil, user_id: int, viewport: dict[str, int] | None = None):
    page = await browser.new_page(viewport=viewport or PHONE)
    outside: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(vigil.web_base) else None)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    await page.goto(desk_url(vigil, user_id))
    return page, outside, problems


async def no_horizontal_scroll(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


async def test_the_queue_updates_live_when_a_report_arrives(vigil, fake, browser):
    from playwright.async_api import expect

    page, outside, problems = await open_desk(browser, vigil, LUIS)
    await expect(page.locator("#queue-title")).to_have_text("No reports are waiting for verification.")
    ref = await report_from_tom(fake)
    await expect(page.locator("#queue li")).to_have_count(1)
    await expect(page.locator("#queue li")).to_contain_text(ref)
    await expect(page.locator("#queue li")).to_contain_text("👍 0/2")
    assert outside == [] and problems == []  # nothing from outside Vigil, nothing the CSP had to block
    # Telegram's theme colours from the fragment
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"


async def test_on_a_phone_nothing_scrolls_sideways_and_the_buttons_are_large(vigil, fake, browser):
    from playwright.async_api import expect

    long_words = "Agents in vests at the dairy on the Clovis highway " + "AVeryLongWordWithoutAnySpaces" * 6
    ref = await report_from_tom(fake, place="Vado", text=long_words)  # Vado has a center and radius: on the map
    await wait_card(fake, ref, ref)
    page, outside, problems = await open_desk(browser, vigil, LUIS)
    await expect(page.locator("#queue li")).to_have_count(1)
    assert await no_horizontal_scroll(page)
    await page.locator("#queue li button").click()
    await expect(page.locator("#card")).to_contain_text(ref)
    await expect(page.locator("#media img")).to_have_count(1)
    assert await no_horizontal_scroll(page)
    heights = await page.locator("button.act").evaluate_all("buttons => buttons.map(b => b.offsetHeight)")
    assert heights and min(heights) >= 44
    # Going to check, from the page: the card on the page shows it, and the live queue too.
    await page.locator("button.act", has_text="🚶 30").click()
    await expect(page.locator("#notice")).to_have_text("Done.")
    await expect(page.locator("#card")).to_contain_text("Luis")
    await page.locator("#back").click()
    await expect(page.locator("#queue li")).to_contain_text("🚶 Luis")
    await page.locator("#map-box summary").click()
    await expect(page.locator("#map svg circle.open")).to_have_count(1)
    assert await no_horizontal_scroll(page)
    assert outside == [] and problems == []


async def test_someone_outside_the_group_sees_only_a_plain_refusal(vigil, fake, browser):
    from playwright.async_api import expect

    ref = await report_from_tom(fake)
    page, outside, _ = await open_desk(browser, vigil, STRANGER)
    await expect(page.locator("#notice")).to_have_text(
        "The web desk is only for current members of the verifier group."
    )
    await expect(page.locator("#queue-view")).to_be_hidden()
    assert ref not in await page.content() and outside == []


async def test_the_map_loads_tiles_only_from_the_server_an_organizer_configured(fake, tmp_path, browser):
    from playwright.async_api import expect

    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    async with running_vigil(fake, tmp_path, VIGIL_WEB_LISTEN="127.0.0.1:0", VIGIL_WEB_MAP_TILES=tiles) as vigil:
        page = await browser.new_page(viewport=PHONE)
        asked: list[str] = []

        async def no_network(route) -> None:  # no test reaches the internet: the tile server is refused here
            asked.append(route.request.url)
            await route.abort()

        await page.route("https://tiles.example.org/**", no_network)
        await page.goto(desk_url(vigil, LUIS))
        await page.locator("#map-box summary").click()
        await expect(page.locator("#map svg circle")).to_have_count(2)  # the sample's two neighborhoods with a center
        await expect(page.locator("#map svg image")).not_to_have_count(0)
        assert asked and all(url.startswith("https://tiles.example.org/") for url in asked)
