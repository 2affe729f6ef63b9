"""What a call hears said: a prompt's audio or its words, a text made at call time, the
useful numbers and the goodbye, in the call's language (the Renderer's voice: twiml.py,
rings.py and leg.py all speak through it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.call.routes import NUMBERS
from ivr.call.state import CallState
from ivr.menu.model import Menu

AudioLookup = Callable[[str], "str | None"]


class Voice:
    """Speaks a menu's prompts: its audio where there is any for the current text.

    A part of the Renderer (twiml.py), which sets what it needs.
    """

    menu: Menu
    audio: AudioLookup  # a prompt id -> the URL of its current audio, if there is any

    def say(self, verb: VoiceResponse | Gather, text: str, lang: str = "") -> None:
        """Say a text made at call time (no audio can exist for it), in the call's language."""
        verb.say(text, **self.menu.speaking(lang).settings.say_as)

    def speak(self, verb: VoiceResponse | Gather, prompt_id: str, lang: str = "") -> None:
        """Play the prompt's audio if there is any for its current text, else say the text.

        In another language with no Twilio voice (Urdu), a text not yet built as audio is
        said in English: words a caller may half understand, never garbled ones.
        """
        language_id = f"{lang}.{prompt_id}" if lang else prompt_id
        url = self.audio(language_id)
        if url:
            verb.play(url)
        elif lang and not self.voiced(lang):
            if prompt_id in self.menu.prompts:  # a language's own offer has no English
                self.speak(verb, prompt_id)
        else:
            self.say(verb, self.menu.prompts[language_id], lang)

    def voiced(self, lang: str) -> str:
        """The language a text made at call time is said in: the call's, where Twilio has
        a voice for it, else English (no audio can exist for such a text)."""
        return lang if self.menu.speaking(lang).settings.say_voice else ""

    def numbers(
        self,
        repeats: int,
        lead: Iterable[str] = (),
        response: VoiceResponse | None = None,
        lang: str = "",
    ) -> str:
        """Nobody could be reached: read the most useful numbers, repeatable, then goodbye."""
        response = response or VoiceResponse()
        settings = self.menu.speaking(lang).settings
        for prompt_id in lead:
            self.speak(response, prompt_id, lang)
        if repeats <= settings.readout_repeats:
            gather = response.gather(
                action=CallState(repeats=repeats + 1, lang=lang).url(NUMBERS, "repeats", "lang"),
                method="POST",
                num_digits=1,
                timeout=settings.timeout,
                finish_on_key="",  # "press any key": "#" too
                **listening(self.menu.speaking(lang)),
            )
            self.speak(gather, "numbers", lang)
        self.add_goodbye(response, lang)
        return str(response)

    def goodbye(self, lang: str = "") -> str:
        """A spoken goodbye, then hang up."""
        response = VoiceResponse()
        self.add_goodbye(response, lang)
        return str(response)

    def add_goodbye(self, response: VoiceResponse, lang: str = "") -> None:
        self.speak(response, "goodbye", lang)
        response.hangup()


def listening(menu: Menu, hints: str | None = None) -> dict[str, Any]:
    """How a <Gather> listens in a menu's language: for keys and speech, or for keys only
    while the language's speech recognition is unconfirmed (Twilio's gather fails on a
    language and model it does not support, warning 13331)."""
    if not menu.hears_speech:
        return {"input": "dtmf"}
    settings = menu.settings
    found: dict[str, Any] = {
        "input": "dtmf speech",
        # Twilio refuses speechTimeout="auto" with a set model (warning 13335)
        "speech_model": settings.speech_model,
        "speech_timeout": settings.speech_timeout,
        "language": settings.language,
    }
    if hints is not None:
        found["hints"] = hints
    return found
