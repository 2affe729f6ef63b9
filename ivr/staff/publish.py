"""Publishing a menu: every check of `ivr check`, speech for changed texts, a new version.

Shared by `ivr menu publish` and the console, so both refuse and publish alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ivr.audio.prompts import PromptAudio
from ivr.audio.tts import build_into_store, speaker_for
from ivr.errors import IvrError
from ivr.menu.characters import unsafe_character
from ivr.menu.load import menu_from_text
from ivr.menu.model import Menu
from ivr.store.changes import Store
from ivr.store.rows import MenuRow, Who

NOTE_CHARACTERS = 300  # why a version was published, for the history


@dataclass(frozen=True)
class Published:
    version: MenuRow
    built: tuple[str, ...]  # prompts given new speech
    warning: str = ""  # speech could not be built: callers hear <Say> until it is


def checked(text: str, name: str) -> Menu:
    """The menu, or MenuError with every located problem."""
    return menu_from_text(text, name)


def history_note(note: str) -> str:
    """A version's note as the history keeps it (spaces tidied), or IvrError saying why
    it cannot be: the console, the command line and the history all show it."""
    note = " ".join(note.split())
    problem = unsafe_character(note)
    if problem:
        raise IvrError(f"the note: {problem}")
    if len(note) > NOTE_CHARACTERS:
        raise IvrError(f"the note has {len(note)} characters: {NOTE_CHARACTERS} at most")
    return note


def publish(
    store: Store,
    text: str,
    name: str,
    who: Who,
    note: str,
    prompts_dir: Path,
    cache: Path,
    based_on: int | None = None,
) -> Published:
    """Check (MenuError, or IvrError for the note, if it fails: nothing published), build
    speech, publish.

    based_on: the version the text was made from; Conflict if another was published since.
    """
    note = history_note(note)
    menu = checked(text, name)
    prompts = PromptAudio(menu, prompts_dir, store, store.snapshot, cache)
    settings = menu.settings
    built: list[str] = []
    warning = ""
    try:
        built = build_into_store(prompts, lambda: speaker_for(settings), who)
    except IvrError as e:
        # Publishing still helps: until speech is built, callers hear Twilio's <Say>
        warning = str(e)
    return Published(store.publish(text, who, note, based_on), tuple(built), warning)
