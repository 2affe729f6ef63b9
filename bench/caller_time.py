"""Caller time, from the real prompt audio: seconds before "999", and to each helpline.

A caller presses each key as soon as their option has been said (the shortest key path).
Run: python bench/caller_time.py
Targets: 999 within 6 s; every helpline within 25 s and 2 key presses; each other
language offered in its own words within 20 s, and 999 within 6 s of choosing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import ROOT

REPO_MENU = ROOT / "menus.yaml"

sys.path.insert(0, str(ROOT))

from ivr.audio.journeys import before_999, journeys, offered  # noqa: E402
from ivr.audio.prompts import PromptStore  # noqa: E402
from ivr.menu.load import load_menu  # noqa: E402
from ivr.store.changes import Store  # noqa: E402
from ivr.store.db import shared_engine, upgrade  # noqa: E402


def main() -> None:
    # The shipped audio only: an empty store of its own, so no staff take is counted
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'store.sqlite3'}"
    upgrade(url)
    empty = Store(shared_engine(url))
    menu = load_menu(REPO_MENU)
    store = PromptStore(menu, REPO_MENU.parent / "prompts", empty, empty.snapshot, tmp)
    missing = [p for p in store.menu.prompts if store.status(p) not in ("generated", "recorded")]
    if missing:
        print(f"warning: {len(missing)} prompts have no current audio; their times are estimates")
    print(f"seconds before a caller hears 999: {before_999(store):.1f} (target 6)")
    worst = 0.0
    for j in journeys(store):
        name = store.menu.helplines[j.helpline].name
        worst = max(worst, j.seconds)
        flag = "" if j.seconds <= 25 and len(j.keys) <= 2 else "  <- over target"
        print(f"{j.seconds:5.1f} s  keys {' '.join(j.keys):<4} {name}{flag}")
    print(f"slowest helpline: {worst:.1f} s (target 25)")
    for code, seconds in offered(store).items():
        language = store.menu.languages[code]
        flag = "" if seconds <= 20 else "  <- over target"
        print(
            f"\n{language.name}: offered in {language.name} at {seconds:.1f} s (target 20){flag}"
        )
        heard = before_999(store, code)
        print(f"  999 heard {heard:.1f} s after choosing it (target 6)")
        found = journeys(store, code)
        slowest = max(found, key=lambda j: j.seconds)
        name = store.menu.helplines[slowest.helpline].name
        print(f"  slowest helpline after choosing it: {slowest.seconds:.1f} s ({name})")


if __name__ == "__main__":
    main()
