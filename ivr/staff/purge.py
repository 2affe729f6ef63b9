"""Deleting Twilio's own records of this line's calls: Twilio keeps every caller's number.

Calls to and from the line's numbers that started before a cutoff date are deleted with
their recordings, through twilio's REST client. Only counts are ever returned: no number
of a caller and no Twilio id leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from ivr.menu.source import IvrError

NOT_FINISHED = 20009  # "Cannot delete this resource before it is complete"


@dataclass
class Purged:
    """What was (or, dry, would be) deleted."""

    calls: int = 0
    recordings: int = 0
    not_yet: int = 0  # Twilio has not finished with these (error 20009): next run


def client(account_sid: str, auth_token: str, api_base: str = "") -> Client:
    """twilio's REST client; api_base points it at a local fake in tests."""
    if not account_sid or not auth_token:
        raise IvrError(
            "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set to delete Twilio's records"
        )
    made = Client(account_sid, auth_token)
    if api_base:
        made.api.base_url = api_base.rstrip("/")
    return made


def _calls(api: Any, number: str, before: date) -> Iterable[Any]:
    """Calls to the line (callers) and from it (the legs to helplines), started before."""
    yield from api.v2010.account.calls.stream(to=number, start_time_before=before)
    yield from api.v2010.account.calls.stream(from_=number, start_time_before=before)


def purge_calls(twilio: Client, numbers: Iterable[str], before: date, dry_run: bool) -> Purged:
    """Delete (unless dry_run) every call record of numbers before a date, with its
    recordings; IvrError, with no caller detail, if Twilio refuses."""
    done = Purged()
    try:
        for number in numbers:
            seen: set[str] = set()
            for call in _calls(twilio.api, number, before):
                if call.sid in seen:
                    continue
                seen.add(call.sid)
                recordings = twilio.api.v2010.account.recordings.list(call_sid=call.sid)
                for recording in recordings:
                    if not dry_run:
                        recording.delete()
                    done.recordings += 1
                if not dry_run and not _deleted(twilio, call.sid):
                    done.not_yet += 1
                    continue
                done.calls += 1
    except TwilioException as e:
        raise IvrError(
            f"Twilio refused (HTTP {_status(e)}) after {done.calls} call record(s): "
            "check the account SID and token; run it again to go on"
        ) from e
    return done


def _deleted(twilio: Client, sid: str) -> bool:
    """Delete a call record; False if Twilio is not finished with it yet (it can take up
    to 14 days, Twilio's error 20009), so a later run deletes it."""
    try:
        twilio.api.v2010.account.calls(sid).delete()
    except TwilioRestException as e:
        if e.code == NOT_FINISHED:
            return False
        raise
    return True


def _status(error: TwilioException) -> str:
    """The HTTP status Twilio answered with: on the error, or on the response it carries."""
    status = getattr(error, "status", None)
    if status is None:
        response = next((a for a in error.args if hasattr(a, "status_code")), None)
        status = getattr(response, "status_code", None)
    return str(status) if status is not None else "no answer"
