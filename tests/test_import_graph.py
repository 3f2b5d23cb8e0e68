"""The compiler's modules depend on each other one way: no import cycle between them.

The graph is read from the source with `ast`, for every module under `compiler/apigwc` (the
runtime included): each `import` and `from ... import` names a module (`from pkg import sub`
names the submodule `pkg.sub` when there is one, else `pkg`). Three checks, so that a cycle
fails here before it shows up as an import-order bug:
- module-level imports (what runs when a module is imported) form no cycle between modules;
- neither do all imports together: an import inside a function is lazy to keep start-up light
  (`apigwc validate` runs in pre-commit hooks), never to hide a cycle, unless it is listed in
  `LAZY_CYCLES` with its reason (none today);
- the top-level packages (loader, ir, lowering, validation, emitters, export, importer,
  diagnostics, runtime) and modules (cli, serve, pipeline, codes) depend one way, counting every
  import (lazy ones and those under `TYPE_CHECKING` too: they are dependencies all the same).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "compiler" / "apigwc"
# Package-level cycles that must stay, each with its reason. None today.
ALLOWED: frozenset[frozenset[str]] = frozenset()
# Lazy imports (inside a function) that close a cycle, as (importer, imported): reason. None.
LAZY_CYCLES: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _statements(tree: ast.AST, lazy: bool) -> Iterator[ast.AST]:
    """Every node of `tree`; without `lazy`, none inside a function body."""
    for node in ast.iter_child_nodes(tree):
        if not lazy and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        yield node
        yield from _statements(node, lazy)


def _from_module(node: ast.ImportFrom, name: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = name.split(".") if is_package else name.split(".")[:-1]
    base = parts[: len(parts) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(path: Path, name: str, known: set[str], lazy: bool) -> set[str]:
    found: set[str] = set()
    for node in _statements(ast.parse(path.read_text(encoding="utf-8")), lazy):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _from_module(node, name, path.name == "__init__.py")
            for alias in node.names:
                found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module)
    return {m for m in found if m in known and m != name}


def module_graph(lazy: bool = True) -> dict[str, set[str]]:
    """Module -> the modules it imports (`lazy`: those inside functions too)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(paths)
    return {name: _imports(path, name, known, lazy) for name, path in paths.items()}


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


def test_no_import_cycle_between_the_compiler_modules_at_import_time() -> None:
    graph = module_graph(lazy=False)
    assert len(graph) > 100  # every module, the runtime's included
    assert cycles(graph) == []


def test_no_lazy_import_hides_a_cycle() -> None:
    graph = module_graph(lazy=True)
    for importer, imported in LAZY_CYCLES:
        graph[importer].discard(imported)
    assert cycles(graph) == []


def test_no_import_cycle_between_the_emitter_modules() -> None:
    modules = module_graph()
    emitters = {
        name: {t for t in targets if t.startswith("apigwc.emitters.")}
        for name, targets in modules.items()
        if name.startswith("apigwc.emitters.")
    }
    assert cycles(emitters) == []


def test_the_import_reader_sees_each_kind_of_import() -> None:
    """The graph holds the edges the checks rely on: a module-level import, a lazy one only in
    the lazy graph, `from pkg import submodule`, a relative import, one under TYPE_CHECKING."""
    eager, every = module_graph(lazy=False), module_graph(lazy=True)
    assert "apigwc.validation.security" in eager["apigwc.validation"]
    assert "apigwc.serve" in every["apigwc.cli"] and "apigwc.serve" not in eager["apigwc.cli"]
    assert "apigwc.diagnostics.catalogue" in eager["apigwc.diagnostics.sink"]
    assert "apigwc.diagnostics" not in eager["apigwc.diagnostics.sink"]
    assert "apigwc.runtime.pipeline.context" in eager["apigwc.runtime.server.http_protocol"]
    assert "apigwc.diagnostics.catalogue" in eager["apigwc.diagnostics.render"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check can fail: a two-package and a three-package cycle are reported."""
    graph = {"cli": {"serve"}, "serve": {"cli", "pipeline"}, "a": {"b"}, "b": {"c"}, "c": {"a"}}
    assert sorted(map(sorted, cycles(graph))) == [["a", "b", "c"], ["cli", "serve"]]
