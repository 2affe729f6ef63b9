"""Which published menu version a worker runs: the newest that passes today's checks.

A version published under older checks (or damaged in the database) may not pass
today's. It is never used: the newest earlier version that passes is (or the one already
running, or the repository's menus.yaml), everything else of the store (closures, audio)
goes on being applied, the log says so once, and the console's Now page says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ivr.menu.load import menu_from_text
from ivr.menu.model import Menu
from ivr.menu.source import MenuError
from ivr.store.rows import MenuRow, Snapshot

log = logging.getLogger(__name__)
REPOSITORY = 0  # version 0: the repository's menus.yaml
SHOWN_PROBLEMS = 3  # in the log and on the Now page; the Menu page's check shows all


@dataclass(frozen=True)
class Refused:
    """A published version the line does not run, and why."""

    number: int
    made_by: str
    made_at: datetime
    why: str


class MenuFollower:
    """Follows the store's newest menu version; Live calls it with each new snapshot.

    apply(menu, number) makes the line run menu: it must build whatever it needs before
    it replaces anything, so that a failure leaves the line as it was.
    """

    def __init__(
        self,
        apply: Callable[[Menu, int], None],
        earlier: Callable[[int], MenuRow | None],
        logged: bool = True,
    ) -> None:
        self.apply = apply
        # A worker says what it runs and refuses; a command that only asks does not
        self.logged = logged
        self.earlier = earlier  # the newest version before a number (a database read)
        self.number = REPOSITORY  # the version running
        self.refused: dict[int, Refused] = {}

    def __call__(self, snapshot: Snapshot) -> None:
        version = snapshot.menu
        while version is not None and version.number != self.number:
            if version.number not in self.refused and self._used(version):
                return
            version = self.earlier(version.number)

    def _used(self, version: MenuRow) -> bool:
        """Run version if it passes today's checks; else note (and log, once) why not."""
        try:
            self.apply(
                menu_from_text(version.text, f"menu version {version.number}"), version.number
            )
        except MenuError as e:
            problems = [
                f"line {p.line}: {p.path + ': ' if p.path else ''}{p.message}" for p in e.problems
            ]
            why = "; ".join(problems[:SHOWN_PROBLEMS])
            if len(problems) > SHOWN_PROBLEMS:
                why += f" (and {len(problems) - SHOWN_PROBLEMS} more)"
            self._refuse(version, f"it does not pass today's checks: {why}")
            return False
        except Exception as e:  # noqa: BLE001 - whatever it is, the line goes on as it was
            self._refuse(version, f"it could not be used ({type(e).__name__}: {e})", trace=True)
            return False
        self.number = version.number
        if self.logged:
            log.warning("the line now runs menu version %s", version.number)
        return True

    def _refuse(self, version: MenuRow, why: str, trace: bool = False) -> None:
        self.refused[version.number] = Refused(
            version.number, version.made_by, version.made_at, why
        )
        if not self.logged:
            return
        log.error(
            "menu version %s is not used, because %s; the line runs %s",
            version.number,
            why,
            f"version {self.number}" if self.number else "the repository's menu",
            exc_info=trace,
        )

    def skipped(self) -> list[Refused]:
        """Versions newer than the one running that are not used, newest first."""
        return sorted(
            (r for n, r in self.refused.items() if n > self.number),
            key=lambda r: r.number,
            reverse=True,
        )
