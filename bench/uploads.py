"""How long a call waits for its answer while staff upload takes (issue 20, item 8).

Run: python bench/uploads.py [PROJECT_FOLDER]   (default: this project)
The Procfile's gunicorn (2 sync workers, --timeout 10) on loopback, a store of its own
(DATABASE_URL if set, else SQLite). An editor signs in to the console; then, for each kind
of file, two uploads start at once while a caller asks for the greeting (a signed /voice)
every 50 ms until both uploads have answered. Printed: each upload's answer and how long
it took, and the call's answer times (median, worst). Target: no call waits a second.

PROJECT_FOLDER runs another checkout's code the same way (e.g. `git archive` of an older
commit unpacked somewhere), to compare. Temporary files go to a folder of the bench's own,
removed at the end: a worker killed mid-upload leaves its files behind.
"""

from __future__ import annotations

import array
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlencode

import av
from common import ROOT, TOKEN, call_params, gunicorn
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

EMAIL = "bench.editor@example.org"
PASSWORD = "correct horse battery staple"
RATE = 8000
CALL_EVERY = 0.05


def sine(rate: int, seconds: int) -> bytes:
    one = array.array(
        "h", (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(rate))
    )
    return one.tobytes() * seconds


def encode(
    path: Path, seconds: int, codec: str, fmt: str, rate: int, bit_rate: int, **options: str
) -> Path:
    with av.open(str(path), "w", format=fmt, options=options) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        stream.bit_rate = bit_rate
        kind = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=kind, layout="mono", rate=rate)
        second = sine(rate, 1)
        for n in range(seconds):
            frame = av.AudioFrame(format="s16", layout="mono", samples=rate)
            frame.sample_rate = rate
            frame.planes[0].update(second)
            frame.pts, frame.time_base = n * rate, Fraction(1, rate)
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def files(folder: Path) -> dict[str, Path]:
    """The issue's three-hour MP3 (about 10 MB), a browser's WebM that says no length, and
    the largest take allowed: just under two minutes of 48 kHz MP3 at 320 kbit/s."""
    # Frames alone (no Xing header, no ID3 tag): copies of it make one long, clean MP3
    options = {"write_xing": "0", "id3v2_version": "0"}
    one = encode(folder / "one.mp3", 1, "libmp3lame", "mp3", RATE, 8000, **options)
    three_hours = folder / "three-hours.mp3"
    three_hours.write_bytes(one.read_bytes() * 3 * 3600)
    return {
        "3-hour MP3, 8 kbit/s": three_hours,
        "125 s WebM, no length": encode(
            folder / "browser.webm", 125, "libopus", "webm", RATE, 8000, live="1"
        ),
        "119 s MP3, 48 kHz 320 kbit/s": encode(
            folder / "largest.mp3", 119, "libmp3lame", "mp3", 48000, 320000
        ),
    }


class Console:
    """A signed-in editor, cookies kept by hand (a Secure cookie is sent over loopback too)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        page = self.request("GET", "/console/sign-in")
        form = {"email": EMAIL, "password": PASSWORD, "csrf_token": token(page)}
        self.request(
            "POST",
            "/console/sign-in",
            urlencode(form).encode(),
            "application/x-www-form-urlencoded",
        )
        self.csrf = token(self.request("GET", "/console/prompts/greeting"))

    def request(self, method: str, path: str, body: bytes | None = None, kind: str = "") -> str:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if kind:
            headers["Content-Type"] = kind
        headers["Accept"] = "application/json" if "multipart" in kind else "text/html"
        req = urllib.request.Request(self.base + path, body, headers, method=method)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            answer = opener.open(req, timeout=60)
        except urllib.error.HTTPError as e:
            answer = e
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";")[0]
        text = answer.read().decode(errors="replace")
        answer.close()
        return f"{answer.status} {text}"

    def upload(self, source: Path) -> str:
        with source.open("rb") as f:
            form = MultiDict({"csrf_token": self.csrf, "audio": FileStorage(f, source.name)})
            boundary, body = encode_multipart(form)
        return self.request(
            "POST",
            "/console/prompts/greeting/takes",
            body,
            f"multipart/form-data; boundary={boundary}",
        )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not found:
        sys.exit(f"no form on the page: {page[:200]}")
    return found.group(1)


def call(port: int) -> float:
    """Seconds until the line answers a new call (a 10 s wait counts as 10 s)."""
    url = f"http://127.0.0.1:{port}/voice"
    params = call_params()
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    request = urllib.request.Request(
        url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()
    except OSError:
        return 10.0
    return time.monotonic() - started


def round_of(port: int, console: Console, source: Path | None) -> tuple[list[str], list[float]]:
    """Two uploads of source at once (none: 2 s idle), and the call times meanwhile."""
    answers: list[str] = []
    uploads = [
        threading.Thread(target=lambda: answers.append(timed(console.upload, source)))
        for _ in range(2 if source else 0)
    ]
    waits: list[float] = []
    started = time.monotonic()
    for upload in uploads:
        upload.start()
    while any(u.is_alive() for u in uploads) or time.monotonic() - started < 2:
        waits.append(call(port))
        time.sleep(CALL_EVERY)
    for upload in uploads:
        upload.join()
    return answers, waits


def timed(upload: Callable[[Path], str], source: Path) -> str:
    began = time.monotonic()
    try:
        said = upload(source)
    except OSError as e:  # the worker was killed mid-upload
        said = f"--- {type(e).__name__}: {e}"
    status, _, body = said.partition(" ")
    message = re.sub(r"\s+", " ", body)[:150]
    return f"{status} after {time.monotonic() - began:.2f} s: {message}"


def report(
    name: str, source: Path | None, answers: list[str], waits: list[float], temporary: Path
) -> None:
    size = f" ({source.stat().st_size / 2**20:.1f} MB)" if source else ""
    print(f"\ntwo uploads of {name}{size} at once:")
    for said in answers:
        print(f"  upload: {said}")
    median, worst = statistics.median(waits) * 1000, max(waits) * 1000
    print(f"  {len(waits)} calls answered: median {median:.0f} ms, worst {worst:.0f} ms")
    left = [p.stat().st_size for p in temporary.rglob("*") if p.is_file()]
    print(f"  temporary files left so far: {len(left)}, {sum(left) / 2**20:.0f} MB")


def main() -> None:
    project = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    sys.path.insert(0, str(project))
    from ivr.store.accounts import Accounts
    from ivr.store.changes import Store
    from ivr.store.db import shared_engine, upgrade
    from ivr.store.rows import Who

    work = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    try:
        database = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'store.sqlite3'}"
        upgrade(database)
        Accounts(Store(shared_engine(database))).add(
            EMAIL, "Bench Editor", "editor", PASSWORD, Who("bench", "cli")
        )
        temporary = work / "tmp"
        temporary.mkdir()
        env = {
            "DATABASE_URL": database,
            "STATE_DIR": str(work / "state"),
            "PYTHONPATH": str(project),
            "TMPDIR": str(temporary),
            "IVR_MENU": str(project / "menus.yaml"),
            "PROMPTS_DIR": str(project / "prompts"),
        }
        made = files(work)
        print(f"code: {project}; store: {database.split('@')[-1]}; {os.cpu_count()} cores")
        try:
            with gunicorn(
                "ivr:create_app()", log=work / "gunicorn.log", cwd=project, env=env
            ) as port:
                console = Console(port)
                for name, source in [("nothing (idle)", None), *made.items()]:
                    report(name, source, *round_of(port, console, source), temporary)
        except subprocess.TimeoutExpired:
            print("\ngunicorn did not stop within 10 s: a worker was still decoding")
        killed = (work / "gunicorn.log").read_text(errors="replace").count("WORKER TIMEOUT")
        print(f"\nworkers killed by gunicorn's timeout: {killed}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
