"""Try the line: a call in the browser, on the live menu or on a draft not yet published.

The same engine as `ivr simulate`: signed requests to the real app, TwiML followed as
Twilio follows it. The page holds the call's inputs so far; each key or words replays
the call to where the line waits for the next one, so nothing is kept on the server.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from ivr.errors import IvrError
from ivr.menu.source import MenuError
from ivr.simulate import ANSWERS, HANG_UP, Input, Simulator
from ivr.staff.console import trial_text
from ivr.staff.console.drafts import draft_line
from ivr.staff.console.web import live_menu, needs

MAX_INPUTS = 40
KEYPAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")
SHOWN = (
    "say",
    "play",
    "application-error",
    "gather",
    "dial",
    "whisper",
    "not-answered",
    "bridged",
    "hangup",
    "caller-hung-up",
    "end",
)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/try", "trial", needs("viewer")(trial), methods=["GET", "POST"])
    trial_text.register(bp)  # the text line, on the same live menu or draft


def _inputs(text: str) -> list[Input]:
    """The page's record of inputs: one per line; '-' is silence."""
    found: list[Input] = []
    for line in text.splitlines()[:MAX_INPUTS]:
        line = line.strip()
        if line:
            found.append(None if line == "-" else line[:80])
    return found


def _record(inputs: list[Input]) -> str:
    return "\n".join("-" if i is None else i for i in inputs)


def trial() -> Any:
    form = request.form
    inputs = _inputs(form.get("inputs", ""))
    pressed = form.get("key") or " ".join(form.get("said", "").split())
    if form.get("silence"):
        inputs.append(None)
    elif form.get("hangup"):
        inputs.append(HANG_UP)
    elif pressed:
        inputs.append(pressed)
    if form.get("restart"):
        inputs = []
    draft = form.get("draft", "").replace("\r\n", "\n")
    menu = live_menu()
    answers = {
        h.id: form.get(f"answer-{h.id}", "accept")
        for h in menu.helplines.values()
        if h.dial and form.get(f"answer-{h.id}", "accept") in ANSWERS
    }
    problems: list[str] = []
    call = None
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        on = draft_line(draft) if draft.strip() else None
        simulator = Simulator(app, answers=answers, trial=True, line=on)
        call = simulator.call(inputs, stop=True)
    except MenuError as e:
        problems = [str(p) for p in e.problems]
    except IvrError as e:
        problems = [str(e)]
    events = [e for e in call.events if e.kind in SHOWN] if call else []
    return render_template(
        "console/try.html",
        inputs=_record(inputs),
        events=events,
        call=call,
        draft=draft,
        problems=problems,
        keypad=KEYPAD,
        helplines=[h for h in menu.helplines.values() if h.dial],
        answers=answers,
        choices=ANSWERS,
    )
