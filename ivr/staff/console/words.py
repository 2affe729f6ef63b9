"""Words: change what a prompt says. A menu change: checked, previewed as speech, published.

The fixed texts (greeting, "connecting you to {name}", ...) are the menu file's
`prompts:`; a change here is written into the live menu's text, keeping the rest of it,
and goes through every check `ivr check` makes before it can be published.
"""

from __future__ import annotations

import base64
import difflib
import tempfile
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from ivr.audio.tts import speaker_for, to_telephony
from ivr.menu.check import COMMON, PLACEHOLDERS
from ivr.menu.edit import set_prompt_text
from ivr.menu.model import DEFAULT_PROMPTS, Menu
from ivr.menu.source import IvrError, MenuError
from ivr.staff.console.web import live_menu, needs, publish_menu, saved, store
from ivr.staff.publish import checked

PREVIEW_CHARACTERS = 600

# Which prompt shows a fixed text filled in, for the preview
EXAMPLE = {"option": "node.main", "whisper": "whisper.operator", "closed": ""}


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/words", "words", needs("viewer")(listing))
    bp.add_url_rule("/words/<key>", "word", needs("editor")(word), methods=["GET", "POST"])
    bp.add_url_rule(
        "/words/<key>/publish", "publish_word", needs("admin")(publish_word), methods=["POST"]
    )


def live_text() -> str:
    """The live menu's file: the newest published version, else the repository's."""
    version = store().menu()
    if version is not None:
        return version.text
    return Path(current_app.config["IVR_MENU"]).read_text(encoding="utf-8")


def _allowed(key: str, menu: Menu) -> list[str]:
    return [*COMMON, *PLACEHOLDERS.get(key, ()), *menu.helplines]


def _example(key: str, menu: Menu) -> str:
    """One prompt as a caller hears it with these words."""
    prompt_id = EXAMPLE.get(key, key)
    if not prompt_id:
        return ""
    if prompt_id in menu.prompts:
        return menu.prompts[prompt_id]
    helpline = next((h for h in menu.helplines.values() if h.dial), None)
    if helpline and f"{key}.{helpline.id}" in menu.prompts:
        return menu.prompts[f"{key}.{helpline.id}"]
    return ""


def listing() -> str:
    menu = live_menu()
    rows = [(key, menu.composer.texts.get(key, DEFAULT_PROMPTS[key])) for key in DEFAULT_PROMPTS]
    return render_template("console/words.html", rows=rows)


def word(key: str) -> Any:
    """The form; posted, the change checked and shown (heard, and as a difference)."""
    if key not in DEFAULT_PROMPTS:
        abort(404)
    menu = live_menu()
    current = menu.composer.texts.get(key, DEFAULT_PROMPTS[key])
    words = request.form.get("words", current) if request.method == "POST" else current
    context: dict[str, Any] = {
        "key": key,
        "words": words,
        "current": current,
        "allowed": _allowed(key, menu),
        "example": _example(key, menu),
        "checked": False,
        "problems": [],
        "diff": "",
        "audio": "",
        "no_audio": "",
    }
    if request.method == "POST":
        context["checked"] = True
        old = live_text()
        try:
            new = set_prompt_text(old, key, words)
            changed = checked(new, "the menu with these words")
            context["example"] = _example(key, changed)
            if context["example"]:
                context["audio"], context["no_audio"] = heard(context["example"])
            context["diff"] = "".join(
                difflib.unified_diff(
                    old.splitlines(True), new.splitlines(True), "live", "with these words"
                )
            )
        except MenuError as e:
            context["problems"] = [str(p) for p in e.problems]
        except IvrError as e:
            context["problems"] = [str(e)]
    return render_template("console/word.html", **context)


def publish_word(key: str) -> Response:
    if key not in DEFAULT_PROMPTS:
        abort(404)
    words = request.form.get("words", "")

    def change() -> None:
        publish_menu(
            set_prompt_text(live_text(), key, words),
            "the menu with these words",
            f"words of '{key}'",
        )

    ok = saved(change, f"Published: callers hear the new words of '{key}' within seconds.")
    return redirect(url_for("console.words" if ok else "console.word", key=key))


def heard(text: str) -> tuple[str, str]:
    """Generated speech of text as a data: URL for the page's player (not stored), or
    ("", why not)."""
    text = " ".join(text.split())[:PREVIEW_CHARACTERS]
    settings = live_menu().settings
    with tempfile.TemporaryDirectory(prefix="ivr-preview-") as tmp:
        raw, wav = Path(tmp) / "speech.wav", Path(tmp) / "telephony.wav"
        try:
            speaker = speaker_for(settings)
            speaker.synthesise(text, raw)
            to_telephony(raw, wav, speaker)
        except IvrError as e:
            return "", str(e)
        data = base64.b64encode(wav.read_bytes()).decode()
    return f"data:audio/wav;base64,{data}", ""
