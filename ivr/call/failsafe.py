"""The answer to any failure: static TwiML that needs nothing fetched, no database and no
audio (the line's own answer for a step that could not be rendered, Twilio's fallback URL
and the TwiML Bin `ivr export-fallback` writes)."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.call.twiml import dial_timeout
from ivr.menu.model import Menu


def render_failsafe(menu: Menu, line: str, lang: str = "") -> str:
    """Static TwiML for any failure: apologise, dial the 24/7 line, read its number.

    line: the number the caller dialled (the line's own), shown to the 24/7 line when
    settings.caller_id is unset; never the caller's. "{{To}}" for a TwiML Bin. lang: the
    caller's language, where Twilio has a voice for it (only <Say>: nothing here may
    depend on fetching audio); English otherwise.
    """
    spoken = menu.speaking(lang)
    if not spoken.settings.say_voice:
        spoken = menu
    settings = menu.settings
    response = VoiceResponse()
    say = spoken.settings.say_as
    response.say(spoken.prompts["error"], **say)
    dial = response.dial(
        answer_on_bridge=True,
        ring_tone="uk",
        timeout=dial_timeout(settings.ring_seconds),
        caller_id=settings.caller_id or line or None,
    )
    dial.number(menu.operator.e164)
    # With no action on the Dial these run whenever the caller is still there after it
    response.say(spoken.prompts["fallback_numbers"], **say)
    response.say(spoken.prompts["goodbye"], **say)
    response.hangup()
    return str(response)
