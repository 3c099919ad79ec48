"""``docs/reference.md``, generated from the registries and the config models.

    reference_text() -> str        the whole page, as committed
    python -m kpisheet.reference   writes it (``make reference`` runs this)

Each part is read from where the code declares it, so a key or a function added there
appears here on the next ``make reference``, and a test fails until it does:

- config keys, defaults, descriptions, examples: the pydantic models (:mod:`.config.schema`);
- expression functions: :data:`kpisheet.expr.functions.FUNCTIONS`, with an example per
  function from :data:`FUNCTION_EXAMPLES` (a test checks that every function has one and
  that each example parses);
- grains and period texts: :class:`kpisheet.periods.Grain` and the period functions;
- errors: :class:`kpisheet.xlerrors.XlError`, with :data:`ERROR_MEANINGS`;
- Excel functions: :data:`kpisheet.excel.functions.EXCEL_FUNCTIONS` (docs/excel.md) and the
  names of Excel's own functions ``recalc`` computes;
- commands and options: the click commands of :mod:`kpisheet.cli` and :mod:`kpisheet.hooks`; exit codes:
  :data:`kpisheet.cli.EXIT_CODES`.

What no registry declares (operators, status rules, SMART findings) is written here once.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import click
import yaml
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from .atomic import write_atomic
from .config.json_schema import json_schema, user_text
from .config.schema import FileSpec
from .excel.functions import EXCEL_FUNCTIONS
from .expr.functions import CONTEXTS, FUNCTIONS
from .periods import Calendar, Grain, period_of_date, period_text, shift
from .xlerrors import XlError

__all__ = ["ERROR_MEANINGS", "FUNCTION_EXAMPLES", "PATH", "reference_text", "write"]

PATH = Path("docs") / "reference.md"

#: One example per expression function, as a user writes it in a config. Functions that
#: other branches are adding are listed already; an example is shown only for a function the
#: registry holds.
FUNCTION_EXAMPLES: dict[str, str] = {
    "prev": "formula: revenue / prev(revenue) - 1",
    "rolling": "formula: rolling(revenue, 3)",
    "ytd": "formula: ytd(revenue)",
    "qtd": "formula: qtd(revenue)",
    "total": "formula: revenue / total(revenue)",
    "share": "formula: share(revenue)",
    "pareto": "key_if: pareto(revenue) < 0.8",
    "attr": "formula: attr(strategic_value)",
    "if": "formula: if(revenue > 0, margin / revenue, 0)",
    "coalesce": "formula: coalesce(revenue / prev(revenue) - 1, 0)",
    "min": "formula: min(revenue, 100000)",
    "max": "formula: max(churned_clients, 1)",
    "abs": "formula: abs(revenue - budget_revenue)",
    "round": "formula: round(revenue / headcount, 2)",
    "top_share": "formula: top_share(revenue, 3)",
    "hhi": "formula: hhi(revenue)",
    "count_accounts": "formula: count_accounts(revenue > 10000)",
    "sum_accounts": "formula: sum_accounts(revenue)",
    "avg_accounts": "formula: avg_accounts(revenue)",
    "rank": "formula: rank(revenue)",
    "year": "filter: year(date) >= 2025",
    "month": "filter: month(date) in (1, 2, 3)",
    "day": "filter: day(date) <= 15",
    "weekday": "filter: weekday(date) <= 5",
    "upper": "filter: upper(status) == 'PAID'",
    "lower": "filter: lower(status) != 'cancelled'",
    "trim": "filter: trim(region) == 'EMEA'",
    "left": "filter: left(account, 3) == 'ACM'",
}

#: What each error kind means when it is a result, by its text (kinds other branches add are
#: described already; a test checks that every :class:`XlError` has its line).
ERROR_MEANINGS: dict[str, str] = {
    "#DIV/0!": "a division by zero: growth against a period whose value is 0",
    "#N/A": "no data: an average, median, min or max over no rows, an account the data "
            "does not know, a period with nothing to compare",
    "#VALUE!": "a period or argument that cannot be read",
    "#NAME?": "an unknown KPI (or, in recalc, an unknown Excel function)",
    "#NUM!": "a number Excel cannot hold (in recalc: an array beyond Excel's grid)",
    "#REF!": "a reference to a cell that does not exist (in recalc; or a #REF! cell in the data)",
    "#NULL!": "an empty intersection of two ranges (in recalc; or a #NULL! cell in the data)",
    "#SPILL!": "a spilled table that would cover cells that are not empty (in recalc; or such a cell in the data)",
    "#CALC!": "a calculation Excel cannot do, such as an empty array (in recalc; or such a cell in the data)",
    "#GETTING_DATA": "a value Excel was still fetching when the workbook was saved (a cell in the data)",
    "#FIELD!": "a field of a linked data type that does not exist (a cell in the data)",
    "#BLOCKED!": "a feature Excel's settings block (a cell in the data)",
    "#CONNECT!": "a connection Excel could not make (a cell in the data)",
    "#BUSY!": "a value Excel was still computing (a cell in the data)",
    "#UNKNOWN!": "a value type Excel does not know (a cell in the data)",
    "#PYTHON!": "an error of Excel's Python in a cell (a cell in the data)",
}

_CONTEXT_WORDS = {"filter": "filter", "kpi": "formula, target", "accounts": "key accounts"}
_EXAMPLE_DAY = dt.date(2026, 10, 5)
_EXAMPLE_CALENDAR = Calendar(4)


# --- config keys -----------------------------------------------------------------------------


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref") or next((part.get("$ref") for part in node.get("allOf", []) if "$ref" in part), None)
    return defs[ref.rsplit("/", 1)[1]] if ref else node


def type_text(node: dict[str, Any], defs: dict[str, Any]) -> str:
    """A JSON Schema node in words: ``text``, ``number``, ``mapping: name → text`` ..."""
    if "anyOf" in node:
        parts = [type_text(part, defs) for part in node["anyOf"] if part.get("type") != "null"]
        unique = list(dict.fromkeys("number" if p == "whole number" and "number" in parts else p for p in parts))
        return " or ".join(unique)
    target = _resolve(node, defs)
    if target is not node:
        if "enum" in target:
            return " \\| ".join(f"`{v}`" for v in target["enum"])
        return "section (below)" if target.get("type") == "object" else type_text(target, defs)
    if "enum" in node:
        return " \\| ".join(f"`{v}`" for v in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    kind = node.get("type")
    if kind == "array":
        items = node.get("items")
        if isinstance(items, list):
            return "[" + ", ".join(type_text(i, defs) for i in items) + "]"
        return f"list of {type_text(items or {}, defs)}"
    if kind == "object":
        inner = node.get("additionalProperties")
        if isinstance(inner, dict):
            return f"mapping: name → {type_text(inner, defs)}"
        return "mapping"
    return {"string": "text", "integer": "whole number", "number": "number", "boolean": "true/false"}.get(
        str(kind), "any")


def _default_text(field: Any) -> str:
    if field.default_factory is not None:
        return "(none)"
    if field.default is PydanticUndefined:
        return "**required**"
    if field.default is None:
        return "(none)"
    value = field.default.value if hasattr(field.default, "value") else field.default
    return f"`{value}`"


def _flow(key: str, value: Any) -> str:
    text = yaml.safe_dump({key: value}, default_flow_style=True, sort_keys=False, allow_unicode=True).strip()
    return text[1:-1] if text.startswith("{") else text


def _cell(text: str) -> str:
    return user_text(text).replace("|", "\\|").replace("\n", " ")


def _model_of(node: dict[str, Any], defs: dict[str, Any]) -> Optional[tuple[str, bool]]:
    """The definition a field's schema holds (directly, optional, or as mapping values)."""
    for part in node.get("anyOf", [node]):
        if part.get("type") == "object" and isinstance(part.get("additionalProperties"), dict):
            inner = _model_of(part["additionalProperties"], defs)
            if inner is not None:
                return inner[0], True
        target = _resolve(part, defs)
        if target is not part and target.get("type") == "object":
            return str(target["title"]), False
    return None


def _config_sections() -> list[str]:
    schema = json_schema()
    defs: dict[str, Any] = schema.get("definitions", {})
    models = {cls.__name__: cls for cls in _models(FileSpec)}
    out: list[str] = []

    def section(path: str, title: str, props: dict[str, Any], model: type[BaseModel], doc: str) -> None:
        out.append(f"### `{path}`\n" if path else "### Top level\n")
        out.append(user_text(doc) + "\n")
        out.append("| key | type | default | meaning | example |")
        out.append("| --- | --- | --- | --- | --- |")
        nested: list[tuple[str, str, bool]] = []
        for key, node in props.items():
            field = model.model_fields[key]
            examples = field.examples or []
            example = f"`{_cell(_flow(key, examples[0]))}`" if examples else ""
            out.append(f"| `{key}` | {type_text(node, defs)} | {_default_text(field)} | "
                       f"{_cell(field.description or '')} | {example} |")
            inner = _model_of(node, defs)
            if inner is not None:
                nested.append((key, inner[0], inner[1]))
        out.append("")
        for key, name, per_name in nested:
            sub_path = f"{path}.{key}" if path else key
            if per_name:
                sub_path += ".<name>"
            sub = defs[name]
            section(sub_path, name, sub.get("properties", {}), models[name], sub.get("description", ""))

    section("", "FileSpec", schema["properties"], FileSpec, schema.get("description", ""))
    return out


def _models(root: type[BaseModel]) -> Iterable[type[BaseModel]]:
    """Every model reachable from ``root``'s fields."""
    seen: dict[str, type[BaseModel]] = {}
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item.__name__ in seen:
                continue
            seen[item.__name__] = item
            stack.extend(f.annotation for f in item.model_fields.values())
        else:
            stack.extend(getattr(item, "__args__", ()))
    return seen.values()


# --- expression functions ----------------------------------------------------------------------


def _functions() -> list[str]:
    out = ["| function | meaning | where | example |", "| --- | --- | --- | --- |"]
    for fn in FUNCTIONS.values():
        where = "everywhere" if set(fn.contexts) >= set(CONTEXTS) else ", ".join(
            _CONTEXT_WORDS.get(c, c) for c in CONTEXTS if c in fn.contexts)
        example = FUNCTION_EXAMPLES.get(fn.name)
        out.append(f"| `{fn.signature}` | {_cell(fn.doc)} | {where} | "
                   f"{f'`{_cell(example)}`' if example else '**(no example yet)**'} |")
    return out


# --- periods -------------------------------------------------------------------------------------


def _periods() -> list[str]:
    out = [f"The period of each grain that holds {_EXAMPLE_DAY.isoformat()}, with the fiscal year starting in "
           f"April (`calendar: {{fiscal_year_start: {_EXAMPLE_CALENDAR.fiscal_year_start}}}`), and the period "
           "before it (what `prev(k)` reads):", "",
           "| grain | period text | previous |", "| --- | --- | --- |"]
    for grain in Grain:
        try:
            period = period_of_date(_EXAMPLE_DAY, grain, _EXAMPLE_CALENDAR)
        except (ValueError, KeyError):  # a grain without dated periods (a snapshot's `all`)
            out.append(f"| `{grain.value}` | `{grain.value}` | — |")
            continue
        out.append(f"| `{grain.value}` | `{period_text(period, _EXAMPLE_CALENDAR)}` | "
                   f"`{period_text(shift(period, -1), _EXAMPLE_CALENDAR)}` |")
    return out


# --- errors ----------------------------------------------------------------------------------------


def _errors() -> list[str]:
    out = ["| error | meaning |", "| --- | --- |"]
    for error in XlError:
        out.append(f"| `{error.text}` | {_cell(ERROR_MEANINGS.get(error.text, '**(not described yet)**'))} |")
    return out


# --- Excel functions ---------------------------------------------------------------------------------


def _excel_functions() -> list[str]:
    out = ["| function | returns | arguments |", "| --- | --- | --- |"]
    for fn in EXCEL_FUNCTIONS.values():
        args = "; ".join(f"`{p.name}`{' (optional)' if p.optional else ''}: {p.doc}" for p in fn.params)
        kind = " Spills a table." if fn.spills else ""
        out.append(f"| `{fn.signature}` | {_cell(fn.doc + kind)} | {_cell(args)} |")
    return out


def _recalc_functions() -> list[str]:
    from .excel.recalc.outside import UNPINNED
    from .excel.recalc.xlfuncs import FUNCTIONS as XL

    groups: dict[str, list[str]] = {}
    for name, fn in XL.items():
        groups.setdefault(fn.impl.__module__.rsplit(".", 1)[-1], []).append(name)
    kept = ", ".join(f"`{n}`" for n in sorted(UNPINNED))
    out = [f"`kpisheet recalc` computes these {len(XL)} of Excel's own functions (a cell using any other "
           f"gets `#NAME?` and a warning naming the function, except {kept}, fitted by Excel's own "
           "undocumented method, and the functions of data services and add-ins: their cells keep "
           "the values Excel cached, with a warning):", "",
           "| group | functions |", "| --- | --- |"]
    for group in sorted(groups):
        out.append(f"| {group} | {', '.join(f'`{n}`' for n in sorted(groups[group]))} |")
    return out


# --- commands ------------------------------------------------------------------------------------------


def _option_text(param: click.Parameter) -> str:
    names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    if isinstance(param.type, click.Choice):
        names += " " + "\\|".join(str(c) for c in param.type.choices)
    elif not getattr(param, "is_flag", False) and isinstance(param, click.Option):
        names += " " + param.opts[0].lstrip("-").upper()
    return names


def _commands() -> list[str]:
    from .cli import EXIT_CODES, cli

    out: list[str] = []
    root = click.Context(cli, info_name="kpisheet")

    def add(cmd: click.Command, ctx: click.Context, path: str) -> None:
        if isinstance(cmd, click.Group):
            for sub_name, sub in cmd.commands.items():
                add(sub, click.Context(sub, info_name=sub_name, parent=ctx), f"{path} {sub_name}")
            return
        usage = cmd.get_usage(ctx).replace("Usage: ", "")
        out.append(f"### `{path}`\n")
        out.append(user_text((cmd.help or "").strip().split("\n\n")[0]) + "\n")
        out.append(f"```\n{usage}\n```\n")
        options = [p for p in cmd.params if isinstance(p, click.Option)]
        if options:
            out.append("| option | meaning |")
            out.append("| --- | --- |")
            for p in options:
                default = p.default if p.show_default and p.default not in (None, False, ()) else None
                extra = f" (default: `{default}`)" if default is not None else ""
                out.append(f"| {_option_text(p)} | {_cell((p.help or '') + extra)} |")
            out.append("")

    for name, cmd in cli.commands.items():
        add(cmd, click.Context(cmd, info_name=name, parent=root), f"kpisheet {name}")
    from .hooks import hooks

    hook_root = click.Context(hooks, info_name="python -m kpisheet.hooks")
    out.append("### Checks for pre-commit and CI\n")
    out.append((hooks.help or "").strip() + " The hooks of `.pre-commit-hooks.yaml` and the action "
               "`action.yml` run these; each runs the command above once per file or config, and exits "
               "with the worst code.\n")
    for name, cmd in hooks.commands.items():
        add(cmd, click.Context(cmd, info_name=name, parent=hook_root), f"python -m kpisheet.hooks {name}")
    out.append("### Exit codes\n")
    out.append("| code | meaning |")
    out.append("| --- | --- |")
    out.extend(f"| {code} | {_cell(text)} |" for code, text in EXIT_CODES.items())
    return out


# --- the page ----------------------------------------------------------------------------------------------


_INTRO = """\
# kpisheet reference

Everything a config can say and every command, generated from kpisheet's own registries and
config models by `make reference`; a test fails when this page is out of date. For a tour,
read the [README](../README.md).

- [Config keys](#config-keys)
- [Expressions](#expressions)
- [Periods and calendars](#periods-and-calendars)
- [Errors and statuses](#errors-and-statuses)
- [Key accounts](#key-accounts)
- [Excel functions](#excel-functions)
- [Commands](#commands)
"""

_CONFIG = """\
## Config keys

A config is one YAML file, or a folder whose `*.yaml`/`*.yml` files are merged (the same name
defined twice is an error naming both places). Only plain YAML is read. Unknown keys are
refused with a "did you mean". `kpisheet schema` prints these keys as a JSON Schema for
editors.

Sources read `.xlsx`, `.xlsm`, `.xlsb`, `.xls` and `.ods` workbooks, and `.csv` files named
with `workbook:` (`workbook: orders.csv`, no `sheet` needed). A `target` may be a formula,
so a budget is a KPI measured from a budget sheet: `target: budget_revenue`.
"""

_EXPRESSIONS = """\
## Expressions

One small, safe language serves `filter`, `formula`, `target`, and key-account criteria,
`key_if` and tiers. Nothing in a config is ever run as Python.

- Literals: numbers, `'text'`, `true`, `false`, ISO dates as text (`date >= '2026-01-01'`).
- Operators: `+ - * /`, `== != < <= > >=`, `and or not`, `x in ('a', 'b')`, parentheses.
- Names: in a `filter`, the source's columns (a header that is not an identifier in
  backticks: `` `Order Date` ``); elsewhere KPI names; in key-account rules also criterion
  names and `score`.
- Results carry errors instead of failing (see [Errors](#errors-and-statuses)); `if` and
  `coalesce` stop them.
- Excel's rules, the same in a `filter`, a KPI `formula`, `key_if` and in `recalc`: text
  compares ignoring case (`attr(segment) == 'enterprise'` holds for `Enterprise`; `<` orders
  `'apple' < 'Banana'`); in a comparison a blank is 0 beside a number and `''` beside text;
  `round` rounds the decimal Excel shows (15 significant digits) halves away from zero, so
  `round(608.44765, 4)` is 608.4477 and `round(2.675, 2)` is 2.68.

Limits: `n` of `prev` and `rolling` is a whole number written in the formula, 1 or more;
`ytd`, `qtd` and `rolling` of a KPI that already uses one of them is a config error (it would
have no single meaning); `total`, `share` and `pareto` read a KPI name, not an expression;
`attr` reads a column of the key-account `attributes` source. Cycles between KPIs are config
errors naming the cycle.

### Functions
"""

_PERIODS = """\
## Periods and calendars

A period is written `2026` (year), `2026-Q3`, `2026-10` (month), `2026-W14` (ISO week),
`2026-10-05` (day), `FY2026` or `FY2026-Q1` (fiscal, named by the calendar year the fiscal
year ends in), or `latest`: the last period, at the KPI's grain, holding a row of any source
the KPI reads. In Excel a date means the period of the KPI's grain that contains it. A measure
KPI aggregates the rows whose date falls in the period; over a period without rows `sum` and
`count` give 0, `average`, `median`, `min` and `max` give `#N/A`.
"""

_ERRORS = """\
## Errors and statuses

Results carry Excel's error kinds instead of raising; an error propagates through formulas as
in Excel, and `coalesce` and `if` can stop it.
"""

_STATUSES = """\
`status` is `green`, `amber`, `red`, or empty where the KPI has no target and no thresholds:

| direction | green | amber | else |
| --- | --- | --- | --- |
| `higher_is_better` (default) | value >= green | value >= amber | red |
| `lower_is_better` | value <= green | value <= amber | red |
| `on_target` | \\|value − target\\| <= green | \\|value − target\\| <= amber | red |

Without `thresholds`, green is the target and amber is 10 % of |target| on the bad side of it
(for `on_target`: green 0, amber 10 % of |target|). An error result is `red` where the KPI has
a target or thresholds. `trend` is `up`, `down` or `flat` (within 0.5 % of the previous
period), empty where there is nothing to compare.

`lint` checks each KPI against SMART: **S** a description that says what is counted; **M**
sources, columns and names resolve (with `--workbook`, the data is read); **A** a target the
last 12 periods never came near; **R** an `owner`; **T** an explicit `grain` and a `target`.
"""

_KEY_ACCOUNTS = """\
## Key accounts

The accounts are those listed in the `attributes` source and those with a row in any source a
criterion reads, at any time. Each criterion is evaluated per account; `score` = 100 ×
Σ(weight × clamp((value − low) / (high − low), 0, 1)) / Σ weight over the criteria with a
weight. A criterion whose value is an error adds 0 and is shown with its error. An account is
key where `key_if` holds; its tier is the first of `tiers` that holds. Each result explains
itself: the criterion values and points, the score, the tier, and the `reason` (the part of
`key_if` that held, with its numbers; for an account that is not key, each part and its
numbers). `movement` compares with the previous period at the key-account grain: `new` (key
now, not before), `lost` (key before, not now), otherwise `up`, `down` or `same` by tier, the
first tier being the highest. The table (`accounts`, `KEY_ACCOUNTS`) lists first the accounts
with a row in the period that a criterion's measure counts, then the others (only in the
attributes, or with rows in other periods only); each part by score descending, then by name.
"""

_OUTPUTS = """\
### Output formats

`--format json` prints one JSON array. `evaluate`: objects with `kpi`, `period`, `account`
(null for all accounts), `value` (null on error), `error` (null or the error text), `target`,
`status`, `trend`, `unit`. `accounts`: objects with `account`, `period`, `score`, `tier`,
`key`, `reason`, `criteria` (name → `value`, `points`, `error`), `previous_tier` and
`movement`. `--format csv` has the same columns (a criterion's parts as `NAME_value`,
`NAME_points`, `NAME_error`). `--format xlsx -o FILE` writes a formatted report (see the
README). Warnings go to standard error, one line each, so standard output holds only the result.
"""

_EXCEL = """\
## Excel functions

In Excel (through the add-in) and in `kpisheet recalc`. `period` defaults to `latest`; the
config is the `KPISHEET_CONFIG` environment variable, else `kpisheet.yaml` beside the workbook,
else a `config/` folder beside it.
"""


def reference_text() -> str:
    """The whole of ``docs/reference.md``."""
    parts: list[str] = [_INTRO, _CONFIG]
    parts.extend(_config_sections())
    parts.append(_EXPRESSIONS)
    parts.extend(_functions())
    parts.append("")
    parts.append(_PERIODS)
    parts.extend(_periods())
    parts.append("")
    parts.append(_ERRORS)
    parts.extend(_errors())
    parts.append("")
    parts.append(_STATUSES)
    parts.append(_KEY_ACCOUNTS)
    parts.append(_EXCEL)
    parts.extend(_excel_functions())
    parts.append("")
    parts.extend(_recalc_functions())
    parts.append("")
    parts.append("## Commands\n")
    parts.extend(_commands())
    parts.append("")
    parts.append(_OUTPUTS)
    return "\n".join(parts).rstrip("\n") + "\n"


def write(root: Path) -> Path:
    """Write ``docs/reference.md`` under ``root``; return its path."""
    path = root / PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, reference_text())
    return path


def main(argv: Sequence[str] = ()) -> int:
    root = Path(argv[0]) if argv else Path(".")
    print(write(root))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
