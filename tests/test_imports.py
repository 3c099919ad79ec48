"""No import circle inside ``kpisheet/``.

The graph is read from the source with :mod:`ast`, not by importing: an edge ``a -> b`` is any
``import``/``from ... import`` in module ``a`` that names module ``b`` of the package, wherever it
stands, **function-local imports included** (a circle that only closes at call time is still a
circle: each side must know the other to be understood or moved). ``from .x import y`` is an edge
to ``x.y`` when ``y`` is a module, else to ``x``. Two kinds of import do not count:

- those inside ``if TYPE_CHECKING:``: they never run, and naming a type for a checker is how a
  module types a caller without importing it;
- the implicit import of a module's parent packages (``kpisheet.engine`` before
  ``kpisheet.engine.core``): a package's ``__init__`` importing its own modules is not a circle.

Imports by name at run time (``importlib.import_module``) are not seen. The package has three,
none closing a circle: the ribbon loads the add-in's function module (``excel/udfs.py``,
which does not import the ribbon), ``recalc/xlfuncs/__init__.py`` loads its own families, and
:mod:`kpisheet.lazy` lets a package (``kpisheet``, ``expr``, ``sources``, ``warehouse``) import
one of its own modules when a name of it is first asked.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kpisheet"


def _modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of the nodes inside ``if TYPE_CHECKING:`` (not its ``else``)."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                    isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
                hidden.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return hidden


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (see the module docstring)."""
    modules = _modules(root)
    top = root.name

    def owner(name: str) -> str:
        while name not in modules:  # an attribute of a module: the module
            name = name.rsplit(".", 1)[0]
        return name

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        hidden = _type_checking_only(tree)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        edges: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            if isinstance(node, ast.Import):
                edges.update(owner(a.name) for a in node.names if a.name.split(".")[0] == top)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                if base.split(".")[0] != top:
                    continue
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    edges.add(full if full in modules else owner(base))
        edges.discard(module)
        graph[module] = edges
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_inside_the_package() -> None:
    graph = import_graph()
    assert "kpisheet.engine.core" in graph and "kpisheet.engine.accounts" in graph["kpisheet.engine.core"]
    found = circles(graph)
    assert found == [], "\n".join(
        " <-> ".join(c) + ": " + "; ".join(f"{m} imports {sorted(graph[m] & set(c))}" for m in c) for c in found)


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize("a, b, circle", [
    # top-level relative imports both ways
    ("from . import b\n", "from .a import x\n", True),
    # one side imports only inside a function: still a circle
    ("from .b import y\n", "def f():\n    from .a import x\n", True),
    # one side imports only for the type checker: not a circle
    ("from .b import y\n", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import x\n", False),
    # absolute imports count as relative ones do
    ("import pkg.b\n", "from pkg import a\n", True),
    ("from .b import y\n", "import os\n", False),
])
def test_the_graph_finds_what_it_should(tmp_path: Path, a: str, b: str, circle: bool) -> None:
    root = _package(tmp_path, {"__init__.py": "from . import a\n", "a.py": a, "b.py": b})
    assert bool(circles(import_graph(root))) is circle
