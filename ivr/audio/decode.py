"""Staff files in any common format (WAV, MP3, M4A, OGG, WebM) to the line's telephony WAV.

PyAV (FFmpeg's decoders, in the wheel) reads what a browser records (WebM/Opus, MP4/AAC)
and what phones and laptops save; sox then makes the 8 kHz telephony WAV and notices a
file cut short, as `ivr prompts import` does. A file neither can read is refused with
its name and the reason, and nothing changes.
"""

from __future__ import annotations

import wave
from pathlib import Path

import av
from av.audio.resampler import AudioResampler

from ivr.audio.tts import check_recording, to_telephony
from ivr.menu.source import IvrError

FORMATS = ("WAV", "MP3", "M4A", "OGG", "WebM")
MAX_BYTES = 20 * 1024 * 1024  # a two-minute prompt is well under this in any format
PCM_RATE = 48_000


def to_pcm_wav(source: Path, target: Path, name: str) -> None:
    """Decode the first audio stream of source to 16-bit mono WAV at 48 kHz."""
    try:
        with av.open(str(source)) as container:
            streams = container.streams.audio
            if not streams:
                raise IvrError(f"{name} has no sound in it. Nothing has changed")
            resampler = AudioResampler(format="s16", layout="mono", rate=PCM_RATE)
            with wave.open(str(target), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(PCM_RATE)
                for frame in container.decode(streams[0]):
                    for converted in resampler.resample(frame):
                        out.writeframes(bytes(converted.planes[0])[: converted.samples * 2])
                for converted in resampler.resample(None):
                    out.writeframes(bytes(converted.planes[0])[: converted.samples * 2])
    except av.FFmpegError as e:
        raise IvrError(
            f"{name} could not be read as sound ({e.strerror or type(e).__name__}): "
            f"use a {', '.join(FORMATS)} file. Nothing has changed"
        ) from e


def telephony_take(source: Path, name: str, folder: Path, spoken_seconds: float) -> Path:
    """A staff file as a checked telephony WAV in folder: decoded, converted, checked."""
    if source.stat().st_size > MAX_BYTES:
        raise IvrError(f"{name} is over {MAX_BYTES // 2**20} MB: a prompt is a short recording")
    pcm = folder / "decoded.wav"
    to_pcm_wav(source, pcm, name)
    wav = folder / "telephony.wav"
    try:
        to_telephony(pcm, wav)
    except IvrError as e:
        raise IvrError(f"{name} could not be converted ({e}). Nothing has changed") from e
    check_recording(wav, name, spoken_seconds)
    return wav
