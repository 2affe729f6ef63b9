"""The simulator: a caller that follows TwiML exactly as Twilio does, over signed requests
to the real app (or a draft line in front of it)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from itertools import count
from typing import TYPE_CHECKING, Any, Protocol

from twilio.request_validator import RequestValidator
from werkzeug.test import Client

from ivr.audio.prompts import PromptAudio
from ivr.call.twiml import START, STATUS
from ivr.errors import IvrError
from ivr.menu.model import Menu
from ivr.simulate.call import (
    ACCOUNT,
    API_BASE,
    BASE,
    CALLER,
    DIAL_EXTRA_SECONDS,
    HANG_UP,
    LINE,
    MAX_REQUESTS,
    NOT_ANSWERED,
    QUIRKS,
    Call,
    Event,
    Input,
    keys_pressed,
)
from ivr.simulate.hearing import Hearing
from ivr.simulate.posts import dial_result, posted_input, recording

if TYPE_CHECKING:
    from flask import Flask


class Draft(Protocol):
    """A line on a draft menu (ivr.line.DraftLine): it answers the call and text webhooks
    in front of the live app, which serves the rest (audio, the staff line)."""

    @property
    def menu(self) -> Menu: ...
    @property
    def prompts(self) -> PromptAudio: ...
    def answering(self, app: Any) -> Any: ...


def signed_base(app: Flask) -> str:
    """The URL's start Twilio signs: the line's public address where it has one (the line
    checks signatures against it), else the test client's own."""
    return str(app.config.get("PUBLIC_BASE_URL") or "").rstrip("/") or BASE


def client_for(app: Flask, line: Draft | None) -> Client:
    """A client that reaches app as Twilio does, or the draft line in front of it."""
    if line is None:
        return app.test_client()
    return Client(line.answering(app.wsgi_app))


class Simulator(Hearing):
    """Drives the app like Twilio: follows Gather, Redirect, Dial, Number url, Hangup."""

    def __init__(
        self,
        app: Flask,
        answers: Mapping[str, str] | None = None,
        on_event: Callable[[Event], None] | None = None,
        caller: str = CALLER,
        quirks: frozenset[str] = frozenset(),
        trial: bool = False,
        line: Draft | None = None,
    ) -> None:
        self.app = app
        # A trial from the console: the line does not count it as a call
        self.marks = {"X-IVR-Trial": "1"} if trial else {}
        self.client = client_for(app, line)
        self.validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
        self.base = signed_base(app)
        on: Draft = line or app.extensions["ivr.line"]
        self.menu = on.menu
        self.api_base = app.config.get("TWILIO_API_BASE", API_BASE)
        self.store = on.prompts
        self.answers = dict(answers or {})
        self.on_event = on_event
        self.caller = caller
        unknown = set(quirks) - set(QUIRKS)
        if unknown:
            raise IvrError(f"unknown quirk {sorted(unknown)[0]} (known: {', '.join(QUIRKS)})")
        self.quirks = quirks
        self.sids = count(1)

    def answer_for(self, number: str) -> str:
        """How the helpline at number behaves (by id or E.164 number); accept by default."""
        for hid, helpline in self.menu.helplines.items():
            if number == helpline.e164 and hid in self.answers:
                return self.answers[hid]
        return self.answers.get(number, "accept")

    def call(
        self, inputs: Iterator[Input] | list[Input], start: str = "/voice", stop: bool = False
    ) -> Call:
        """Make a call, answering each Gather from inputs: silence once they run out, or
        with stop, the call stops there, waiting (a step-by-step call in the console)."""
        feed = iter(inputs)

        def next_or_silence() -> Input:
            return next(feed, None)

        call = Call(live=True)
        params = {"CallSid": f"CA{next(self.sids):032d}", "From": self.caller, "To": LINE}
        params |= {"Caller": self.caller, "Direction": "inbound", "CallStatus": "in-progress"}
        params |= {"AccountSid": ACCOUNT}
        try:
            self._run(
                call, start, "POST", params, lambda: next(feed) if stop else next(feed, None)
            )
        except StopIteration:
            call.waiting = True
            return call
        if start != START:
            return call  # (the staff line's number has no status callback)
        # As Twilio does when the line's number has a status callback: the call ended
        ended = {"CallStatus": "completed", "CallDuration": str(int(call.seconds))}
        self.request(STATUS, "POST", params | ended)
        return call

    def request(self, url: str, method: str, params: Mapping[str, str]) -> ET.Element:
        """A signed request, as Twilio makes it; the answer must be TwiML."""
        signed = dict(params) if method == "POST" else {}
        full = url if url.startswith("http") else self.base + url
        if method == "GET" and params:
            sep = "&" if "?" in full else "?"
            full += sep + "&".join(f"{k}={v}" for k, v in params.items())
        headers = {"X-Twilio-Signature": self.validator.compute_signature(full, signed)}
        headers |= self.marks
        path = full.removeprefix(self.base)
        if method == "POST":
            response = self.client.post(path, data=signed, headers=headers)
        else:
            response = self.client.get(path, headers=headers)
        if response.status_code != 200 or response.mimetype != "text/xml":
            raise IvrError(f"{method} {path} answered {response.status_code} {response.mimetype}")
        root = ET.fromstring(response.get_data(as_text=True))
        if root.tag != "Response":
            raise IvrError(f"{method} {path} answered <{root.tag}>, not <Response>")
        return root

    def _run(
        self,
        call: Call,
        url: str,
        method: str,
        params: dict[str, str],
        next_input: Callable[[], Input],
    ) -> bool:
        """Follow one leg until it ends; True if the document ran out without a Hangup."""
        extra: dict[str, str] = {}
        for _ in range(MAX_REQUESTS):
            call.urls.append(url)
            root = self.request(url, method, params | extra)
            step = self._execute(call, root, url, params, next_input)
            if step is None:
                self._record(call, "end")
                return True
            if isinstance(step, str):
                return False  # hung up
            url, method, extra = step
        raise IvrError(f"the call did not end after {MAX_REQUESTS} requests")

    def _execute(
        self,
        call: Call,
        root: ET.Element,
        url: str,
        params: dict[str, str],
        next_input: Callable[[], Input],
    ) -> tuple[str, str, dict[str, str]] | str | None:
        for verb in root:
            method = verb.get("method", "POST")
            if verb.tag in ("Say", "Play", "Pause"):
                if not self._speak(call, verb):
                    return self._application_error(call, verb)
            elif verb.tag == "Gather":
                began = call.seconds
                for child in verb:
                    if not self._speak(call, child):
                        return self._application_error(call, child)
                said = next_input()
                if said == HANG_UP:
                    # As the prompts began: Twilio requests nothing more of a call that
                    # has ended (but its status callback)
                    call.seconds = began
                    self._record(call, "caller-hung-up")
                    return "hangup"
                self._record(call, "gather", "(silence)" if said is None else said)
                action = verb.get("action", url)
                listens = verb.get("input", "dtmf")
                answer = posted_input(said, verb.get("finishOnKey", "#"), listens, self.quirks)
                if answer:
                    return action, method, answer
                if verb.get("actionOnEmptyResult") == "true":
                    return action, method, {"Digits": ""} if keys_pressed(said) else {}
            elif verb.tag == "Redirect":
                return (verb.text or url), method, {}
            elif verb.tag == "Dial":
                result = self._dial(call, verb, params)
                if verb.get("action"):
                    return verb.get("action", ""), method, result
            elif verb.tag == "Record":
                said = next_input()
                self._record(call, "record", "(silence)" if said is None else said)
                if said is not None:
                    # Twilio calls the action only when something was recorded
                    return verb.get("action", url), method, recording(said, self.api_base)
            elif verb.tag in ("Hangup", "Reject"):
                self._record(call, "hangup")
                return "hangup"
            else:
                raise IvrError(f"the simulator does not know <{verb.tag}>")
        return None

    def _dial(self, call: Call, dial: ET.Element, params: dict[str, str]) -> dict[str, str]:
        """Ring the number; if it answers, run the whisper on its own leg."""
        number = dial.find("Number")
        if number is None or not number.text:
            raise IvrError("<Dial> without a <Number>")
        shown = dial.get("callerId") or params["From"]
        rings = int(dial.get("timeout", "30")) + DIAL_EXTRA_SECONDS
        self._record(call, "dial", f"{number.text} (they see {shown}; rings up to {rings} s)")
        answer = self.answer_for(number.text)
        call.seconds += rings if answer == "no-answer" else 0  # else: a moment
        if answer in NOT_ANSWERED:
            self._record(call, "not-answered", answer)
            return dial_result(answer, False, quirks=self.quirks)
        bridged = True
        whisper_url = number.get("url")
        if whisper_url:
            leg = {"CallSid": f"CA{next(self.sids):032d}", "From": shown, "To": number.text}
            leg |= {"Direction": "outbound-dial", "ParentCallSid": params["CallSid"]}
            keys = {"accept": "1", "decline": "2", "voicemail": None}.get(answer, "1")
            whisper = Call()
            bridged = self._run(
                whisper, whisper_url, number.get("method", "POST"), leg, lambda: keys
            )
            for event in whisper.events:
                self._record(call, "whisper", f"{event.kind}: {event.text}".rstrip(": "))
            call.urls.extend(whisper.urls)
        if bridged:
            self._record(call, "bridged", number.text)
        caller_ends = bridged and answer == "accept-caller-ends"
        return dial_result("completed", bridged, caller_ends, self.quirks)
