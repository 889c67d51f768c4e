"""The rooms of the code: every import points down, and no two modules import each other.

Each module of gates/ and graph/ has a room (README, "Where things live"). A module may import
modules of its own room or of rooms below it, never above; imports inside functions count
too, since they run as surely as the ones at the top. The front door (`gates` itself and the
commands gates.trace, gates.check, gates.front) sits above everything: it may reach up into
graph/, and nothing below imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FRONT_DOOR = {"gates", "gates.trace", "gates.check", "gates.front", "gates.grade"}
ROOMS = {  # room number: what it holds (modules not named here are matched by prefix below)
    1: "the local rules: gates, shape arithmetic, notation, refusals, the gradient-check oracle",
    2: "the engine: nodes, forward, backward, step; builders of graphs",
    3: "the fast training path, and checks that run a graph",
    4: "observing: the tracer, the watch of users' numpy code",
    5: "teaching and pictures: formatting only; the public Graph with its views",
    6: "the command-line programs",
    10: "the front door of gates: `import gates` and its commands",
}
GRAPH_ROOMS = {
    "graph.engine": 2, "graph.tables": 2, "graph.guards": 2, "graph.builders": 2, "graph.spec": 2,
    "graph.training": 3, "graph.kernels": 3, "graph.gradcheck": 3,
    "graph.tracer": 4, "graph.watch": 4,
}


def room(module: str) -> int:
    if module in FRONT_DOOR:
        return 10
    if module.startswith("gates."):
        return 1
    if module.startswith("graph.commands"):
        return 6
    if module in GRAPH_ROOMS:
        return GRAPH_ROOMS[module]
    if module.startswith("graph.watch_") and not module.endswith("_view"):
        return 4
    return 5  # walkthrough, render*, quiz, summary, diagram, plot, failure, files, views, and
    # graph.graph (the public Graph) with the package that re-exports it


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in ("gates", "graph") for p in (ROOT / package).rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """Every project module `name` imports, anywhere in the file, with the line number."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import sub` imports the submodule when there is one, else the package.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        found += [(t, node.lineno) for t in targets if t in known or t.split(".")[0] in ("rich",)]
    return found


def edges() -> dict[str, list[tuple[str, int]]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def test_every_module_has_a_known_room():
    for name in project_modules():
        assert room(name) in ROOMS, name


def test_imports_point_down():
    wrong = sorted({f"{name}:{line} (room {room(name)}) imports {target} (room {room(target)})"
                    for name, targets in edges().items() for target, line in targets
                    if not target.startswith("rich") and room(target) > room(name)})
    assert not wrong, "imports that point up:\n" + "\n".join(wrong)


def test_the_local_rules_and_the_engine_import_no_rich():
    wrong = [f"{name}:{line} imports {target}" for name, targets in edges().items()
             for target, line in targets if target.startswith("rich") and room(name) <= 2]
    assert not wrong, "\n".join(wrong)


def test_there_is_no_import_cycle():
    graph = {name: sorted({t for t, _ in targets if not t.startswith("rich") and t != name})
             for name, targets in edges().items()}
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = "open"
        path.append(name)
        for target in graph.get(name, []):
            if state.get(target) == "open":
                cycle = path[path.index(target):] + [target]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_the_checker_finds_an_upward_import(tmp_path):
    """The test above can fail: an import inside a function of a room-1 module is seen."""
    source = tmp_path / "probe.py"
    source.write_text("def f():\n    from graph.render import render\n", encoding="utf-8")
    found = imports_of("gates.probe", source, {"graph.render"})
    assert found == [("graph.render", 2)]
    assert room("graph.render") > room("gates.probe")
