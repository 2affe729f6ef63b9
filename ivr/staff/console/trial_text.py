"""Try the text line: a text conversation in the browser, on the live menu or a draft.

The same engine as `ivr simulate --sms`: signed texts to the real app, the
conversation's cookie sent back as Twilio sends it. The page holds the texts sent so
far and sends them all again with each new one, so nothing is kept on the server.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from ivr.errors import IvrError
from ivr.menu.source import MenuError
from ivr.simulate_text import Reply, Texter
from ivr.staff.console.drafts import draft_line
from ivr.staff.console.web import needs

MAX_TEXTS = 40
MAX_LENGTH = 160  # a text of one SMS


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/try/text", "trial_text", needs("viewer")(page), methods=["GET", "POST"])


def _texts(text: str) -> list[str]:
    """The page's record of texts sent: one per line."""
    return [line.strip()[:MAX_LENGTH] for line in text.splitlines()[:MAX_TEXTS] if line.strip()]


def page() -> Any:
    form = request.form
    texts = [] if form.get("restart") else _texts(form.get("texts", ""))
    sent = " ".join(form.get("text", "").split())[:MAX_LENGTH]
    if sent and not form.get("restart") and len(texts) < MAX_TEXTS:
        texts.append(sent)
    draft = form.get("draft", "").replace("\r\n", "\n")
    problems: list[str] = []
    replies: list[Reply] = []
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        on = draft_line(draft) if draft.strip() else None
        replies = Texter(app, trial=True, line=on).conversation(texts)
    except MenuError as e:
        problems = [str(p) for p in e.problems]
    except IvrError as e:
        problems = [str(e)]
    return render_template(
        "console/try_text.html",
        texts="\n".join(texts),
        replies=replies,
        draft=draft,
        problems=problems,
        most=MAX_LENGTH,
    )
