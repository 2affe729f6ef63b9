"""A caller that follows TwiML exactly as Twilio does, over signed requests to the real app:
`ivr simulate`, the console's Try page and the tests call the line through it.

Owns: call (a call's record and inputs), posts (what Twilio posts for what happened),
hearing (what the caller hears, audio fetched as Twilio fetches it),
caller (the Simulator, following TwiML). simulate_text is its texter.
May import: ivr.menu, ivr.audio, ivr.call and the bottom floor.
"""

from ivr.simulate.call import (
    ACCOUNT,
    ANSWERS,
    BASE,
    CALLER,
    HANG_UP,
    LINE,
    NOT_ANSWERED,
    QUIRKS,
    Call,
    Event,
    Input,
    parse_script,
)
from ivr.simulate.caller import Draft, Simulator, client_for, signed_base

__all__ = [
    "ACCOUNT",
    "ANSWERS",
    "BASE",
    "CALLER",
    "HANG_UP",
    "LINE",
    "NOT_ANSWERED",
    "QUIRKS",
    "Call",
    "Draft",
    "Event",
    "Input",
    "Simulator",
    "client_for",
    "parse_script",
    "signed_base",
]
