"""Caller time, from the shipped prompt audio: each moment of a caller's journey against
its target (menus.yaml `settings:`; defaults in ivr/menu/model.py), English first, then
each other language from the moment it is chosen.

A caller presses each key as soon as their option has been said (the shortest key path),
and each request after the first costs 0.5 s (Twilio fetching the next TwiML). A prompt
with no current shipped audio is timed by an estimate from its words (said so).
Run: python bench/caller_time.py [menus.yaml]
"""

from __future__ import annotations

import sys
from pathlib import Path

from common import ROOT

sys.path.insert(0, str(ROOT))

from ivr.audio.journeys import shipped_seconds  # noqa: E402
from ivr.menu.load import load_menu  # noqa: E402
from ivr.menu.timing import (
    estimated,  # noqa: E402
    moments,  # noqa: E402
)


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "menus.yaml"
    menu = load_menu(path)
    seconds = shipped_seconds(menu, path.parent / "prompts")
    guess = estimated(menu)
    guessed = [p for p in menu.prompts if seconds(p) == guess(p)]
    if guessed:
        print(f"note: {len(guessed)} prompts have no current audio; their times are estimates")
    over = 0
    language = None
    for moment in moments(menu, seconds):
        if moment.language != language:
            language = moment.language
            name = menu.languages[language].name if language else "English"
            print(f"\n{name}" + (" (from choosing it)" if language else " (from answer)"))
        flag = "  <- over target" if moment.over else ""
        over += moment.over
        keys = f"  keys {' '.join(moment.keys)}" if moment.keys else ""
        print(
            f"{moment.seconds:5.1f} s (target {moment.target:g}){keys:<10} {moment.what}"
            f"  [costs most: {moment.heard.costliest}]{flag}"
        )
    print(f"\n{over} moment(s) over target")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
