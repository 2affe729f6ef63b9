"""Where the line's files are: the environment first, else the current directory.

The app and every `ivr` command ask here, so a change staff make from the command line is
the one the line uses. Nothing points inside the installed package: after `pip install .`
(how a platform installs it) site-packages is neither the project nor writable.
"""

from __future__ import annotations

import os
from pathlib import Path


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name, "").strip()
    return Path(value) if value else default


def menu_file() -> Path:
    """The menu: IVR_MENU, else menus.yaml here."""
    return _env_path("IVR_MENU", Path("menus.yaml"))


def prompts_dir() -> Path:
    """The shipped prompt audio: PROMPTS_DIR, else prompts/ here."""
    return _env_path("PROMPTS_DIR", Path("prompts"))


def state_dir() -> Path:
    """Staff state (PIN failures, closures): STATE_DIR, else state/ here."""
    return _env_path("STATE_DIR", Path("state"))


def overrides_file(state: Path | None = None) -> Path:
    """Closures from before the store: OVERRIDES_FILE, else overrides.json in the state
    folder (state, else STATE_DIR)."""
    return _env_path("OVERRIDES_FILE", (state or state_dir()) / "overrides.json")
