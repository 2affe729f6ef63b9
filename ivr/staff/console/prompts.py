"""Prompts: every prompt's words and where it is heard; play, record, upload, make live.

A new take (recorded in the browser or uploaded) goes through the one check every take
passes (PromptAudio.hold, as `ivr prompts import` and recording by phone do), then is kept
aside: the person listens to it first, and only "Make live" puts it on calls. Every
earlier take stays, and any can go live again.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from ivr.audio.decode import FORMATS, MAX_BYTES
from ivr.audio.files import Audio
from ivr.errors import IvrError
from ivr.menu.where import where_heard
from ivr.staff.console.web import needs, prompt_audio, refreshed, saved, store, who

DISCARD_CHUNK = 64 * 1024  # an upload refused unread is read this much at a time


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/prompts", "prompts", needs("viewer")(listing))
    bp.add_url_rule("/prompts/<prompt_id>", "prompt", needs("viewer")(prompt))
    bp.add_url_rule(
        "/prompts/<prompt_id>/takes", "new_take", needs("editor")(new_take), methods=["POST"]
    )
    bp.add_url_rule(
        "/prompts/<prompt_id>/live", "make_live", needs("editor")(make_live), methods=["POST"]
    )
    bp.add_url_rule(
        "/prompts/<prompt_id>/generated",
        "to_generated",
        needs("editor")(to_generated),
        methods=["POST"],
    )
    # Ahead of the console's own checks, which read the whole upload (its CSRF token)
    bp.before_app_request(_one_upload_at_a_time)
    bp.teardown_app_request(_let_go)


def _one_upload_at_a_time() -> Any:
    """An upload waits its turn before its body is parsed: a second one at once is only
    read through (no parsing, no temporary file, no decoding) and refused, so two uploads
    never keep both of an instance's workers busy."""
    if request.endpoint != "console.new_take":
        return None
    turn = ExitStack()
    try:
        turn.enter_context(prompt_audio().one_take_at_a_time())
    except IvrError as e:
        # Read and let go of, not parsed nor saved: a browser cut off mid-upload shows a
        # network error, not why
        while request.stream.read(DISCARD_CHUNK):
            pass
        return _refused((request.view_args or {}).get("prompt_id", ""), str(e))
    g.upload_turn = turn
    return None


def _let_go(error: BaseException | None) -> None:
    turn: ExitStack | None = g.pop("upload_turn", None)
    if turn is not None:
        turn.close()


def _known(prompt_id: str) -> None:
    if prompt_id not in prompt_audio().menu.prompts:
        abort(404)


def listing() -> str:
    prompts = prompt_audio()
    held = store().held()
    rows = [
        {
            "number": number,
            "id": prompt_id,
            "words": words,
            "where": where_heard(prompts.menu, prompt_id),
            "status": prompts.status(prompt_id),
            "held": prompt_id in held,
        }
        for number, (prompt_id, words) in enumerate(prompts.menu.prompts.items(), 1)
    ]
    return render_template("console/prompts.html", rows=rows)


def prompt(prompt_id: str) -> str:
    _known(prompt_id)
    prompts = prompt_audio()
    current: Audio | None = prompts.current().get(prompt_id)
    takes = store().takes(prompt_id)
    held_id = request.args.get("held", "")
    held = next((t for t in takes if str(t.id) == held_id and not t.live), None)
    return render_template(
        "console/prompt.html",
        prompt_id=prompt_id,
        number=list(prompts.menu.prompts).index(prompt_id) + 1,
        words=prompts.menu.prompts[prompt_id],
        where=where_heard(prompts.menu, prompt_id),
        status=prompts.status(prompt_id),
        current=current,
        takes=takes,
        held=held,
        formats=", ".join(FORMATS),
        max_mb=MAX_BYTES // 2**20,
    )


def _wants_json() -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def new_take(prompt_id: str) -> Any:
    """An uploaded file or a browser recording: checked, then kept aside to listen to."""
    _known(prompt_id)
    upload = request.files.get("audio")
    prompts = prompt_audio()
    if upload is None or not upload.filename:
        message = "Choose a sound file first (or record one). Nothing has changed."
        return _refused(prompt_id, message)
    name = Path(upload.filename).name
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "upload"
            upload.save(source)
            take = prompts.hold(prompt_id, source, who(), name).row
    except IvrError as e:
        return _refused(prompt_id, str(e))
    finally:
        upload.close()
    refreshed()
    target = url_for("console.prompt", prompt_id=prompt_id, held=take.id, _anchor="listen")
    flash(f"{name} is ready: listen to it, then make it live.", "done")
    if _wants_json():
        return jsonify(next=target)
    return redirect(target)


def _refused(prompt_id: str, message: str) -> Any:
    if _wants_json():
        return jsonify(error=message), 400
    flash(f"Not saved: {message}", "error")
    return redirect(url_for("console.prompt", prompt_id=prompt_id))


def make_live(prompt_id: str) -> Response:
    _known(prompt_id)
    take_id = request.form.get("take", "")

    def change() -> None:
        if not take_id.isdigit() or store().make_live(prompt_id, int(take_id), who()) is None:
            raise IvrError(f"{prompt_id} has no take {take_id}")

    saved(change, f"Take {take_id} is live: the next call hears it.")
    return redirect(url_for("console.prompt", prompt_id=prompt_id))


def to_generated(prompt_id: str) -> Response:
    _known(prompt_id)

    def change() -> None:
        if not prompt_audio().revert(prompt_id, who()):
            raise IvrError(f"{prompt_id} already plays generated speech")

    saved(change, f"{prompt_id} is back to generated speech.")
    return redirect(url_for("console.prompt", prompt_id=prompt_id))
