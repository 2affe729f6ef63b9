"""What a call's URLs carry from one webhook to the next: the one place their names are.

A call's state lives in the URLs the line hands Twilio (never in a process: any worker
may get the next request), and Twilio echoes each one back. Single letters keep the URLs
short; CallState names them for the code. Each URL carries only what its next step needs:
`url(path, *fields)` says which, and `of(params)` reads them all back (what a URL does
not carry reads as empty, or 0).
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlencode

from ivr.call.form import Params, line_number

# The letter each field travels as, in the URL
LETTERS = {
    "node": "m",  # the menu the caller is in
    "silences": "s",  # times in a row the caller said nothing there
    "invalids": "i",  # times in a row a key or words were not an option there
    "key": "k",  # the option chosen (its transfer chain)
    "step": "n",  # which helpline of that chain rings
    "token": "t",  # the ring's name (tokens.py), for the helpline's leg to note
    "helpline": "h",  # the helpline that is asked to accept
    "repeats": "r",  # times the useful numbers were read again
    "answered": "a",  # when the line answered the call, in seconds since 1970
    "lang": "g",  # the caller's language ("" English, then not carried)
    "line": "l",  # the line's own number, told to the helpline's leg
}


class CallState(NamedTuple):
    """One call's state, as its URL carries it (a tuple: read on every webhook, cheaply)."""

    node: str = ""
    silences: int = 0
    invalids: int = 0
    key: str = ""
    step: int = 0
    token: str = ""
    helpline: str = ""
    repeats: int = 0
    answered: str = ""
    lang: str = ""
    line: str = ""

    @classmethod
    def of(cls, p: Params) -> CallState:
        """The state a request's URL carried, read once per request (a garbled counter
        reads as 0, so a bad URL starts afresh; an answer time or number that is not one
        reads as "")."""
        found = p.memo.get("state")
        if isinstance(found, CallState):
            return found
        get = p.values.get
        state = cls(
            get("m", ""),
            _count(get("s", "")),
            _count(get("i", "")),
            get("k", ""),
            _count(get("n", "")),
            get("t", ""),
            get("h", ""),
            _count(get("r", "")),
            _answer_time(get("a", "")),
            get("g", ""),
            line_number(get("l", "")),
        )  # (in the order of the fields, with the letters LETTERS gives them)
        p.memo["state"] = state
        return state

    def url(self, path: str, *fields: str) -> str:
        """path with these fields in its query, in this order (the language only where
        it is not English); path alone if none is carried."""
        pairs = [
            (LETTERS[name], getattr(self, name)) for name in fields if name != "lang" or self.lang
        ]
        return f"{path}?{urlencode(pairs)}" if pairs else path


def _answer_time(value: str) -> str:
    """Seconds since 1970 as the URL carries them, or "" for anything else."""
    return value if value.isascii() and value.isdigit() and len(value) <= 12 else ""


def _count(value: str) -> int:
    """A counter; garbage reads as 0 (a bad URL starts afresh), and at most 99."""
    return min(int(value), 99) if value.isascii() and value.isdigit() else 0
