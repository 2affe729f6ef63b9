"""Read menus.yaml into plain data, remembering the line of every key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str, ...]
# libyaml's parser, where PyYAML was built with it: the same marks, about ten times faster
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class IvrError(Exception):
    """An expected problem, reported to the user without a traceback."""


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
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        raise MenuError([Problem(path.name, 1, "", f"cannot read the file: {reason}")]) from e
    return parse_source(text, path.name)


def parse_source(text: str, name: str = "menus.yaml") -> Source:
    """Parse menu text; the result holds the data and any problems found."""
    source = Source(name, None)
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        problem = f"{e.problem}" if e.problem else "not valid YAML"
        source.problems.append(Problem(name, line, "", f"not valid YAML: {problem}"))
        return source
    finally:
        loader.dispose()
    source.data = {} if node is None else _convert(node, (), source, loader)
    return source


def _convert(node: yaml.Node, path: Path_, source: Source, loader: Any) -> Any:
    source.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            # Keys are taken as written: `1:` is the key "1", `no:` is "no", not False
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            child = (*path, key)
            if key in result:
                line = key_node.start_mark.line + 1
                where = ".".join(child)
                first = source.lines[child]
                msg = f"duplicate key (first given on line {first}; each key may appear once)"
                source.problems.append(Problem(source.name, line, where, msg))
                continue
            source.lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child, source, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, str(i)), source, loader) for i, item in enumerate(node.value)
        ]
    source.raw[path] = node.value
    try:
        return loader.construct_object(node)
    except yaml.constructor.ConstructorError as e:
        where = ".".join(path)
        msg = f"{e.problem} (only plain YAML is allowed)"
        source.problems.append(Problem(source.name, node.start_mark.line + 1, where, msg))
        return None
