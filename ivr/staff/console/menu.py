"""Menu: edit or upload menus.yaml, see the checks and the difference, publish, roll back.

Publishing runs every check `ivr check` makes: a menu with a mistake is shown with each
problem and its line, and the live version stays as it is.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ivr.menu.source import MenuError
from ivr.published import REPOSITORY
from ivr.staff.console.times import caller_times
from ivr.staff.console.web import line, needs, publish_menu, saved, store
from ivr.staff.console.words import newest_text
from ivr.staff.publish import checked

MAX_CHARACTERS = 200_000  # the shipped menu has about 15,000


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/menu", "menu", needs("admin")(page), methods=["GET", "POST"])
    bp.add_url_rule("/menu/publish", "publish", needs("admin")(publish_view), methods=["POST"])
    bp.add_url_rule("/menu/rollback", "rollback", needs("admin")(rollback), methods=["POST"])
    bp.add_url_rule("/menu/<int:number>.yaml", "download", needs("admin")(download))


def _repository_text() -> str:
    return Path(current_app.config["IVR_MENU"]).read_text(encoding="utf-8")


def _posted_text() -> str:
    """The text from the editor, or from an uploaded file when one was chosen."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        with upload.stream:
            data = upload.read(MAX_CHARACTERS + 1)
        return bytes(data).decode("utf-8", "replace")
    return request.form.get("text", "")


def _check(text: str) -> dict[str, Any]:
    """The checks' results and the difference from the live version."""
    if len(text) > MAX_CHARACTERS:
        return {"problems": [f"the menu has over {MAX_CHARACTERS:,} characters"], "diff": ""}
    live = newest_text()
    diff = "".join(
        difflib.unified_diff(live.splitlines(True), text.splitlines(True), "live", "draft")
    )
    try:
        menu = checked(text, "draft")
    except MenuError as e:
        return {"problems": [str(p) for p in e.problems], "diff": diff, "warnings": []}
    return {
        "problems": [],
        "diff": diff,
        "warnings": [str(w) for w in menu.warnings],
        "times": caller_times(menu),
    }


def page() -> Any:
    versions = store().history()
    text = newest_text()
    result: dict[str, Any] | None = None
    if request.method == "POST":
        text = _posted_text().replace("\r\n", "\n")
        result = _check(text)
    status = 400 if result and result["problems"] else 200
    # What the difference shown is from: publishing says so if another is published first
    based_on = versions[0].number if versions else REPOSITORY
    page = render_template(
        "console/menu.html",
        text=text,
        result=result,
        versions=versions,
        based_on=based_on,
        **_running(),
    )
    return page, status


def _running() -> dict[str, Any]:
    """The version calls are answered with, and those skipped (see ivr.published)."""
    published = line().follower
    return {"running": published.number, "refused": set(published.refused)}


def publish_view() -> Any:
    text = request.form.get("text", "").replace("\r\n", "\n")
    note = request.form.get("note", "")  # the publish service tidies and checks it
    based_on = request.form.get("based_on", "")
    result = _check(text)
    if result["problems"]:
        flash(
            f"Not published: {len(result['problems'])} problem(s). The live menu is unchanged.",
            "error",
        )
        return render_template(
            "console/menu.html",
            text=text,
            result=result,
            versions=store().history(),
            **_running(),
        ), 400
    saved(
        lambda: publish_menu(text, "draft", note, int(based_on) if based_on.isdigit() else None),
        "Published: every instance answers with it within seconds.",
    )
    return redirect(url_for("console.menu"))


def rollback() -> Any:
    number = request.form.get("version", "")
    if not number.isdigit():
        abort(400)
    target = int(number)
    if target == REPOSITORY:
        text = _repository_text()
    else:
        found = store().menu(target)
        if found is None:
            flash(f"Not saved: there is no version {target}.", "error")
            return redirect(url_for("console.menu"))
        text = found.text

    def change() -> None:
        publish_menu(text, f"version {target}", f"rollback to version {target}")

    saved(change, f"Rolled back: the line runs what version {target} said (as a new version).")
    return redirect(url_for("console.menu"))


def download(number: int) -> Response:
    if number == REPOSITORY:
        text = _repository_text()
    else:
        found = store().menu(number)
        if found is None:
            abort(404)
        text = found.text
    return Response(
        text,
        mimetype="text/yaml",
        headers={"Content-Disposition": f'attachment; filename="menus-v{number}.yaml"'},
    )
