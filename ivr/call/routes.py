"""The call's webhook paths, and the placeholders cached TwiML carries until a request
puts its own values in (the state the URLs carry is CallState, state.py)."""

from __future__ import annotations

START = "/voice"
CHOOSE = "/voice/choose"
DIALLED = "/voice/dialled"
WHISPER = "/voice/whisper"
ACCEPT = "/voice/whisper/accept"
NUMBERS = "/voice/numbers"
# Twilio's status callback for the line's numbers ("call status changes"): the report's
STATUS = "/voice/status"
# Stands in a cached <Dial> for the token each ring gets afresh (see leg.AcceptedDials)
DIAL_TOKEN = "DIALTOKEN"
# Stands in cached TwiML for when the call was answered (seconds since 1970): it rides in
# the call's URLs, so the time until a helpline accepts can be counted (the report), and
# ends with the call; `stamp` puts each call's own in
ANSWERED = "ANSWEREDAT"


def stamp(text: str, answered: str) -> str:
    """The TwiML with the call's answer time in its URLs ("" where it is not known)."""
    return text.replace(ANSWERED, answered)
