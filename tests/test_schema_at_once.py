"""A fresh SQLite store with several workers starting at once (issue 20, item 15).

gunicorn starts every worker together, and each made the schema as it started: two
creating the same table at once killed a worker at boot ("table closure already
exists"). The first makes it, and brings the earlier files in, once; the others wait.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.store.db import make_engine, status
from ivr.store.models import AuditEntry, Take
from tests.helpers import REPO_MENU, TOKEN, tone

ROOT = REPO_MENU.parent
WORKERS = 6
# Each worker loads everything first, then waits for the others: they build together
WORKER = """
import sys, time
from pathlib import Path
from ivr import create_app

go, state, prompts, ready = (Path(a) for a in sys.argv[1:5])
ready.touch()
while not go.exists():
    time.sleep(0.001)
create_app({
    "TWILIO_AUTH_TOKEN": sys.argv[5], "SECRET_KEY": "made-up", "IVR_MENU": sys.argv[6],
    "STATE_DIR": str(state), "PROMPTS_DIR": str(prompts), "FOLLOW_PUBLISHED": False,
})
"""


def test_workers_starting_together_make_the_schema_once(tmp_path: Path) -> None:
    state, prompts, go = tmp_path / "state", tmp_path / "prompts", tmp_path / "go"
    (prompts / "recorded").mkdir(parents=True)
    tone(prompts / "recorded" / "greeting.wav", seconds=2)  # a take from before the store
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                str(go),
                str(state),
                str(prompts),
                str(tmp_path / f"ready-{n}"),
                TOKEN,
                str(REPO_MENU),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in range(WORKERS)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    url = f"sqlite:///{(state / 'ivr.sqlite3').resolve()}"
    assert status(url).up_to_date
    engine = make_engine(url)
    with Session(engine) as session:
        # The earlier take brought in once, with one audit entry
        assert session.scalar(select(func.count()).select_from(Take)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    engine.dispose()
