"""Prompt audio files: what names their URLs (prompt id and content hash), what generated
speech was made from (its source key), their lengths, and copies that are never half a
file. PromptAudio (prompts.py) decides which file each prompt plays."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
import wave
from dataclasses import dataclass
from pathlib import Path

from ivr.store.rows import TakeRow

PROMPT_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_*#]+)*$")
HASH16 = re.compile(r"^[0-9a-f]{16}$")
AUDIO_PATH = "/audio"
# A call may hold a URL handed out just before a new take went live: every URL keeps
# answering for a day after its audio stopped being current
KEEP_OLD_SECONDS = 24 * 3600
Manifest = dict[str, dict[str, object]]


# Bumped whenever the conversion to telephony audio changes: every prompt is rebuilt
CONVERSION = "phone-band-3"


def source_key(text: str, voice: str, rate: int, engine: str = "espeak") -> str:
    """What generated audio was made from; a new text, engine, voice, rate or conversion
    gives a new key, so exactly the prompts it changes are built again."""
    made = f"{CONVERSION}\n{engine}\n{voice}\n{rate}\n{text}"
    return hashlib.sha256(made.encode()).hexdigest()


def file_hash(path: Path) -> str:
    """The content hash that names a file's URL."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wav_seconds(path: Path) -> float:
    """A PCM WAV file's length in seconds."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


@dataclass(frozen=True)
class Audio:
    """The audio a prompt plays now."""

    path: Path
    sha256: str
    kind: str  # recorded or generated

    prompt_id: str = ""

    @property
    def name(self) -> str:
        """The URL's last part: prompt id and content hash."""
        return f"{self.prompt_id or self.path.stem}.{self.sha256[:16]}.wav"

    @property
    def url(self) -> str:
        """Content-hashed: a new recording or text gives a new URL, so caches never lie."""
        return f"{AUDIO_PATH}/{self.name}"


@dataclass(frozen=True)
class Kept:
    """A staff take that passed the check and is stored: its row and its length."""

    row: TakeRow
    seconds: float


def named(name: str) -> tuple[str, str] | None:
    """An audio URL's last part, 'greeting.0123456789abcdef.wav', as its prompt id and
    short hash; None if it is not such a name."""
    prompt_id, _, rest = name.rpartition(".")
    prompt_id, _, short = prompt_id.rpartition(".")
    if rest != "wav" or not PROMPT_ID.match(prompt_id) or not HASH16.match(short):
        return None
    return prompt_id, short


def copy_beside(source: Path, target: Path) -> None:
    """Copy by a temporary file beside target, then an atomic rename: never half a file.

    Beside it, not in the temp folder, which may be another filesystem (no rename there).
    """
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def forget_older(folder: Path) -> None:
    """Delete files in folder untouched for longer than KEEP_OLD_SECONDS."""
    since = time.time() - KEEP_OLD_SECONDS
    for path in folder.glob("*.wav"):
        if path.stat().st_mtime < since:
            path.unlink(missing_ok=True)
