"""Console pages through Flask's test client: every refusal and every change, quickly.

(tests/test_console.py drives the same pages in Chromium; these cover each branch.)
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy.exc import OperationalError

from ivr import IvrError, create_app
from ivr.commands.main import main
from ivr.menu.edit import set_prompt_text, set_text
from ivr.menu.hours import LONDON
from ivr.store.accounts import Accounts
from ivr.store.changes import Store
from ivr.store.rows import Who
from ivr.store.sign_in import SignInRefused
from tests.helpers import NOON, REPO_MENU, config, tone
from tests.helpers.browser import CLI, PASSWORD, Browser, flashed, signed_in


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))


@pytest.fixture
def accounts(app: Flask) -> Accounts:
    return Accounts(app.extensions["ivr.store"])


@pytest.fixture
def store(app: Flask) -> Store:
    return app.extensions["ivr.store"]  # type: ignore[no-any-return]


@pytest.fixture
def editor(app: Flask, accounts: Accounts) -> Browser:
    return signed_in(app, accounts, "editor")


@pytest.fixture
def admin(app: Flask, accounts: Accounts) -> Browser:
    return signed_in(app, accounts, "admin")


# Accounts


def test_accounts_refuse_what_would_be_a_mistake(accounts: Accounts) -> None:
    for args, message in [
        (("not-an-email", "A", "editor", PASSWORD), "'not-an-email' is not an email address"),
        (("a@example.org", "A", "boss", PASSWORD), "unknown role 'boss'"),
        (("a@example.org", " ", "editor", PASSWORD), "a name is needed"),
        (("a@example.org", "A", "editor", "short"), "a password needs at least 12"),
    ]:
        with pytest.raises(IvrError, match=re.escape(message)):
            accounts.add(*args, CLI)
    accounts.add("A@Example.org ", "A", "admin", PASSWORD, CLI)
    with pytest.raises(IvrError, match="a@example.org already has an account"):
        accounts.add("a@example.org", "A", "editor", PASSWORD, CLI)
    with pytest.raises(IvrError, match="unknown role"):
        accounts.set_role("a@example.org", "boss", CLI)
    with pytest.raises(IvrError, match="no account for b@example.org"):
        accounts.disable("b@example.org", CLI)
    # The only admin cannot be demoted or disabled: nobody could manage the line
    with pytest.raises(IvrError, match="a@example.org is the only admin"):
        accounts.set_role("a@example.org", "editor", CLI)
    with pytest.raises(IvrError, match="is the only admin"):
        accounts.disable("a@example.org", CLI)
    accounts.add("b@example.org", "B", "admin", PASSWORD, CLI)
    assert accounts.set_role("a@example.org", "viewer", CLI).role == "viewer"
    assert accounts.admins() == 1


def test_sign_in_lock_out_and_reset(accounts: Accounts, store: Store) -> None:
    accounts.add("a@example.org", "A", "editor", PASSWORD, CLI)
    for _ in range(4):
        with pytest.raises(SignInRefused):
            accounts.sign_in("a@example.org", "wrong")
    assert accounts.sign_in("a@example.org", PASSWORD).email == "a@example.org"
    for _ in range(5):
        with pytest.raises(SignInRefused):
            accounts.sign_in("a@example.org", "wrong")
    assert accounts.locked_until("a@example.org") is not None
    with pytest.raises(SignInRefused):
        accounts.sign_in("a@example.org", PASSWORD)
    # Fifteen minutes from the fifth, it opens again
    later = store.clock() + timedelta(minutes=15, seconds=1)
    store.clock = lambda: later
    assert accounts.locked_until("a@example.org") is None
    # A reset unlocks at once, signs out everywhere and clears two-factor
    store.clock = lambda: later - timedelta(minutes=10)
    before = accounts.find("a@example.org")
    assert before
    after = accounts.reset("a@example.org", "another long password", CLI)
    assert after.session_key != before.session_key and not after.two_factor
    assert accounts.sign_in("a@example.org", "another long password").id == before.id
    disabled = accounts.disable("a@example.org", CLI)
    with pytest.raises(SignInRefused):
        accounts.sign_in("a@example.org", "another long password")
    assert disabled.disabled


def test_a_code_is_used_once(accounts: Accounts, store: Store) -> None:
    store.clock = lambda: NOON
    account = accounts.add("a@example.org", "A", "admin", PASSWORD, CLI)
    secret = pyotp.random_base32()
    assert not accounts.enrol(account.id, secret, "12345x", CLI)
    code = pyotp.TOTP(secret).at(NOON)
    assert accounts.enrol(account.id, secret, code, CLI)
    assert not accounts.second_factor(account.id, code)  # used to enrol: not again
    later = NOON + timedelta(seconds=30)
    store.clock = lambda: later
    fresh = pyotp.TOTP(secret).at(later)
    assert accounts.second_factor(account.id, fresh)
    assert not accounts.second_factor(account.id, fresh)
    assert not accounts.second_factor(999, fresh)


def test_staff_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from tests.helpers import TEST_DATABASE_URL

    if TEST_DATABASE_URL:
        monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    runner = CliRunner()

    def ivr(*args: str, password: str = "") -> tuple[int, str]:
        result = runner.invoke(main, ["staff", *args], input=password + "\n" if password else "")
        return result.exit_code, result.output

    assert ivr("list") == (0, "no accounts yet: `ivr staff add EMAIL --name NAME --role admin`\n")
    assert ivr(
        "add", "ada@example.org", "--name", "Ada", "--role", "admin", password=PASSWORD
    ) == (
        0,
        "ada@example.org: admin account added (two-factor is set up at the first sign-in)\n",
    )
    code, said = ivr("add", "eve@example.org", "--name", "Eve", "--role", "editor", password="x")
    assert (code, said) == (1, "Error: a password needs at least 12 characters\n")
    ivr("add", "eve@example.org", "--name", "Eve", "--role", "editor", password=PASSWORD)
    code, said = ivr("list")
    assert said.splitlines() == [
        f"{'ada@example.org':<32} admin   password only  enabled   Ada",
        f"{'eve@example.org':<32} editor  password only  enabled   Eve",
    ]
    assert ivr("disable", "eve@example.org") == (0, "eve@example.org: disabled\n")
    assert ivr("disable", "ada@example.org")[0] == 1  # the only admin
    assert ivr("reset", "eve@example.org", password="a new long password") == (
        0,
        "eve@example.org: new password; two-factor cleared (set up again at sign-in)\n",
    )
    assert ivr("reset", "nobody@example.org", password=PASSWORD)[1] == (
        "Error: no account for nobody@example.org\n"
    )
    assert "--password" not in runner.invoke(main, ["staff", "add", "--help"]).output


# Sign-in


def test_sign_in_needs_the_code_once_two_factor_is_on(app: Flask, accounts: Accounts) -> None:
    admin = signed_in(app, accounts, "admin")
    assert admin.get("/console/account").status_code == 200
    browser = Browser(app)
    answer = browser.post(
        "/console/sign-in?next=https://evil.example/",
        {"email": "admin@example.org", "password": PASSWORD},
    )
    assert answer.headers["Location"].startswith("/console/sign-in/code")
    browser.get(answer.headers["Location"])
    wrong = browser.post("/console/sign-in/code", {"code": "000000"})
    assert wrong.status_code == 401
    store = app.extensions["ivr.store"]
    later = store.clock() + timedelta(seconds=30)  # the next code: each is used once
    store.clock = lambda: later
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ivr.store.models import StaffAccount

    with Session(store.engine) as session:
        secret = session.scalar(select(StaffAccount.totp_secret))
    right = browser.post(
        "/console/sign-in/code?next=https://evil.example/",
        {"code": pyotp.TOTP(secret).at(later)},
    )
    assert right.headers["Location"] == "/console/"  # never an outside address


def test_the_code_page_needs_a_password_first(app: Flask) -> None:
    browser = Browser(app)
    for path in ("/console/sign-in/code", "/console/sign-in/set-up"):
        assert browser.get(path).headers["Location"] == "/console/sign-in"


def test_an_editor_may_turn_on_two_factor(app: Flask, accounts: Accounts, editor: Browser) -> None:
    page = editor.get("/console/account")
    secret = re.search(r'class="key">([A-Z2-7]+)<', editor.text(page))
    assert secret
    refused = editor.post("/console/account", {"code": "123456"})
    assert "That code is not right" in editor.text(refused)
    on = editor.post("/console/account", {"code": pyotp.TOTP(secret.group(1)).now()})
    assert flashed(editor, on) == [
        "Two-factor is on: you will be asked for a code at each sign-in."
    ]
    assert accounts.find("editor@example.org").two_factor  # type: ignore[union-attr]


def test_a_disabled_or_reset_account_is_signed_out_everywhere(
    app: Flask, accounts: Accounts, editor: Browser
) -> None:
    assert editor.get("/console/").status_code == 200
    accounts.reset("editor@example.org", "a brand new password", CLI)
    assert editor.get("/console/").headers["Location"].startswith("/console/sign-in")


# Pages and their changes


def test_the_now_page_lists_what_needs_attention(
    app: Flask, editor: Browser, tmp_path: Path
) -> None:
    prompts = app.extensions["ivr.line"].prompts
    prompts.hold("goodbye", tone(tmp_path / "t.wav", seconds=3), Who("Eve", "console"))
    app.extensions["ivr.live"].refresh()
    page = editor.text(editor.get("/console/"))
    assert "a take is waiting to be listened to and made live" in page
    assert "Refuge in Derby City" in page


def test_prompt_pages(app: Flask, editor: Browser, tmp_path: Path) -> None:
    assert editor.get("/console/prompts/nothing").status_code == 404
    page = editor.text(editor.get("/console/prompts"))
    assert "first, by every caller, as the line answers" in page
    nothing = editor.post("/console/prompts/greeting/takes", {})
    assert flashed(editor, nothing) == [
        "Not saved: Choose a sound file first (or record one). Nothing has changed."
    ]
    wav = tone(tmp_path / "take.wav", seconds=6, rate=8000, channels=1)  # small: in memory
    with wav.open("rb") as f:
        sent = editor.post(
            "/console/prompts/greeting/takes",
            {"audio": (f, "take.wav")},
            headers={"Accept": "application/json"},
        )
    target = sent.get_json()["next"]
    take = re.search(r"held=(\d+)", target)
    assert take
    held = editor.text(editor.get(target))
    assert "Listen before it goes live" in held
    wrong = editor.post("/console/prompts/greeting/live", {"take": "999"})
    assert flashed(editor, wrong) == ["Not saved: greeting has no take 999"]
    live = editor.post("/console/prompts/greeting/live", {"take": take.group(1)})
    assert flashed(editor, live)[0].startswith(f"Take {take.group(1)} is live")
    back = editor.post("/console/prompts/greeting/generated")
    assert flashed(editor, back) == ["greeting is back to generated speech."]
    again = editor.post("/console/prompts/greeting/generated")
    assert flashed(editor, again) == ["Not saved: greeting already plays generated speech"]
    with (tmp_path / "x.txt").open("wb") as f:
        f.write(b"hello")
    with (tmp_path / "x.txt").open("rb") as f:
        refused = editor.post(
            "/console/prompts/greeting/takes",
            {"audio": (f, "notes.txt")},
            headers={"Accept": "application/json"},
        )
    assert refused.status_code == 400
    assert refused.get_json()["error"].startswith("notes.txt could not be read as sound")


def test_the_database_down_is_said_plainly(
    app: Flask, editor: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("select", {}, Exception("connection refused"))

    monkeypatch.setattr(Store, "set_closure", down)
    answer = editor.post("/console/hours/remove", {"helpline": "mankind"})
    assert flashed(editor, answer) == [
        "Not saved: the database cannot be reached. Nothing has changed; try again in a minute."
    ]


def test_hours_changes(app: Flask, editor: Browser) -> None:
    store = app.extensions["ivr.store"]

    def closures() -> dict[str, Any]:
        return dict(store.snapshot().closures)

    for form, message in [
        (
            {"helpline": "national_24h", "until": "2026-11-26T12:00"},
            "the 24/7 line is never skipped",
        ),
        ({"helpline": "elm_text", "until": "2026-11-26T12:00"}, "is never dialled"),
        ({"helpline": "mankind", "until": "yesterday"}, "'yesterday' is not a date and time"),
        ({"helpline": "mankind", "until": "2026-11-01T12:00"}, "has already passed"),
        (
            {"helpline": "mankind", "until": "2026-11-26T12:00", "reason": "x" * 121},
            "121 characters",
        ),
        (
            {"helpline": "mankind", "until": "2026-11-26T12:00", "state": "gone"},
            "choose closed or open",
        ),
    ]:
        answer = editor.post("/console/hours/change", form)
        assert answer.status_code == 400
        assert message in " ".join(flashed(editor, answer)), form
    assert closures() == {}
    opened = editor.post(
        "/console/hours/change",
        {"helpline": "mankind", "until": "2026-11-24T20:00", "state": "open", "confirmed": "yes"},
    )
    assert flashed(editor, opened) == [
        "the ManKind Initiative is open until Tuesday 24 November 20:00."
    ]
    assert closures()["mankind"].state == "open"
    removed = editor.post("/console/hours/remove", {"helpline": "mankind"})
    assert flashed(editor, removed) == ["the ManKind Initiative is back to its normal hours."]
    # Day/night: closed from now until its next opening (Wednesday 10:00)
    night = editor.post("/console/hours/close-now", {"helpline": "mankind"})
    assert flashed(editor, night) == [
        "the ManKind Initiative is closed until Wednesday 25 November 10:00."
    ]
    refused = editor.post("/console/hours/close-now", {"helpline": "refuge_derby"})
    assert "has no opening hours in the menu" in flashed(editor, refused)[0]


def test_words_check_hear_and_publish(app: Flask, accounts: Accounts, editor: Browser) -> None:
    assert "greeting" in editor.text(editor.get("/console/words"))
    assert editor.get("/console/words/nothing").status_code == 404
    bad = editor.text(editor.post("/console/words/goodbye", {"words": "Bye {nobody}."}))
    assert "Not usable" in bad and "nobody" in bad
    # Every language's goodbye names the service: English may not drop it alone
    dropped = editor.text(
        editor.post("/console/words/goodbye", {"words": "Take care of yourself. Goodbye."})
    )
    assert "Not usable" in dropped
    assert "prompts.goodbye.pl: placeholders differ from the English text" in dropped
    good = editor.text(
        editor.post(
            "/console/words/goodbye", {"words": "Take care of yourself, {service_name}. Goodbye."}
        )
    )
    assert (
        'A caller hears: <q lang="en" dir="auto">Take care of yourself, '
        "Derbyshire Victim Services. Goodbye.</q>" in good
    )
    assert 'src="data:audio/wav;base64,' in good
    assert "ask an admin to publish" in good
    assert editor.post("/console/words/goodbye/publish", {"words": "x"}).status_code == 403
    admin = signed_in(app, accounts, "admin")
    words = "Take care, {service_name}. Goodbye."
    done = admin.post("/console/words/goodbye/publish", {"words": words})
    assert flashed(admin, done)[0].startswith("Published: callers hear the new words")
    store = app.extensions["ivr.store"]
    assert "  goodbye: >-\n    Take care, {service_name}. Goodbye.\n" in store.menu().text
    refused = admin.post("/console/words/greeting/publish", {"words": "Hello."})
    assert "must tell callers in danger to dial 999" in flashed(admin, refused)[0]
    assert admin.post("/console/words/nothing/publish", {"words": "x"}).status_code == 404


def test_menu_page(app: Flask, admin: Browser, tmp_path: Path) -> None:
    text = REPO_MENU.read_text(encoding="utf-8")
    upload = tmp_path / "menus.yaml"
    upload.write_text(text.replace("number: 0800 085 3481", "number: 12"), encoding="utf-8")
    with upload.open("rb") as f:
        checked = admin.post("/console/menu", {"text": "", "file": (f, "menus.yaml")})
    assert checked.status_code == 400 and "Problems: not publishable" in admin.text(checked)
    refused = admin.post("/console/menu/publish", {"text": upload.read_text()})
    assert refused.status_code == 400
    assert admin.get("/console/menu/0.yaml").get_data(as_text=True) == text
    assert admin.get("/console/menu/7.yaml").status_code == 404
    assert admin.post("/console/menu/rollback", {"version": "x"}).status_code == 400
    missing = admin.post("/console/menu/rollback", {"version": "7"})
    assert flashed(admin, missing) == ["Not saved: there is no version 7."]
    huge = admin.post("/console/menu", {"text": "a" * 200_001})
    assert "over 200,000 characters" in admin.text(huge)
    published = admin.post("/console/menu/publish", {"text": text, "note": "same"})
    assert flashed(admin, published)[0].startswith("Published")
    assert admin.get("/console/menu/1.yaml").get_data(as_text=True) == text
    back = admin.post("/console/menu/rollback", {"version": "1"})
    assert flashed(admin, back)[0].startswith("Rolled back")


def test_try_a_draft(app: Flask, editor: Browser) -> None:
    text = REPO_MENU.read_text(encoding="utf-8").replace("Refuge in Derby City", "Refuge Derby")
    first = editor.text(editor.post("/console/try", {"draft": text, "restart": "1"}))
    assert "the draft menu" in first and "The line is waiting for the caller." in first
    keys = editor.text(editor.post("/console/try", {"draft": text, "inputs": "-\n2", "key": "1"}))
    assert "Refuge Derby" in keys
    hung = editor.text(editor.post("/console/try", {"inputs": "", "hangup": "1"}))
    assert "The call has ended (caller hung up)" in hung
    quiet = editor.text(editor.post("/console/try", {"inputs": "", "silence": "1"}))
    assert '<span class="kind">caller</span> (silence)' in quiet
    said = editor.text(editor.post("/console/try", {"said": "derby city"}))
    assert "caller</span> derby city" in said
    bad = editor.text(editor.post("/console/try", {"draft": "menus: ["}))
    assert 'class="problems"' in bad
    busy = editor.text(
        editor.post("/console/try", {"inputs": "2", "key": "1", "answer-refuge_derby": "busy"})
    )
    assert "not answered</span> busy" in busy


def test_staff_and_audit_pages(app: Flask, admin: Browser) -> None:
    added = admin.post(
        "/console/staff/add", {"email": "Eve@example.org", "name": "Eve", "role": "editor"}
    )
    page = admin.text(added)
    assert "Password for eve@example.org" in page
    password = re.search(r'class="key">([^<]+)<', page)
    assert password and len(password.group(1)) >= 12
    assert Accounts(app.extensions["ivr.store"]).sign_in("eve@example.org", password.group(1))
    again = admin.post(
        "/console/staff/add", {"email": "eve@example.org", "name": "Eve", "role": "editor"}
    )
    assert flashed(admin, again) == ["Not saved: eve@example.org already has an account"]
    role = admin.post("/console/staff/role", {"email": "eve@example.org", "role": "viewer"})
    assert flashed(admin, role) == ["eve@example.org is now viewer."]
    reset = admin.post("/console/staff/reset", {"email": "eve@example.org"})
    assert "Password for eve@example.org" in admin.text(reset)
    gone = admin.post("/console/staff/reset", {"email": "nobody@example.org"})
    assert flashed(admin, gone) == ["Not saved: no account for nobody@example.org"]
    off = admin.post("/console/staff/disable", {"email": "eve@example.org"})
    assert flashed(admin, off) == ["eve@example.org can no longer sign in."]
    today = f"{datetime.now(LONDON):%Y-%m-%d}"  # accounts run on the real clock
    audit = admin.text(
        admin.get(f"/console/audit?who=Admin+Person&kind=staff&from={today}&to={today}")
    )
    assert audit.count("Admin Person") >= 4
    wrong = admin.get("/console/audit?from=tomorrow")
    assert "'tomorrow' is not a date like 2026-12-24" in html.unescape(admin.text(wrong))
    app.extensions["ivr.store"].set_closure("mankind", None, Who('=HYPERLINK("http://x")', "cli"))
    csv = admin.get("/console/audit.csv").get_data(as_text=True)
    assert csv.splitlines()[0] == "when (London),who,channel,kind,what,before,after"
    assert "'=HYPERLINK" in csv  # a spreadsheet shows it, never runs it


def test_unknown_console_paths_and_failures_are_web_pages(
    app: Flask, editor: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = editor.get("/console/nothing")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert Browser(app).get("/").headers["Location"] == "/console/"

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("ivr.staff.console.now.states", broken)
    failed = editor.get("/console/")
    assert failed.status_code == 500 and "<Response>" not in editor.text(failed)


def test_set_prompt_text_keeps_the_rest_of_the_file() -> None:
    text = "# top\nsettings:\n  home: main\nprompts:\n  goodbye: Bye.   # short\n\nmenus: {}\n"
    changed = set_prompt_text(text, "goodbye", "Take  care.\nGoodbye.")
    assert (
        changed
        == "# top\nsettings:\n  home: main\nprompts:\n  goodbye: >-\n    Take care. Goodbye.\n\nmenus: {}\n"
    )
    added = set_prompt_text(text, "greeting", "Dial 999.")
    assert "prompts:\n  goodbye: Bye.   # short\n  greeting: >-\n    Dial 999.\n\n" in added
    fresh = set_prompt_text("settings:\n  home: main", "goodbye", "word " * 40)
    assert fresh.startswith("settings:\n  home: main\n\nprompts:\n  goodbye: >-\n    word")
    assert max(len(line) for line in fresh.splitlines()) <= 88
    for bad, message in [
        ("prompts: {goodbye: x}\n", "prompts: in the live menu is not a block"),
        ("- a list\n", "not a mapping of sections"),
        ("a: [\n", "could not be read"),
    ]:
        with pytest.raises(IvrError, match=message):
            set_prompt_text(bad, "goodbye", "x")
    with pytest.raises(IvrError, match="empty"):
        set_prompt_text(text, "goodbye", "  ")


def test_a_translation_is_written_beside_its_english_text() -> None:
    text = "menus:\n  main:\n    say: Hello.\n    options: {}\nprompts:\n  goodbye: Bye.\n"
    added = set_text(text, ("menus", "main", "say.pl"), "Dzień dobry.")
    assert "    say: Hello.\n    say.pl: >-\n      Dzień dobry.\n    options: {}\n" in added
    changed = set_text(added, ("menus", "main", "say.pl"), "Cześć.")
    assert changed.count("say.pl") == 1 and "Cześć." in changed and "Dzień" not in changed
    # After a folded text and a blank line, the blank line stays with what follows
    folded = "prompts:\n  goodbye: >-\n    Bye.\n\nmenus: {}\n"
    assert set_text(folded, ("prompts", "goodbye.pl"), "Pa.") == (
        "prompts:\n  goodbye: >-\n    Bye.\n  goodbye.pl: >-\n    Pa.\n\nmenus: {}\n"
    )
    with pytest.raises(IvrError, match="menus.other is not in the live menu"):
        set_text(text, ("menus", "other", "options", "say.pl"), "x")


def test_decoding_refuses_what_is_not_a_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr.audio import decode

    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * 10)
    monkeypatch.setattr(decode, "MAX_BYTES", 5)
    with pytest.raises(IvrError, match="big.wav is over 0 MB"):
        decode.telephony_take(big, "big.wav", 1.0)
    monkeypatch.setattr(decode, "MAX_BYTES", 20 * 2**20)
    import av

    video = tmp_path / "v.mp4"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("mpeg4", rate=5)
        stream.width, stream.height = 32, 32
        frame = av.VideoFrame(32, 32, "yuv420p")
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with pytest.raises(IvrError, match="v.mp4 has no sound in it"):
        decode.telephony_take(video, "v.mp4", 1.0)


def test_words_of_a_helpline_text_and_when_speech_cannot_be_made(
    app: Flask, accounts: Accounts, editor: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = editor.text(editor.post("/console/words/connecting", {"words": "Ringing {name} now."}))
    assert (
        'A caller hears: <q lang="en" dir="auto">Ringing the 24-hour National Domestic Abuse '
        "Helpline now.</q>" in html.unescape(page)
    )
    empty = editor.text(editor.post("/console/words/connecting", {"words": "   "}))
    assert "a caller would hear nothing" in empty
    from ivr.audio import tts
    from ivr.staff import publish

    def no_espeak(*args: object, **kwargs: object) -> None:
        raise IvrError("espeak-ng is missing")

    monkeypatch.setattr(tts.EspeakSpeaker, "__init__", no_espeak)
    monkeypatch.setattr(tts.FliteSpeaker, "__init__", no_espeak)
    quiet = editor.text(editor.post("/console/words/goodbye", {"words": "Bye, {service_name}."}))
    assert "No preview: espeak-ng is missing" in quiet
    admin = signed_in(app, accounts, "admin")
    monkeypatch.setattr(publish, "build_into_store", no_espeak)
    done = admin.post("/console/words/goodbye/publish", {"words": "Bye, {service_name}."})
    said = flashed(admin, done)
    assert said[0] == (
        "Speech could not be made (espeak-ng is missing): until it is, callers hear "
        "Twilio's voice for the changed words."
    )
    assert said[1].startswith("Published")
    assert app.extensions["ivr.store"].menu() is not None


def test_where_a_prompt_is_heard() -> None:
    from ivr.menu.load import load_menu
    from ivr.menu.where import where_heard

    menu = load_menu(REPO_MENU)
    assert where_heard(menu, "whisper.nowhere.1") == "in a call"
    assert where_heard(menu, "node.main") == "the first menu"


def test_attention_names_prompts_without_audio(tmp_path: Path, small_app: Flask) -> None:
    from ivr.staff.console.now import attention

    found = dict(
        attention(small_app.extensions["ivr.line"].prompts, small_app.extensions["ivr.store"])
    )
    assert found["greeting"] == "no audio: callers hear Twilio's voice"


def test_report_page_and_csv(app: Flask, accounts: Accounts) -> None:
    from ivr.simulate import Simulator

    for _ in range(5):
        Simulator(app).call(["2", "1"])
    app.extensions["ivr.tally"].flush()
    viewer = signed_in(app, accounts, "viewer")
    today = f"{datetime.now(LONDON):%Y-%m-%d}"
    swapped = viewer.text(viewer.get(f"/console/report?from={today}&to=2026-01-01&by=year"))
    assert f"{today} is after 2026-01-01: the two are swapped." in html.unescape(swapped)
    bad = viewer.text(viewer.get("/console/report?from=soon"))
    assert "'soon' is not a date like 2026-12-24" in html.unescape(bad)
    csv = viewer.get(f"/console/report.csv?from=2026-01-01&to={today}&by=month")
    text = csv.get_data(as_text=True)
    assert csv.mimetype == "text/csv" and "Calls by day and hour" in text
    assert "refuge_derby,5,0,0,0,0,0,0,5" in text


def test_old_counts_are_deleted_once_a_day(tmp_path: Path) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from ivr.report.tally import Tally
    from ivr.store.db import make_engine, upgrade
    from ivr.store.models import CallCount

    url = f"sqlite:///{tmp_path / 'counts.sqlite3'}"
    upgrade(url)
    moments = [NOON - timedelta(days=40), NOON]
    counts = Tally(make_engine(url), clock=lambda: moments[0], keep_days=30)
    counts.add("+441632960001", "call")
    assert counts.flush()
    moments[0] = NOON
    counts.add("+441632960001", "call")
    assert counts.flush()
    with Session(counts.engine) as session:
        assert session.scalar(select(func.count()).select_from(CallCount)) == 1
    assert counts.swept == NOON.date()


def test_report_keep_days_must_be_days(tmp_path: Path) -> None:
    with pytest.raises(IvrError, match="REPORT_KEEP_DAYS must be a number of days, 1 or more"):
        create_app(config(tmp_path, REPORT_KEEP_DAYS="forever"))


def test_words_in_another_language(app: Flask, accounts: Accounts, editor: Browser) -> None:
    listed = editor.text(editor.get("/console/words?language=pl"))
    assert 'lang="pl"' in listed and "(not checked)" in listed
    assert "W razie zagrożenia" in listed and "In danger? Hang up" in listed
    assert "miasto Derby" in listed and "Refuge w Derby" in listed
    assert editor.get("/console/words?language=xx").status_code == 404
    assert editor.get("/console/words/prompts/greeting.xx").status_code == 404
    page = editor.text(editor.get("/console/words/prompts/greeting.pl"))
    assert "In English:" in page and "No fluent speaker of Polish" in page
    refused = editor.text(
        editor.post(
            "/console/words/prompts/greeting.pl", {"words": "Dzień dobry, {service_name}."}
        )
    )
    assert "prompts.greeting.pl: the greeting must tell callers in danger to dial 999" in (
        html.unescape(refused)
    )
    label = editor.text(
        editor.post("/console/words/menus/main/options/2/label.pl", {"words": "Derby, miasto"})
    )
    assert "Derby, miasto: 2." in html.unescape(label)
    assert 'src="data:audio/wav;base64,' in label  # heard in espeak-ng's Polish voice
    admin = signed_in(app, accounts, "admin")
    done = admin.post(
        "/console/words/helplines/refuge_derby/name.pl/publish", {"words": "schronisko Refuge"}
    )
    assert flashed(admin, done)[0].startswith("Published: callers hear the new words")
    text = app.extensions["ivr.store"].menu().text
    assert "    name: Refuge in Derby City\n    name.pl: >-\n      schronisko Refuge\n" in text


def test_a_prompt_in_another_language_has_its_page_to_record_it(editor: Browser) -> None:
    page = html.unescape(editor.text(editor.get("/console/prompts/pl.greeting")))
    assert "W razie zagrożenia rozłącz się i dzwoń pod 9 9 9." in page
    assert "Record" in page or "record" in page


def test_the_now_page_lists_texts_no_fluent_speaker_checked(editor: Browser) -> None:
    page = html.unescape(editor.text(editor.get("/console/")))
    assert "Texts no fluent speaker has checked" in page
    for language in ("Polish", "Romanian", "Panjabi", "Urdu"):
        assert f"<summary>{language}: " in page
    assert "/console/words/prompts/greeting.ur" in page
