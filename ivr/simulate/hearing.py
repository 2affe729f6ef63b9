"""What a simulated caller hears: each <Say>, <Play> (its audio fetched as Twilio fetches
it) and <Pause>, timed, and the application error Twilio gives for audio it cannot fetch."""

from __future__ import annotations

import io
import wave
import xml.etree.ElementTree as ET
from collections.abc import Callable

from werkzeug.test import Client

from ivr.audio.files import AUDIO_PATH
from ivr.audio.prompts import PromptAudio
from ivr.menu.model import Menu
from ivr.menu.texts import spoken_estimate
from ivr.simulate.call import APPLICATION_ERROR, Call, Event


class Hearing:
    """A part of the Simulator (caller.py), which sets what it needs."""

    client: Client
    menu: Menu
    store: PromptAudio
    quirks: frozenset[str]
    on_event: Callable[[Event], None] | None

    def _record(self, call: Call, kind: str, text: str = "", url: str = "") -> None:
        event = Event(kind, text, url)
        call.events.append(event)
        if self.on_event and call.live:
            self.on_event(event)

    def _fetch_audio(self, url: str) -> tuple[str, float] | None:
        """Fetch <Play> audio as Twilio does (a plain GET): what it says and its length in
        seconds, None if it failed."""
        if not url.startswith(AUDIO_PATH + "/"):
            return url, 0.0
        if "audio-404" in self.quirks:
            return None
        with self.client.get(url) as response:
            answer = (response.status_code, response.mimetype)
            audio = response.get_data()
        if answer != (200, "audio/wav"):
            return None
        with wave.open(io.BytesIO(audio)) as wav:
            seconds = wav.getnframes() / wav.getframerate()
        found = self.store.find(url.rpartition("/")[2])
        if found and found.kind == "pending":
            return f"(the take of {found.prompt_id} just recorded)", seconds
        return (self.menu.prompts[found.prompt_id] if found else url), seconds

    def _speak(self, call: Call, verb: ET.Element) -> bool:
        """Say, play or pause; False if a <Play>'s audio could not be fetched."""
        if verb.tag == "Say":
            text = verb.text or ""
            call.seconds += spoken_estimate(text, self.menu.settings.speech_rate)
            self._record(call, "say", text)
        elif verb.tag == "Play":
            heard = self._fetch_audio(verb.text or "")
            if heard is None:
                return False
            call.seconds += heard[1]
            self._record(call, "play", heard[0], verb.text or "")
        else:
            length = verb.get("length", "1")
            call.seconds += int(length) if length.isdigit() else 1
            self._record(call, "pause", length)
        return True

    def _application_error(self, call: Call, play: ET.Element) -> str:
        """A <Play> Twilio could not fetch: its error message, then the call is over."""
        url = play.text or ""
        said = f'{url} could not be fetched; Twilio says "{APPLICATION_ERROR}" and hangs up'
        self._record(call, "application-error", said, url)
        return "hangup"
