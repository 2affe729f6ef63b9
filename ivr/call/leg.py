"""The helpline's leg of a transfer: the whisper (who is calling and why), and its answer
(only a 1 bridges the call). That it accepted is noted for the caller's leg through
AcceptedDials by the webhook layer (voice.py), never here: rendering reads and writes
nothing."""

from __future__ import annotations

from typing import Protocol

from twilio.twiml.voice_response import VoiceResponse

from ivr.call.routes import ACCEPT
from ivr.call.spoken import Voice
from ivr.call.state import CallState
from ivr.call.tokens import TOKEN
from ivr.menu.texts import whisper_id

ACCEPT_KEY = "1"


class AcceptedDials(Protocol):
    """Where the helpline's leg notes that it pressed 1, for the caller's leg to read.

    Twilio usually tells the caller's leg (DialBridged) but not always; then only the
    helpline's leg knows. A dial is named by a random token in both legs' URLs: nothing
    about the caller, and forgotten once read or after a few hours.
    """

    def mark(self, token: str) -> None: ...

    def taken(self, token: str) -> bool: ...


class HelplineLeg(Voice):
    """What the helpline hears before it is put through, and what its key does.

    A part of the Renderer (twiml.py), which sets what it needs.
    """

    def whisper(
        self,
        node_id: str,
        key: str,
        step: int,
        token: str = "",
        answered: str = "",
        line: str = "",
        lang: str = "",
    ) -> str:
        """On the helpline's leg: who is calling and why; only a 1 bridges the call.

        answered, line: when the call was answered and the line's number, passed on for
        the report's time to connect (counted when the helpline accepts). lang: the
        caller's language, which the helpline is told (in English) before it accepts.
        """
        prompt_id = whisper_id(node_id, key)
        if prompt_id not in self.menu.prompts:
            prompt_id = "whisper.operator"
        chain = self.menu.chain(node_id, key)
        carried: tuple[str, ...] = ("token",) if TOKEN.match(token) else ()
        accepting = CallState(token=token)
        if step < len(chain) and answered:
            accepting = accepting._replace(helpline=chain[step], answered=answered, line=line)
            carried += ("helpline", "answered", "line")
        response = VoiceResponse()
        gather = response.gather(
            input="dtmf",
            action=accepting.url(ACCEPT, *carried),
            method="POST",
            num_digits=1,
            timeout=self.menu.settings.accept_seconds,
        )
        speaks = f"speaks.{lang}" if lang in self.menu.languages else ""
        # Said twice: someone who picks up mid-sentence still hears it whole
        for _ in range(2):
            self.speak(gather, prompt_id)
            if speaks:
                self.speak(gather, speaks)
        # No key: a voicemail or nobody free. Hanging up leaves the call unbridged.
        response.hangup()
        return str(response)

    def accept(self, digits: str) -> str:
        """The helpline's answer to the whisper: an empty document bridges the call."""
        response = VoiceResponse()
        if digits != ACCEPT_KEY:
            response.hangup()
        return str(response)
