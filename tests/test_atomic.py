"""Every file kpisheet writes goes through :func:`kpisheet.atomic.write_atomic` (DESIGN: one
``write_atomic`` for every writer); its own behaviour is tested in tests/hostile/test_units.py."""

from __future__ import annotations

import ast
from pathlib import Path

import kpisheet

PACKAGE = Path(kpisheet.__file__).resolve().parent
WRITE_METHODS = {"write_text", "write_bytes", "touch"}  # Path's
WRITE_FUNCTIONS = {("os", "replace"), ("os", "rename"), ("shutil", "copy"), ("shutil", "copyfile"),
                   ("shutil", "copy2"), ("shutil", "move"), ("tempfile", "NamedTemporaryFile"),
                   ("tempfile", "mkstemp")}


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
            if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax+"):
                found.append((node.lineno, f"open(..., {mode.value!r})"))
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if (owner, func.attr) in WRITE_FUNCTIONS:
                found.append((node.lineno, f"{owner}.{func.attr}"))
            elif func.attr in WRITE_METHODS:
                found.append((node.lineno, f".{func.attr}"))
    return sorted(found)


def test_no_module_writes_a_file_but_through_write_atomic() -> None:
    offenders = [f"{path.relative_to(PACKAGE)}:{line}: {what}"
                 for path in sorted(PACKAGE.rglob("*.py")) if path.name != "atomic.py"
                 for line, what in _writes(ast.parse(path.read_text(encoding="utf-8")))]
    assert offenders == []


def test_the_writers_use_it() -> None:
    for module in ("cli.py", "init.py", "reference.py", "excel/addin.py", "excel/recalc/zipio.py"):
        assert "write_atomic(" in (PACKAGE / module).read_text(encoding="utf-8"), module


def test_the_check_finds_a_plain_write() -> None:
    tree = ast.parse("from pathlib import Path\nPath('x').write_text('y')\nopen('z', 'wb').write(b'')\n"
                     "import os\nos.replace('a', 'b')\nopen('r').read()\n")
    assert [what for _, what in _writes(tree)] == [".write_text", "open(..., 'wb')", "os.replace"]
