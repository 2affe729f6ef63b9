"""The caller-time checks of a usable menu: a warning, located at the prompt that costs
most, for each moment of a caller's journey later than its target (ivr.menu.timing)."""

from __future__ import annotations

from typing import Any

from ivr.menu.model import Menu
from ivr.menu.source import Path_, Problem, Source
from ivr.menu.timing import Seconds, moments


def check_times(source: Source, menu: Menu, seconds: Seconds) -> list[Problem]:
    """A warning for each moment of a caller's journey later than its target (see
    timing.py), at the prompt that costs the caller most of the wait.

    seconds gives each prompt's length: its audio's where it has audio, else an estimate.
    """
    problems = []
    for moment in moments(menu, seconds):
        if not moment.over:
            continue
        costliest = moment.heard.costliest
        cost = sum(s for pid, s in moment.heard.costs if pid == costliest)
        keys = len(moment.keys)
        if moment.most_keys is not None and keys > moment.most_keys:
            late = f"takes {keys} key presses (target: at most {moment.most_keys}), "
        else:
            late = ""
        path = written_at(costliest, menu.translations)
        problems.append(
            Problem(
                source.name,
                source.line(path),
                ".".join(path),
                f"callers wait {moment.seconds:.1f} s for {moment.what} (target "
                f"{moment.target:g} s, settings.{moment.setting}); {late}prompt '{costliest}' "
                f"costs most of the wait ({cost:.1f} s): shorten it or move what it says",
                warning=True,
            )
        )
    return problems


def written_at(prompt_id: str, languages: Any) -> Path_:
    """Where a prompt's words are written: 'pl.node.main' -> menus.main.say.pl."""
    code, _, rest = prompt_id.partition(".")
    suffix = f".{code}" if code in languages else ""
    pid = rest if suffix else prompt_id
    kind, _, rest = pid.partition(".")
    if kind == "node":
        return ("menus", rest, f"say{suffix}")
    return ("prompts", f"{kind}{suffix}")
