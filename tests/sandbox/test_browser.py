"""The sandbox page in a real headless Chromium (Debian's), driven with Playwright as a person would:
a resident reports with a photo, two verifiers confirm, the post appears in the channel pane, and
All clear edits it in place. The final screen is the README's screenshot (docs/sandbox.png)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox.conftest import ROOT, Sandbox

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
SCREENSHOT = ROOT / "docs" / "sandbox.png"
TIMEOUT_MS = 15_000

ANA, LUIS = "111111111", "300000002"  # the sample verifiers (bot/sandbox/cast.py)
CLOVIS_EN_CHANNEL = "-1002000000002"  # from the sample network file

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=("Debian's chromium is not installed (/usr/bin/chromium missing): apt-get install chromium; .ci/run does"),
)

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@pytest.fixture
def page(sandbox: Sandbox, tmp_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(sandbox.address)
            yield page
        finally:
            browser.close()


def test_a_report_with_a_photo_is_confirmed_published_and_then_ended_in_place(page, sandbox: Sandbox):
    from playwright.sync_api import expect

    expect(page.locator("#connection")).to_have_text("live")
    resident = page.locator("#resident-messages")
    group = page.locator("#group-messages")
    channel = page.locator(f'#channels [data-channel="{CLOVIS_EN_CHANNEL}"] .msg')

    # Tom (the English resident) sends the sample photo, picks the place and sends the report.
    page.locator("#resident-select").select_option(label="Tom (resident, English)")
    page.locator("#sample-photo").click()
    expect(resident.locator(".msg.person img")).to_have_count(1)
    resident.locator("button.inline", has_text="Clovis").click()
    resident.locator("button.inline", has_text="Send to verifiers").click()
    expect(resident).to_contain_text("R-")

    # The card reaches the verifier group with the photo; two verifiers confirm.
    expect(group.locator(".msg.bot img")).to_have_count(1)
    confirm = group.locator('button.inline[data-callback^="v1:vote:c:"]')
    expect(confirm).to_have_count(1)
    for verifier in (ANA, LUIS):
        page.locator("#actor-select").select_option(verifier)
        page.locator("#group-toast").evaluate("box => box.hidden = true")
        confirm.click()
        expect(page.locator("#group-toast")).to_be_visible()

    # The alert is posted to the neighborhood's channel, and the resident is told.
    expect(channel).to_have_count(1)
    expect(channel).to_contain_text("Clovis")
    expect(channel).not_to_contain_text("ENDED")

    # Two verifiers press All clear: the post is edited in place.
    all_clear = group.locator('button.inline[data-callback^="v1:alert:e:"]')
    for verifier in (ANA, LUIS):
        expect(all_clear).to_have_count(1)
        page.locator("#actor-select").select_option(verifier)
        page.locator("#group-toast").evaluate("box => box.hidden = true")
        all_clear.click()
        expect(page.locator("#group-toast")).to_be_visible()
    # ...and a reply under it notifies the subscribers.
    expect(channel).to_have_count(2)
    expect(channel.first).to_contain_text("ENDED")
    expect(channel.first.locator(".meta")).to_have_text("edited")
    expect(channel.nth(1).locator(".reply")).to_be_visible()

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.locator("#group-toast").evaluate("box => box.hidden = true")
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
    assert sandbox.process.poll() is None
    assert sandbox.stop() == 0
