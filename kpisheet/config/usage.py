"""What a config reads from its sources (issue 12): the columns of each, so that a reader
types and keeps only those. No pandas: the command line starts reading CSV files with it
while the engine imports (:mod:`kpisheet.sources.prefetch`)."""

from __future__ import annotations

from typing import Optional

from ..expr.functions import attr_columns, names
from .model import Config, Expr


def columns_used(config: Config) -> dict[str, Optional[frozenset[str]]]:
    """For each source, the columns the config reads from it (issue 12), or None: every column.

    A superset, never less: ``account`` and ``date``, every name in ``columns:``, the columns
    of its ``where``, ``join`` keys and ``derive`` expressions, of the filters, measures and
    ``date`` of the KPIs over it, and every ``SOURCE.column`` any source or KPI names (a joined
    source's column). The key-account ``attributes`` source is read whole (``attr(column)``
    may name any of its columns, and it holds one row per account)."""
    used: dict[str, set[str]] = {name: {"account", "date", *src.columns} for name, src in config.sources.items()}

    def add(source: str, column: str) -> None:
        used[source].add(column)
        owner, dot, rest = column.partition(".")
        if dot and owner in used:  # menu.price: the column price of source menu
            used[owner].add(rest)

    def read(source: str, expr: Optional[Expr]) -> None:
        if expr is not None:
            for name in [*names(expr.node), *attr_columns(expr.node)]:
                add(source, name.id)

    for name, src in config.sources.items():
        read(name, src.where)
        for join in src.joins:
            for mine, theirs in join.on:
                add(name, mine)
                if join.source in used:
                    add(join.source, theirs)
        for column, expr in src.derive:
            add(name, column)
            read(name, expr)
    for kpi in config.kpis.values():
        if kpi.source is None or kpi.source not in used:
            continue
        add(kpi.source, kpi.date)
        read(kpi.source, kpi.filter)
        if kpi.measure is not None:
            if kpi.measure.column is not None:
                add(kpi.source, kpi.measure.column)
            read(kpi.source, kpi.measure.expr)
    ka = config.key_accounts
    whole = {ka.attributes} if ka is not None and ka.attributes else set()
    return {name: None if name in whole else frozenset(columns) for name, columns in used.items()}
