"""The speech engines a menu may name, their voices, and whether one is installed here."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

# Engine -> the voices it offers (espeak-ng's are many: any it knows, checked when used)
ENGINES: dict[str, tuple[str, ...] | None] = {
    "espeak": None,
    "flite": ("awb", "kal16", "slt", "rms", "kal"),
}
COMMANDS = {"espeak": "espeak-ng", "flite": "flite"}


def engine_problem(engine: str, voice: str) -> str:
    """Why menus.yaml's engine and voice cannot be used ("" if they can)."""
    if engine not in ENGINES:
        return f"tts_engine '{engine}' is not one of: {', '.join(ENGINES)}"
    voices = ENGINES[engine]
    if voices is not None and voice not in voices:
        return f"tts_voice '{voice}' is not a {engine} voice (one of: {', '.join(voices)})"
    return ""


def engine_missing(engine: str) -> str:
    """What is missing to build prompts with the engine here ("" if nothing)."""
    command = COMMANDS.get(engine)
    if command and shutil.which(command) is None:
        return (
            f"{command} is not installed here: prompts cannot be built in this voice until "
            f"it is (`apt-get install {command}`); the line plays what is built already"
        )
    return ""


@lru_cache(maxsize=1)
def espeak_voices() -> frozenset[str]:
    """The voices espeak-ng has here, by language and by file ('pl', 'zlw/pl'); empty
    when it is not installed."""
    if shutil.which("espeak-ng") is None:
        return frozenset()
    listing = subprocess.run(
        ["espeak-ng", "--voices"], capture_output=True, text=True, timeout=10, check=False
    ).stdout
    names: set[str] = set()
    for line in listing.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5:
            names.update((parts[1], parts[4]))
    return frozenset(names)
