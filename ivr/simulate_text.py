"""A texter that texts the real app as Twilio does: signed requests, the messaging
webhook's own fields, and the conversation's cookies sent back (ivr simulate --sms, the
console's Try page, the tests)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import count
from typing import TYPE_CHECKING

from twilio.request_validator import RequestValidator

from ivr.call.sms import PATH
from ivr.errors import IvrError
from ivr.menu.segments import Segments, segments
from ivr.simulate import ACCOUNT, CALLER, LINE, Draft, client_for, signed_base

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class Reply:
    """What the line answered one text: its words ("" when it answered nothing)."""

    sent: str  # the text the texter sent
    text: str

    @property
    def segments(self) -> Segments:
        """How the reply goes over the network: encoding, characters, SMS segments."""
        return segments(self.text)

    def __str__(self) -> str:
        if not self.text:
            return "(no reply)"
        return f"{self.text}\n[{self.segments}]"


class Texter:
    """One person texting the line. Like Twilio, it keeps the conversation's cookies
    (its client keeps them, as Twilio does for a From/To pair)."""

    def __init__(
        self, app: Flask, texter: str = CALLER, trial: bool = False, line: Draft | None = None
    ) -> None:
        self.client = client_for(app, line)
        self.validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
        self.signed = signed_base(app) + PATH
        self.texter = texter
        # A conversation tried in the console: the line does not count it
        self.marks = {"X-IVR-Trial": "1"} if trial else {}
        self.sids = count(1)

    def send(self, body: str) -> Reply:
        """Text the line; the answer must be TwiML of <Message>s only."""
        sid = f"SM{next(self.sids):032d}"
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": ACCOUNT,
            "From": self.texter,
            "To": LINE,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": str(max(segments(body).count, 1)),
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        headers = {"X-Twilio-Signature": self.validator.compute_signature(self.signed, params)}
        response = self.client.post(PATH, data=params, headers=headers | self.marks)
        if response.status_code != 200 or response.mimetype != "text/xml":
            raise IvrError(f"POST {PATH} answered {response.status_code} {response.mimetype}")
        root = ET.fromstring(response.get_data(as_text=True))
        verbs = [verb.tag for verb in root]
        if root.tag != "Response" or set(verbs) - {"Message"}:
            raise IvrError(f"POST {PATH} answered <{root.tag}> with {verbs}, not <Message>s")
        return Reply(body, "\n".join(verb.text or "" for verb in root))

    def conversation(self, texts: list[str]) -> list[Reply]:
        """Each text in turn, with the line's reply to it."""
        return [self.send(text) for text in texts]
