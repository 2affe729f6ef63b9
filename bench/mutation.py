"""Mutation testing of the call flow (mutmut): how many planted bugs the tests catch.

    python bench/mutation.py [--diffs] [MODULE ...]   (default: the call flow: decide.py,
    state.py, twiml.py and its parts spoken.py, rings.py, leg.py, routes.py, voice.py,
    form.py)

Runs in a copy of the project (mutmut writes a mutants/ folder beside the code), with the
tests that drive calls end to end. Prints killed / survived / other for each module and
the score; the surviving mutants are listed for a person to read (with --diffs, each
with the change mutmut made). Slow: not part of CI.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT

DEFAULT = [
    "ivr/call/decide.py",
    "ivr/call/state.py",
    "ivr/call/twiml.py",
    "ivr/call/spoken.py",
    "ivr/call/rings.py",
    "ivr/call/leg.py",
    "ivr/call/routes.py",
    "ivr/call/voice.py",
    "ivr/call/form.py",
]
TESTS = [
    "tests/test_calls.py",
    "tests/test_voice.py",
    "tests/test_twilio_quirks.py",
    "tests/test_speech.py",
    "tests/test_hours.py",
    "tests/test_twiml_shape.py",
    "tests/test_form.py",
    "tests/test_cli.py",
    "tests/test_staff.py",
    "tests/test_report.py",
    "tests/test_console_pages.py",
    "tests/test_failures.py",
    "tests/test_languages.py",
    "tests/test_decide.py",
    "tests/test_call_state.py",
    # Transfers that pass closed and failing helplines by (rings.py)
    "tests/test_watch_calls.py",
    "tests/test_gate_closures.py",
    "tests/test_summer_time.py",
    # The last checks on an answer (voice.py's twiml_bytes), and hostile input on every webhook
    "tests/test_gate_render.py",
    "tests/test_properties.py",
]


def config(modules: list[str]) -> str:
    def listing(items: list[str]) -> str:
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["ivr"]\n'
        f"only_mutate = {listing(modules)}\n"
        f"pytest_add_cli_args_test_selection = {listing(TESTS)}\n"
        'also_copy = ["menus.yaml", "prompts", "bench", "tests"]\n'
        # -n 0: mutmut runs the tests in its own process, to know which ran (no xdist)
        'pytest_add_cli_args = ["-n", "0", "--no-cov", "-p", "no:cacheprovider", "-q"]\n'
    )


def main() -> None:
    arguments = sys.argv[1:]
    diffs = "--diffs" in arguments
    modules = [a for a in arguments if a != "--diffs"] or DEFAULT
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "project"
        work.mkdir()
        for name in ("ivr", "tests", "bench", "prompts"):
            shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "menus.yaml", work / "menus.yaml")
        pyproject = (ROOT / "pyproject.toml").read_text()
        (work / "pyproject.toml").write_text(pyproject + config(modules))
        run = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", "2"],
            cwd=work,
            capture_output=True,
            text=True,
        )
        results = subprocess.run(
            [sys.executable, "-m", "mutmut", "results", "--all", "true"],
            cwd=work,
            capture_output=True,
            text=True,
        ).stdout
        shown = [
            subprocess.run(
                [sys.executable, "-m", "mutmut", "show", name],
                cwd=work,
                capture_output=True,
                text=True,
            ).stdout
            for name in re.findall(r"(\S+): survived", results)
            if diffs
        ]
    states: dict[str, dict[str, int]] = {}
    survivors = []
    for line in results.splitlines():
        found = re.match(r"\s*(ivr\.[\w.]+)__mutmut_\d+: (.+)$", line.strip())
        if not found:
            continue
        name, state = found.groups()
        # ivr.voice.x_public_url, ivr.twiml.xǁRendererǁstart: the module is before ".x"
        module = re.sub(r"\.x[_ǁ].*$", "", name)
        states.setdefault(module, {}).setdefault(state, 0)
        states[module][state] += 1
        if state == "survived":
            survivors.append(line.strip())
    if not states:
        print(run.stdout[-2000:], run.stderr[-2000:])
        sys.exit("mutmut gave no results")
    print(f"{'module':<22} {'killed':>7} {'survived':>9} {'other':>6} {'score':>7}")
    for module, counts in sorted(states.items()):
        killed = counts.get("killed", 0) + counts.get("timeout", 0)
        survived = counts.get("survived", 0)
        other = sum(counts.values()) - killed - survived
        score = killed / (killed + survived) if killed + survived else 0.0
        print(f"{module:<22} {killed:>7} {survived:>9} {other:>6} {score:>7.1%}")
    print(f"\n{len(survivors)} surviving mutants (mutmut show NAME in the copy to read one):")
    for line in survivors:
        print(" ", line)
    for diff in shown:
        print(diff)


if __name__ == "__main__":
    main()
