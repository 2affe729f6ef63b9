"""The fault test (issue 20): the database stopped, paused (SIGSTOP) and read-only, before
and during each kind of staff change (publish, closure, take, account).

Whatever the database does: every call answer arrives within 2 s and is TwiML; each
staff change reports a plain error (a 503 page, or a message on the next page); and
once the database is back nothing is half-saved: each change is there with its audit
entry, or not at all, and the revision counter matches the audit log.

The app runs on a throwaway PostgreSQL server of the test's own (tests/own_postgres.py),
through Flask's test client, one thread per staff member and the calls from another.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from ivr import create_app
from ivr.store import trouble
from ivr.store.accounts import Accounts
from ivr.store.changes import Store
from ivr.store.db import make_engine
from ivr.store.models import AuditEntry, Closure, LiveTake, MenuVersion, Revision, StaffAccount
from ivr.store.rows import Who
from tests.helpers import BASE, REPO_MENU, call_params, config, sign, tone, within
from tests.helpers.browser import Browser, flashed, signed_in
from tests.helpers.own_postgres import OwnPostgres, own_postgres

CALL_ANSWER_SECONDS = 2.0
STAFF_SECONDS = 15.0  # a staff change under a fault: its own deadlines, a few seconds
CLI = Who("test", "cli")
TOKEN = "0123456789abcdef"
MENU_TEXT = REPO_MENU.read_text(encoding="utf-8")
NEW_EMAIL = "new.person@example.org"
# Every step of a call, on both legs, and Twilio's status callback
CALLS = [
    ("/voice", {}),
    ("/voice/choose?m=main&s=0&i=0", {"Digits": "2"}),
    ("/voice/choose?m=derby_city&s=0&i=0", {"Digits": "1"}),
    (f"/voice/whisper?m=derby_city&k=1&n=0&t={TOKEN}", {}),
    (f"/voice/whisper/accept?t={TOKEN}", {"Digits": "1"}),
    (f"/voice/dialled?m=derby_city&k=1&n=0&t={TOKEN}", {"DialCallStatus": "completed"}),
    ("/voice/numbers?r=0", {}),
    ("/voice/status", {"CallStatus": "completed", "CallDuration": "40"}),
]
# What staff may be told (ivr.store.trouble's words): before the change, or as it was made
PLAIN = re.compile(
    r"^(Not available just now: the database|Not saved: the database|"
    r"Perhaps saved, perhaps not: the database)"
)


# Which failure each mode is said to be (ivr.store.trouble's kinds)
SAID = {
    "stopped": (trouble.UNREACHABLE,),
    "paused": (trouble.NO_ANSWER, trouble.NO_ANSWER_TO_COMMIT),
    "read-only": (trouble.READ_ONLY,),
}


@pytest.fixture(scope="module")
def server() -> Iterator[OwnPostgres]:
    with own_postgres() as made:
        yield made


@dataclass
class Line:
    """The app on a database of its own, a take to make live, and four admins."""

    app: Flask
    url: str
    engine: Engine
    old_take: int
    old_sha: str
    staff: dict[str, Browser]


@pytest.fixture
def line(server: OwnPostgres, tmp_path: Path) -> Line:
    url = server.database()
    app = create_app(config(tmp_path, DATABASE_URL=url, SESSION_COOKIE_SECURE=False))
    store: Store = app.extensions["ivr.store"]
    store.publish(MENU_TEXT, CLI)
    old = store.add_take("greeting", tone(tmp_path / "a.wav", 2).read_bytes(), 2.0, CLI)
    store.add_take("greeting", tone(tmp_path / "b.wav", 3).read_bytes(), 3.0, CLI)
    # One admin, signed in once, in a browser per change (each thread its own)
    admin = signed_in(app, Accounts(store), "admin")
    staff = {kind: same_session(admin) for kind in ("publish", "closure", "take", "account")}
    app.extensions["ivr.live"].refresh()
    return Line(app, url, store.engine, old.id, old.sha256, staff)


def same_session(browser: Browser) -> Browser:
    """Another browser with browser's session (its cookie and form token)."""
    other = Browser(browser.app)
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    other.client.set_cookie(cookie.key, cookie.value)
    other.token = browser.token
    return other


def changes(line: Line) -> dict[str, Callable[[Browser], TestResponse]]:
    """Each kind of staff change, as its page posts it."""
    return {
        "publish": lambda b: b.post(
            "/console/menu/publish",
            {"text": MENU_TEXT + "# one more line\n", "note": "fault", "based_on": "1"},
        ),
        "closure": lambda b: b.post(
            "/console/hours/change",
            {
                "helpline": "refuge_derby",
                "until": "2026-11-24T18:00",
                "reason": "staff training",
                "confirmed": "yes",
            },
        ),
        "take": lambda b: b.post("/console/prompts/greeting/live", {"take": str(line.old_take)}),
        "account": lambda b: b.post(
            "/console/staff/add", {"email": NEW_EMAIL, "name": "New Person", "role": "viewer"}
        ),
    }


def made(line: Line) -> dict[str, tuple[bool, bool]]:
    """For each change: (its rows are there, its audit entry is there)."""
    engine = make_engine(line.url)
    with Session(engine) as s:
        audit = [(e.kind, e.subject, e.after) for e in s.scalars(select(AuditEntry))]
        live = s.scalar(select(LiveTake.take_id).where(LiveTake.prompt_id == "greeting"))
        found = {
            "publish": (
                s.get(MenuVersion, 2) is not None,
                ("menu", "menus.yaml", "version 2") in audit,
            ),
            "closure": (
                s.get(Closure, "refuge_derby") is not None,
                any(k == "hours" and subject == "refuge_derby" for k, subject, _ in audit),
            ),
            "take": (
                live == line.old_take,
                ("prompt", "greeting", f"recorded {line.old_sha[:16]}") in audit,
            ),
            "account": (
                s.scalar(select(StaffAccount).where(StaffAccount.email == NEW_EMAIL)) is not None,
                ("staff", NEW_EMAIL, "added as viewer") in audit,
            ),
        }
        # Every change bumps the revision once, in the transaction that audits it
        assert s.scalar(select(Revision.number)) == len(audit)
    engine.dispose()
    return found


def calls_answered_in_time(app: Flask) -> None:
    for path, params in CALLS:
        data = call_params(**params)
        headers = {"X-Twilio-Signature": sign(BASE + path, data)}
        answer = within(
            CALL_ANSWER_SECONDS,
            lambda p=path, d=data, h=headers: app.test_client().post(p, data=d, headers=h),
            path,
        )
        assert answer.status_code == 200, path
        assert answer.mimetype == "text/xml", path
        assert ET.fromstring(answer.data).tag == "Response", path


def fault(server: OwnPostgres, line: Line, mode: str) -> AbstractContextManager[None]:
    if mode == "stopped":
        return server.stopped()
    if mode == "paused":
        return server.paused()
    return server.read_only(line.url)


def inject(engine: Engine, moment: str, start: Callable[[], None]) -> None:
    """Start the fault in the middle of the first staff change: as it writes its audit
    entry (its own rows written, not committed), or as it commits."""
    started = threading.Lock()

    def once() -> None:
        if started.acquire(blocking=False):
            start()

    @event.listens_for(engine, "before_cursor_execute")
    def at_audit(conn: Any, cursor: object, sql: str, *args: object) -> None:
        if sql.startswith("INSERT INTO audit"):
            conn.info["audited"] = True
            if moment == "during":
                once()

    @event.listens_for(engine, "commit")
    def at_commit(conn: Any) -> None:
        if moment == "commit" and conn.info.pop("audited", False):
            once()


@pytest.mark.parametrize(
    ("mode", "moment"),
    [
        ("stopped", "before"),
        ("stopped", "during"),
        ("paused", "before"),
        ("paused", "during"),
        ("paused", "commit"),
        ("read-only", "before"),
    ],
)
def test_calls_go_on_and_staff_changes_fail_plainly_and_whole(
    server: OwnPostgres, line: Line, mode: str, moment: str
) -> None:
    kinds = changes(line)
    answers: dict[str, TestResponse] = {}
    on = threading.Event()
    with ExitStack() as stack:

        def start() -> None:
            stack.enter_context(fault(server, line, mode))
            on.set()

        if moment == "before":
            start()
        else:
            inject(line.engine, moment, start)

        def change(kind: str) -> None:
            answers[kind] = kinds[kind](line.staff[kind])

        threads = [threading.Thread(target=change, args=(k,), daemon=True) for k in kinds]
        for t in threads:
            t.start()
        assert on.wait(STAFF_SECONDS), "no staff change reached the fault"
        calls_answered_in_time(line.app)
        for t in threads:
            t.join(STAFF_SECONDS)
        assert not any(t.is_alive() for t in threads), "a staff change did not end in time"
        calls_answered_in_time(line.app)
    # The database is back: what each member of staff was told, and what was saved
    found = made(line)
    for kind, answer in answers.items():
        browser = line.staff[kind]
        told = _told(browser, answer)
        there, audited = found[kind]
        assert there == audited, (kind, found[kind])  # whole, or not at all
        assert PLAIN.match(told), (kind, told)
        assert any(trouble.WHAT[said] in told for said in SAID[mode]), (kind, told)
        if told.startswith("Not"):
            assert not there, (kind, told)
    # And the line works again, for calls and for staff
    calls_answered_in_time(line.app)
    again = changes(line)["closure"](line.staff["closure"])
    assert flashed(line.staff["closure"], again)[-1].startswith("Refuge in Derby City is closed")


def _told(browser: Browser, answer: TestResponse) -> str:
    """What the member of staff read: a 503 page's message, or the next page's message."""
    assert answer.status_code in (302, 503), (answer.status_code, browser.text(answer)[:300])
    if answer.status_code == 503:
        page = browser.text(answer)
        assert "Calls are not affected: every call is answered as usual." in page
        message = re.search(r'<p role="alert">([^<]*)</p>', page)
        assert message is not None
        return message.group(1).replace("&#39;", "'")
    said = [m for m in flashed(browser, answer) if m]
    assert len(said) == 1, said
    return said[0]
