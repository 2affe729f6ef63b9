"""Changes to a menu file's text that keep everything else in it (comments, order, layout)."""

from __future__ import annotations

import yaml

from ivr.errors import IvrError
from ivr.menu.characters import unsafe_character


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
    return set_text(text, ("prompts", key), words)


def set_text(text: str, path: tuple[str, ...], words: str) -> str:
    """The menu file with the text at path set to words, keeping everything else.

    A text that is not there yet is added beside the one it translates (`say.pl` after
    `say`), else at the end of its mapping; only the last mapping may be missing (a file
    without `prompts:` gets one).
    """
    words = " ".join(words.split())
    if not words:
        raise IvrError(f"the words for '{path[-1]}' are empty: a caller would hear nothing")
    problem = unsafe_character(words)
    if problem:
        raise IvrError(f"the words for '{path[-1]}': {problem}")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise IvrError(f"the live menu could not be read ({e})") from e
    if not isinstance(root, yaml.MappingNode):
        raise IvrError("the live menu is not a mapping of sections")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    node = root
    for depth, name in enumerate(path[:-1]):
        child = _item(node, name)
        if child is None:
            if depth < len(path) - 2:
                raise IvrError(f"{'.'.join(path[: depth + 1])} is not in the live menu")
            return "".join(lines) + f"\n{name}:\n" + _block(path[-1], words, 2)
        if not isinstance(child[1], yaml.MappingNode) or child[1].flow_style:
            raise IvrError(f"{'.'.join(path[: depth + 1])}: in the live menu is not a block")
        node = child[1]
    key = path[-1]
    found = _item(node, key)
    if found is not None:
        item_key, item_value = found
        start, indent = item_key.start_mark.line, item_key.start_mark.column
        return "".join(lines[:start] + [_block(key, words, indent)] + lines[_end(lines, found) :])
    beside = _item(node, key.rpartition(".")[0]) if "." in key else None
    last = beside or node.value[-1]  # a block mapping has at least one item
    indent = last[0].start_mark.column
    at = _end(lines, last)
    return "".join(lines[:at] + [_block(key, words, indent)] + lines[at:])


def _item(node: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(((k, v) for k, v in node.value if str(k.value) == name), None)


def _end(lines: list[str], item: tuple[yaml.Node, yaml.Node]) -> int:
    """The line after an item's value; comments and blank lines after it are kept for
    what follows."""
    start = item[0].start_mark.line
    end = item[1].end_mark.line + (1 if item[1].end_mark.column else 0)
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end
