"""The staff console, driven in a real Chromium (Debian's) with Playwright.

The app runs on loopback on the test's own store; Chromium's fake microphone records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.helpers.chromium import (
    CHROMIUM,
    Console,
    Page,
    flash,
    served_console,
    sign_in,
    sign_in_admin,
)

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Chromium: `apt-get install chromium` (.ci/run does)"
)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    with served_console(tmp_path) as served:
        yield served


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context()
    # Long enough for a loaded CI machine: typing the whole menu (over 40 KB) into the
    # draft box once took more than 15 s there. A limit, not a measurement
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    context.close()


def test_sign_in_and_out(page: Page, console: Console) -> None:
    console.add("eve@example.org", "editor", "Eve Editor")
    page.goto(console.url + "/console/")
    assert "/console/sign-in" in page.url  # the console asks who you are first
    sign_in(page, console, "eve@example.org")
    assert page.get_by_role("heading", name="Now").is_visible()
    assert page.get_by_role("link", name="Eve Editor (editor)").is_visible()
    page.get_by_role("button", name="Sign out").click()
    assert flash(page) == "You are signed out."
    page.goto(console.url + "/console/hours")
    assert "/console/sign-in" in page.url


def test_security_headers(page: Page, console: Console) -> None:
    answer = page.goto(console.url + "/console/sign-in")
    headers = answer.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    cookies = page.context.cookies()
    session = [c for c in cookies if c["name"] == "session"]
    assert session and session[0]["httpOnly"] and session[0]["sameSite"] == "Lax"


def test_five_wrong_passwords_lock_the_account(page: Page, console: Console) -> None:
    console.add("eve@example.org", "editor")
    for _ in range(5):
        sign_in(page, console, "eve@example.org", "wrong password, again")
        assert flash(page).startswith("Sign-in failed.")
    sign_in(page, console, "eve@example.org")  # the right one, but locked now
    assert flash(page).startswith("Sign-in failed.")
    assert "/console/sign-in" in page.url
    # An unknown email gets exactly the same answer: nothing says who has an account
    sign_in(page, console, "nobody@example.org")
    assert flash(page).startswith("Sign-in failed.")
    entries = console.app.extensions["ivr.store"].audit()
    assert not any(e.kind == "sign-in" for e in entries)


def test_a_form_without_its_csrf_token_is_refused(page: Page, console: Console) -> None:
    console.add("eve@example.org", "editor")
    sign_in(page, console, "eve@example.org")
    page.goto(console.url + "/console/hours")
    form = page.locator("form[action$='/console/hours/change']")
    form.locator("input[name=csrf_token]").evaluate("e => e.remove()")
    page.get_by_label("Until (London date and time)").fill("2026-11-26T12:00")
    page.get_by_role("button", name="Check what callers hear").click()
    assert page.get_by_role("heading", name="Not saved").is_visible()
    assert console.app.extensions["ivr.store"].snapshot().closures == {}


def test_an_editor_is_refused_the_staff_and_menu_pages(page: Page, console: Console) -> None:
    console.add("eve@example.org", "editor")
    sign_in(page, console, "eve@example.org")
    for path in ("/console/staff", "/console/menu", "/console/audit"):
        answer = page.goto(console.url + path)
        assert answer.status == 403, path
        assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert page.get_by_role("link", name="Staff").count() == 0


def test_record_in_the_browser_listen_then_make_live(page: Page, console: Console) -> None:
    console.add("eve@example.org", "editor", "Eve Editor")
    before = console.call()
    sign_in(page, console, "eve@example.org")
    page.goto(console.url + "/console/prompts/greeting")
    page.get_by_role("button", name="Start recording").click()
    page.wait_for_timeout(5000)  # Chromium's fake microphone beeps
    page.get_by_role("button", name="Stop").click()
    page.get_by_role("button", name="Use this recording").click()
    page.get_by_role("heading", name="Listen before it goes live").wait_for()
    take = page.locator("#listen audio").get_attribute("src")
    assert take and re.fullmatch(r"/audio/greeting\.[0-9a-f]{16}\.wav", take)
    assert console.call() == before  # kept aside: not on calls yet
    audio = page.request.get(console.url + take)
    assert audio.status == 200 and audio.headers["content-type"] == "audio/wav"
    page.locator("#listen").get_by_role("button", name="Make live").click()
    assert flash(page).startswith("Take ")
    assert f"<Play>{take}</Play>" in console.call()  # the next call plays it
    page.goto(console.url + "/console/audit")  # (an editor may not: 403)
    entries = console.app.extensions["ivr.store"].audit()
    assert [(e.who, e.channel, e.kind) for e in entries[:2]] == [
        ("Eve Editor", "console", "prompt"),
        ("Eve Editor", "console", "prompt"),
    ]


def test_a_corrupt_upload_is_refused_and_nothing_changes(
    page: Page, console: Console, tmp_path: Path
) -> None:
    console.add("eve@example.org", "editor")
    bad = tmp_path / "greeting.mp3"
    bad.write_bytes(b"ID3" + b"\x00garbage" * 200)
    before = console.call()
    sign_in(page, console, "eve@example.org")
    page.goto(console.url + "/console/prompts/greeting")
    page.get_by_label(re.compile("Or upload a recording")).set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    message = flash(page)
    assert message.startswith("Not saved: greeting.mp3 ")
    assert "Nothing has changed" in message
    assert console.call() == before
    assert console.app.extensions["ivr.store"].takes("greeting") == []


def test_close_a_helpline_and_the_next_call_skips_it(page: Page, console: Console) -> None:
    console.add("eve@example.org", "editor", "Eve Editor")
    sign_in(page, console, "eve@example.org")
    page.goto(console.url + "/console/hours")
    page.get_by_label("Helpline", exact=True).select_option("refuge_derby")
    page.get_by_label("Until (London date and time)").fill("2026-11-26T12:00")
    page.get_by_label(re.compile("Reason callers hear")).fill("for staff training")
    page.get_by_role("button", name="Check what callers hear").click()
    heard = page.locator("section.held q").inner_text()
    assert heard.startswith("Refuge in Derby City is closed now: for staff training.")
    page.get_by_role("button", name=re.compile("^Save: closed until")).click()
    assert "is closed until" in flash(page)
    answer = console.call("/voice/choose?m=derby_city&s=0&i=0", Digits="1")
    assert "Refuge in Derby City is closed now: for staff training." in answer
    assert "<Dial" in answer  # and the next in line rings
    entry = console.app.extensions["ivr.store"].audit()[0]  # the newest
    assert (entry.who, entry.channel, entry.kind, entry.subject) == (
        "Eve Editor",
        "console",
        "hours",
        "refuge_derby",
    )


def test_publish_a_broken_menu_is_refused_then_roll_back(page: Page, console: Console) -> None:
    sign_in_admin(page, console)
    store = console.app.extensions["ivr.store"]
    page.goto(console.url + "/console/menu")
    text = page.get_by_label("Draft menu").input_value()
    page.get_by_label("Draft menu").fill(text.replace("number: 0800 085 3481", "number: 12"))
    page.get_by_role("button", name="Check the draft").click()
    problems = page.locator("ul.problems li").all_inner_texts()
    assert problems and all(re.match(r"^draft:\d+:", p) for p in problems)
    assert page.get_by_role("button", name="Publish").count() == 0
    assert store.menu() is None  # the live version is unchanged
    # A good change publishes, with a note
    page.get_by_label("Draft menu").fill(text.replace("Refuge in Derby City", "Refuge Derby"))
    page.get_by_role("button", name="Check the draft").click()
    assert "+    name: Refuge Derby" in page.locator("pre.diff").inner_text()
    page.get_by_label("Why (for the history)").fill("shorter name")
    page.get_by_role("button", name="Publish").click()
    assert flash(page).startswith("Published")
    assert store.menu().number == 1
    assert console.helpline_name("refuge_derby") == "Refuge Derby"
    page.get_by_role("button", name="Roll back to the repository's menu").click()
    assert flash(page).startswith("Rolled back")
    assert store.menu().number == 2
    assert console.helpline_name("refuge_derby") == "Refuge in Derby City"
    # The audit log names the person for each change
    page.goto(console.url + "/console/audit")
    rows = page.locator("tbody tr").all_inner_texts()
    assert any("Ada Admin" in r and "menu" in r for r in rows)
    csv = page.request.get(console.url + "/console/audit.csv?who=Ada+Admin")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text().count("Ada Admin") >= 3  # two-factor on, publish, rollback


def test_the_simulator_reaches_a_helpline(page: Page, console: Console) -> None:
    console.add("vic@example.org", "viewer")
    sign_in(page, console, "vic@example.org")
    page.goto(console.url + "/console/try")
    page.get_by_role("button", name="Start a new call").click()
    assert "In danger? Hang up and dial" in page.locator("ol.call").inner_text()
    assert page.locator("ol.call audio").first.get_attribute("src").startswith("/audio/")
    page.get_by_role("button", name="Press 2").click()
    page.get_by_role("button", name="Press 1").click()
    assert "put through to +448000853481" in page.locator("ol.call").inner_text()
    assert "The call has ended (bridged)" in page.get_by_role("status").inner_text()


def test_every_page_passes_axe(page: Page, console: Console) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        violations = axe.run(page).response["violations"]
        found[name] = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]

    page.goto(console.url + "/console/sign-in")
    check("sign in")
    console.add("ada@example.org", "admin", "Ada Admin")
    sign_in(page, console, "ada@example.org")
    check("two-factor set-up")
    secret = page.locator("code.key").inner_text().strip()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor").click()
    pages = [
        "/console/",
        "/console/prompts",
        "/console/prompts/greeting",
        "/console/words",
        "/console/words/greeting",
        "/console/words?language=ur",  # right to left
        "/console/words/prompts/greeting.pa",
        "/console/prompts/pl.greeting",
        "/console/hours",
        "/console/menu",
        "/console/try",
        "/console/report",
        "/console/staff",
        "/console/audit",
        "/console/account",
    ]
    for path in pages:
        page.goto(console.url + path)
        check(path)
    assert found == {name: [] for name in found}
    assert len(found) == len(pages) + 2


# Each made five times, so no count is hidden: (inputs, how helplines answer)
JOURNEYS: list[tuple[list[str | None], dict[str, str]]] = [
    (["2", "1"], {}),  # Refuge accepts
    ([None, "3", "1"], {"elm_helpline": "busy"}),  # silence once; then the 24/7 line
    (["4", "1"], {"mankind": "no-answer", "national_24h": "decline"}),  # the numbers read
    (["4", "2"], {"respect": "failed", "national_24h": "voicemail"}),
    (["5", "hangup"], {}),  # hangs up in the LGBT+ menu
    (["6", "2", "hangup"], {}),  # hangs up on the Ask for ANI page
    (["hangup"], {}),  # hangs up during the greeting
]


def report_tables(page: Page) -> dict[str, dict[str, list[str]]]:
    """Every table on the report page: its heading -> row name -> cells."""
    found: dict[str, dict[str, list[str]]] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('main table')].map(t => [
            t.previousElementSibling.textContent.trim(),
            Object.fromEntries([...t.tBodies[0].rows].map(r => [
                r.cells[0].textContent.trim(),
                [...r.cells].slice(1).map(c => c.textContent.trim())]))]))"""
    )
    return found


def test_the_report_shows_exactly_the_calls_made(
    page: Page, console: Console, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from ivr.commands.main import main
    from ivr.simulate import Simulator

    # Respect fails five times: the helpline watch would pass it by after the third (its
    # own tests show that); here each journey is made exactly as written
    monkeypatch.setattr(console.app.extensions["ivr.watch"], "skips", lambda *args: False)
    for inputs, answers in JOURNEYS:
        for _ in range(5):
            Simulator(console.app, answers=answers).call(inputs)
    console.app.extensions["ivr.tally"].flush()
    console.add("vic@example.org", "viewer")
    sign_in(page, console, "vic@example.org")
    page.get_by_role("link", name="Report").click()
    today = f"{datetime.now(UTC):%Y-%m-%d}"
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To", exact=True).fill(today)
    page.get_by_label("By", exact=True).select_option("month")
    page.get_by_role("button", name="Show").click()
    tables = report_tables(page)
    calls = tables["Calls"]
    month = next(iter(calls))
    # calls, ended, hung up in greeting, not answered, choices, transfers, accepted
    assert calls[month][:7] == ["35", "35", "5", "0", "55", "35", "10"]
    assert tables["Transfers per helpline"] == {
        # accepted, declined, answered, busy, no-answer, failed, canceled, total
        "elm_helpline": ["0", "0", "0", "5", "0", "0", "0", "5"],
        "mankind": ["0", "0", "0", "0", "5", "0", "0", "5"],
        "national_24h": ["5", "10", "0", "0", "0", "0", "0", "15"],
        "refuge_derby": ["5", "0", "0", "0", "0", "0", "0", "5"],
        "respect": ["0", "0", "0", "0", "0", "5", "0", "5"],
        "total": ["10", "10", "0", "5", "5", "5", "0", "35"],
    }
    hang_ups = tables["Where callers hang up (menu heard)"]
    # went on, hung up in the greeting, hung up, heard
    assert hang_ups["main"] == ["35", "5", "0", "40"]
    assert hang_ups["lgbt"] == ["0", "0", "5", "5"]
    assert hang_ups["ask_for_ani"] == ["0", "0", "5", "5"]
    assert tables["Time to connect (answer to a helpline pressing 1)"] == {
        "national_24h": ["5", "0", "0", "0", "0", "5"],
        "refuge_derby": ["5", "0", "0", "0", "0", "5"],
        "total": ["10", "0", "0", "0", "0", "10"],
    }
    # Three charts, each bar's label the table's number
    assert page.locator("svg.chart").count() == 3
    assert f"{month}: 35 calls" in page.locator("svg.chart").first.inner_html()
    # The CSV download and `ivr report --csv` give the same numbers as the page
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    downloaded = Path(download.value.path()).read_text()
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    database = console.app.config.get("DATABASE_URL")
    if database:
        monkeypatch.setenv("DATABASE_URL", database)
    command = ["report", "--from", "2026-01-01", "--to", today, "--by", "month", "--csv"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert downloaded.replace("\r\n", "\n") == result.output.replace("\r\n", "\n")
    assert "Transfers per helpline,accepted,declined" in downloaded
