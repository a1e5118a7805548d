"""The package's shape: imports point down through minimaxlab.layers.LAYERS, and no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

from minimaxlab.layers import LAYERS, layer_of

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "minimaxlab"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The package modules ``path`` imports anywhere in its body (function-local too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m in known}


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {m: imports_of(p, set(known)) - {m} for m, p in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_module_is_in_a_layer():
    for module in modules():
        layer_of(module)


def test_no_import_points_up_a_layer():
    upward = [
        f"{m} ({LAYERS[layer_of(m)][0]}) imports {t} ({LAYERS[layer_of(t)][0]})"
        for m, targets in import_graph().items()
        for t in sorted(targets)
        if layer_of(t) < layer_of(m)
    ]
    assert upward == []


def test_there_is_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_checks_catch_what_they_look_for():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert layer_of("minimaxlab.cli") < layer_of("minimaxlab.experiments.base")
    assert layer_of("minimaxlab.runs") == len(LAYERS) - 1


def test_docs_show_the_same_table():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for name, members, _ in LAYERS:
        row = f"| {name} | {', '.join(f'`{m}`' for m in members if m) or '—'}"
        assert row in text, f"docs/architecture.md lacks the row {row!r}"


LONGEST_FUNCTION = 60  # lines, def to last line: longer ones are split into named pieces
LONGEST_RUN = 40  # an experiment's run(config, context) reads as wiring
MIRRORED_FROM = 40  # a module of this many lines or more has tests/<same path>/test_<name>.py


def functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.lineno, node.end_lineno - node.lineno + 1


def test_no_function_is_longer_than_sixty_lines():
    long = [
        f"{module}:{line} {name} ({length} lines)"
        for module, path in modules().items()
        for name, line, length in functions(path)
        if length > LONGEST_FUNCTION
    ]
    assert long == []


def test_every_experiments_run_reads_as_wiring():
    long = [
        f"{module}.run ({length} lines)"
        for module, path in modules().items()
        if module.startswith("minimaxlab.experiments.")
        for name, _, length in functions(path)
        if name == "run" and length > LONGEST_RUN
    ]
    assert long == []


def test_tests_mirror_the_package_file_for_file():
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__init__.py" or len(path.read_text().splitlines()) < MIRRORED_FROM:
            continue
        relative = path.relative_to(PACKAGE)
        mirror = ROOT / "tests" / relative.parent / f"test_{relative.name}"
        if not mirror.is_file():
            missing.append(str(mirror.relative_to(ROOT)))
    assert missing == []
