"""The live line: the one owner of what callers hear now.

A worker's `LiveLine` holds the snapshot of the store it runs (menu versions, audio,
closures), the menu in use and the renderer built from them. The poller
(`ivr.store.live.Live`) hands it each new snapshot (`apply`); the calls, the text line,
the console, the counters and the simulator all ask it, never a copy of their own.

A draft menu is tried on a `DraftLine`: a renderer built on the draft beside the live one
(the same audio, closures, watch and clock), answering the call and text webhooks in front
of the live app, never published and never counted.

May import: ivr.menu, ivr.audio, ivr.call, ivr.store, ivr.published and the bottom floor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from twilio.request_validator import RequestValidator

from ivr.audio.files import AUDIO_PATH
from ivr.audio.prompts import PromptAudio
from ivr.call.availability import Availability, Closures
from ivr.call.failsafe import render_failsafe
from ivr.call.form import Environ, Params
from ivr.call.media import audio_answer
from ivr.call.sms import TextLine
from ivr.call.twiml import AcceptedDials, Renderer
from ivr.call.voice import Webhooks
from ivr.call.watch import Watch
from ivr.menu.load import menu_from_text
from ivr.menu.model import Menu
from ivr.published import REPOSITORY, MenuFollower
from ivr.store.changes import Store
from ivr.store.live import EMPTY
from ivr.store.rows import Snapshot

log = logging.getLogger(__name__)
Failsafe = Callable[..., str]  # (the line's number, language) -> the fail-safe TwiML
Wsgi = Callable[[Environ, Any], Any]


@dataclass(frozen=True)
class Parts:
    """What the line needs besides the menu: the same for the live menu and any draft."""

    root: Path  # the shipped prompts folder
    store: Store
    cache: Path  # this instance's copy of the store's audio
    clock: Callable[[], datetime]
    watch: Watch
    accepted: AcceptedDials
    validator: RequestValidator
    public_base_url: str
    secret: str  # signs the text line's cookie


class LiveLine:
    """What this worker's callers hear now; `apply` moves it on to a new snapshot.

    The renderer and the fail-safe are replaced whole, one assignment each, so a request
    already under way finishes with the parts it started with. Unless it follows what
    is published (`follow`), the line keeps the menu it was made with: audio, closures
    and the watch still follow the store.
    """

    def __init__(self, menu: Menu, parts: Parts, follow: bool = True) -> None:
        self.parts = parts
        self.validator = parts.validator
        self.public_base_url = parts.public_base_url
        self.accepted = parts.accepted
        self.follows = follow
        self.snapshot: Snapshot = EMPTY
        self.prompts = PromptAudio(
            menu, parts.root, parts.store, lambda: self.snapshot, parts.cache
        )
        self.closures = Closures(lambda: self.snapshot.closures)
        self.follower = MenuFollower(self._run, lambda number: parts.store.menu(before=number))
        self.renderer, self.failsafe = self._build(menu, self.prompts)

    @property
    def menu(self) -> Menu:
        """The menu calls are answered with now."""
        return self.renderer.menu

    @property
    def version(self) -> int:
        """The published version it runs (0: the repository's menus.yaml)."""
        return self.follower.number

    def apply(self, snapshot: Snapshot) -> None:
        """A new snapshot of the store: its menu version used (if it passes today's
        checks), then every take it plays copied here, all before a call is handed a URL
        from it (URLs follow `snapshot`, set last), so its audio answers without the
        database. If copying fails it raises, and the poller tries the snapshot again; the
        menu version may already be in use, with the audio of the snapshot before."""
        self.parts.watch.reload()  # each change of a helpline's health moves the revision
        if self.follows:
            self.follower(snapshot)
        self.prompts.cache_takes(snapshot)
        self.snapshot = snapshot

    def draft(self, text: str, name: str = "draft") -> DraftLine:
        """A line on a draft menu (MenuError, located, if it does not pass the checks a
        menu to publish must pass), beside this one: never published, never counted."""
        menu = menu_from_text(text, name)
        prompts = PromptAudio(
            menu, self.parts.root, self.parts.store, lambda: self.snapshot, self.parts.cache
        )
        renderer, failsafe = self._build(menu, prompts)
        return DraftLine(renderer, failsafe, self.validator, self.public_base_url, prompts, self)

    def _run(self, menu: Menu, number: int) -> None:
        """A published menu (checked again): every part made from it, then used."""
        renderer, failsafe = self._build(menu, self.prompts)
        self.prompts.menu = menu
        self.renderer, self.failsafe = renderer, failsafe

    def _build(self, menu: Menu, prompts: PromptAudio) -> tuple[Renderer, Failsafe]:
        p = self.parts
        availability = Availability(menu, self.closures, p.clock, p.watch)
        renderer = Renderer(menu, prompts.audio_url, availability, prompts.version)
        failsafe = lru_cache(maxsize=64)(lambda line, lang="": render_failsafe(menu, line, lang))
        return renderer, failsafe

    def answering(
        self,
        app: Wsgi,
        before: Callable[[], None] = lambda: None,
        after: Callable[[str, Params, Environ], None] | None = None,
        texted: Any = None,
    ) -> Wsgi:
        """app with the call and text webhooks answered in front of it by this line."""
        calls = Webhooks(app, self, before, after)
        return TextLine(calls, self, self.parts.secret, before, texted)


@dataclass(frozen=True)
class DraftLine:
    """A draft menu's line, for the console's Try pages: made whole, never changed."""

    renderer: Renderer
    failsafe: Failsafe
    validator: RequestValidator
    public_base_url: str
    prompts: PromptAudio
    live: LiveLine

    @property
    def accepted(self) -> AcceptedDials:
        """The live line's dial notes (a draft's calls ring real helplines too)."""
        return self.live.accepted

    @property
    def menu(self) -> Menu:
        return self.renderer.menu

    def answering(self, app: Wsgi) -> Wsgi:
        """app (the live line's) with the call and text webhooks, and the audio of the
        draft's prompts, answered by the draft."""
        calls = Webhooks(DraftAudio(app, self.prompts), self)
        return TextLine(calls, self, self.live.parts.secret)


class DraftAudio:
    """WSGI: the audio a draft's prompts play, served from the draft's own PromptAudio (a
    draft may play shipped speech the live menu's words no longer match); anything else,
    and any name the draft does not know, goes on to the live app."""

    def __init__(self, app: Wsgi, prompts: PromptAudio) -> None:
        self.app = app
        self.prompts = prompts

    def __call__(self, environ: Environ, start_response: Any) -> Any:
        path: str = environ.get("PATH_INFO", "")
        name = path.removeprefix(AUDIO_PATH + "/")
        if name != path and "/" not in name and environ.get("REQUEST_METHOD") == "GET":
            found = audio_answer(self.prompts, name, environ)
            if found is not None:
                return found(environ, start_response)
        return self.app(environ, start_response)


def running_version(store: Store) -> MenuFollower:
    """Which published version a line starting now would run, and which it would refuse
    (a line's own rule, for the command line: the newest that passes today's checks).
    It only asks: nothing is logged, as nothing changes."""
    follower = MenuFollower(
        lambda menu, number: None, lambda number: store.menu(before=number), logged=False
    )
    follower(store.snapshot())
    return follower


__all__ = ["REPOSITORY", "DraftLine", "LiveLine", "Parts", "running_version"]
