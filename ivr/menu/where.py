"""Where in a call each prompt is heard, in words staff use."""

from __future__ import annotations

from ivr.menu.model import Menu

FIXED = {
    "greeting": "first, by every caller, as the line answers",
    "repeat_hint": "after the first menu's options and languages",
    "hang_up": "at the end of the first menu",
    "no_input": "when a caller says and presses nothing",
    "invalid": "after a key or words the menu does not know",
    "after_retries": "after too many tries, before the 24/7 line",
    "goodbye": "at the end of a call that is not put through",
    "error": "if the line itself fails, before the 24/7 line",
    "numbers": "when nobody could be reached: the numbers to call",
    "fallback_numbers": "after a transfer that did not get through",
    "whisper.operator": "by the 24/7 line's staff, before they press 1",
}


def where_heard(menu: Menu, prompt_id: str) -> str:
    """'in the Derby City menu', 'before ringing Respect', 'by Respect's staff, ...'."""
    if prompt_id in FIXED:
        return FIXED[prompt_id]
    kind, _, rest = prompt_id.partition(".")
    if kind == "node" and rest in menu.nodes:
        node = menu.nodes[rest]
        return "the first menu" if rest == menu.settings.home else f"the menu '{node.title}'"
    if kind in ("connecting", "not_available") and rest in menu.helplines:
        name = menu.helplines[rest].name
        return f"before ringing {name}" if kind == "connecting" else f"when {name} cannot answer"
    if kind == "unavailable" and rest in menu.helplines:
        return f"when {menu.helplines[rest].name} is passed by as failing (the helpline watch)"
    if kind == "whisper":
        node_id, _, key = rest.rpartition(".")
        chosen_in = menu.nodes.get(node_id)
        if chosen_in is not None:
            title = chosen_in.title
            return f"by the helpline's staff, for a caller who chose {key} in '{title}'"
    return "in a call"
