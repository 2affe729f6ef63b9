"""The Menu and Words pages show how long a caller waits with a draft, before it is
published (issue 21): each moment, its time, its target, and what costs most."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from flask import Flask

from ivr import create_app
from ivr.audio.journeys import before_999, listening
from ivr.store.accounts import Accounts
from tests.helpers import REPO_MENU, config
from tests.helpers.browser import Browser, signed_in
from tests.helpers.chromium import served_console, sign_in_admin

ROW = re.compile(
    r"<tr>\s*<td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>\s*<td>(.*?)</td>"
)


def rows(browser: Browser, response: object) -> dict[tuple[str, str], tuple[str, str, str]]:
    """Moment and language -> seconds, target, within target, as the table shows them."""
    page = browser.text(response)  # type: ignore[arg-type]
    assert "How long a caller waits with this draft" in page
    table = page[page.index('id="times"') :]
    return {
        (html.unescape(m[0]), m[1]): (m[2], m[3], re.sub("<[^>]+>", "", m[4]))
        for m in ROW.findall(table)
    }


def pages(tmp_path: Path) -> tuple[Flask, Accounts]:
    app = create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))
    return app, Accounts(app.extensions["ivr.store"])


def test_the_words_page_times_the_draft_words(tmp_path: Path) -> None:
    editor = signed_in(*pages(tmp_path), "editor")
    words = "{service_name}. Dial 999 now if you are in danger. You can hang up at any time."
    checked = editor.post("/console/words/greeting", {"words": words})
    found = rows(editor, checked)
    # New words have no audio: 7 words up to "9 9 9", at 175 words a minute
    assert found[('"999" said in the greeting', "English")] == ("2.4", "6", "Yes")
    person = found[("the way to a person (key 0) offered", "English")]
    assert person[1] == "10"
    assert ('"999" said after choosing Polish', "polski") in found


def test_the_menu_page_times_the_draft(tmp_path: Path) -> None:
    app, accounts = pages(tmp_path)
    admin = signed_in(app, accounts, "admin")
    text = REPO_MENU.read_text(encoding="utf-8")
    same = rows(admin, admin.post("/console/menu", {"text": text}))
    store = app.extensions["ivr.line"].prompts
    # Words unchanged: timed by the audio callers hear now
    heard = same[('"999" said in the greeting', "English")]
    assert heard[0] == f"{before_999(store):.1f}"
    person = listening(store).person_offered().seconds
    assert same[("the way to a person (key 0) offered", "English")][0] == f"{person:.1f}"
    longer = text.replace(
        "    {service_name}. In danger? Hang up and dial 999.\n",
        "    {service_name}. In danger? Hang up and dial 999." + " Listen." * 40 + "\n",
        1,
    )
    late = admin.post("/console/menu", {"text": longer})
    page = admin.text(late)
    assert re.search(r"<strong>\d+ moment\(s\) over target.</strong>", page)
    found = rows(admin, late)
    assert found[("the way to a person (key 0) offered", "English")][1:] == (
        "10",
        "No: over target",
    )


def test_the_times_pass_axe(tmp_path: Path, browser: Any) -> None:
    """The times table, after a check on each page, in Chromium (as test_console's pages)."""
    from axe_playwright_python.sync_playwright import Axe

    with served_console(tmp_path) as console:
        context = browser.new_context()  # (the session's Chromium: one Playwright at a time)
        try:
            context.set_default_timeout(60_000)
            page = context.new_page()
            sign_in_admin(page, console)
            found = {}
            page.goto(console.url + "/console/menu")
            page.get_by_role("button", name="Check the draft").click()
            page.get_by_role("heading", name="How long a caller waits with this draft").wait_for()
            found["menu"] = Axe().run(page).response["violations"]
            page.goto(console.url + "/console/words/goodbye")
            page.get_by_role("button", name="Check and hear it").click()
            page.get_by_role("heading", name="How long a caller waits with this draft").wait_for()
            found["words"] = Axe().run(page).response["violations"]
            serious = {
                name: [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
                for name, violations in found.items()
            }
            assert serious == {"menu": [], "words": []}
        finally:
            context.close()
