"""Confirming a language (issue 23, item 4): a reviewer limited to chosen languages sees each
text beside its English, hears it, and confirms it or proposes new words, which an editor
checks and an admin publishes. Confirmation is per text and audited in the reviewer's name;
a text changed after it was confirmed is unconfirmed again."""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr import create_app
from ivr.commands.main import main
from ivr.errors import IvrError
from ivr.menu.load import menu_from_text
from ivr.menu.translations import find, progress, reviewed, text_sha256, without_confirmed
from ivr.store.accounts import Accounts
from ivr.store.reviews import Reviews
from ivr.store.rows import Who
from tests.helpers import REPO_MENU, TEST_DATABASE_URL, config
from tests.helpers.browser import CLI, PASSWORD, flashed, signed_in
from tests.helpers.chromium import served_console, sign_in, sign_in_admin

MENU = menu_from_text(REPO_MENU.read_text(encoding="utf-8"))
GREETING = "prompts/greeting.pl"
LABEL = "menus/main/options/2/label.pl"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))


@pytest.fixture
def accounts(app: Flask) -> Accounts:
    return Accounts(app.extensions["ivr.store"])


def reviews_of(app: Flask) -> Reviews:
    return Reviews(app.extensions["ivr.store"])


def text_of(name: str) -> Any:
    found = find(MENU, name)
    assert found is not None
    return found[1]


def test_a_reviewer_confirms_texts_of_their_languages_only(app: Flask, accounts: Accounts) -> None:
    reviewer = accounts.add("r@example.org", "Roza Reviewer", "reviewer", PASSWORD, CLI, ("pl",))
    service = reviews_of(app)
    seen = text_sha256(text_of(GREETING))
    service.confirm(reviewer, "pl", text_of(GREETING), seen)
    assert service.confirmations() == {GREETING: text_sha256(text_of(GREETING))}
    # Romanian is not theirs; an editor or an admin is no fluent speaker by their role
    romanian = find(MENU, "prompts/greeting.ro")
    assert romanian is not None
    with pytest.raises(IvrError, match=r"only a reviewer of this language \(ro\)"):
        service.confirm(reviewer, "ro", romanian[1], text_sha256(romanian[1]))
    editor = accounts.add("e@example.org", "Ed Editor", "editor", PASSWORD, CLI)
    with pytest.raises(IvrError, match="only a reviewer"):
        service.confirm(editor, "pl", text_of(GREETING), seen)
    # Words changed since the reviewer read them are never confirmed
    with pytest.raises(IvrError, match="these words changed since you read them"):
        service.confirm(reviewer, "pl", text_of(GREETING), "0" * 64)
    # In the audit log, under the reviewer's name, with the words confirmed
    confirmed = [e for e in app.extensions["ivr.store"].audit(limit=10) if "text" in e.kind]
    assert len(confirmed) == 1  # the refusals left no trace
    entry = confirmed[0]
    assert (entry.who, entry.kind, entry.subject) == ("Roza Reviewer", "confirm text", GREETING)
    assert entry.after == text_of(GREETING).words


def test_a_text_changed_after_confirmation_is_unconfirmed_again() -> None:
    confirmations = {GREETING: text_sha256(text_of(GREETING))}
    label_sha = text_sha256(text_of(LABEL))
    before = {t.name: t.confirmed for t in reviewed(MENU, "pl", confirmations)}
    assert before[GREETING] and not before[LABEL]
    changed = menu_from_text(
        REPO_MENU.read_text(encoding="utf-8").replace(
            "To linia {service_name}.", "Linia {service_name}.", 1
        )
    )
    after = {t.name: t.confirmed for t in reviewed(changed, "pl", confirmations)}
    assert not after[GREETING]
    # Nor is a translation confirmed once the English it translates has changed
    english = menu_from_text(
        REPO_MENU.read_text(encoding="utf-8").replace(
            "        label: Derby City\n", "        label: Police emergency\n", 1
        )
    )
    assert not {t.name: t.confirmed for t in reviewed(english, "pl", {LABEL: label_sha})}[LABEL]
    assert {t.name: t.confirmed for t in reviewed(MENU, "pl", {LABEL: label_sha})}[LABEL]
    # Spacing as YAML folds it does not count as a change
    spaced = replace(text_of(LABEL), words="miasto\n  Derby ")
    assert text_sha256(spaced) == label_sha
    done, total = progress(MENU, confirmations)["pl"]
    assert (done, total) == (1, len(before))
    assert progress(changed, confirmations)["pl"][0] == 0


def test_ivr_check_leaves_out_the_warnings_of_confirmed_texts(tmp_path: Path) -> None:
    # The store the app below uses: PostgreSQL in CI's second run, else an SQLite file
    env = {"STATE_DIR": str(tmp_path / "state"), "DATABASE_URL": TEST_DATABASE_URL}
    runner = CliRunner(env=env)
    before = runner.invoke(main, ["check", str(REPO_MENU)])
    assert "prompts.greeting.pl: warning: not yet confirmed" in before.output
    app = create_app(config(tmp_path, STATE_DIR=str(tmp_path / "state")))
    accounts = Accounts(app.extensions["ivr.store"])
    reviewer = accounts.add("r@example.org", "Roza Reviewer", "reviewer", PASSWORD, CLI, ("pl",))
    reviews_of(app).confirm(reviewer, "pl", text_of(GREETING), text_sha256(text_of(GREETING)))
    after = runner.invoke(main, ["check", str(REPO_MENU)])
    assert "prompts.greeting.pl: warning: not yet confirmed" not in after.output
    assert "prompts.greeting.ro: warning: not yet confirmed" in after.output
    count = before.output.count("not yet confirmed")
    assert after.output.count("not yet confirmed") == count - 1
    # The same filter, on its own: only that text's warning goes
    problems = [p for p in menu_problems() if "not yet confirmed" in p.message]
    kept = without_confirmed(problems, MENU, reviews_of(app).confirmations())
    assert [p.path for p in problems if p not in kept] == ["prompts.greeting.pl"]


def menu_problems() -> list[Any]:
    from ivr.menu.check import check_source
    from ivr.menu.source import parse_source

    problems, _ = check_source(parse_source(REPO_MENU.read_text(encoding="utf-8")))
    return problems


def test_proposals_are_checked_kept_and_set_aside(app: Flask, accounts: Accounts) -> None:
    reviewer = accounts.add("r@example.org", "Roza Reviewer", "reviewer", PASSWORD, CLI, ("pl",))
    service = reviews_of(app)
    text = text_of(LABEL)
    for words, refused in [
        ("", "write the words you propose"),
        ("  miasto   Derby ", "these are the words callers hear now"),
        ("Derby\u202e", r"character not shown as what it is \(U\+202E\) at character 6"),
        ("x" * 2001, "2000 characters at most"),
        ("miasto\u200bDerby", r"character not shown as what it is \(U\+200B\)"),
    ]:
        with pytest.raises(IvrError, match=refused):
            service.propose(reviewer, "pl", text, words)
    proposal = service.propose(reviewer, "pl", text, "Derby, miasto")
    assert [p.words for p in service.proposals(LABEL)] == ["Derby, miasto"]
    assert service.dismiss(proposal.id, Who("Ed Editor", "console"))
    assert not service.dismiss(proposal.id, Who("Ed Editor", "console"))  # once
    kinds = [e.kind for e in app.extensions["ivr.store"].audit(limit=3)]
    assert kinds[:2] == ["dismiss proposal", "propose words"]


def test_reviewer_accounts_name_their_languages(app: Flask, accounts: Accounts) -> None:
    for role, languages, known, message in [
        ("reviewer", (), None, "a reviewer needs the languages"),
        ("reviewer", ("polish",), None, "'polish' is not a language code"),
        ("reviewer", ("de",), ("pl", "ro"), "the menu has no language 'de'"),
        (
            "editor",
            ("pl",),
            None,
            r"only a reviewer has languages to review \(this is an editor\)",
        ),
    ]:
        with pytest.raises(IvrError, match=message):
            accounts.add("x@example.org", "X", role, PASSWORD, CLI, languages, known)
    made = accounts.add("r@example.org", "R", "reviewer", PASSWORD, CLI, ("PL", " ro", "pl"))
    assert made.languages == ("pl", "ro") and made.reviews("ro") and not made.reviews("ur")
    back = accounts.set_role("r@example.org", "viewer", CLI)
    assert back.languages == () and not back.reviews("pl")
    entry = app.extensions["ivr.store"].audit(limit=1)[0]
    assert (entry.before, entry.after) == ("reviewer of pl, ro", "viewer")
    result = CliRunner().invoke(
        main,
        [
            "staff",
            "add",
            "s@example.org",
            "--name",
            "S",
            "--role",
            "reviewer",
            "--languages",
            "ur",
        ],
        input=PASSWORD + "\n",
        env={"STATE_DIR": app.config["STATE_DIR"], "DATABASE_URL": TEST_DATABASE_URL},
    )
    assert result.output.strip() == "s@example.org: reviewer of ur account added", result.output


def test_the_review_pages_from_confirmation_to_a_published_proposal(
    app: Flask, accounts: Accounts
) -> None:
    reviewer = signed_in(app, accounts, "reviewer", languages=("pl",))
    listing = reviewer.text(reviewer.get("/console/review?language=pl"))
    assert "Polish" in listing and "(yours)" in listing
    assert "miasto Derby" in listing and "Derby City" in listing  # beside its English
    one = reviewer.text(reviewer.get(f"/console/review/{LABEL}"))
    assert 'src="data:audio/wav;base64,' in one  # heard as callers hear it
    assert "Confirm these words" in one
    seen = text_sha256(text_of(GREETING))
    done = reviewer.post(f"/console/review/{GREETING}/confirm", {"seen": seen})
    assert flashed(reviewer, done) == ["Confirmed: 'greeting'."]
    # Proposed words are checked as the menu would check them
    bad = reviewer.post(f"/console/review/{LABEL}/propose", {"words": "miasto {nowhere}"})
    problem = (
        "placeholders differ from the English text (missing: none; not in English: {nowhere})"
    )
    assert bad.status_code == 422 and problem in html.unescape(reviewer.text(bad))
    kept = reviewer.post(f"/console/review/{LABEL}/propose", {"words": "Derby, miasto"})
    assert flashed(reviewer, kept)[0].startswith("Proposed: an editor will see")
    # A reviewer of Polish only: Romanian is read, not confirmed
    romanian = reviewer.text(reviewer.get("/console/review/prompts/greeting.ro"))
    assert "Only a reviewer of Romanian may confirm" in romanian
    refused = reviewer.post("/console/review/prompts/greeting.ro/confirm", {"seen": seen})
    assert "only a reviewer of this language (ro)" in flashed(reviewer, refused)[0]
    # The Now page shows each language's progress
    now = reviewer.text(reviewer.get("/console/"))
    assert "1 of " in now
    # An editor sees the proposal on the Words page and checks it; an admin publishes it
    editor = signed_in(app, accounts, "editor")
    words = editor.text(editor.get(f"/console/words/{LABEL}"))
    assert "Derby, miasto" in words and "by Reviewer Person" in words
    admin = signed_in(app, accounts, "admin")
    proposal = reviews_of(app).proposals(LABEL)[0]
    prefilled = admin.text(admin.get(f"/console/words/{LABEL}?proposal={proposal.id}"))
    assert ">Derby, miasto</textarea>" in prefilled
    published = admin.post(f"/console/words/{LABEL}/publish", {"words": "Derby, miasto"})
    assert flashed(admin, published)[0].startswith("Published")
    # The confirmed greeting stays confirmed; the published proposal is no longer shown
    after = reviewer.text(reviewer.get(f"/console/review/{LABEL}"))
    assert "Derby, miasto" in after and "Words proposed" not in after
    assert reviewer.get("/console/review?language=xx").status_code == 404
    assert reviewer.get("/console/review/prompts/greeting").status_code == 404  # English


def test_a_confirmation_lapses_when_an_admin_changes_the_words(
    app: Flask, accounts: Accounts
) -> None:
    reviewer = signed_in(app, accounts, "reviewer", languages=("pl",))
    read = text_sha256(text_of(LABEL))  # what the reviewer's page showed
    reviewer.post(f"/console/review/{LABEL}/confirm", {"seen": read})
    page = reviewer.text(reviewer.get(f"/console/review/{LABEL}"))
    assert "Yes, these words" in page
    admin = signed_in(app, accounts, "admin")
    admin.post(f"/console/words/{LABEL}/publish", {"words": "Derby (miasto)"})
    page = reviewer.text(reviewer.get(f"/console/review/{LABEL}"))
    assert "Not yet" in page
    # Confirming from a page read before the change confirms nothing
    late = reviewer.post(f"/console/review/{LABEL}/confirm", {"seen": read})
    assert "changed since you read them" in flashed(reviewer, late)[0]
    assert "Not yet" in reviewer.text(reviewer.get(f"/console/review/{LABEL}"))


def test_the_reviewer_flow_in_a_browser_passes_axe(tmp_path: Path, browser: Any) -> None:
    """Sign in as a reviewer, hear a text, confirm one, propose words for another; an
    admin gives the role; every page axe-clean (serious or critical)."""
    from axe_playwright_python.sync_playwright import Axe

    found: dict[str, list[Any]] = {}
    with served_console(tmp_path) as console:
        app = console.app
        context = browser.new_context()
        try:
            context.set_default_timeout(60_000)
            page = context.new_page()
            sign_in_admin(page, console)
            page.goto(console.url + "/console/staff")
            page.get_by_label("Name (as the audit log shows it)").fill("Roza Reviewer")
            page.get_by_label("Email").fill("roza@example.org")
            page.get_by_label("Role", exact=True).select_option("reviewer")
            page.get_by_label("Languages they review").fill("pl, ro")
            page.get_by_role("button", name="Add, with a one-off password").click()
            password = page.locator("code.key").inner_text().strip()
            found["staff"] = Axe().run(page).response["violations"]
            context.clear_cookies()
            sign_in(page, console, "roza@example.org", password)
            page.get_by_role("link", name="Review", exact=True).click()
            page.get_by_role("link", name="Polish").click()
            found["review"] = Axe().run(page).response["violations"]
            page.get_by_role("link", name="greeting", exact=True).click()
            assert page.locator("audio").count() == 1
            found["text"] = Axe().run(page).response["violations"]
            page.get_by_role("button", name="Confirm these words").click()
            assert "Confirmed: 'greeting'." in page.locator(".flash").first.inner_text()
            page.goto(console.url + f"/console/review/{LABEL}")
            page.get_by_label("Or propose new words").fill("Derby, miasto")
            page.get_by_role("button", name="Propose these words").click()
            assert "Proposed" in page.locator(".flash").first.inner_text()
            page.goto(console.url + f"/console/review/{LABEL}")
            page.get_by_label("Or propose new words").fill("miasto {nowhere}")
            page.get_by_role("button", name="Propose these words").click()
            page.get_by_role("heading", name="Not usable").wait_for()
            found["refused"] = Axe().run(page).response["violations"]
        finally:
            context.close()
    serious = {
        name: [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in found.items()
    }
    assert serious == {"staff": [], "review": [], "text": [], "refused": []}
    assert reviews_of(app).proposals(LABEL)[0].reviewer == "Roza Reviewer"
    assert GREETING in reviews_of(app).confirmations()


def test_words_shown_as_other_than_they_say_are_never_confirmed(
    app: Flask, accounts: Accounts
) -> None:
    """A direction override shows '21' where the voice says '12': not confirmable."""
    reviewer = accounts.add("r@example.org", "R", "reviewer", PASSWORD, CLI, ("pl",))
    tricked = replace(text_of(LABEL), words="Naciśnij \u202e12\u202c")
    with pytest.raises(IvrError, match=r"\(U\+202E\) at character 10"):
        reviews_of(app).confirm(reviewer, "pl", tricked, text_sha256(tricked))
    assert reviews_of(app).confirmations() == {}


def test_setting_aside_twice_says_so(app: Flask, accounts: Accounts) -> None:
    reviewer = accounts.add("r@example.org", "R", "reviewer", PASSWORD, CLI, ("pl",))
    proposal = reviews_of(app).propose(reviewer, "pl", text_of(LABEL), "Derby, miasto")
    editor = signed_in(app, accounts, "editor")
    first = editor.post(f"/console/proposals/{proposal.id}/dismiss", {"key": LABEL})
    assert flashed(editor, first) == ["The proposal was set aside."]
    again = editor.post(f"/console/proposals/{proposal.id}/dismiss", {"key": LABEL})
    assert flashed(editor, again) == ["That proposal had been set aside already."]
    elsewhere = editor.post(f"/console/proposals/{proposal.id}/dismiss", {"key": "//evil"})
    assert elsewhere.headers["Location"] == "/console/review"


def test_ivr_check_makes_no_store(tmp_path: Path) -> None:
    for url in (
        f"sqlite:///{tmp_path / 'a' / 'b.sqlite3'}",
        f"sqlite+pysqlite:///{tmp_path / 'c' / 'd.sqlite3'}",
    ):
        env = {"STATE_DIR": str(tmp_path / "state"), "DATABASE_URL": url}
        result = CliRunner(env=env).invoke(main, ["check", str(REPO_MENU)])
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_going_back_a_release_keeps_everyone_signed_in(tmp_path: Path) -> None:
    """Migration 0009 down: reviewers become viewers (the release before knows no
    reviewer), and no console session is lost with the column."""
    from sqlalchemy import create_engine, text

    from ivr.store import db

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    db.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO staff_account (id, email, name, role, languages, password_hash, "
                "totp_secret, totp_last, session_key, disabled, made_at) VALUES (1, "
                "'r@example.org', 'R', 'reviewer', 'pl', 'x', '', 0, 'k', 0, '2026-12-01')"
            )
        )
        connection.execute(
            text("INSERT INTO console_session VALUES ('h', 1, 'in', '2026-12-01', '2026-12-01')")
        )
    engine.dispose()
    db.downgrade(url, "0008_helpline_health")
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT role FROM staff_account")).scalar() == "viewer"
        assert connection.execute(text("SELECT count(*) FROM console_session")).scalar() == 1
    engine.dispose()


def test_every_text_ivr_check_warns_of_can_be_reviewed() -> None:
    """A reviewer can answer for each text `ivr check` says no fluent speaker checked
    (its texts by SMS too), and for no other."""
    warned = {p.path for p in menu_problems() if "not yet confirmed" in p.message}
    reviewable = {t.dotted for code in MENU.languages for t in reviewed(MENU, code, {})}
    assert warned == reviewable
    assert "menus.emergency.sms.pa" in reviewable and "helplines.national_24h.sms.ur" in reviewable
