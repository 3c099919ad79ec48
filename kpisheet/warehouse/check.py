"""What can run in the database, checked when the config loads (README#when-the-data-outgrows-the-workbook).

A ``parquet:`` or ``sql:`` source is never loaded whole, so an expression over it that the
compiler (:mod:`.compile`) cannot translate is a config error with its place, not a silent
fallback to reading every row into Python. This module needs no database library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from ..errors import Problem
from ..expr.ast import Call, Node, walk
from ..expr.functions import int_literal

if TYPE_CHECKING:
    from ..config.model import Config, Source

#: The functions :mod:`.compile` translates; any other in a row expression of a database
#: source is a config error.
COMPILED_FUNCTIONS = frozenset({"if", "coalesce", "min", "max", "abs", "round", "year", "month", "day",
                                "weekday", "upper", "lower", "trim", "left"})


def uncompilable(node: Node) -> Iterator[tuple[int, str]]:
    """(offset, message) for each part of ``node`` that cannot run in the database."""
    for sub in walk(node):
        if isinstance(sub, Call) and sub.func not in COMPILED_FUNCTIONS:
            yield sub.pos, f"{sub.func}() cannot run in the database (a parquet: or sql: source)"
        elif isinstance(sub, Call) and sub.func == "round" and sub.args:
            if len(sub.args) > 1 and int_literal(sub.args[1]) is None:
                yield sub.args[1].pos, ("round() in the database needs its digits written as a whole number, "
                                        "such as round(amount, 2)")
            if any(isinstance(inner, Call) and inner.func == "round" for inner in walk(sub.args[0])):
                yield sub.pos, ("a round() of a round() cannot run in the database (Excel's rounding there "
                                "writes its argument many times over): round once, or derive the inner "
                                "rounding as a column first")


def database_problems(config: "Config") -> Iterator[Problem]:
    """Every part of a config over ``parquet:``/``sql:`` sources that cannot run in the database."""
    sources = config.sources

    def home(src: "Source") -> Optional[str]:  # parquet: shares the default DuckDB
        return None if src.parquet is not None else src.connection

    for src in sources.values():
        exprs = ([("where", src.where)] if src.where is not None else []) + [(f"derive {c}", e) for c, e in src.derive]
        for join in src.joins:
            other = sources.get(join.source)
            if other is None or is_database(other) == is_database(src) and (
                    not is_database(src) or home(other) == home(src)):
                continue
            yield Problem(str(join.mark), f"source {src.name}: join {join.source}: a join runs within one "
                          "database (parquet: sources share the default DuckDB); these sources live apart")
        if not is_database(src):
            continue
        for what, expr in exprs:
            for pos, message in uncompilable(expr.node):
                yield Problem(expr.place(pos), f"source {src.name}: {what}: {message}")
    for kpi in config.kpis.values():
        over = sources.get(kpi.source or "")
        if over is None or not is_database(over) or kpi.measure is None:
            continue
        for what, found in (("filter", kpi.filter), ("measure", kpi.measure.expr)):
            if found is not None:
                for pos, message in uncompilable(found.node):
                    yield Problem(found.place(pos), f"{kpi.name}: {what}: {message}")
    ka = config.key_accounts
    if ka is not None and ka.attributes is not None and ka.attributes in sources \
            and is_database(sources[ka.attributes]):
        yield Problem(str(ka.mark), f"key_accounts: attributes source '{ka.attributes}' lives in a database; "
                      "attributes are read from a workbook or CSV file")


def is_database(source: "Source") -> bool:
    """A ``parquet:`` or ``sql:`` source: never loaded whole (README#when-the-data-outgrows-the-workbook)."""
    return source.parquet is not None or source.sql is not None
