"""The first time the store is made: staff changes kept in files before it, brought in.

Closures from state/overrides.json (still in force) and recordings from
prompts/recorded/*.wav become store entries, audited as an import, so nothing a member
of staff did before the store is lost. The files are left where they are.
"""

from __future__ import annotations

import json
import wave
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ivr import paths
from ivr.errors import IvrError
from ivr.store.changes import Store
from ivr.store.db import migrate, schema_lock, status
from ivr.store.rows import ClosureRow, Who

LONDON = ZoneInfo("Europe/London")
IMPORT = Who("import of earlier files", "cli")


def prepare(url: str, store: Store, state: Path, prompts: Path) -> list[str]:
    """Create or migrate the schema; on a brand-new one, bring in the earlier files
    (overrides.json in the state folder, or OVERRIDES_FILE; prompts/recorded).

    One process at a time (every worker of a fresh instance prepares as it starts): the
    first makes the schema and brings the files in; the others find it made.
    """
    with schema_lock(url):
        new = status(url).current is None
        migrate(url)
        if not new:
            return []
        return import_files(store, paths.overrides_file(state), prompts / "recorded")


def import_files(store: Store, overrides_file: Path, recorded: Path) -> list[str]:
    """Closures still in force and recordings, each audited; one line said for each."""
    said = []
    now = store.clock()
    for helpline_id, closure in _closures(overrides_file).items():
        if closure.until > now:
            try:
                store.set_closure(helpline_id, closure, IMPORT)
            except IvrError as e:  # what the store refuses today: said, the others stand
                said.append(f"not imported: a closure ({e})")
                continue
            said.append(
                f"imported: {helpline_id} {closure.state} until {closure.until:%Y-%m-%d %H:%M}"
            )
    for path in sorted(recorded.glob("*.wav")) if recorded.is_dir() else ():
        try:
            with wave.open(str(path), "rb") as w:
                seconds = w.getnframes() / w.getframerate()
        except (OSError, EOFError, wave.Error):
            said.append(f"not imported: {path.name} is not a WAV file")
            continue
        store.add_take(path.stem, path.read_bytes(), seconds, IMPORT)
        said.append(f"imported: the recording of {path.stem}")
    return said


def _closures(path: Path) -> dict[str, ClosureRow]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = {}
    for helpline_id, written in raw.items() if isinstance(raw, dict) else ():
        try:
            until = datetime.fromisoformat(written["until"])
            state, reason = written["state"], str(written.get("reason", ""))
        except (KeyError, TypeError, ValueError):
            continue  # a damaged entry is skipped; the others stand
        if state in ("open", "closed"):
            # A time without an offset (a hand edit) is London time
            until = until if until.tzinfo else until.replace(tzinfo=LONDON)
            found[str(helpline_id)] = ClosureRow(state, until, reason)
    return found
