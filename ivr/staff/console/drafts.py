"""Draft menus tried on the Try pages (a call and a text conversation): a line on the
draft beside the live one (ivr.line.DraftLine), checked as a menu to publish is, never
published; the last few kept by the live line they were made beside, by their text's hash
(a trial replays the call with each key)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from flask import current_app

from ivr.line import DraftLine
from ivr.staff.console.web import line

KEPT = 4


def draft_line(text: str) -> DraftLine:
    """A line on the draft menu (MenuError, located, if it does not pass the checks)."""
    key = hashlib.sha256(text.encode()).hexdigest()
    live = line()
    drafts: OrderedDict[str, DraftLine] = current_app.extensions.setdefault(
        "ivr.drafts", OrderedDict()
    )
    found = drafts.get(key)
    if found is not None and found.live is live:
        drafts.move_to_end(key)
        return found
    drafts[key] = made = live.draft(text, "draft")
    while len(drafts) > KEPT:
        drafts.popitem(last=False)
    return made
