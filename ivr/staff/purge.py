"""Deleting Twilio's own records of this line's calls and texts: Twilio keeps every
caller's and texter's number, and every text's words.

Calls to and from the line's numbers that started before a cutoff date are deleted with
their recordings, and texts to and from them sent before it with their media (a picture
sent with a text), through twilio's REST client. Only counts are ever returned: no number
of a caller and no Twilio id leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from ivr.errors import IvrError

NOT_FINISHED = 20009  # "Cannot delete this resource before it is complete"


@dataclass
class Purged:
    """What was (or, dry, would be) deleted."""

    calls: int = 0
    recordings: int = 0
    not_yet: int = 0  # Twilio has not finished with these (error 20009): next run
    messages: int = 0
    media: int = 0
    messages_not_yet: int = 0  # texts still being sent (error 20009): next run


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
    """Calls to the line (callers) and from it (the legs to helplines), started before,
    each caller's call with its own legs: a helpline that is shown the caller's number
    (`show_caller_number`) gets a leg from the caller's number, not the line's."""
    calls = api.v2010.account.calls
    for call in calls.stream(to=number, start_time_before=before):
        yield from calls.stream(parent_call_sid=call.sid)
        yield call
    yield from calls.stream(from_=number, start_time_before=before)


def _messages(api: Any, number: str, before: date) -> Iterable[Any]:
    """Texts to the line (texters') and from it (its replies), sent before."""
    messages = api.v2010.account.messages
    yield from messages.stream(to=number, date_sent_before=before)
    yield from messages.stream(from_=number, date_sent_before=before)


def purge_calls(twilio: Client, numbers: Iterable[str], before: date, dry_run: bool) -> Purged:
    """Delete (unless dry_run) every call record of numbers before a date, with its
    recordings, and every text, with its media; IvrError, with no caller detail, if
    Twilio refuses."""
    numbers = list(numbers)
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
                if not dry_run and not _deleted(twilio.api.v2010.account.calls(call.sid)):
                    done.not_yet += 1
                    continue
                done.calls += 1
        for number in numbers:
            _purge_texts(twilio, number, before, dry_run, done)
    except TwilioException as e:
        texts = f" and {done.messages} text record(s)" if done.messages else ""
        raise IvrError(
            f"Twilio refused (HTTP {_status(e)}) after {done.calls} call record(s){texts}: "
            "check the account SID and token; run it again to go on"
        ) from e
    return done


def _purge_texts(twilio: Client, number: str, before: date, dry_run: bool, done: Purged) -> None:
    """Delete (unless dry_run) the texts to and from a number sent before, each after its
    media (Twilio would delete a text's media with it: deleted first, they are counted)."""
    seen: set[str] = set()
    for message in _messages(twilio.api, number, before):
        if message.sid in seen:
            continue
        seen.add(message.sid)
        if str(message.num_media or "0") != "0":
            for media in twilio.api.v2010.account.messages(message.sid).media.list():
                if not dry_run:
                    media.delete()
                done.media += 1
        if not dry_run and not _deleted(twilio.api.v2010.account.messages(message.sid)):
            done.messages_not_yet += 1
            continue
        done.messages += 1


def _deleted(record: Any) -> bool:
    """Delete a call or text record; False if Twilio is not finished with it yet (a call
    can take up to 14 days, a text until it is sent: Twilio's error 20009), so a later
    run deletes it."""
    try:
        record.delete()
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
