"""Read menus.yaml into plain data, remembering the line of every key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from ivr.errors import IvrError
from ivr.menu.characters import UNSAFE, unsafe_character

Path_ = tuple[str, ...]
# libyaml's parser, where PyYAML was built with it: the same marks, about ten times faster
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The shipped menu is 7 kB and about 600 values: these are generous, and refuse quickly
# what would otherwise take minutes and gigabytes (a 286-byte alias bomb expands to
# billions of values)
MAX_BYTES = 1_000_000
MAX_VALUES = 50_000
MAX_DEPTH = 40
PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass(frozen=True)
class Problem:
    """One located problem in a menu file."""

    file: str
    line: int
    path: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        kind = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}: {where}{kind}{self.message}"


class MenuError(IvrError):
    """A menu file with errors; str() gives one located line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Source:
    """The data of a menu file, with the line and raw text of each value."""

    name: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    raw: dict[Path_, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line(self, path: Path_) -> int:
        """The line of path, or of its nearest parent that exists."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


def read_source(path: Path) -> Source:
    """Parse a menu file; syntax errors and duplicate keys become problems."""
    return parse_source(read_text(path), path.name)


def read_text(path: Path) -> str:
    """A menu file's text; MenuError if it cannot be read, is too big or is not UTF-8."""

    def refuse(reason: str) -> MenuError:
        return MenuError([Problem(path.name, 1, "", reason)])

    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise refuse(f"cannot read the file: {e.strerror or e}") from e
    if len(data) > MAX_BYTES:
        size = path.stat().st_size / 1_000_000
        raise refuse(f"the file is {size:.1f} MB: a menu file may be 1 MB at most")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise refuse("cannot read the file: not UTF-8 text") from e
    return text


def parse_source(text: str, name: str = "menus.yaml") -> Source:
    """Parse menu text; the result holds the data and any problems found."""
    source = Source(name, None)
    if len(text) > MAX_BYTES:
        source.problems.append(Problem(name, 1, "", "a menu file may be 1 MB at most"))
        return source
    # As written in the file (escapes such as "\x01" are checked once read, in _convert)
    control = UNSAFE.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        code = ord(control.group())
        kind = "control character" if code < 0xA0 else "character"
        msg = f"{kind} U+{code:04X} is not allowed (only plain text)"
        source.problems.append(Problem(name, line, "", msg))
        return source
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        problem = f"{e.problem}" if e.problem else "not valid YAML"
        source.problems.append(Problem(name, line, "", f"not valid YAML: {problem}"))
        return source
    except yaml.YAMLError as e:  # pragma: no cover - the scan above leaves only marked errors
        source.problems.append(Problem(name, 1, "", f"not valid YAML: {e}"))
        return source
    finally:
        loader.dispose()
    try:
        source.data = {} if node is None else _convert(node, (), source, loader, [0])
    except _TooBig as e:
        source.data = None
        source.problems.append(Problem(name, e.line, e.where, str(e)))
    if source.data is None and not source.problems:
        source.data = {}  # "null" or "~" alone: as empty as an empty file
    return source


# What a key may hold that no message should show as it is
_UNSHOWN = re.compile(f"{UNSAFE.pattern}|[\t\n\r]")


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


class _TooBig(Exception):
    def __init__(self, message: str, line: int, where: str) -> None:
        super().__init__(message)
        self.line, self.where = line, where


def _convert(node: yaml.Node, path: Path_, source: Source, loader: Any, count: list[int]) -> Any:
    count[0] += 1
    line = node.start_mark.line + 1
    if count[0] > MAX_VALUES:
        raise _TooBig(
            f"more than {MAX_VALUES} values (anchors and aliases expand to more than a menu "
            "could need)",
            line,
            ".".join(path),
        )
    if len(path) > MAX_DEPTH:
        raise _TooBig(f"nested more than {MAX_DEPTH} levels deep", line, ".".join(path))
    source.lines.setdefault(path, line)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in PLAIN_TAGS:
        msg = f"the tag {node.tag} is not allowed (only plain YAML is allowed)"
        source.problems.append(Problem(source.name, line, ".".join(path), msg))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            # Keys are taken as written: `1:` is the key "1", `no:` is "no", not False
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            if _UNSHOWN.search(key):
                # Named as it would be escaped, so every message about it stays on one line
                key = _UNSHOWN.sub(_escaped, key)
                problem = unsafe_character(key_node.value)
                if problem:  # (a tab or a line end is only shown escaped: no key has one)
                    line = key_node.start_mark.line + 1
                    source.problems.append(
                        Problem(source.name, line, ".".join((*path, key)), problem)
                    )
            child = (*path, key)
            if key in result:
                line = key_node.start_mark.line + 1
                where = ".".join(child)
                first = source.lines[child]
                msg = f"duplicate key (first given on line {first}; each key may appear once)"
                source.problems.append(Problem(source.name, line, where, msg))
                continue
            source.lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child, source, loader, count)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, str(i)), source, loader, count)
            for i, item in enumerate(node.value)
        ]
    if UNSAFE.search(node.value):
        # A character written as an escape ("\x01", "\u0000", "\e") is only there once
        # read: reported, and left out of the value, so nothing else is reported for it
        source.problems.append(
            Problem(source.name, line, ".".join(path), unsafe_character(node.value))
        )
        node.value = UNSAFE.sub("", node.value)
    source.raw[path] = node.value
    tag = node.tag.rpartition(":")[2]
    try:
        value = loader.construct_object(node)
    except ConstructorError as e:
        msg = f"{e.problem} (only plain YAML is allowed)"
    except (ValueError, OverflowError, TypeError) as e:
        # `2026-11-31` is read as a date and fails; `!!int abc` as a number
        msg = f"'{node.value}' is not a valid {_KINDS.get(tag, tag)} ({e})"
    except Exception:  # noqa: BLE001 - PyYAML's constructors fail in other ways too
        # `!!bool maybe` (a KeyError inside PyYAML), `!!timestamp nope` (AttributeError)
        msg = f"'{node.value}' is not a valid {_KINDS.get(tag, tag)}"
    else:
        if not isinstance(value, bytes):
            return value
        msg = f"the tag {node.tag} is not allowed (only plain YAML is allowed)"
    source.problems.append(Problem(source.name, line, ".".join(path), msg))
    return None


_KINDS = {"timestamp": "date", "int": "whole number", "float": "number", "bool": "true/false"}
