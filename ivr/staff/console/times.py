"""How long a caller waits with a draft of the menu: the rows the Menu and Words pages show
before a change is published, so staff see what an edit costs callers."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.audio.journeys import draft_seconds
from ivr.menu.model import Menu
from ivr.menu.timing import moments
from ivr.staff.console.web import prompt_audio


@dataclass(frozen=True)
class TimeRow:
    """One moment of a caller's journey, as the pages show it."""

    what: str
    language: str  # the language's own name, "English" for English
    seconds: float
    target: float
    over: bool
    costliest: str  # the prompt that costs the caller most of the wait


def caller_times(draft: Menu) -> list[TimeRow]:
    """Every moment with a target, timed for the draft (see journeys.draft_seconds)."""
    seconds = draft_seconds(prompt_audio(), draft)
    return [
        TimeRow(
            m.what,
            draft.languages[m.language].native if m.language else "English",
            round(m.seconds, 1),
            m.target,
            m.over,
            m.heard.costliest,
        )
        for m in moments(draft, seconds)
    ]
