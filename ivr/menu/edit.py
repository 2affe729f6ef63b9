"""Changes to a menu file's text that keep everything else in it (comments, order, layout)."""

from __future__ import annotations

import yaml

from ivr.menu.source import IvrError


def _block(key: str, words: str, indent: int) -> str:
    """`key: >-` and the words folded on lines of their own, at indent."""
    pad = " " * indent
    lines, line = [], ""
    for word in words.split():
        if line and len(pad) + 2 + len(line) + 1 + len(word) > 88:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    body = "".join(f"{pad}  {text}\n" for text in lines)
    return f"{pad}{key}: >-\n{body}"


def set_prompt_text(text: str, key: str, words: str) -> str:
    """The menu file with prompts.<key> set to words (added if it was not there)."""
    words = " ".join(words.split())
    if not words:
        raise IvrError(f"the words for '{key}' are empty: a caller would hear nothing")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise IvrError(f"the live menu could not be read ({e})") from e
    if not isinstance(root, yaml.MappingNode):
        raise IvrError("the live menu is not a mapping of sections")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for name, section in root.value:
        if name.value != "prompts":
            continue
        if not isinstance(section, yaml.MappingNode) or section.flow_style:
            raise IvrError("prompts: in the live menu is not a block of texts")
        for item_key, item_value in section.value:
            if item_key.value == key:
                start, indent = item_key.start_mark.line, item_key.start_mark.column
                end = item_value.end_mark.line + (1 if item_value.end_mark.column else 0)
                # Keep comments and blank lines after the value (they belong to what follows)
                while end > start + 1 and not lines[end - 1].strip():
                    end -= 1
                return "".join(lines[:start] + [_block(key, words, indent)] + lines[end:])
        indent = section.value[0][0].start_mark.column if section.value else 2
        at = name.start_mark.line + 1
        return "".join(lines[:at] + [_block(key, words, indent)] + lines[at:])
    return "".join(lines) + "\nprompts:\n" + _block(key, words, 2)
