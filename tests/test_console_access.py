"""Who may do what in the console, tried as an attacker would (issue 20, "done when").

Every console route in the app's URL map x every kind of visitor x every method, each
with the answer it must get. The table below is checked against the URL map, so a new
route (or a new method on one) fails here until someone says who it is for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, url_for
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from ivr import create_app
from ivr.staff.console.web import CSP
from ivr.store.accounts import ROLES
from tests.helpers import config
from tests.helpers.browser import Browser
from tests.helpers.console_people import add, on_clock, password_only, signed_in

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
GET, POST, GET_POST = frozenset({"GET"}), frozenset({"POST"}), frozenset({"GET", "POST"})

# Answers, as a visitor sees them
ANSWERED = "answered"  # the page or the change itself (any status below 500 but these)
SIGN_IN_FIRST = "sign in first"  # 302 to /console/sign-in?next=…
TO_SIGN_IN = "to sign-in"  # 302 to /console/sign-in
FORBIDDEN = "403"
NO_SUCH_METHOD = "405"


@dataclass(frozen=True)
class Route:
    """Who a console route is for: anyone, a password-only session at its second step
    ("code", "enrol"), or a role and those above it; and the methods it answers."""

    who: str
    methods: frozenset[str]
    # What the people it is for get; sign-out sends them to sign in again
    answer: str = ANSWERED


ROUTES = {
    "console.static": Route("anyone", GET),
    "console.sign_in": Route("anyone", GET_POST),
    "console.code": Route("code", GET_POST),
    "console.enrol": Route("enrol", GET_POST),
    "console.sign_out": Route("viewer", POST, answer=TO_SIGN_IN),
    "console.account": Route("viewer", GET_POST),
    "console.now": Route("viewer", GET),
    "console.prompts": Route("viewer", GET),
    "console.prompt": Route("viewer", GET),
    "console.new_take": Route("editor", POST),
    "console.make_live": Route("editor", POST),
    "console.to_generated": Route("editor", POST),
    "console.words": Route("viewer", GET),
    "console.review": Route("reviewer", GET),
    "console.review_text": Route("reviewer", GET),
    "console.confirm_text": Route("reviewer", POST),
    "console.propose_text": Route("reviewer", POST),
    "console.dismiss_proposal": Route("editor", POST),
    "console.word": Route("editor", GET_POST),
    "console.publish_word": Route("admin", POST),
    "console.hours": Route("viewer", GET),
    "console.change_hours": Route("editor", POST),
    "console.close_now": Route("editor", POST),
    "console.remove": Route("editor", POST),
    "console.override": Route("editor", POST),
    "console.menu": Route("admin", GET_POST),
    "console.publish": Route("admin", POST),
    "console.rollback": Route("admin", POST),
    "console.download": Route("admin", GET),
    "console.trial": Route("viewer", GET_POST),
    "console.trial_text": Route("viewer", GET_POST),
    "console.report": Route("viewer", GET),
    "console.report_csv": Route("viewer", GET),
    "console.staff": Route("admin", GET),
    "console.add_staff": Route("admin", POST),
    "console.set_role": Route("admin", POST),
    "console.disable": Route("admin", POST),
    "console.reset": Route("admin", POST),
    "console.audit": Route("admin", GET),
    "console.audit_csv": Route("admin", GET),
}
# A value for each part of a path (a prompt, a text, a menu version, a file)
ARGS = {
    "filename": "console.css",
    "prompt_id": "greeting",
    "key": "goodbye",
    "number": 1,
    "proposal_id": 1,
}

VISITORS = {
    "none": "nobody signed in",
    "pending": "an admin's password, without the code",
    "enrolling": "a new admin's password, two-factor not set up yet",
    "viewer": "a viewer",
    "reviewer": "a reviewer (of Polish)",
    "editor": "an editor",
    "admin": "an admin, with the code",
    "signed out": "an admin's cookie copied, replayed after sign-out",
}
SECOND_STEP = {"code": "pending", "enrol": "enrolling"}


def answering(app: Flask, path: str, method: str) -> Route | None:
    """The route that answers method on path (not always the one the path was made from:
    GET …/words/goodbye/publish is the Words page of a text "goodbye/publish")."""
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method)
    except MethodNotAllowed:
        return None
    return ROUTES[str(endpoint)]


def expected(route: Route | None, visitor: str) -> str:
    if route is None:
        return NO_SUCH_METHOD  # routing answers before any page: it says nothing more
    if route.who == "anyone":
        return route.answer
    if route.who in SECOND_STEP:
        return ANSWERED if SECOND_STEP[route.who] == visitor else TO_SIGN_IN
    if visitor not in ROLES:
        return SIGN_IN_FIRST
    return route.answer if ROLES.index(visitor) >= ROLES.index(route.who) else FORBIDDEN


def seen(answer: TestResponse) -> str:
    location = answer.headers.get("Location", "")
    if answer.status_code in (403, 405):
        return str(answer.status_code)
    if answer.status_code == 302 and location.startswith("/console/sign-in?next="):
        return SIGN_IN_FIRST
    if answer.status_code == 302 and location == "/console/sign-in":
        return TO_SIGN_IN
    if answer.status_code >= 500:
        return f"failed ({answer.status_code})"
    return ANSWERED


def visitor_browser(app: Flask, visitor: str) -> Browser:
    if visitor == "none":
        return Browser(app)
    if visitor == "pending":
        add(app, "admin", two_factor=True)
        return password_only(app, "admin@example.org")
    if visitor == "enrolling":
        add(app, "admin", "new-admin@example.org")
        return password_only(app, "new-admin@example.org")
    if visitor in ROLES:
        return signed_in(app, visitor)
    admin = signed_in(app, "admin")
    cookie = admin.client.get_cookie("session")
    assert cookie is not None
    thief = Browser(app)
    thief.client.set_cookie("session", cookie.value)
    thief.token = admin.token  # the form token that cookie's session holds
    assert thief.get("/console/staff").status_code == 200  # the copy works, until…
    admin.post("/console/sign-out")
    return thief


def console_rules(app: Flask) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("console.")]
    # Signing out last: it ends the visitor's session
    return sorted(rules, key=lambda r: (r.endpoint == "console.sign_out", r.rule))


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app(config(tmp_path))
    on_clock(app)
    return app


def test_every_console_route_says_who_it_is_for(app: Flask) -> None:
    rules = console_rules(app)
    unlisted = sorted({r.endpoint for r in rules} - set(ROUTES))
    assert not unlisted, f"say in ROUTES who these are for: {unlisted}"
    assert not set(ROUTES) - {r.endpoint for r in rules}, "ROUTES names routes that are gone"
    for rule in rules:
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        assert methods == ROUTES[rule.endpoint].methods, rule.rule
        assert set(rule.arguments) <= set(ARGS), f"a value for {rule.arguments} in ARGS"
        assert set(methods) <= set(METHODS), f"{rule.rule}: add {methods} to METHODS"


@pytest.mark.parametrize("visitor", list(VISITORS), ids=list(VISITORS))
def test_each_route_answers_each_visitor_as_it_must(app: Flask, visitor: str) -> None:
    browser = visitor_browser(app, visitor)
    wrong = []
    for rule in console_rules(app):
        with app.test_request_context():
            path = url_for(rule.endpoint, **{a: ARGS[a] for a in rule.arguments})
        for method in METHODS:
            if method == "POST":
                answer = browser.post(path)  # with the form's token: the role is tested
            else:
                answer = browser.client.open(path, method=method)
            answer.close()  # a static file's
            must = expected(answering(app, path, method), visitor)
            if seen(answer) != must:
                wrong.append(f"{method} {path}: must be {must}, was {seen(answer)}")
            if answer.headers.get("Content-Security-Policy") != CSP:
                wrong.append(f"{method} {path}: without the console's headers")
    assert not wrong, f"{VISITORS[visitor]}:\n" + "\n".join(wrong)
    if visitor in ROLES:  # signing out (the last route tried) ended the session
        assert seen(browser.get("/console/")) == SIGN_IN_FIRST
