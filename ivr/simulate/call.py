"""A call as the simulator makes it: who calls whom, the inputs a caller gives, and what
happens (events) and is heard, as the console, `ivr simulate` and the tests read it."""

from __future__ import annotations

from dataclasses import dataclass, field

CALLER = "+447700900123"  # Ofcom's drama range: never a real caller
LINE = "+441632960001"  # likewise, for the line's own number
ACCOUNT = "AC" + "0123456789abcdef" * 2  # made up
API_BASE = "https://api.twilio.com"
BASE = "http://localhost"
ANSWERS = (
    "accept",
    "decline",
    "voicemail",
    "busy",
    "no-answer",
    "failed",
    "canceled",
    "accept-caller-ends",  # accepted, and the caller is the one who hangs up afterwards
)
NOT_ANSWERED = ("busy", "no-answer", "failed", "canceled")
MAX_REQUESTS = 60
HANG_UP = "hangup"  # an input: the caller hangs up while the prompt plays
DIAL_EXTRA_SECONDS = 5  # Twilio rings this much past a <Dial timeout>
# Twilio behaviours that vary, to show the line copes with each (`ivr simulate --quirk`)
QUIRKS = {
    "confidence-0": "speech comes with Confidence=0 (newer engines: not given)",
    "no-confidence": "speech comes with no Confidence at all",
    "no-dial-bridged": "a <Dial> action gets no DialBridged",
    "audio-404": "every <Play> URL answers 404: Twilio ends the call with an application error",
}
# What Twilio says when a <Play> cannot be fetched, before it hangs up (its own samples
# report this for a dead audio URL; it does not skip the verb and carry on)
APPLICATION_ERROR = "We're sorry, an application error has occurred. Goodbye."

# One caller input: a key (or several), words said, or None for silence
Input = str | None


@dataclass(frozen=True)
class Event:
    """Something that happened on the call, as the caller or a helpline would notice it."""

    # say, play, pause, gather, dial, whisper, bridged, hangup, application-error, end
    kind: str
    text: str = ""
    url: str = ""  # a play's audio

    def __str__(self) -> str:
        return f"[{self.kind}] {self.text}".rstrip()


@dataclass
class Call:
    """A finished call: what happened, and every URL requested."""

    events: list[Event] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    live: bool = False  # events are shown as they happen (the caller's leg, not a whisper)
    waiting: bool = False  # stopped where the line waits for the caller's next input
    seconds: float = 0.0  # how long the caller's leg has lasted: prompts heard, rings

    def heard(self) -> str:
        """Everything the caller heard, in order, as one text."""
        return " ".join(e.text for e in self.events if e.kind in ("say", "play"))

    def kinds(self) -> list[str]:
        """The kinds of event, in order."""
        return [e.kind for e in self.events]

    @property
    def bridged(self) -> str | None:
        """The number the caller was connected to, if any."""
        return next((e.text for e in self.events if e.kind == "bridged"), None)

    @property
    def ending(self) -> str:
        """How it ended: 'bridged', 'goodbye' (spoken, then hung up), 'caller hung up',
        'application error' (a failed call: Twilio could not fetch a <Play>) or 'silence'."""
        if self.events and self.events[-1].kind == "application-error":
            return "application error"
        if self.bridged:
            return "bridged"
        if self.events and self.events[-1].kind == "caller-hung-up":
            return "caller hung up"
        spoken = [e for e in self.events if e.kind in ("say", "play")]
        if self.events and self.events[-1].kind == "hangup" and spoken:
            return "goodbye"
        return "silence"


def keys_pressed(said: Input) -> bool:
    """Whether an input is keys pressed (words are speech; None is silence)."""
    return bool(said) and all(c in "0123456789*#" for c in str(said))


def parse_script(script: str) -> list[Input]:
    """'2, derby city, -, 1' -> ['2', 'derby city', None, '1']; '-' or '' is silence.

    'hangup' hangs up while the prompt plays.
    """
    return [None if part.strip() in ("", "-") else part.strip() for part in script.split(",")]
