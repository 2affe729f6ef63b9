"""`ivr check` on a generated 1,000-node menu, and a no-change `ivr prompts build`.

Run: python bench/check_menu.py
Targets: check under 0.5 s; no-change build under 1 s.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

IVR = shutil.which("ivr") or sys.exit("install the project first: pip install -e .")

sys.path.insert(0, str(ROOT))

from ivr.menu.check import check_source  # noqa: E402
from ivr.menu.source import read_source  # noqa: E402


def big_menu(nodes: int) -> str:
    """A tree of menus, each with options leading to four children or to a helpline."""
    lines = [
        "helplines:",
        "  national_24h:",
        "    name: the National Domestic Abuse Helpline",
        "    number: 0808 2000 247",
        "  refuge_derby:",
        "    name: Refuge",
        "    number: 0800 085 3481",
        "menus:",
    ]
    for n in range(nodes):
        lines.append(
            f"  m{n}:\n    title: Menu {n}\n    say: This is menu number {n}.\n    options:"
        )
        children = [c for c in range(4 * n + 1, 4 * n + 5) if c < nodes]
        for key, child in enumerate(children, 1):
            lines += [f"      {key}:", f"        label: menu {child}"]
            lines += [f"        keywords: [menu {child}]", f"        goto: m{child}"]
        lines.append(
            "      5:\n        label: Refuge\n        transfer: [refuge_derby, national_24h]"
        )
    return "settings:\n  home: m0\n" + "\n".join(lines) + "\n"


def timed(runs: int, action: object) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "menus.yaml"
        path.write_text(big_menu(1000))

        def check() -> None:
            problems, _ = check_source(read_source(path))
            assert not [p for p in problems if not p.warning]

        inside = timed(5, check)
        command = [IVR, "check", str(path)]
        whole = timed(
            3, lambda: subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        )
        build = [IVR, "prompts", "build"]
        subprocess.run(build, cwd=ROOT, capture_output=True, check=True)
        nochange = timed(
            3, lambda: subprocess.run(build, cwd=ROOT, capture_output=True, check=True)
        )
    print(f"ivr check, 1,000 menus, in process: median {statistics.median(inside):.3f} s")
    print(f"ivr check, 1,000 menus, whole command: median {statistics.median(whole):.3f} s")
    median = statistics.median(nochange)
    print(f"ivr prompts build, nothing changed, whole command: median {median:.3f} s")


if __name__ == "__main__":
    main()
