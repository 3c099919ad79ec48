"""Rules that look across the whole config: names resolve, no cycles, spans don't nest.

Each rule yields :class:`Problem` s with places; :func:`validate` runs them all.
"""

from __future__ import annotations

from typing import Iterator, Optional

from ..errors import Problem
from ..expr.ast import Call, Name, Node, walk
from ..hints import did_you_mean
from .model import Config, Expr, Kpi
from ..warehouse.check import database_problems

SPAN_FUNCTIONS = ("rolling", "ytd", "qtd")


def refs(node: Node) -> Iterator[Name]:
    """The names an expression reads (``attr``'s column is not a name of ours)."""
    if isinstance(node, Call) and node.func == "attr":
        return
    if isinstance(node, Name):
        yield node
    from ..expr.ast import children

    for child in children(node):
        yield from refs(child)


def kpi_exprs(kpi: Kpi) -> list[Expr]:
    """The KPI's formula, then its targets' and thresholds' formulas (every grain's)."""
    found = [e for e in (kpi.formula, kpi.target) if isinstance(e, Expr)]
    return found + [e for e in kpi.bound_exprs() if e not in found]


def kpi_deps(kpi: Kpi) -> list[str]:
    """KPIs this KPI reads, in its formula, targets or thresholds, in order of appearance."""
    seen: dict[str, None] = {}
    for expr in kpi_exprs(kpi):
        for name in refs(expr.node):
            seen.setdefault(name.id, None)
    return list(seen)


def validate(config: Config) -> list[Problem]:
    problems: list[Problem] = []
    for rule in (_sources_exist, _names_resolve, _no_cycles, _spans_do_not_nest, _key_account_names):
        problems.extend(rule(config))
    problems.extend(_joins_resolve(config))
    # README#when-the-data-outgrows-the-workbook: what runs in a database must compile
    problems.extend(database_problems(config))
    return problems


def _sources_exist(config: Config) -> Iterator[Problem]:
    for kpi in config.kpis.values():
        if kpi.source is not None and kpi.source not in config.sources:
            yield Problem(kpi.place("source"), f"{kpi.name}: unknown source '{kpi.source}'"
                          + did_you_mean(kpi.source, config.sources))
    ka = config.key_accounts
    if ka is not None and ka.attributes is not None and ka.attributes not in config.sources:
        yield Problem(str(ka.mark), f"key_accounts: unknown attributes source '{ka.attributes}'"
                      + did_you_mean(ka.attributes, config.sources))


def _unknown(expr: Expr, known: set[str], what: str, owner: str) -> Iterator[Problem]:
    for name in refs(expr.node):
        if name.id not in known:
            yield Problem(expr.place(name.pos), f"{owner}: unknown {what} '{name.id}'" + did_you_mean(name.id, known))


def _names_resolve(config: Config) -> Iterator[Problem]:
    known = set(config.kpis)
    for kpi in config.kpis.values():
        for expr in kpi_exprs(kpi):
            yield from _unknown(expr, known, "KPI", kpi.name)


def _no_cycles(config: Config) -> Iterator[Problem]:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []
    reported: set[frozenset[str]] = set()
    problems: list[Problem] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for dep in kpi_deps(config.kpis[name]):
            if dep not in config.kpis:
                continue
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    first = config.kpis[cycle[0]]
                    problems.append(Problem(str(first.mark), "cycle between KPIs: " + " -> ".join(cycle)))
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[name] = 2

    for name in config.kpis:
        if name not in state:
            visit(name)
    yield from problems


def _uses_span(config: Config, name: str, seen: Optional[set[str]] = None) -> bool:
    seen = set() if seen is None else seen
    if name in seen or name not in config.kpis:
        return False
    seen.add(name)
    kpi = config.kpis[name]
    if kpi.formula is None:
        return False
    for node in walk(kpi.formula.node):
        if isinstance(node, Call) and node.func in SPAN_FUNCTIONS:
            return True
    return any(_uses_span(config, dep, seen) for dep in kpi_deps(kpi))


def _spans_do_not_nest(config: Config) -> Iterator[Problem]:
    """``ytd(rolling(...))`` has no single meaning: refuse it rather than guess."""
    for kpi in config.kpis.values():
        if kpi.formula is None:
            continue
        for node in walk(kpi.formula.node):
            if isinstance(node, Call) and node.func in SPAN_FUNCTIONS:
                inner = node.args[0]
                nested = any(isinstance(n, Call) and n.func in SPAN_FUNCTIONS for n in walk(inner) if n is not node)
                if nested or (isinstance(inner, Name) and _uses_span(config, inner.id)):
                    yield Problem(kpi.formula.place(node.pos), f"{kpi.name}: {node.func}() of a KPI that already "
                                  "uses rolling/ytd/qtd has no single meaning")


def _key_account_names(config: Config) -> Iterator[Problem]:
    ka = config.key_accounts
    if ka is None:
        return
    kpis = set(config.kpis)
    for crit in ka.criteria.values():
        # README#real-questions: a criterion may have a KPI's name (in key_if and tiers the criterion wins)
        if crit.name == "score":
            yield Problem(str(crit.mark), f"criterion '{crit.name}' has the name of the score")
        yield from _unknown(crit.formula, kpis, "KPI", f"criterion {crit.name}")
    rule_names = kpis | set(ka.criteria) | {"score"}
    yield from _unknown(ka.key_if, rule_names, "name (a criterion, score or a KPI)", "key_if")
    for tier, expr in ka.tiers:
        yield from _unknown(expr, rule_names, "name (a criterion, score or a KPI)", f"tier {tier}")


def dependency_order(config: Config) -> list[str]:
    """KPI names so that each comes after the KPIs it reads (config order otherwise)."""
    order: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        done.add(name)
        for dep in kpi_deps(config.kpis[name]):
            if dep in config.kpis:
                visit(dep)
        order.append(name)

    for name in config.kpis:
        visit(name)
    return order


def _joins_resolve(config: Config) -> Iterator[Problem]:
    """README#your-data: a joined source exists, and joins do not go round in a circle."""
    for source in config.sources.values():
        for join in source.joins:
            if join.source not in config.sources:
                yield Problem(str(join.mark), f"source {source.name}: join of unknown source '{join.source}'"
                              + did_you_mean(join.source, config.sources))
    reported: set[frozenset[str]] = set()

    def visit(name: str, path: list[str]) -> Iterator[Problem]:
        for join in config.sources[name].joins:
            if join.source not in config.sources:
                continue
            if join.source in path:
                cycle = path[path.index(join.source):] + [join.source]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    yield Problem(str(join.mark), "cycle between joined sources: " + " -> ".join(cycle))
            else:
                yield from visit(join.source, path + [join.source])

    for name in config.sources:
        yield from visit(name, [name])
