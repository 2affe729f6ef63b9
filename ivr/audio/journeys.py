"""How long a caller listens, timed by the line's audio: before hearing 999, before each
helpline rings (the order of listening is timing.py's; this module gives it seconds)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ivr.audio.files import Audio, source_key, wav_seconds
from ivr.audio.prompts import PromptAudio
from ivr.menu.model import Menu
from ivr.menu.texts import spoken_estimate
from ivr.menu.timing import Journey, Listening, Seconds, estimated


def prompt_seconds(prompts: PromptAudio, prompt_id: str) -> float:
    """The audio's length, or an estimate from the words when there is no audio yet."""
    audio = prompts.current().get(prompt_id)
    if audio:
        return audio_seconds(prompts, audio)
    return spoken_estimate(prompts.menu.prompts[prompt_id], prompts.menu.settings.speech_rate)


def shipped_seconds(menu: Menu, prompts_root: Path) -> Seconds:
    """Each prompt's length from the shipped audio's manifest (prompts/generated), where
    that audio was made from the prompt's current text, voice and pace; else an estimate
    from its words. Needs no prompts: what `ivr check` times a menu file by."""
    try:
        manifest = json.loads((prompts_root / "generated" / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        manifest = {}
    guess = estimated(menu)

    def seconds(prompt_id: str) -> float:
        entry = manifest.get(prompt_id) if isinstance(manifest, dict) else None
        if isinstance(entry, dict) and entry.get("source") == _key(menu, prompt_id):
            return float(entry["seconds"])
        return guess(prompt_id)

    return seconds


def draft_seconds(prompts: PromptAudio, draft: Menu) -> Seconds:
    """Each prompt's length in a draft of the menu: the audio callers hear now where the
    draft says the same words in the same voice (a staff recording too), else the shipped
    audio made from the draft's words, else an estimate from them."""
    shipped = shipped_seconds(draft, prompts.root)

    def seconds(prompt_id: str) -> float:
        if prompt_id in prompts.menu.prompts and prompts.key(prompt_id) == _key(draft, prompt_id):
            return prompt_seconds(prompts, prompt_id)
        return shipped(prompt_id)

    return seconds


def _key(menu: Menu, prompt_id: str) -> str:
    """The source key a prompt's generated audio is made from (PromptAudio.key)."""
    settings = menu.settings_for(prompt_id)
    return source_key(
        menu.prompts[prompt_id], settings.tts_voice, settings.speech_rate, settings.tts_engine
    )


@lru_cache(maxsize=256)
def audio_seconds(prompts: PromptAudio, audio: Audio) -> float:
    """A prompt audio's length: read once per content (its hash is part of the Audio),
    not every time a call ends (the report's status callback asks for the greeting's)."""
    return wav_seconds(prompts.local(audio).path)


def seconds_of(prompts: PromptAudio) -> Seconds:
    """Each prompt's length as the line plays it now: its audio's, else an estimate."""
    return lambda prompt_id: prompt_seconds(prompts, prompt_id)


def listening(prompts: PromptAudio) -> Listening:
    """The caller's journey through the prompts's menu, timed by the audio it plays now."""
    return Listening(prompts.menu, seconds_of(prompts))


def before_999(prompts: PromptAudio, lang: str = "") -> float:
    """Seconds from answer (or from choosing a language) until the greeting has said "999"."""
    return listening(prompts).before_999(lang).seconds


def offered(prompts: PromptAudio) -> dict[str, float]:
    """Seconds from answer until each language's offer has been said, by its code."""
    return {code: heard.seconds for code, heard in listening(prompts).offered().items()}


def journeys(prompts: PromptAudio, lang: str = "") -> list[Journey]:
    """For each helpline first in some chain (and the 24/7 line): the quickest way there,
    fastest first (see timing.Listening.journeys)."""
    return listening(prompts).journeys(lang)
