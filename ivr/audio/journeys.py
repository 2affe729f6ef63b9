"""How long a caller listens: before hearing 999, and before each helpline rings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ivr.audio.prompts import Audio, PromptStore, wav_seconds
from ivr.menu.model import Menu
from ivr.menu.texts import spoken_estimate


@dataclass(frozen=True)
class Journey:
    """The shortest key path to a helpline and the seconds of prompts heard on the way."""

    helpline: str
    keys: tuple[str, ...]
    seconds: float


def prompt_seconds(store: PromptStore, prompt_id: str) -> float:
    """The audio's length, or an estimate from the words when there is no audio yet."""
    audio = store.current().get(prompt_id)
    if audio:
        return audio_seconds(store, audio)
    return spoken_estimate(store.menu.prompts[prompt_id], store.menu.settings.speech_rate)


@lru_cache(maxsize=256)
def audio_seconds(store: PromptStore, audio: Audio) -> float:
    """A prompt audio's length: read once per content (its hash is part of the Audio),
    not every time a call ends (the report's status callback asks for the greeting's)."""
    return wav_seconds(store.local(audio).path)


def _until(store: PromptStore, prompt_id: str, phrase: str) -> float:
    """Seconds into a prompt until the end of phrase, in proportion to the words."""
    text = store.menu.prompts[prompt_id]
    end = text.find(phrase)
    if end < 0:
        return prompt_seconds(store, prompt_id)
    words = len(text[: end + len(phrase)].split())
    return prompt_seconds(store, prompt_id) * words / len(text.split())


def _in(lang: str, prompt_id: str) -> str:
    return f"{lang}.{prompt_id}" if lang else prompt_id


def before_999(store: PromptStore, lang: str = "") -> float:
    """Seconds from answer (or from choosing a language) until the greeting has said "999"."""
    return _until(store, _in(lang, "greeting"), "9 9 9")


def offered(store: PromptStore) -> dict[str, float]:
    """Seconds from answer until each language's offer has been said, by its code."""
    seconds = prompt_seconds(store, "greeting")
    found = {}
    for code in store.menu.languages:
        seconds += prompt_seconds(store, f"{code}.offer")
        found[code] = seconds
    return found


def journeys(store: PromptStore, lang: str = "") -> list[Journey]:
    """For each helpline first in some chain (and the 24/7 line): the quickest way there.

    A caller presses each key as soon as its option has been said; in another language,
    counted from the moment the language was chosen (its greeting comes first).
    """
    menu: Menu = store.menu
    spoken = menu.speaking(lang)
    composer, settings = spoken.composer, menu.settings
    home = settings.home
    start = prompt_seconds(store, _in(lang, "greeting"))
    if not lang:
        start += sum(prompt_seconds(store, f"{code}.offer") for code in menu.languages)
    best: dict[str, Journey] = {}
    # Breadth first, so the first path found to a node has the fewest key presses
    queue: list[tuple[str, tuple[str, ...], float]] = [(home, (), start)]
    seen = {home}
    while queue:
        node_id, keys, seconds = queue.pop(0)
        prompt_id = _in(lang, f"node.{node_id}")
        choices: list[tuple[str, str | None, str | None, str]] = [
            (settings.operator_key, settings.operator, None, composer.fill("operator_hint"))
        ]
        for o in spoken.nodes[node_id].options:
            said = composer.fill("option", label=o.label, key=composer.key(o.key))
            choices.append((o.key, o.transfer[0] if o.transfer else None, o.goto, said))
        for key, helpline, goto, said in choices:
            heard = seconds + _until(store, prompt_id, said)
            if helpline:
                total = heard + prompt_seconds(store, _in(lang, f"connecting.{helpline}"))
                journey = Journey(helpline, (*keys, key), total)
                old = best.get(helpline)
                if old is None or (len(journey.keys), total) < (len(old.keys), old.seconds):
                    best[helpline] = journey
            elif goto and goto not in seen:
                seen.add(goto)
                queue.append((goto, (*keys, key), heard))
    return sorted(best.values(), key=lambda j: j.seconds)
