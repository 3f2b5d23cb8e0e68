"""The compiler's packages depend on each other one way: no import cycle between them.

The graph is read from the source (every `import` and `from ... import`, including those inside
functions and under `TYPE_CHECKING`: a lazy import is still a dependency), so a cycle fails here
before it shows up as an import-order bug. Nodes are the top-level subpackages of `apigwc`
(loader, ir, lowering, validation, emitters, export, importer, diagnostics, runtime) and its
top-level modules (cli, serve, pipeline, codes, ...). Inside `emitters`, modules form no cycle
either (the template parts take a `Protocol`, not the builder that imports them).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "compiler" / "apigwc"
# Package-level cycles that must stay, each with its reason. None today.
ALLOWED: frozenset[frozenset[str]] = frozenset()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, name: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[: len(name.split(".")) - node.level + 1]
                if path.name != "__init__.py":
                    base = name.split(".")[: len(name.split(".")) - node.level]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def module_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {
        name: {t for t in _imports(path, name) if t in paths and t != name}
        for name, path in paths.items()
    }


def _node(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "apigwc"


def package_graph(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for source, targets in modules.items():
        graph.setdefault(_node(source), set()).update(
            _node(t) for t in targets if _node(t) != _node(source)
        )
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(iter(children), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_no_import_cycle_between_the_compiler_packages() -> None:
    graph = package_graph(module_graph())
    assert {"loader", "ir", "lowering", "validation", "emitters", "diagnostics", "cli"} <= set(
        graph
    )
    assert [c for c in cycles(graph) if c not in ALLOWED] == []


def test_no_import_cycle_between_the_emitter_modules() -> None:
    modules = module_graph()
    emitters = {
        name: {t for t in targets if t.startswith("apigwc.emitters.")}
        for name, targets in modules.items()
        if name.startswith("apigwc.emitters.")
    }
    assert cycles(emitters) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check can fail: a two-package and a three-package cycle are reported."""
    graph = {"cli": {"serve"}, "serve": {"cli", "pipeline"}, "a": {"b"}, "b": {"c"}, "c": {"a"}}
    assert sorted(map(sorted, cycles(graph))) == [["a", "b", "c"], ["cli", "serve"]]
