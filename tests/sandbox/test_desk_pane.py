"""The sandbox's web desk pane in Debian's Chromium: the desk opened as a sample verifier, live."""

from __future__ import annotations

from tests.sandbox.browser import ANA, TOM
from tests.sandbox.conftest import Sandbox


def test_the_web_desk_opens_as_a_verifier_beside_the_group_and_shows_a_new_report(page, sandbox: Sandbox):
    from playwright.sync_api import expect

    expect(page.locator("#connection")).to_have_text("live")
    page.locator("#desk-toggle").click()
    expect(page.locator("#desk-pane")).to_be_visible()
    expect(page.locator("#channels")).to_be_hidden()
    assert page.locator("#desk-select option").first.inner_text() == "Ana · Spanish · verifier and organizer"
    page.locator("#desk-select").select_option(ANA)
    desk = page.frame_locator("#desk-frame")
    expect(desk.locator("#title")).to_have_text("Escritorio de verificación")  # Ana's Telegram is in Spanish
    expect(desk.locator("#queue li")).to_have_count(0)

    page.locator("#resident-select").select_option(TOM)
    page.locator("#resident-text").fill("Five unmarked SUVs outside the dairy on the Clovis highway")
    page.locator("#resident-form button").click()
    resident = page.locator("#resident-messages")
    resident.locator("button.inline", has_text="Clovis").click()
    resident.locator("button.inline", has_text="Send to verifiers").click()
    expect(desk.locator("#queue li")).to_have_count(1)
    expect(desk.locator("#queue li")).to_contain_text("Clovis")
