"""The helpline watch in calls: what a transfer hears of a failing helpline, who still
tries it, and what each webhook tells the watch (never about the caller)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from ivr import create_app
from ivr.call.twiml import Renderer
from ivr.call.watch import Watch, drawn
from ivr.menu.load import load_menu
from ivr.report.events import SKIPPED_FAILING, onward
from ivr.store.health import SKIP, TRY, HealthStore, Limits
from ivr.store.rows import Who
from tests.helpers import (
    BASE,
    NOON,
    REPO_MENU,
    SMALL_MENU,
    call_params,
    config,
    counted,
    sign,
    spoken,
)

LINE = "+441632960001"
SENTENCE = "Refuge in Derby City is not taking calls just now. Trying another helpline."
STAFF = Who("Ann Editor", "console")
TRIED = next(f"{n:016x}" for n in range(100) if drawn(f"{n:016x}", "refuge_derby", 5))
PASSED = next(f"{n:016x}" for n in range(100) if not drawn(f"{n:016x}", "refuge_derby", 5))


def health(app: Flask) -> HealthStore:
    return HealthStore(app.extensions["ivr.store"])


def make(app: Flask, helpline: str, *results: str) -> None:
    """Results recorded in the store, and this worker's copy brought up to date at once
    (as its poller would within a second)."""
    times = [NOON + timedelta(seconds=n) for n in range(len(results))]
    health(app).record([(helpline, r, t) for r, t in zip(results, times, strict=True)], Limits())
    app.extensions["ivr.live"].refresh()


def renderer(app: Flask) -> Renderer:
    found: Renderer = app.extensions["ivr.line"].renderer
    return found


def dialled(root: ET.Element) -> tuple[str, str]:
    dial = root.find("Dial")
    assert dial is not None
    number = dial.find("Number")
    assert number is not None and number.text
    return number.text, dial.get("action", "")


def test_a_failing_helpline_is_passed_by_with_a_word_and_the_chain_goes_on(app: Flask) -> None:
    make(app, "refuge_derby", "failed", "failed", "failed")
    root = ET.fromstring(renderer(app).choose("derby_city", 0, 0, "1", LINE, ring=PASSED))
    assert spoken(app, root) == [
        SENTENCE,
        "Connecting you to the 24-hour National Domestic Abuse Helpline.",
    ]
    assert [v.tag for v in root] == ["Play", "Play", "Dial"]  # its words have audio, built
    number, action = dialled(root)
    assert number == "+448082000247"
    # The next ring is named by the same token, so its URL shows why Refuge was passed by
    assert action.startswith(f"/voice/dialled?m=derby_city&k=1&n=1&t={PASSED}&")


def test_one_caller_in_n_still_tries_a_failing_helpline(app: Flask) -> None:
    make(app, "refuge_derby", "failed", "failed", "failed")
    root = ET.fromstring(renderer(app).choose("derby_city", 0, 0, "1", LINE, ring=TRIED))
    assert spoken(app, root) == ["Connecting you to Refuge in Derby City."]
    number, action = dialled(root)
    assert number == "+448000853481" and f"&t={TRIED}&" in action


def test_a_doubtful_helpline_is_still_tried(app: Flask) -> None:
    make(app, "refuge_derby", *["busy"] * 10)
    assert health(app).states()["refuge_derby"].state == "doubtful"
    root = ET.fromstring(renderer(app).choose("derby_city", 0, 0, "1", LINE, ring=PASSED))
    assert dialled(root)[0] == "+448000853481"


def test_the_24_7_line_is_never_passed_by(app: Flask) -> None:
    make(app, "national_24h", "failed", "failed", "failed")
    assert health(app).states()["national_24h"].state == "failing"
    # Key 0, and the end of Refuge's chain after Refuge was busy
    for root in (
        ET.fromstring(renderer(app).choose("main", 0, 0, "0", LINE, ring=PASSED)),
        ET.fromstring(renderer(app).dialled("derby_city", "1", 0, False, LINE, ring=PASSED)),
    ):
        assert dialled(root)[0] == "+448082000247"
        assert not any("not taking calls" in s for s in spoken(app, root))


def test_staff_can_have_a_helpline_tried_anyway_or_skipped(app: Flask) -> None:
    make(app, "refuge_derby", "failed", "failed", "failed")
    health(app).set_override("refuge_derby", TRY, STAFF)
    app.extensions["ivr.live"].refresh()
    root = ET.fromstring(renderer(app).choose("derby_city", 0, 0, "1", LINE, ring=PASSED))
    assert dialled(root)[0] == "+448000853481"
    health(app).set_override("womens_work", SKIP, STAFF)  # a healthy one
    app.extensions["ivr.live"].refresh()
    root = ET.fromstring(renderer(app).choose("derby_city", 0, 0, "2", LINE, ring=TRIED))
    assert (
        spoken(app, root)[0]
        == "Women's Work is not taking calls just now. Trying another helpline."
    )


def test_every_caller_hears_it_in_their_language(app: Flask) -> None:
    make(app, "refuge_derby", "failed", "failed", "failed")
    menu = renderer(app).menu
    for code in ("pl", "ro", "pa", "ur"):
        root = ET.fromstring(
            renderer(app).choose("derby_city", 0, 0, "1", LINE, code, ring=PASSED)
        )
        assert spoken(app, root)[0] == menu.prompts[f"{code}.unavailable.refuge_derby"]
        assert root[0].tag == "Play"  # built audio: Urdu has no voice of Twilio's
    assert menu.prompts["pl.unavailable.refuge_derby"] == (
        "W tej chwili nie można się połączyć: Refuge w Derby. Próbujemy połączyć z inną infolinią."
    )


def test_a_menu_published_without_a_languages_words_for_it_still_works(
    tmp_path: Path,
) -> None:
    """A menu written before the watch has no `unavailable.pl`: it loads, `ivr check`
    warns, and Polish callers hear no word of why (never English in a Polish voice)."""
    text = REPO_MENU.read_text(encoding="utf-8")
    start = text.index("  unavailable.pl: >-\n")
    end = text.index("  unavailable.ro: >-\n")
    written = tmp_path / "menus.yaml"
    written.write_text(text[:start] + text[end:], encoding="utf-8")
    menu = load_menu(written)
    line = text[: text.index("  unavailable: >-")].count("\n") + 1  # the English text's
    assert [str(w) for w in menu.warnings if w.path == "prompts.unavailable"] == [
        f"menus.yaml:{line}: prompts.unavailable: warning: no Polish text: write "
        "unavailable.pl: beside it (pl is declared; until then callers in it hear no word "
        "of why a failing helpline is passed by)"
    ]
    assert "pl.unavailable.refuge_derby" not in menu.prompts
    assert "ro.unavailable.refuge_derby" in menu.prompts
    app = create_app(config(tmp_path, IVR_MENU=str(written)))
    make(app, "refuge_derby", "failed", "failed", "failed")
    polish = ET.fromstring(renderer(app).choose("derby_city", 0, 0, "1", LINE, "pl", ring=PASSED))
    assert spoken(app, polish) == [menu.prompts["pl.connecting.national_24h"]]
    english = ET.fromstring(renderer(app).choose("derby_city", 0, 0, "1", LINE, ring=PASSED))
    assert spoken(app, english)[0] == SENTENCE


def test_the_report_counts_what_the_caller_heard(app: Flask) -> None:
    make(app, "refuge_derby", "failed", "failed", "failed")
    assert onward(renderer(app), "derby_city", "1", 0, ring=PASSED) == [
        (SKIPPED_FAILING, "refuge_derby")
    ]
    assert onward(renderer(app), "derby_city", "1", 0, ring=TRIED) == []


# Refuge, then Women's Work, then the 24/7 line
THREE_IN_A_CHAIN = SMALL_MENU.replace(
    "menus:", "  womens_work:\n    name: Women's Work\n    number: 01332 296 915\nmenus:"
).replace("[refuge_derby, national_24h]", "[refuge_derby, womens_work, national_24h]")


@pytest.mark.parametrize(
    ("path", "posted", "failing"),
    [
        ("/voice/choose?m=main&s=0&i=0", {"Digits": "1"}, "refuge_derby"),
        # Refuge was busy: Women's Work is next
        (
            "/voice/dialled?m=main&k=1&n=0&t=0123456789abcdef",
            {"DialBridged": "false"},
            "womens_work",
        ),
    ],
)
def test_a_webhooks_answer_and_its_count_draw_the_same_caller(
    tmp_path: Path, path: str, posted: dict[str, str], failing: str
) -> None:
    """Whether this caller still tries a failing helpline is drawn from the ring's
    token, made once per request: the count says what the caller heard, every time."""
    (tmp_path / "menus.yaml").write_text(THREE_IN_A_CHAIN, encoding="utf-8")
    app = create_app(config(tmp_path, IVR_MENU=str(tmp_path / "menus.yaml")))
    make(app, failing, "failed", "failed", "failed")
    number = renderer(app).menu.helplines[failing].e164
    data = call_params(To=LINE, **posted)
    headers = {"X-Twilio-Signature": sign(BASE + path, data)}
    heard = []
    before = counted(app)[SKIPPED_FAILING, failing]
    for _ in range(80):  # one caller in 5 tries it: both are all but sure to be drawn
        root = ET.fromstring(app.test_client().post(path, data=data, headers=headers).data)
        tried = dialled(root)[0] == number
        skipped = counted(app)[SKIPPED_FAILING, failing] - before
        before += skipped
        heard.append((tried, skipped))
    assert set(heard) == {(True, 0), (False, 1)}


# What each webhook tells the watch


@pytest.fixture
def told(app: Flask) -> Watch:
    watch: Watch = app.extensions["ivr.watch"]
    watch.flush()
    return watch


def results(watch: Watch) -> list[tuple[str, str]]:
    found = [(helpline, result) for helpline, result, _ in watch.waiting]
    watch.waiting.clear()
    return found


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"DialCallStatus": "failed", "DialBridged": "false"}, [("refuge_derby", "failed")]),
        ({"DialCallStatus": "busy", "DialBridged": "false"}, [("refuge_derby", "busy")]),
        ({"DialCallStatus": "no-answer"}, [("refuge_derby", "no-answer")]),
        ({"DialCallStatus": "completed", "DialBridged": "false"}, [("refuge_derby", "declined")]),
        ({"DialCallStatus": "something-new"}, [("refuge_derby", "failed")]),
        # Not known whether it was accepted: only the helpline's own leg knows
        ({"DialCallStatus": "completed"}, []),
        # Accepted: told by the helpline's leg when it pressed 1, not here
        ({"DialCallStatus": "completed", "DialBridged": "true"}, []),
        # The caller hung up while it rang: nothing about the helpline
        ({"DialCallStatus": "canceled"}, []),
        ({"DialCallStatus": "no-answer", "CallStatus": "completed"}, []),
    ],
)
def test_how_a_dial_ended_is_told_to_the_watch(
    post: Callable[..., TestResponse], told: Watch, form: dict[str, str], expected: list[str]
) -> None:
    post("/voice/dialled?m=derby_city&k=1&n=0&t=0123456789abcdef", **form)
    assert results(told) == expected


def test_an_accept_is_told_by_the_helplines_own_leg(
    post: Callable[..., TestResponse], told: Watch
) -> None:
    accept = (
        "/voice/whisper/accept?t=0123456789abcdef&h=refuge_derby&a=1795521600&l=%2B441632960001"
    )
    post(accept, Digits="1", Direction="outbound-dial")
    assert results(told) == [("refuge_derby", "accepted")]
    post(accept, Digits="2", Direction="outbound-dial")
    post(accept.replace("refuge_derby", "nobody"), Digits="1", Direction="outbound-dial")
    post("/voice/dialled?m=derby_city&k=1&n=5", DialCallStatus="failed")  # past its chain
    assert results(told) == []


def test_a_call_tried_in_the_console_tells_the_watch_nothing(app: Flask, told: Watch) -> None:
    path = "/voice/dialled?m=derby_city&k=1&n=0"
    data = call_params(DialCallStatus="failed")
    headers = {"X-Twilio-Signature": sign(BASE + path, data), "X-IVR-Trial": "1"}
    app.test_client().post(path, data=data, headers=headers)
    assert results(told) == []


def test_a_failure_to_tell_the_watch_still_counts_and_the_call_goes_on(
    app: Flask,
    post: Callable[..., TestResponse],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("watch on fire")

    monkeypatch.setattr(app.extensions["ivr.watch"], "note", broken)
    with caplog.at_level(logging.ERROR):
        answer = post("/voice/dialled?m=derby_city&k=1&n=0", DialCallStatus="busy")
    assert answer.status_code == 200 and b"<Dial" in answer.data  # on to the 24/7 line
    assert [r.getMessage() for r in caplog.records] == [
        "counting /voice/dialled failed; the call goes on"
    ]
    assert counted(app)["busy", "refuge_derby"] == 1  # counted all the same
