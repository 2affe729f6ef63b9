"""A call's state in its URLs: written and read in one place (ivr/call/state.py).

The letters were written in five calls in twiml.py and read positionally in voice.py and
again in report/events.py: an edit on one side left the report disagreeing with the call.
"""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ivr.call import twiml
from ivr.call.form import Params
from ivr.call.state import LETTERS, CallState

IVR = Path(__file__).resolve().parent.parent / "ivr"
NAMES = list(CallState._fields)

ids = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
counts = st.integers(min_value=0, max_value=99)
states = st.builds(
    CallState,
    node=ids,
    silences=counts,
    invalids=counts,
    key=st.sampled_from(["1", "2", "0", "*", "#", ""]),
    step=counts,
    token=st.from_regex(r"[0-9a-f]{16}", fullmatch=True),
    helpline=ids,
    repeats=counts,
    answered=st.from_regex(r"[0-9]{1,12}", fullmatch=True),
    lang=st.sampled_from(["", "pl", "ro", "pa", "ur"]),
    line=st.sampled_from(["+441632960001", "+447700900123"]),
)


def read_back(url: str) -> CallState:
    return CallState.of(Params([], url.partition("?")[2]))


@given(states, st.lists(st.sampled_from(NAMES), unique=True))
def test_what_a_url_carries_is_read_back_and_nothing_else(
    state: CallState, carried: list[str]
) -> None:
    found = read_back(state.url("/voice/choose", *carried))
    assert found == CallState()._replace(**{name: getattr(state, name) for name in carried})


def test_every_field_has_a_letter_of_its_own() -> None:
    """(of() reads them in field order: the round trip above fails on a letter mixed up)"""
    assert list(LETTERS) == NAMES
    assert len(set(LETTERS.values())) == len(LETTERS)


def test_english_is_not_carried_and_nothing_carried_is_the_path_alone() -> None:
    assert CallState(node="main").url("/voice/choose", "node", "lang") == "/voice/choose?m=main"
    assert CallState(lang="pl").url("/voice/numbers", "lang") == "/voice/numbers?g=pl"
    assert CallState().url(twiml.ACCEPT) == twiml.ACCEPT


def test_garbage_reads_as_nothing() -> None:
    found = read_back("/voice/choose?s=-1&i=x&n=1e9&a=12345678901234&l=0800&r=100")
    assert (found.silences, found.invalids, found.step) == (0, 0, 0)
    assert (found.answered, found.line, found.repeats) == ("", "", 99)


def test_a_request_reads_its_state_once() -> None:
    p = Params([], "m=main&s=1")
    assert CallState.of(p) is CallState.of(p)


def test_no_other_module_reads_a_letter_of_the_url() -> None:
    """p("m"), p.count("s")…: only state.py may (the form's own names are longer)."""
    letters = set(LETTERS.values())
    found = []
    for path in sorted(IVR.rglob("*.py")):
        if path.name == "state.py" or "staff" in path.parts:  # (the staff line's own URLs)
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in letters
                and (
                    (isinstance(node.func, ast.Name) and node.func.id == "p")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == "count")
                )
            ):
                found.append(f"{path.relative_to(IVR.parent)}:{node.lineno}")
    assert found == []
