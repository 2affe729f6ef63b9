"""The import graph of ivr/: no cycle, and no arrow running up the floors.

Each package's docstring says what it may import; ALLOWED below is the same, checked
against every import the code makes at run time (imports only a type checker reads,
under `if TYPE_CHECKING:`, are not arrows). A new arrow is a decision: make it here and in
the package's docstring, or pass what is needed down from the floor above (a draft menu is
tried on a line of its own, ivr.line, never on an app: the console does not import the
app).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

IVR = Path(__file__).resolve().parent.parent / "ivr"

_BOTTOM = {"ivr.errors", "ivr.paths", "ivr.logs"}
# From the bottom floor up; each may import those listed (and itself)
ALLOWED: dict[str, set[str]] = {
    "ivr.errors": set(),
    "ivr.paths": set(),
    "ivr.logs": set(),
    "ivr.menu": {"ivr.errors"},
    "ivr.store": {"ivr.menu", "ivr.errors", "ivr.paths"},
    "ivr.fetch": {"ivr.errors"},
    "ivr.audio": {"ivr.menu", "ivr.store"} | _BOTTOM,
    "ivr.published": {"ivr.menu", "ivr.store"} | _BOTTOM,
    "ivr.call": {"ivr.menu", "ivr.audio", "ivr.store"} | _BOTTOM,
    # What callers hear now: the menu, its renderer and the store's snapshot, in one place
    "ivr.line": {"ivr.menu", "ivr.audio", "ivr.call", "ivr.store", "ivr.published"} | _BOTTOM,
    "ivr.report": {"ivr.menu", "ivr.call", "ivr.store"} | _BOTTOM,
    "ivr.simulate": {"ivr.menu", "ivr.audio", "ivr.call"} | _BOTTOM,
    "ivr.simulate_text": {"ivr.menu", "ivr.call", "ivr.simulate"} | _BOTTOM,
    "ivr.staff": {
        "ivr.menu",
        "ivr.audio",
        "ivr.call",
        "ivr.store",
        "ivr.fetch",
        "ivr.published",
        "ivr.line",
        "ivr.report",
        "ivr.simulate",
        "ivr.simulate_text",
    }
    | _BOTTOM,  # fmt: skip
    "ivr.app": {
        "ivr.menu",
        "ivr.audio",
        "ivr.call",
        "ivr.store",
        "ivr.fetch",
        "ivr.published",
        "ivr.line",
        "ivr.report",
        "ivr.staff",
    }
    | _BOTTOM,  # fmt: skip
    # The package's create_app loads the app only when called
    "ivr": {"ivr.app", "ivr.errors"},
}
# Nothing imports the command line; it may import every floor
ALLOWED["ivr.commands"] = set(ALLOWED)


@dataclass(frozen=True)
class Arrow:
    source: str  # the importing module
    target: str  # the imported module
    where: str  # file:line

    @property
    def floors(self) -> tuple[str, str]:
        return floor(self.source), floor(self.target)


def module_name(path: Path) -> str:
    parts = path.relative_to(IVR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in IVR.rglob("*.py")}


def floor(module: str) -> str:
    """ivr.call.twiml -> ivr.call; ivr.app -> ivr.app; ivr -> ivr."""
    return ".".join(module.split(".")[:2])


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except what sits under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in {
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        }:
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def arrows() -> Iterator[Arrow]:
    for module, path in sorted(MODULES.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _runtime_nodes(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    whole = f"{node.module}.{alias.name}"
                    targets.append(whole if whole in MODULES else node.module)
            for target in targets:
                if target.split(".")[0] == "ivr" and target != module:
                    yield Arrow(module, target, f"{path.relative_to(IVR.parent)}:{node.lineno}")


def test_every_floor_is_known() -> None:
    unknown = sorted({floor(m) for m in MODULES} - set(ALLOWED))
    assert unknown == [], "add each new floor to ALLOWED, with what it may import"


def test_no_arrow_runs_up_a_floor() -> None:
    wrong = [
        f"{a.where}: {a.source} imports {a.target}"
        for a in arrows()
        if a.floors[0] != a.floors[1] and a.floors[1] not in ALLOWED[a.floors[0]]
    ]
    assert wrong == []


def test_no_module_imports_itself_round_again() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for a in arrows():
        graph[a.source].add(a.target if a.target in MODULES else floor(a.target))
    cycles = [cycle for cycle in _cycles(graph)]
    assert cycles == []


def _cycles(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """Each strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(v: str) -> Iterator[list[str]]:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                yield from visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                yield sorted(group)

    for v in sorted(graph):
        if v not in index:
            yield from visit(v)


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """The walk sees a function's own import and skips a type checker's."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ivr.app import build_app\n"
        "def f():\n    from ivr.commands import main\n"
    )
    found = [
        ast.unparse(n) for n in _runtime_nodes(ast.parse(source)) if isinstance(n, ast.ImportFrom)
    ]
    assert found == ["from typing import TYPE_CHECKING", "from ivr.commands import main"]
    assert list(_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})) == [["a", "b", "c"]]


def test_tests_import_helpers_never_each_other_or_bench() -> None:
    """What tests share lives in tests/helpers; a test module is nobody's library."""
    tests = IVR.parent / "tests"
    wrong = []
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                # (test_docs reads conftest's marker lists, which are the suite's settings)
                if parts[0] == "bench" or (
                    parts[0] == "tests" and parts[1:2] not in (["helpers"], ["conftest"])
                ):
                    wrong.append(f"{path.relative_to(tests.parent)}:{node.lineno}: {name}")
    assert wrong == []
