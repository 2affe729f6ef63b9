"""A transfer down a chain of helplines: who is next (closed and failing helplines passed
by with a word of why), the <Dial> that rings them, and what follows a ring that ended."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime

from twilio.twiml.voice_response import Dial, VoiceResponse

from ivr.call.availability import Availability
from ivr.call.closed import closed_text
from ivr.call.routes import ANSWERED, DIAL_TOKEN, DIALLED, WHISPER
from ivr.call.spoken import Voice
from ivr.call.state import CallState
from ivr.call.tokens import TOKEN, new_token
from ivr.menu.model import Helpline, Settings
from ivr.menu.texts import UNAVAILABLE

# Twilio lets a <Dial> ring about 5 s longer than its timeout: asked for less, so a caller
# waits the ring_seconds the menu says, not 5 s more. Twilio's own floor is 5 s.
DIAL_EXTRA_SECONDS = 5
DIAL_MIN_TIMEOUT = 5


def dial_timeout(ring_seconds: int) -> int:
    """The <Dial timeout> that makes a helpline ring for ring_seconds in all."""
    return max(ring_seconds - DIAL_EXTRA_SECONDS, DIAL_MIN_TIMEOUT)


class Rings(Voice):
    """Rings each helpline of a chain in turn; the helpline hears the whisper first.

    A part of the Renderer (twiml.py), which sets what it needs.
    """

    settings: Settings
    availability: Availability
    version: Callable[[], Hashable]  # changes with the audio: part of what is rendered
    _ring: Callable[..., str]  # _render_ring, cached

    def transfer(
        self,
        node_id: str,
        key: str,
        step: int,
        line: str = "",
        lead: Iterable[str] = (),
        lang: str = "",
        ring: str = "",
    ) -> str:
        """Say who is next in the chain and ring them; the helpline hears the whisper first.

        ring: the random token the ring is named by in its URLs (a fresh one if not
        given); it also draws the one caller in N who still tries a failing helpline.
        """
        chain = self.menu.chain(node_id, key)
        now = self.availability.clock()
        ring = ring if TOKEN.match(ring) else new_token()
        skipped: list[tuple[str, str]] = []  # (a prompt id, "") or ("", a text made now)
        # Closed helplines are skipped with a word of why, and those that cannot take
        # calls just now (the helpline watch); the 24/7 line never is
        while step < len(chain):
            helpline = self.menu.helplines[chain[step]]
            if not self.availability.is_open(helpline, now):
                skipped.append(("", self.closed(helpline, now, self.voiced(lang))))
            elif self.availability.cannot_take(helpline, ring):
                skipped.append((f"{UNAVAILABLE}.{helpline.id}", ""))
            else:
                break
            step += 1
        if not skipped:
            version = self.version()
            rendered = self._ring(node_id, key, step, line, tuple(lead), lang, version)
            return rendered.replace(DIAL_TOKEN, ring)
        response = VoiceResponse()
        for prompt_id in lead:
            self.speak(response, prompt_id, lang)
        for prompt_id, text in skipped:
            if text:
                self.say(response, text, self.voiced(lang))
            elif (f"{lang}.{prompt_id}" if lang else prompt_id) in self.menu.prompts:
                self.speak(response, prompt_id, lang)  # (a language may have no words for it)
        if step >= len(chain):
            return self.numbers(0, (), response, lang)
        self._add_ring(response, node_id, key, step, line, lang)
        return str(response).replace(DIAL_TOKEN, ring)

    def _render_ring(
        self,
        node_id: str,
        key: str,
        step: int,
        line: str,
        lead: tuple[str, ...],
        lang: str,
        version: Hashable,
    ) -> str:
        if step >= len(self.menu.chain(node_id, key)):
            return self.numbers(0, lead, lang=lang)
        response = VoiceResponse()
        for prompt_id in lead:
            self.speak(response, prompt_id, lang)
        self._add_ring(response, node_id, key, step, line, lang)
        return str(response)

    def _add_ring(
        self, response: VoiceResponse, node_id: str, key: str, step: int, line: str, lang: str
    ) -> None:
        helpline = self.menu.helplines[self.menu.chain(node_id, key)[step]]
        self.speak(response, f"connecting.{helpline.id}", lang)
        ring = CallState(
            node_id, key=key, step=step, token=DIAL_TOKEN, answered=ANSWERED, lang=lang, line=line
        )
        carried = ("node", "key", "step", "token", "answered", "lang")
        # The helpline sees the line's own number unless it asked to see the caller's
        caller_id = None if helpline.show_caller_number else (self.settings.caller_id or line)
        dial = Dial(
            action=ring.url(DIALLED, *carried),
            method="POST",
            answer_on_bridge=True,
            ring_tone="uk",
            timeout=dial_timeout(self.settings.ring_seconds),
            caller_id=caller_id or None,
        )
        # The helpline's leg is told the line's number: its own To is the helpline's
        whisper = ring.url(WHISPER, *carried, "line")
        dial.number(helpline.e164, url=whisper, method="POST")
        response.append(dial)

    def closed(self, helpline: Helpline, now: datetime, lang: str = "") -> str:
        """'ManKind's helpline is closed now. It opens on Monday at 10 am.'"""
        return closed_text(self.availability, helpline, now, lang)

    def dialled(
        self,
        node_id: str,
        key: str,
        step: int,
        bridged: bool,
        line: str,
        gone: bool = False,
        lang: str = "",
        ring: str = "",
    ) -> str:
        """After a dial: goodbye if the call was bridged, else the next in the chain.

        bridged: as Twilio said (DialBridged), else as the helpline's leg noted it (the
        webhook layer reads the note). ring: the next ring's token (see `transfer`).
        """
        if gone:
            response = VoiceResponse()
            response.hangup()
            return str(response)
        if bridged:
            return self.goodbye(lang)
        chain = self.menu.chain(node_id, key)
        lead = (f"not_available.{chain[step]}",) if step < len(chain) else ()
        return self.transfer(node_id, key, step + 1, line, lead, lang, ring)
