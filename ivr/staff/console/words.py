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
from ivr.errors import IvrError
from ivr.menu.edit import set_text
from ivr.menu.model import Menu, Settings
from ivr.menu.source import MenuError
from ivr.menu.texts import COMMON
from ivr.menu.translations import Text, find_reviewed, reviewed, texts
from ivr.staff.console.times import caller_times
from ivr.staff.console.web import live_menu, needs, publish_menu, saved, store
from ivr.staff.publish import checked
from ivr.store.reviews import Reviews

PREVIEW_CHARACTERS = 600

# Which prompt shows a fixed text filled in, for the preview
EXAMPLE = {"option": "node.main", "whisper": "whisper.operator", "closed": ""}


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/words", "words", needs("viewer")(listing))
    bp.add_url_rule("/words/<path:key>", "word", needs("editor")(word), methods=["GET", "POST"])
    bp.add_url_rule(
        "/words/<path:key>/publish", "publish_word", needs("admin")(publish_word), methods=["POST"]
    )


def newest_text() -> str:
    """The text the next version is made from: the newest published version, else the
    repository's. (The line runs the newest that passes today's checks: ivr.line.)"""
    version = store().menu()
    if version is not None:
        return version.text
    return Path(current_app.config["IVR_MENU"]).read_text(encoding="utf-8")


def example_of(text: Text, code: str, menu: Menu) -> str:
    """One prompt as a caller hears it with these words, in the text's language."""
    spoken = menu.speaking(code)
    section, *rest = text.path
    if section == "helplines":
        prompt_id = f"connecting.{rest[0]}"
    elif section == "menus":
        prompt_id = f"node.{rest[0]}"
    else:
        prompt_id = EXAMPLE.get(text.what, text.what)
    if not prompt_id:
        return ""
    if prompt_id in spoken.prompts:
        return spoken.prompts[prompt_id]
    helpline = next((h for h in spoken.helplines.values() if h.dial), None)
    if helpline and f"{prompt_id}.{helpline.id}" in spoken.prompts:
        return spoken.prompts[f"{prompt_id}.{helpline.id}"]
    return ""


def _language_choices(menu: Menu) -> list[tuple[str, str]]:
    return [("", "English")] + [(c, lang.native) for c, lang in menu.languages.items()]


def listing() -> str:
    menu = live_menu()
    code = request.args.get("language", "")
    if code and code not in menu.languages:
        abort(404)
    return render_template(
        "console/words.html",
        rows=reviewed(menu, code, Reviews(store()).confirmations()) if code else texts(menu),
        code=code,
        language=menu.languages.get(code),
        choices=_language_choices(menu),
    )


def _text(key: str) -> tuple[str, Text]:
    found = find_reviewed(live_menu(), key, Reviews(store()).confirmations())
    if found is None:
        abort(404)
    return found


def word(key: str) -> Any:
    """The form; posted, the change checked and shown (heard, and as a difference)."""
    menu = live_menu()
    code, text = _text(key)
    current = text.words
    proposals = [p for p in Reviews(store()).proposals(text.name) if p.words != current]
    chosen = next((p for p in proposals if str(p.id) == request.args.get("proposal")), None)
    current_or_proposed = chosen.words if chosen else current
    words = request.form.get("words", current) if request.method == "POST" else current_or_proposed
    context: dict[str, Any] = {
        "key": key,
        "text": text,
        "code": code,
        "language": menu.languages.get(code),
        "words": words,
        "current": current,
        "allowed": [*COMMON, *text.placeholders, *menu.helplines],
        "example": example_of(text, code, menu),
        "checked": False,
        "problems": [],
        "diff": "",
        "audio": "",
        "no_audio": "",
        "times": [],
        "proposals": proposals,
    }
    if request.method == "POST":
        context["checked"] = True
        old = newest_text()
        try:
            new = set_text(old, text.path, words)
            changed = checked(new, "the menu with these words")
            context["times"] = caller_times(changed)
            context["example"] = example_of(text, code, changed)
            if context["example"]:
                voice = changed.speaking(code).settings
                context["audio"], context["no_audio"] = preview_audio(context["example"], voice)
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
    code, text = _text(key)
    words = request.form.get("words", "")

    def change() -> None:
        # Made from the newest version: if another is published meanwhile, a conflict
        version = store().menu()
        publish_menu(
            set_text(version.text if version else newest_text(), text.path, words),
            "the menu with these words",
            f"words of '{text.name}'",
            based_on=version.number if version else 0,
        )

    ok = saved(change, f"Published: callers hear the new words of '{text.name}' within seconds.")
    if ok:
        return redirect(url_for("console.words", language=code or None))
    return redirect(url_for("console.word", key=key))


def preview_audio(text: str, settings: Settings | None = None) -> tuple[str, str]:
    """Generated speech of text (in the voice of settings: the live menu's English by
    default) as a data: URL for the page's player (not stored), or ("", why not)."""
    text = " ".join(text.split())[:PREVIEW_CHARACTERS]
    settings = settings or live_menu().settings
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
