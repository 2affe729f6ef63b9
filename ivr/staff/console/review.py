"""Review: a fluent speaker checks their language's texts, one by one.

A reviewer sees each text beside its English, hears it as callers do, and either confirms
it or proposes new words, which an editor checks on the Words page and an admin publishes.
The rules (who may confirm what, what a proposal may say) are the Reviews service's; this
page parses, calls it and reports.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ivr.errors import IvrError
from ivr.menu.edit import set_text
from ivr.menu.source import MenuError
from ivr.menu.translations import Text, find, find_reviewed, progress, reviewed, text_sha256
from ivr.staff.console.web import live_menu, me, needs, saved, store, who
from ivr.staff.console.words import example_of, newest_text, preview_audio
from ivr.staff.publish import checked
from ivr.store.reviews import Reviews


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/review", "review", needs("reviewer")(languages))
    bp.add_url_rule("/review/<path:key>", "review_text", needs("reviewer")(one_text))
    bp.add_url_rule(
        "/review/<path:key>/confirm", "confirm_text", needs("reviewer")(confirm), methods=["POST"]
    )
    bp.add_url_rule(
        "/review/<path:key>/propose", "propose_text", needs("reviewer")(propose), methods=["POST"]
    )
    bp.add_url_rule(
        "/proposals/<int:proposal_id>/dismiss",
        "dismiss_proposal",
        needs("editor")(dismiss),
        methods=["POST"],
    )


def reviews() -> Reviews:
    return Reviews(store())


def languages() -> str:
    """Each language's progress; with ?language=, its texts beside their English."""
    menu = live_menu()
    code = request.args.get("language", "")
    if code and code not in menu.languages:
        abort(404)
    service = reviews()
    confirmations = service.confirmations()
    rows = reviewed(menu, code, confirmations) if code else []
    waiting = {p.name for p in service.proposals()}
    return render_template(
        "console/review.html",
        code=code,
        language=menu.languages.get(code),
        languages=menu.languages,
        progress=progress(menu, confirmations),
        rows=rows,
        waiting=waiting,
        mine=me().languages,
    )


def _text(key: str) -> tuple[str, Text]:
    found = find_reviewed(live_menu(), key, reviews().confirmations())
    if found is None or not found[0]:
        abort(404)  # English texts are not reviewed: they are the source
    return found


def one_text(key: str, proposed: str = "", problems: list[str] | None = None) -> str:
    """One text: its English, its words, how it sounds, and the reviewer's two answers."""
    menu = live_menu()
    code, text = _text(key)
    example = example_of(text, code, menu)
    audio, no_audio = preview_audio(example, menu.speaking(code).settings) if example else ("", "")
    context: dict[str, Any] = {
        "key": key,
        "text": text,
        "code": code,
        "language": menu.languages[code],
        "example": example,
        "audio": audio,
        "no_audio": no_audio,
        "proposals": [p for p in reviews().proposals(text.name) if p.words != text.words],
        "may_review": me().reviews(code),
        "proposed": proposed,
        "problems": problems or [],
        "seen": text_sha256(text),
    }
    return render_template("console/review_text.html", **context)


def confirm(key: str) -> Response:
    code, text = _text(key)
    seen = request.form.get("seen", "")
    if saved(lambda: reviews().confirm(me(), code, text, seen), f"Confirmed: '{text.what}'."):
        return redirect(url_for("console.review", language=code))
    return redirect(url_for("console.review_text", key=key))


def propose(key: str) -> Any:
    """New words, checked as the menu would check them, then kept for an editor."""
    code, text = _text(key)
    words = request.form.get("words", "")
    try:
        reviews().check_reviewer(me(), code)
        checked(set_text(newest_text(), text.path, words), "the menu with these words")
    except MenuError as e:
        return one_text(key, words, [str(p) for p in e.problems]), 422
    except IvrError as e:
        return one_text(key, words, [str(e)]), 422
    done = f"Proposed: an editor will see your words for '{text.what}'."
    if saved(lambda: reviews().propose(me(), code, text, words), done):
        return redirect(url_for("console.review", language=code))
    return redirect(url_for("console.review_text", key=key))


def dismiss(proposal_id: int) -> Response:
    back = request.form.get("key", "")
    saved(
        lambda: reviews().dismiss(proposal_id, who()),
        lambda dismissed: (
            "The proposal was set aside."
            if dismissed
            else "That proposal had been set aside already."
        ),
    )
    if back and find(live_menu(), back) is not None:
        return redirect(url_for("console.word", key=back))
    return redirect(url_for("console.review"))
