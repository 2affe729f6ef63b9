"""Is each helpline's number still a valid line? Asked of Twilio's Lookup API (v2), which
costs the helpline nothing: no call is made, nobody's phone rings.

GET https://lookups.twilio.com/v2/PhoneNumbers/{E.164}: `valid` and `validation_errors`
(free); with Fields=line_type_intelligence (charged by Twilio) also the line's type and
carrier, or an error code when the number is not in service. TWILIO_LOOKUP_BASE points
it elsewhere (a local fake in tests).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from ivr.errors import IvrError
from ivr.menu.model import Helpline

LOOKUP_BASE = "https://lookups.twilio.com"
LINE_TYPE = "line_type_intelligence"


@dataclass(frozen=True)
class LineCheck:
    """What Twilio said of one helpline's number."""

    helpline: Helpline
    valid: bool
    problem: str = ""  # why it is not a line a call can reach, in words
    line_type: str = ""  # landline, mobile, tollFree... (with line_type_intelligence)
    carrier: str = ""

    @property
    def ok(self) -> bool:
        return self.valid and not self.problem


def lookup_client(account_sid: str, auth_token: str, base: str = "") -> Client:
    """twilio's REST client for Lookup; base points it at a local fake in tests."""
    if not account_sid or not auth_token:
        raise IvrError(
            "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set to ask Twilio about numbers"
        )
    made = Client(account_sid, auth_token)
    made.lookups.base_url = (base or LOOKUP_BASE).rstrip("/")
    return made


def check_numbers(
    twilio: Client, helplines: Iterable[Helpline], line_type: bool
) -> list[LineCheck]:
    """Ask Twilio about each helpline's number; IvrError if Twilio cannot be asked."""
    found = []
    for helpline in helplines:
        try:
            if line_type:
                answer = twilio.lookups.v2.phone_numbers(helpline.e164).fetch(fields=LINE_TYPE)
            else:
                answer = twilio.lookups.v2.phone_numbers(helpline.e164).fetch()
        except TwilioRestException as e:
            if e.status == 404:
                found.append(LineCheck(helpline, False, "Twilio does not know this number"))
                continue
            raise IvrError(
                f"Twilio refused (HTTP {e.status}) while checking {helpline.id}: check "
                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
            ) from e
        except (TwilioException, OSError) as e:  # (requests' errors are OSErrors)
            raise IvrError(
                f"Twilio could not be asked about {helpline.id} ({type(e).__name__}): "
                "check the connection and try again"
            ) from e
        found.append(_checked(helpline, answer))
    return found


def _checked(helpline: Helpline, answer: Any) -> LineCheck:
    errors = ", ".join(str(e) for e in answer.validation_errors or ()) or "no reason given"
    valid = bool(answer.valid)
    problem = "" if valid else f"not a valid number ({errors})"
    intelligence = answer.line_type_intelligence or {}
    line_type = str(intelligence.get("type") or "")
    carrier = str(intelligence.get("carrier_name") or "")
    code = intelligence.get("error_code")
    if valid and code:
        problem = f"Twilio could not tell its line type (error {code}): it may not be in service"
    return LineCheck(helpline, valid, problem, line_type, carrier)
