"""What a closure may say: its reason is read to every caller who chooses the helpline.

The store's set_closure refuses anything else, whichever door a closure came in by (the
console, `ivr hours close`, an import); the console asks first, to show the mistake
before the sentence callers would hear.
"""

from __future__ import annotations

from ivr.errors import IvrError
from ivr.menu.characters import unsafe_character
from ivr.menu.check_menus import ID

STATES = ("closed", "open")
REASON_CHARACTERS = 120  # said to every caller who chooses the helpline: keep it short


def closed_helpline(helpline_id: str) -> str:
    """A helpline id as menus.yaml writes them, or IvrError (it goes into the audit log)."""
    if not ID.fullmatch(helpline_id):
        shown = helpline_id.encode("unicode_escape").decode("ascii")[:40]
        raise IvrError(f"'{shown}' is not a helpline of the menu")
    return helpline_id


def closure_reason(state: str, reason: str) -> str:
    """The reason as it is kept and said (spaces tidied; none for an opening), or
    IvrError saying what is wrong with it."""
    if state not in STATES:
        raise IvrError("choose closed or open")
    reason = " ".join(reason.split())
    problem = unsafe_character(reason)
    if problem:
        raise IvrError(f"the reason: {problem}")
    if len(reason) > REASON_CHARACTERS:
        raise IvrError(
            f"the reason has {len(reason)} characters: callers hear it, so {REASON_CHARACTERS} "
            "at most"
        )
    return reason if state == "closed" else ""
