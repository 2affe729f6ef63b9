"""The one check a staff take passes, whichever door it comes by, before it is stored.

The console (an upload or a browser recording), `ivr prompts import` and a recording made
by phone all come here, through PromptAudio.install and PromptAudio.hold. PyAV (FFmpeg's
decoders, in the wheel) reads WAV, MP3, M4A, OGG and WebM and makes the take 8 kHz mono
16-bit, as Twilio plays it; it is refused if it is empty, cut short, too long, silent,
clipped or too short for its words. A refusal names the file and the reason; nothing
changes.

A file is never trusted to say how long it is. A header that claims more than a prompt may
last is refused before anything is decoded; decoding stops at that limit whatever the
header said (PyAV lets go of the GIL while it decodes), and after DECODE_SECONDS of
processor time whatever the file holds. So a take costs at most MAX_BYTES on disk, a
couple of MB of memory and well under a second of one worker, and one_at_a_time lets one
take at a time be decoded on an instance: uploads never hold every worker while a call
waits.
"""

from __future__ import annotations

import fcntl
import io
import threading
import time
import wave
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import av
from av.audio.resampler import AudioResampler
from av.audio.stream import AudioStream

from ivr.errors import IvrError

FORMATS = ("WAV", "MP3", "M4A", "OGG", "WebM")
MAX_BYTES = 20 * 1024 * 1024  # a two-minute prompt is well under this in any format
RATE = 8000  # Twilio plays 8 kHz mono WAV without transcoding
MAX_SECONDS = 120
# A two-minute take decodes in a fraction of a second of processor time: a file that
# takes more is not a prompt (counted for this thread, so a busy machine refuses nothing)
DECODE_SECONDS = 4.0
# How long a take waits for another being decoded on this instance before it is refused
BUSY_WAIT_SECONDS = 0.25
BUSY = "Another upload is being processed: try again in a minute. Nothing has changed."
QUIET_PEAK = 328  # 1 % of full scale: below this a recording is silence
# Samples this loud have been cut off: 32000 and up, -32001 and down, told apart by their
# high byte (0x7D-0x7F, 0x80-0x82) so two minutes are counted at C speed
CLIPPED_HIGH_BYTES = bytes(range(0x7D, 0x83))
MAX_CLIPPED = 0.005  # more than 0.5 % of them: distorted on a phone line
# A take under this share of the generated speech's length has lost words
SHORTEST_SHARE = 0.4
# Headers round and encoders pad: a file is cut short when it holds less than its header
# says by more than the larger of these
CUT_SHORT_SECONDS = 0.5
CUT_SHORT_SHARE = 0.05
STREAMING = 0xFFFFFFFF  # a WAV data size that says "until the end of the file"


@dataclass(frozen=True)
class Telephony:
    """A take that passed the check: 8 kHz mono 16-bit WAV, and its length in seconds."""

    wav: bytes
    seconds: float


def telephony_take(source: Path, name: str, spoken_seconds: float) -> Telephony:
    """A staff file as checked telephony audio, or IvrError saying why it cannot be one.

    spoken_seconds: how long the prompt's words take in generated speech.
    """
    size = source.stat().st_size
    if size == 0:
        raise IvrError(f"{name} is empty: it holds no sound at all. Nothing has changed")
    if size > MAX_BYTES:
        raise IvrError(f"{name} is over {MAX_BYTES // 2**20} MB: a prompt is a short recording")
    lengths = wav_lengths(source)
    if lengths is not None:
        _check_length(name, *lengths)
    samples = decode(source, name)
    seconds = check_take(samples, name, spoken_seconds)
    return Telephony(_wav_bytes(samples), seconds)


def wav_lengths(source: Path) -> tuple[float, float] | None:
    """A WAV file's length in seconds as its header says, and as its data holds.

    None if it is not a WAV file, or its header gives no length (a stream's). FFmpeg
    quietly takes a short file's length from its data, so the header is read here.
    """
    with source.open("rb") as f:
        head = f.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        byte_rate = 0
        while len(chunk := f.read(8)) == 8:
            kind, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if kind == b"data":
                if not byte_rate or size in (0, STREAMING):
                    return None
                held = min(size, source.stat().st_size - f.tell())
                return size / byte_rate, held / byte_rate
            read = f.read(min(size, 16)) if kind == b"fmt " else b""
            if read:
                byte_rate = int.from_bytes(read[8:12], "little")
            f.seek(size + size % 2 - len(read), io.SEEK_CUR)  # padded to an even length
    return None


def _check_length(name: str, claimed: float, held: float) -> None:
    """Refuse a file its header says is cut short or too long, before decoding it."""
    if held < claimed - max(CUT_SHORT_SECONDS, CUT_SHORT_SHARE * claimed):
        raise IvrError(
            f"{name} is cut short: it stops after {held:.1f} s of the {claimed:.1f} s it "
            "says it lasts (a damaged or unfinished file); nothing was changed"
        )
    if claimed > MAX_SECONDS:
        raise IvrError(f"{name} lasts {claimed:.0f} s: a prompt may last {MAX_SECONDS} s at most")


def decode(source: Path, name: str) -> array[int]:
    """The first audio stream of source as 8 kHz mono 16-bit samples, read no further than
    MAX_SECONDS of sound and DECODE_SECONDS of processor time."""
    samples: array[int] = array("h")
    claimed: float | None = None
    limit = MAX_SECONDS * RATE
    ends = time.thread_time() + DECODE_SECONDS
    try:
        with av.open(str(source)) as container:
            if not container.streams.audio:
                raise IvrError(f"{name} has no sound in it. Nothing has changed")
            stream = container.streams.audio[0]
            claimed = _claimed_seconds(stream)
            if claimed is not None:
                _check_length(name, claimed, claimed)
            # A second a frame: far cheaper than FFmpeg's frame of a few hundred samples
            resampler = AudioResampler(format="s16", layout="mono", rate=RATE, frame_size=RATE)
            # None at the end: what the resampler still holds
            for frame in chain(container.decode(stream), [None]):
                for converted in resampler.resample(frame):
                    samples.frombytes(bytes(converted.planes[0])[: converted.samples * 2])
                if len(samples) > limit:
                    raise IvrError(
                        f"{name} lasts more than {MAX_SECONDS} s: a prompt may last "
                        f"{MAX_SECONDS} s at most"
                    )
                if time.thread_time() > ends:
                    raise IvrError(
                        f"{name} took more than {DECODE_SECONDS:.0f} s to read, which a "
                        "prompt never does: save it again as a WAV or MP3 file. "
                        "Nothing has changed"
                    )
    except (av.FFmpegError, ValueError) as e:
        reason = getattr(e, "strerror", None) or type(e).__name__
        raise IvrError(
            f"{name} could not be read as sound ({reason}): "
            f"use a {', '.join(FORMATS)} file. Nothing has changed"
        ) from e
    if claimed is not None:
        _check_length(name, claimed, len(samples) / RATE)
    return samples


def _claimed_seconds(stream: AudioStream) -> float | None:
    """How long the file says its sound lasts (FFmpeg's estimate where it does not say
    exactly), or None: a browser's recording says nothing."""
    if stream.duration is None or stream.time_base is None:
        return None
    return float(stream.duration * stream.time_base)


def check_take(samples: array[int], name: str, spoken_seconds: float = 0.0) -> float:
    """A telephony take's seconds; refuse a silent, clipped or too short one (decode has
    refused one too long).

    spoken_seconds: how long the prompt's words take in generated speech.
    """
    seconds = len(samples) / RATE
    if not samples or max(max(samples), -min(samples)) < QUIET_PEAK:
        raise IvrError(f"{name} is silent: nothing was changed")
    high_bytes = samples.tobytes()[1::2]  # 16-bit samples, little-endian as every host here
    clipped = (len(high_bytes) - len(high_bytes.translate(None, CLIPPED_HIGH_BYTES))) / len(
        samples
    )
    if clipped > MAX_CLIPPED:
        raise IvrError(
            f"{name} is clipped: {clipped:.0%} of it is too loud and cut off; record it "
            "again a little further from the microphone. Nothing was changed"
        )
    if seconds < SHORTEST_SHARE * spoken_seconds:
        raise IvrError(
            f"{name} lasts {seconds:.1f} s, but its words take about {spoken_seconds:.0f} s "
            f"to say (at least {SHORTEST_SHARE * spoken_seconds:.1f} s needed): words are "
            "missing. Nothing was changed"
        )
    return seconds


def _wav_bytes(samples: array[int]) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())
    return out.getvalue()


@contextmanager
def one_at_a_time(lock: Path, wait: float = BUSY_WAIT_SECONDS) -> Iterator[None]:
    """One take at a time on this instance (every worker and thread of it), from before
    its upload is read until it is stored.

    Another take waits up to `wait` seconds, then is refused with BUSY: a worker kept
    waiting would be one fewer to answer calls. A thread that holds the lock already (the
    console takes it before reading the upload) just goes on.
    """
    mine: set[Path] = _held.__dict__.setdefault("locks", set())
    if lock in mine:
        yield
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    ends = time.monotonic() + wait
    with lock.open("wb") as held:
        while True:
            try:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= ends:
                    raise IvrError(BUSY) from None
                time.sleep(0.05)
        mine.add(lock)
        try:
            yield  # closing the file lets go of the lock (and so does a worker that dies)
        finally:
            mine.discard(lock)


_held = threading.local()  # the locks this thread holds
