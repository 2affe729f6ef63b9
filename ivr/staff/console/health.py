"""The helpline watch in the console: each helpline's health on the Now page, a banner on
every page while one is failing, and editors' "try it anyway" / "skip it"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ivr.call.watch import Watch
from ivr.menu.hours import written_when
from ivr.menu.model import Helpline
from ivr.staff.alerts import Mail
from ivr.staff.console.web import live_menu, needs, saved, store, who
from ivr.store.health import (
    FAILING,
    OVERRIDES,
    SKIP,
    TRY,
    Health,
    HealthStore,
    reason,
)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/helplines/override", "override", needs("editor")(override), methods=["POST"])
    bp.context_processor(banner)


@dataclass(frozen=True)
class Row:
    """A dialled helpline's health as the Now page shows it."""

    helpline: Helpline
    health: Health
    why: str
    since: str
    operator: bool

    @property
    def overridden(self) -> str:
        return OVERRIDES[self.health.override] if self.health.override else ""


def _health() -> HealthStore:
    return HealthStore(store())


def _watch() -> Watch:
    return cast(Watch, current_app.extensions["ivr.watch"])


def rows() -> list[Row]:
    """Every dialled helpline's health, from the store (the counts behind it, since when)."""
    menu, now = live_menu(), current_app.config["CLOCK"]()
    known = _health().states()
    found = []
    for helpline in menu.helplines.values():
        if not helpline.dial:
            continue
        health = known.get(helpline.id, Health(helpline.id))
        since = written_when(health.since, now) if health.since else ""
        operator = helpline.id == menu.settings.operator
        found.append(Row(helpline, health, reason(health), since, operator))
    return found


def watch_page() -> dict[str, Any]:
    """What the Now page shows of the watch: health, the last alerts, where emails go."""
    mail = current_app.extensions.get("ivr.mail")
    return {
        "health": rows(),
        "alerts": _health().alerts(limit=10),
        "mail": str(mail) if isinstance(mail, Mail) else "",
        "mail_problem": mail if isinstance(mail, str) else "",
        "alert_names": {helpline.id: helpline.name for helpline in live_menu().helplines.values()},
        "may_override": current_user.account.may("editor"),
        "retry_one_in": live_menu().settings.watch_retry_one_in,
    }


def banner() -> dict[str, Any]:
    """For every console page: the helplines failing now, from this worker's copy (no
    database asked); none for someone not signed in."""
    if not current_user.is_authenticated:
        return {"failing_now": []}
    menu = live_menu()
    found = [
        (menu.helplines[hid], hid == menu.settings.operator)
        for hid, health in _watch().health.items()
        if health.state == FAILING and hid in menu.helplines
    ]
    found.sort(key=lambda pair: not pair[1])  # the 24/7 line first: the loudest
    return {"failing_now": found}


def override() -> Response:
    """An editor has a helpline tried anyway, skipped, or watched as usual again."""
    helpline_id = request.form.get("helpline", "")
    choice = request.form.get("choice", "")

    def change() -> None:
        _health().set_override(helpline_id, choice, who(), live_menu())

    known = live_menu().helplines.get(helpline_id)
    name = known.name[:1].upper() + known.name[1:] if known else ""
    said = {
        TRY: f"{name} is tried for every caller now, until its health changes or you set "
        "it back to automatic.",
        SKIP: f"{name} is skipped for every caller now, until you set it back to automatic.",
    }.get(choice, f"{name} is tried or skipped by its health again.")
    saved(change, said)
    return redirect(url_for("console.now"))
