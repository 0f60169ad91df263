"""The sandbox page in Debian's headless Chromium, driven with Playwright, and the steps a person takes
on it: shared by the browser tests and by `python -m tests.sandbox.screenshots`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, never a downloaded one; without the background-networking flags it tries
# to reach Google's servers at every start.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
WIDE = {"width": 1440, "height": 900}

ANA, LUIS, MALLORY = "111111111", "300000002", "400000001"  # the sample verifiers and outsider (cast.py)
TOM, ROSA = "200000001", "200000002"
CLOVIS_EN_CHANNEL = "-1002000000002"  # from the sample network file

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@contextmanager
def open_page(address: str, viewport: dict[str, int] = WIDE) -> Iterator[Any]:
    """A fresh Chromium showing the sandbox at `address`, once its live stream is connected."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_context(viewport=viewport).new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(address)
            expect(page.locator("#connection")).to_have_text("live")
            yield page
        finally:
            browser.close()


# --- steps ---------------------------------------------------------------------------------------


def resident_reports_with_a_photo(page: Any, resident: str = TOM, place: str = "Clovis") -> None:
    """The resident sends the sample photo, picks the place and sends the report; the card arrives."""
    from playwright.sync_api import expect

    messages = page.locator("#resident-messages")
    page.locator("#resident-select").select_option(resident)
    before = page.locator("#group-messages .msg.bot img").count()
    page.locator("#sample-photo").click()
    expect(messages.locator(".msg.person img")).to_have_count(1)
    messages.locator("button.inline", has_text=place).click()
    messages.locator('button.inline[data-callback="v1:form:send"]').click()
    expect(messages).to_contain_text("R-")
    expect(page.locator("#group-messages .msg.bot img")).to_have_count(before + 1)


def act_as(page: Any, person: str) -> None:
    page.locator("#actor-select").select_option(person)


def press_as(page: Any, person: str, button: Any) -> Any:
    """`person` presses `button` in the group; returns the toast that answers them."""
    from playwright.sync_api import expect

    act_as(page, person)
    toast = page.locator("#group-toast")
    toast.evaluate("box => box.hidden = true")
    button.click()
    expect(toast).to_be_visible()
    return toast


def reply_in_group(page: Any, person: str, message: Any, text: str) -> None:
    """`person` uses Reply on `message` in the verifier group and sends `text`."""
    act_as(page, person)
    message.locator("button.reply-action").click()
    page.locator("#group-text").fill(text)
    page.locator("#group-form button[type=submit]").click()


def reply_as_resident(page: Any, message: Any, text: str | None = None) -> None:
    """The resident uses Reply on `message` and sends `text`, or the sample photo."""
    message.locator("button.reply-action").click()
    if text is None:
        page.locator("#sample-photo").click()
    else:
        page.locator("#resident-text").fill(text)
        page.locator("#resident-form button[type=submit]").click()


def channel_posts(page: Any, channel: str = CLOVIS_EN_CHANNEL) -> Any:
    return page.locator(f'#channels [data-channel="{channel}"] .msg')


def publish(page: Any) -> None:
    """A report with a photo; two verifiers confirm it; the post appears in the Clovis channel."""
    from playwright.sync_api import expect

    resident_reports_with_a_photo(page)
    confirm = page.locator('#group-messages button.inline[data-callback^="v1:vote:c:"]')
    expect(confirm).to_have_count(1)
    for verifier in (ANA, LUIS):
        press_as(page, verifier, confirm)
    expect(channel_posts(page)).to_have_count(1)


def end(page: Any) -> None:
    """Two verifiers press All clear on the published alert; a reply under the post follows the edit."""
    from playwright.sync_api import expect

    all_clear = page.locator('#group-messages button.inline[data-callback^="v1:alert:e:"]')
    for verifier in (ANA, LUIS):
        expect(all_clear).to_have_count(1)
        press_as(page, verifier, all_clear)
    expect(channel_posts(page)).to_have_count(2)
    page.locator("#group-toast").evaluate("box => box.hidden = true")
