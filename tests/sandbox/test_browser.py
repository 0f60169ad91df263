"""The sandbox page in a real headless Chromium (Debian's), driven with Playwright as a person would:
a report with a photo confirmed, published and ended in place; the panes never hiding what changed;
Reply on any message; and the sample people behaving as Telegram's would."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.sandbox.browser import (
    ANA,
    CHROMIUM,
    LUIS,
    MALLORY,
    ROSA,
    act_as,
    channel_posts,
    end,
    open_page,
    press_as,
    publish,
    reply_as_resident,
    reply_in_group,
    resident_reports_with_a_photo,
)
from tests.sandbox.conftest import ROOT, Sandbox, clean_environment

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=("Debian's chromium is not installed (/usr/bin/chromium missing): apt-get install chromium; .ci/run does"),
)

CUT_QUOTE = re.compile(r"^↪ .+…$")
SHORT = {"width": 1280, "height": 560}  # short panes: a few messages fill them

# Whether a pane shows its very end (what a person sees after a new message arrives).
AT_BOTTOM = "el => el.scrollHeight - el.scrollTop - el.clientHeight < 2"
# Whether a message is at least partly inside its pane's visible area.
IN_VIEW = """el => {
  const pane = el.closest('.messages, #channel-list').getBoundingClientRect(), box = el.getBoundingClientRect();
  return box.bottom > pane.top + 4 && box.top < pane.bottom - 4;
}"""
# The most lines any reference (R-ABCD) is spread over, measured on the laid-out text.
REFERENCE_LINES = r"""() => {
  let most = 0;
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/R-[0-9A-Z]{4}/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      most = Math.max(most, new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size);
    }
  }
  return most;
}"""


@pytest.fixture
def short_page(sandbox: Sandbox) -> Iterator[Any]:
    with open_page(sandbox.address, viewport=SHORT) as page:
        yield page


def card(page: Any) -> Any:
    return page.locator("#group-messages .msg", has=page.locator('button[data-callback^="v1:vote:c:"]'))


def api(page: Any, sandbox: Sandbox, path: str, body: dict[str, Any]) -> None:
    """What another person does meanwhile, straight through the sandbox's endpoint (no scrolling)."""
    response = page.request.post(sandbox.address + path, data=body)
    assert response.ok, response.text()


def test_a_report_with_a_photo_is_confirmed_published_and_then_ended_in_place(page, sandbox: Sandbox, tmp_path: Path):
    from playwright.sync_api import expect

    publish(page)
    expect(channel_posts(page)).to_contain_text("Clovis")
    expect(channel_posts(page)).not_to_contain_text("ENDED")
    end(page)
    posts = channel_posts(page)
    expect(posts.first).to_contain_text("ENDED")
    expect(posts.first.locator(".meta")).to_have_text("edited")
    expect(posts.nth(1).locator(".reply")).to_be_visible()  # the reply that notifies subscribers

    screenshot = tmp_path / "sandbox.png"  # never the README's picture: the suite changes no tracked file
    page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000
    assert sandbox.process.poll() is None
    assert sandbox.stop() == 0


def test_the_readmes_picture_is_made_by_its_own_command_where_it_is_told(tmp_path: Path):
    readme_picture = ROOT / "docs" / "sandbox.png"
    before = readme_picture.read_bytes()
    out = tmp_path / "picture.png"
    result = subprocess.run(
        [sys.executable, "-m", "tests.sandbox.screenshots", "--out", str(out)],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote {out}"
    with Image.open(out) as picture:
        assert picture.size == (1440, 900)
    assert readme_picture.read_bytes() == before


def test_the_newest_message_stays_in_view_after_a_photo_loads(short_page, sandbox: Sandbox):
    from playwright.sync_api import expect

    page = short_page
    resident = page.locator("#resident-messages")

    def ask_for_help(answers: int) -> None:
        page.locator("#resident-text").fill("/help")
        page.locator("#resident-form button[type=submit]").click()
        expect(resident.locator(".msg.bot")).to_have_count(answers)
        page.wait_for_function(f"() => ({AT_BOTTOM})(document.querySelector('#resident-messages'))")

    ask_for_help(1)
    ask_for_help(2)  # the pane is full: it scrolls from here on
    # A photo arrives at the bottom and gets taller once it has loaded, after the pane scrolled to it.
    page.locator("#sample-photo").click()
    expect(resident.locator(".msg.bot")).to_have_count(3)
    page.wait_for_function("() => [...document.querySelectorAll('#resident-messages img')].every(i => i.naturalHeight)")
    ask_for_help(4)
    ask_for_help(5)
    assert resident.locator(".msg").last.evaluate(IN_VIEW)
    expect(page.locator("#resident-jump")).to_be_hidden()


def test_new_messages_and_edits_out_of_view_are_signalled_until_seen(short_page, sandbox: Sandbox):
    from playwright.sync_api import expect

    page = short_page
    resident_reports_with_a_photo(page)

    # The resident scrolled up to read; the bot answers below: a button says so, and the place is kept.
    resident = page.locator("#resident-messages")
    resident.evaluate("el => { el.scrollTop = 0; }")
    expect(page.locator("#resident-jump")).to_be_hidden()
    api(page, sandbox, "api/send", {"user_id": int(page.locator("#resident-select").input_value()), "text": "/help"})
    jump = page.locator("#resident-jump")
    expect(jump).to_have_text("↓ 2 new messages out of view")  # their /help and the answer
    assert resident.evaluate("el => el.scrollTop") == 0
    jump.click()
    expect(jump).to_be_hidden()
    page.wait_for_function(f"() => ({AT_BOTTOM})(document.querySelector('#resident-messages'))")

    # In the group the reader follows the newest messages; the card above them is edited by a vote.
    group = page.locator("#group-messages")
    act_as(page, LUIS)
    for count in (1, 2, 3):
        page.locator("#group-text").fill("/queue")
        page.locator("#group-form button[type=submit]").click()
        expect(group.locator(".msg.bot", has_text="🗂")).to_have_count(count)
    page.wait_for_function(f"() => ({AT_BOTTOM})(document.querySelector('#group-messages'))")
    assert not card(page).evaluate(IN_VIEW)
    confirm = card(page).locator('button[data-callback^="v1:vote:c:"]')
    api(
        page,
        sandbox,
        "api/press",
        {
            "user_id": int(ANA),
            "chat_id": int(confirm.get_attribute("data-chat")),
            "message_id": int(confirm.get_attribute("data-message")),
            "data": confirm.get_attribute("data-callback"),
        },
    )
    jump = page.locator("#group-jump")
    expect(jump).to_have_text("↑ 1 edited message out of view")
    jump.click()
    expect(jump).to_be_hidden()
    expect(card(page)).to_contain_text("Ana")
    assert card(page).evaluate(IN_VIEW)


def test_reply_lets_verifiers_ask_and_write_a_note_and_the_resident_answer_in_words_and_a_photo(page):
    from playwright.sync_api import expect

    group, resident = page.locator("#group-messages"), page.locator("#resident-messages")
    resident_reports_with_a_photo(page)

    # A verifier's own question: Reply to the desk's prompt (the group's language is Spanish).
    press_as(page, ANA, card(page).locator('button[data-callback^="v1:ask:menu:"]'))
    prompt = group.locator(".msg.bot", has_text="elija una pregunta")
    expect(prompt).to_have_count(1)
    reply_in_group(page, ANA, prompt, "Which corner exactly?")
    expect(group.locator(".msg.person", has_text="Which corner exactly?").locator(".reply")).to_contain_text(
        "Preguntar a quien reportó"
    )
    question = resident.locator(".msg.bot", has_text="Which corner exactly?")
    expect(question).to_have_count(1)

    # The resident answers it in words, then with a photo: both reach the group under the card.
    reply_as_resident(page, question, "Main and 5th, by the school")
    words = group.locator(".msg.bot", has_text="Main and 5th, by the school")
    expect(words).to_have_count(1)
    expect(words.locator(".reply")).to_be_visible()
    reply_as_resident(page, question)
    expect(group.locator(".msg.bot img")).to_have_count(1)  # the answer's: the report's waits (issue 18)
    press_as(page, LUIS, card(page).locator('button[data-callback^="v1:media:"]'))
    expect(group.locator(".msg.bot img")).to_have_count(2)  # the report's photo, and the answer's
    expect(page.locator("#resident-replying")).to_be_hidden()  # a reply is for one message

    # A public note: Reply to the note's prompt; the card's preview carries it.
    press_as(page, LUIS, card(page).locator('button[data-callback^="v1:text:note:"]'))
    note_prompt = group.locator(".msg.bot", has_text="con la nota")
    expect(note_prompt).to_have_count(1)
    reply_in_group(page, LUIS, note_prompt, "Near the school on Main St")
    expect(card(page)).to_contain_text("Near the school on Main St")


def test_the_sample_people_behave_as_telegram_people_do(page, sandbox: Sandbox):
    from playwright.sync_api import expect

    group = page.locator("#group-messages")

    # Each person's language beside their name: in the pickers and on their messages.
    # (the pickers fill once the page has read the sandbox's people)
    expect(page.locator("#resident-select option")).to_have_text(
        ["Tom · English · resident", "Rosa · Spanish (Mexico) · resident"]
    )
    expect(page.locator("#actor-select option").first).to_have_text("Ana · Spanish · verifier and organizer")
    actors = page.locator("#actor-select option").all_inner_texts()
    assert actors[0] == "Ana · Spanish · verifier and organizer" and actors[-1].startswith("Mallory · English")
    act_as(page, LUIS)
    page.locator("#group-text").fill("/queue")
    page.locator("#group-form button[type=submit]").click()
    expect(group.locator(".msg.person .author")).to_have_text("Luis en")

    # Mallory is not in the group: Telegram would not let her post there.
    act_as(page, MALLORY)
    page.locator("#group-text").fill("Hello from outside")
    page.locator("#group-form button[type=submit]").click()
    expect(page.locator("#group-toast.error")).to_contain_text("Mallory is not a member of the verifier group")
    expect(group).not_to_contain_text("Hello from outside")

    # A button's answer is for the one who pressed it, and says so.
    page.locator("#resident-select").select_option(ROSA)
    resident_reports_with_a_photo(page, ROSA, place="Clovis")
    toast = press_as(page, LUIS, card(page).locator('button[data-callback^="v1:vote:c:"]'))
    expect(toast.locator(".toast-for")).to_have_text("Only Luis sees this:")

    # A quote that had to be cut says so: the reminder replies to the card, several lines long.
    page.locator('button.time[data-minutes="10"]').click()
    reminder = group.locator(".msg.bot", has=page.locator(".reply")).last
    expect(reminder.locator(".reply")).to_have_text(CUT_QUOTE)

    # References stay whole at every width, however the words fall.
    act_as(page, LUIS)
    page.locator("#group-text").fill("Same as " + ", ".join(f"R-AB{c}D" for c in "CDEFGHJKLMNPQRSTUVWXYZ"))
    page.locator("#group-form button[type=submit]").click()
    expect(group.locator(".msg.person", has_text="R-ABZD")).to_have_count(1)
    for width in range(900, 1441, 9):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(REFERENCE_LINES) == 1, f"a reference was cut over two lines at {width} px"

    # The tab's icon exists.
    icon = page.request.get(sandbox.address + "favicon.ico")
    assert icon.ok and icon.headers["content-type"] == "image/x-icon"
    with Image.open(io.BytesIO(icon.body())) as image:
        assert image.format == "ICO"
