"""Hours: weekly hours and bank holidays; close or open a helpline for a while.

Closing asks twice: first the sentence callers will hear is shown, then it is saved. The
same checks as `ivr hours close/open` (a dialled helpline, not the 24/7 line, within a
year) refuse a mistake with what is allowed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ivr.call.availability import (
    Availability,
    ClosureRow,
    Closures,
    check_helpline,
    check_until,
    states,
)
from ivr.call.closed import closed_text
from ivr.errors import IvrError
from ivr.menu.hours import DAYS, LONDON, Hours, bank_holidays, london_time, written_when
from ivr.menu.model import Menu
from ivr.staff.console.web import line, live_menu, needs, saved, store, who
from ivr.store.closures import REASON_CHARACTERS, closure_reason


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/hours", "hours", needs("viewer")(page))
    bp.add_url_rule("/hours/change", "change_hours", needs("editor")(change), methods=["POST"])
    bp.add_url_rule("/hours/close-now", "close_now", needs("editor")(close_now), methods=["POST"])
    bp.add_url_rule("/hours/remove", "remove", needs("editor")(remove), methods=["POST"])


def _now() -> datetime:
    moment: datetime = current_app.config["CLOCK"]()
    return moment


def weekly(hours: Hours | None) -> list[tuple[str, str]]:
    """[('Mon', '08:00-19:00'), ...] for each day; unknown hours say so."""
    if hours is None:
        return [("", "hours unknown: always tried")]
    if hours.always:
        return [("", "24 hours, every day")]

    def hhmm(minute: int) -> str:
        return f"{minute // 60 % 24:02d}:{minute % 60:02d}"

    return [
        (
            day.capitalize(),
            ", ".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in hours.weekly.get(i, ())) or "closed",
        )
        for i, day in enumerate(DAYS)
    ]


def upcoming_holidays(today: date) -> list[date]:
    """England's bank holidays in the next year."""
    found = bank_holidays(today.year) | bank_holidays(today.year + 1)
    return sorted(d for d in found if today <= d <= today + timedelta(days=365))


def _dialled(menu: Menu) -> list[Any]:
    return [h for h in menu.helplines.values() if h.dial]


def page(preview: dict[str, Any] | None = None, status: int = 200) -> tuple[str, int]:
    menu, now = live_menu(), _now()
    closures = line().snapshot.closures
    return (
        render_template(
            "console/hours.html",
            now=now,
            helplines=[(s, weekly(s.helpline.hours)) for s in states(_availability(), now)],
            holidays=upcoming_holidays(now.astimezone(LONDON).date()),
            closures=[
                (menu.helplines[hid], o, written_when(o.until, now))
                for hid, o in sorted(closures.items(), key=lambda item: item[1].until)
                if hid in menu.helplines and o.until > now
            ],
            choices=_dialled(menu),
            operator=menu.settings.operator,
            preview=preview,
            reason_characters=REASON_CHARACTERS,
        ),
        status,
    )


def _availability(extra: dict[str, ClosureRow] | None = None) -> Availability:
    closures = dict(line().snapshot.closures) | (extra or {})
    return Availability(live_menu(), Closures(lambda: closures), current_app.config["CLOCK"])


def _closure(form: Any) -> tuple[str, ClosureRow]:
    """The helpline and closure a form asks for, or IvrError saying what is allowed."""
    menu, now = live_menu(), _now()
    state = form.get("state", "closed")
    # The store's own rule, asked first: the mistake is shown before the sentence is
    reason = closure_reason(state, form.get("reason", ""))
    helpline = check_helpline(menu, form.get("helpline", ""), closing=state == "closed")
    until = check_until(london_time(form.get("until", "")), now)
    return helpline.id, ClosureRow(state, until, reason)


def change() -> Any:
    """Close or open a helpline until a time: first shown (what callers hear), then saved."""
    try:
        helpline_id, closure = _closure(request.form)
    except IvrError as e:
        flash(f"Not saved: {e}", "error")
        return page(status=400)
    menu, now = live_menu(), _now()
    if request.form.get("confirmed") != "yes":
        helpline = menu.helplines[helpline_id]
        heard = ""
        if closure.state == "closed":
            heard = closed_text(_availability({helpline_id: closure}), helpline, now)
        return page(
            preview={
                "helpline": helpline,
                "state": closure.state,
                "until": request.form.get("until", ""),
                "until_words": written_when(closure.until, now),
                "reason": closure.reason,
                "heard": heard,
            }
        )
    when = written_when(closure.until, now)
    saved(
        lambda: store().set_closure(helpline_id, closure, who()),
        f"{menu.helplines[helpline_id].name} is {closure.state} until {when}.",
    )
    return redirect(url_for("console.hours"))


def close_now() -> Response:
    """Day/night: closed from now until its next opening by its weekly hours."""
    menu, now = live_menu(), _now()
    try:
        helpline = check_helpline(menu, request.form.get("helpline", ""), closing=True)
        hours = helpline.hours
        if hours is None or hours.always:
            raise IvrError(
                f"{helpline.name} has no opening hours in the menu to reopen at: "
                "close it until a date and time instead"
            )
        closes = hours.next_change(now) if hours.is_open(now) else now
        opens = hours.next_change(closes) if closes else None
        if opens is None or hours.is_open(opens) is False:
            raise IvrError(f"{helpline.name} has no opening within a week: choose a date")
    except IvrError as e:
        flash(f"Not saved: {e}", "error")
        return redirect(url_for("console.hours"))
    reason = request.form.get("reason", "")
    saved(
        lambda: store().set_closure(helpline.id, ClosureRow("closed", opens, reason), who()),
        f"{helpline.name} is closed until {written_when(opens, now)}.",
    )
    return redirect(url_for("console.hours"))


def remove() -> Response:
    menu = live_menu()
    helpline_id = request.form.get("helpline", "")
    name = menu.helplines[helpline_id].name if helpline_id in menu.helplines else helpline_id
    saved(
        lambda: store().set_closure(helpline_id, None, who()),
        f"{name} is back to its normal hours.",
    )
    return redirect(url_for("console.hours"))
