"""How well a listener follows each voice on the phone: PocketSphinx as a proxy listener.

    python bench/intelligibility.py [ENGINE:VOICE:RATE ...]   (pip install pocketsphinx)

The menu is ./menus.yaml, or IVR_MENU's (a candidate wording, measured before it ships).

Every English prompt of the shipped menu is spoken in each voice, converted exactly as the line
converts it (8 kHz, phone band, one level), upsampled to the recogniser's 16 kHz and
decoded by PocketSphinx's bundled US-English model. Printed per voice, the shipped one
first: word error rate over all prompts (edits / words of the texts), the share of phone
number digits heard right, the numbers heard whole, seconds to build, bytes a second;
then the worst prompts of the first voice. A recogniser is not a person (American-trained,
and harder on formant synthesis), but a gap it shows in numbers is worth closing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path

from common import ROOT

sys.path.insert(0, str(ROOT))

from ivr.audio.files import wav_seconds  # noqa: E402
from ivr.audio.tts import speaker_for, to_telephony  # noqa: E402
from ivr.menu.load import load_menu  # noqa: E402
from ivr.menu.model import Menu  # noqa: E402

# Compared with the shipped voice when none are named (engine:voice:words a minute)
OTHERS = ["espeak:gmw/en:175", "flite:kal16:175", "flite:slt:175"]
DIGITS = "zero one two three four five six seven eight nine".split()
TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
# A phone number as the prompts say it: digits in groups ("0 8 0 8, 2 0 0 0, 2 4 7")
SPOKEN_NUMBER = re.compile(r"\d(?:[ ,]+\d){9,}")


def words_of(number: str) -> str:
    """'7' -> 'seven', '24' -> 'twenty four': numbers under 100 as a listener hears them."""
    n = int(number)
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return TEENS[n - 10]
    return TENS[n // 10] + ("" if n % 10 == 0 else " " + DIGITS[n % 10])


def normalise(text: str) -> list[str]:
    """A prompt's text as the words a listener would write down: an acronym that cannot
    be said as a word (no vowel: "LGBT", "NCDV") as its letters, as the voice says it."""
    text = re.sub(r"\b[B-DF-HJ-NP-TV-Z]{2,}\b", lambda m: " ".join(m.group()), text)
    text = text.lower().replace("+", " plus ").replace("-", " ")
    text = re.sub(r"\d+", lambda m: " " + words_of(m.group()) + " ", text)
    return re.findall(r"[a-z']+", text)


def digits_in(words: list[str]) -> str:
    return "".join(str(DIGITS.index(w)) for w in words if w in DIGITS)


def edits(reference: list[str], heard: list[str]) -> int:
    """Word-level Levenshtein distance."""
    row = list(range(len(heard) + 1))
    for i, r in enumerate(reference, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1]


@dataclass
class Score:
    voice: str
    edits: int = 0
    words: int = 0
    digits_right: int = 0
    digits: int = 0
    numbers_whole: int = 0
    numbers: int = 0
    build_seconds: float = 0.0
    audio_seconds: float = 0.0
    audio_bytes: int = 0


class Listener:
    """PocketSphinx's bundled model, loaded once."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self.decoder = Decoder(samprate=16000, loglevel="FATAL")

    def hear(self, wav: Path) -> list[str]:
        raw = subprocess.run(
            ["sox", str(wav), "-r", "16000", "-t", "raw", "-e", "signed-integer", "-b", "16", "-"],
            capture_output=True,
            check=True,
        ).stdout
        self.decoder.start_utt()
        self.decoder.process_raw(raw, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        return hyp.hypstr.split() if hyp else []


def measure(
    menu: Menu, spec: str, listener: Listener, worst: list[tuple[float, str, str]]
) -> Score:
    engine, voice, rate = spec.split(":")
    settings = replace(menu.settings, tts_engine=engine, tts_voice=voice, speech_rate=int(rate))
    score = Score(spec)
    with tempfile.TemporaryDirectory() as tmp:
        speaker = speaker_for(settings)
        for prompt_id, text in menu.prompts.items():
            if prompt_id.partition(".")[0] in menu.languages:
                continue  # another language's: not for an English listener
            raw, wav = Path(tmp) / "raw.wav", Path(tmp) / "phone.wav"
            began = time.perf_counter()
            speaker.synthesise(text, raw)
            to_telephony(raw, wav, speaker)
            score.build_seconds += time.perf_counter() - began
            score.audio_seconds += wav_seconds(wav)
            score.audio_bytes += wav.stat().st_size
            reference, heard = normalise(text), listener.hear(wav)
            wrong = edits(reference, heard)
            score.edits += wrong
            score.words += len(reference)
            worst.append((wrong / max(len(reference), 1), prompt_id, " ".join(heard)))
            expected = "".join(re.sub(r"\D", "", m.group()) for m in SPOKEN_NUMBER.finditer(text))
            if expected:
                got = digits_in(heard)
                matcher = SequenceMatcher(None, expected, got, autojunk=False)
                score.digits_right += sum(b.size for b in matcher.get_matching_blocks())
                score.digits += len(expected)
                for number in SPOKEN_NUMBER.finditer(text):
                    score.numbers += 1
                    score.numbers_whole += re.sub(r"\D", "", number.group()) in got
    return score


def main() -> None:
    menu = load_menu(Path(os.environ.get("IVR_MENU") or ROOT / "menus.yaml"))
    s = menu.settings
    shipped = f"{s.tts_engine}:{s.tts_voice}:{s.speech_rate}"
    voices = sys.argv[1:] or [shipped, *(v for v in OTHERS if v != shipped)]
    listener = Listener()
    print(f"{len(menu.prompts)} prompts; first voice: {voices[0]}")
    print(
        f"{'voice':<22} {'WER':>5} {'digits right':>15} {'numbers whole':>14} "
        f"{'build s':>8} {'kB/s':>5}"
    )
    worst: list[tuple[float, str, str]] = []
    for i, spec in enumerate(voices):
        found: list[tuple[float, str, str]] = []
        score = measure(menu, spec, listener, found)
        if i == 0:
            worst = found
        digits = f"{score.digits_right}/{score.digits} {score.digits_right / score.digits:.0%}"
        print(
            f"{spec:<22} {score.edits / score.words:5.2f} {digits:>15} "
            f"{f'{score.numbers_whole}/{score.numbers}':>14} {score.build_seconds:8.1f} "
            f"{score.audio_bytes / score.audio_seconds / 1000:5.1f}"
        )
    print(f"\nworst prompts in {voices[0]} (word error rate, what was heard):")
    for rate, prompt_id, heard in sorted(worst, reverse=True)[:5]:
        print(f"  {rate:4.2f}  {prompt_id}: {heard[:90]}")


if __name__ == "__main__":
    main()
