"""docs/reference.md: current, complete, and its examples real.

The page is generated (``make reference``); these tests fail when it is stale, when a config
key, a function, an error kind or a command is missing from it, or when an example does not
parse as the context it is written for.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from pydantic import BaseModel

from kpisheet.cli import EXIT_CODES, cli
from kpisheet.config.schema import FileSpec
from kpisheet.excel.functions import EXCEL_FUNCTIONS
from kpisheet.excel.recalc.xlfuncs import FUNCTIONS as XL_FUNCTIONS
from kpisheet.expr import FUNCTIONS, check, parse
from kpisheet.expr.ast import Call, walk
from kpisheet.hooks import hooks
from kpisheet.periods import Grain
from kpisheet.reference import ERROR_MEANINGS, FUNCTION_EXAMPLES, PATH, reference_text
from kpisheet.xlerrors import XlError

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / PATH).read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_reference_is_current() -> None:
    assert PAGE == reference_text(), "docs/reference.md is stale: run `make reference`"


def _section(title: str) -> str:
    """The text of the ``### `title``` section, up to the next heading."""
    match = re.search(rf"^### `{re.escape(title)}`\n(.*?)(?=^#)", PAGE, flags=re.S | re.M)
    assert match, f"no section {title}"
    return match.group(1)


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """``root`` and every model inside its fields (optional, in mappings, in unions)."""
    found: list[type[BaseModel]] = []
    stack: list[object] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item not in found:
                found.append(item)
                stack.extend(f.annotation for f in item.model_fields.values())
        else:
            stack.extend(getattr(item, "__args__", ()))
    return found


KEYS = [(model, key) for model in _models(FileSpec) for key in model.model_fields]


@pytest.mark.parametrize("model, key", KEYS, ids=[f"{m.__name__}.{k}" for m, k in KEYS])
def test_every_config_key_is_in_its_section(model: type[BaseModel], key: str) -> None:
    """The section that opens with the model's docstring has a row for the key."""
    doc = (model.__doc__ or "").strip().replace("``", "`")  # the page renders reST literals as Markdown
    sections = [part for part in PAGE.split("\n### ") if part.split("\n", 2)[-1].lstrip().startswith(doc[:40])]
    assert doc and sections, f"no section for {model.__name__} in docs/reference.md"
    row = next((line for line in sections[0].splitlines() if line.startswith(f"| `{key}` |")), None)
    assert row is not None, f"{model.__name__}.{key} is missing from docs/reference.md"
    assert row.count("|") >= 6 and "**(no" not in row


CONTEXT_OF = {"formula": "kpi", "target": "kpi", "filter": "filter", "key_if": "accounts", "derive": "filter"}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_every_expression_function_has_a_working_example(name: str) -> None:
    assert name in FUNCTION_EXAMPLES, f"add an example for {name}() to kpisheet.reference.FUNCTION_EXAMPLES"
    key, text = FUNCTION_EXAMPLES[name].split(": ", 1)
    context = CONTEXT_OF[key]
    if context not in FUNCTIONS[name].contexts:  # the example's key is where the function may be written
        context = sorted(FUNCTIONS[name].contexts)[0]
    node = parse(text)
    assert check(node, context) == []
    assert any(isinstance(sub, Call) and sub.func.lower() == name for sub in walk(node))
    row = next(line for line in PAGE.splitlines() if line.startswith(f"| `{FUNCTIONS[name].signature}` |"))
    assert FUNCTION_EXAMPLES[name] in row


def test_every_error_grain_and_excel_function_is_described() -> None:
    for error in XlError:
        assert error.text in ERROR_MEANINGS and f"| `{error.text}` | {ERROR_MEANINGS[error.text]}" in PAGE
    for grain in Grain:
        assert f"| `{grain.value}` |" in PAGE
    for fn in EXCEL_FUNCTIONS.values():
        assert f"| `{fn.signature}` | {fn.doc}" in PAGE
    for name in XL_FUNCTIONS:
        assert f"`{name}`" in PAGE
    assert f"these {len(XL_FUNCTIONS)} of Excel's own functions" in PAGE


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix} {name}"))
        else:
            out.append((f"{prefix} {name}", cmd))
    return out


ALL_COMMANDS = _commands(cli, "kpisheet") + _commands(hooks, "python -m kpisheet.hooks")


@pytest.mark.parametrize("path, cmd", ALL_COMMANDS, ids=[p for p, _ in ALL_COMMANDS])
def test_every_command_and_option_is_documented(path: str, cmd: click.Command) -> None:
    text = _section(path)
    for param in cmd.params:
        if isinstance(param, click.Option):
            assert f"`{param.opts[0]}`" in text, f"{path} {param.opts[0]} is missing"


def test_the_reference_stands_on_its_own() -> None:
    """Docstrings point at the README and docs (``README#your-data``); the generated reference
    and schema leave the pointers out, and nothing sends users to SPEC, which they do not have."""
    from kpisheet.config.json_schema import user_text

    assert "SPEC" not in PAGE
    assert user_text("One joined source: ``on: {a: b}`` (README#your-data).") == "One joined source: `on: {a: b}`."
    assert user_text("README#your-data: one line per source") == "one line per source"
    assert user_text("Read in Excel (docs/excel.md).") == "Read in Excel."


def test_no_docstring_sends_users_to_the_spec() -> None:
    package = Path(__file__).resolve().parents[1] / "kpisheet"
    cited = [f"{p.relative_to(package)}:{n}" for p in sorted(package.rglob("*.py"))
             for n, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"\bSPEC\b", line)]
    assert cited == []


def test_exit_codes_and_periods_are_listed() -> None:
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in PAGE
    assert "| `month` | `2026-10` | `2026-09` |" in PAGE
    assert "| `fiscal_year` | `FY2027` | `FY2026` |" in PAGE  # April start: FY named by the year it ends


def test_readme_links_the_reference_and_never_the_spec() -> None:
    assert "docs/reference.md" in README
    assert "SPEC" not in README.split("## Changelog", 1)[0]
    for anchor in re.findall(r"docs/reference\.md#([a-z0-9-]+)", README):
        headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                    for h in re.findall(r"^#+ (.*)$", PAGE, flags=re.M)}
        assert anchor in headings, f"README links to a missing heading #{anchor}"
