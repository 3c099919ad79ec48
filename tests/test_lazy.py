"""Loading a config, and the command line up to the engine, import neither pandas nor the
engine (kpisheet.lazy): ``lint``, ``init``, ``schema`` and ``--help`` start without them, and
``evaluate`` reads its CSV files while they import. The names stay where they were."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kpisheet
from kpisheet import expr, sources, warehouse

ROOT = Path(__file__).resolve().parents[1]


def _fresh(code: str) -> str:
    """What ``code`` prints in an interpreter of its own (this one has imported everything)."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_config_and_cli_load_without_pandas() -> None:
    out = _fresh(f"""
        import sys
        import kpisheet.cli
        from kpisheet import load_config
        config = load_config({str(ROOT / "config" / "startup")!r})
        assert config.kpis
        print(sorted(m for m in ("pandas", "kpisheet.engine.core", "kpisheet.sources.files") if m in sys.modules))
    """)
    assert out == "[]"


def test_a_lazy_name_imports_its_module_once_asked() -> None:
    out = _fresh("""
        import sys
        import kpisheet
        assert "kpisheet.engine.core" not in sys.modules
        from kpisheet import Engine
        from kpisheet.engine.core import Engine as Same
        print(Engine is Same, "kpisheet.engine.core" in sys.modules)
    """)
    assert out == "True True"


def test_the_public_names_are_the_modules_own() -> None:
    from kpisheet.engine.core import Engine, Result
    from kpisheet.expr.frame import ExprEvalError, eval_filter
    from kpisheet.sources.files import FileReader
    from kpisheet.sources.table import Table
    from kpisheet.warehouse.query import Warehouse

    assert (kpisheet.Engine, kpisheet.Result) == (Engine, Result)
    assert (expr.ExprEvalError, expr.eval_filter) == (ExprEvalError, eval_filter)
    assert (sources.FileReader, sources.Table, warehouse.Warehouse) == (FileReader, Table, Warehouse)
    for package in (kpisheet, expr, sources, warehouse):
        for name in package.__all__:
            assert getattr(package, name) is not None, (package.__name__, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="'kpisheet' has no attribute 'Engin'"):
        kpisheet.Engin  # noqa: B018
    with pytest.raises(ImportError):
        from kpisheet.sources import Reeder  # noqa: F401
