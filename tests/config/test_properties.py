"""Property: whatever text a user puts in a formula, loading the config either
succeeds or raises ConfigError with a place — never anything else, never runs it."""

from __future__ import annotations

import builtins
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kpisheet import ConfigError, load_config

TOKENS = st.sampled_from(["revenue", "prev", "(", ")", ",", "1", "0.5", "'x'", "+", "-", "*", "/", "==", "<",
                          "and", "or", "not", "in", ".", "[", "]", "__import__", "lambda", ":", "`a b`", "if",
                          "share", "ytd", "attr", "**", ";", "\\", '"', "#", "{", "}"])
FORMULAS = st.one_of(st.text(max_size=40), st.lists(TOKENS, max_size=12).map(" ".join))


@settings(max_examples=300, deadline=None)
@given(FORMULAS)
def test_any_formula_text_loads_or_is_a_config_error(formula: str) -> None:
    forbidden = {"eval", "exec", "compile", "__import__"}
    real = {name: getattr(builtins, name) for name in forbidden}

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("user text reached the Python interpreter")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "k.yaml"
        # json.dumps gives a valid YAML double-quoted scalar for any text
        path.write_text("sources:\n  s: {sheet: S}\nkpis:\n  revenue: {source: s, measure: count()}\n"
                        f"  k: {{formula: {json.dumps(formula)}}}\n")
        try:
            for name in ("eval", "exec", "compile"):
                setattr(builtins, name, refuse)
            load_config(path)
        except ConfigError as exc:
            assert exc.problems and all(p.place.startswith(str(path)) for p in exc.problems)
        finally:
            for name, fn in real.items():
                setattr(builtins, name, fn)
