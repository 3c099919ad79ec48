"""The editor schema: generated from the models, committed, and read by a real validator.

``jsonschema`` (an independent implementation of JSON Schema draft-07, the draft editors'
YAML support reads) checks the schema itself, every example config, and configs with the
mistakes a user makes while typing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import BaseModel

from kpisheet.cli import main
from kpisheet.config import schema as models
from kpisheet.config.json_schema import json_schema, schema_text

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "kpisheet.schema.json"
EXAMPLE_CONFIGS = sorted(ROOT.glob("config/*/*.y*ml"))


class EditorLoader(yaml.SafeLoader):
    """YAML as an editor's language server reads it (YAML 1.2): ``on:``, ``yes:`` and ``null:``
    as keys are text, not booleans or null (PyYAML follows YAML 1.1 there)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, bool) or key is None:
                key = key_node.value
            out[key] = self.construct_object(value_node, deep=deep)
        return out


EditorLoader.add_constructor("tag:yaml.org,2002:map", EditorLoader.construct_mapping)


def read(text: str) -> Any:
    return yaml.load(text, Loader=EditorLoader)  # noqa: S506 (a SafeLoader)


def validator() -> jsonschema.Draft7Validator:
    schema = json_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def errors(doc: Any) -> list[str]:
    """Every message, those inside an ``anyOf`` (optional sections are "X or null") included."""
    found: list[str] = []
    stack = list(validator().iter_errors(doc))
    while stack:
        error = stack.pop()
        found.append(error.message)
        stack.extend(error.context or [])
    return sorted(found)


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text() == schema_text(), "kpisheet.schema.json is stale: run `make reference`"


def test_schema_never_cites_the_spec() -> None:
    assert "SPEC" not in schema_text()


def test_kpisheet_schema_prints_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()
    assert main(["schema", "-o", str(tmp_path / "s.json")]) == 0
    assert (tmp_path / "s.json").read_text() == schema_text()


def _models() -> list[type[BaseModel]]:
    return [m for m in vars(models).values()
            if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == models.__name__
            and not m.__name__.startswith("_")]


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_every_key_has_a_description_and_an_example(model: type[BaseModel]) -> None:
    assert model.__doc__, f"{model.__name__} needs a docstring: editors show it"
    for name, field in model.model_fields.items():
        assert field.description, f"{model.__name__}.{name} has no description"
        if not name.startswith(("calendar", "sources", "kpis", "key_accounts")):
            assert field.examples, f"{model.__name__}.{name} has no example"


def test_descriptions_and_examples_reach_the_schema() -> None:
    schema = json_schema()
    kpi = schema["definitions"]["KpiSpec"]["properties"]
    assert "percentage" in kpi["unit"]["description"] and "EUR" in kpi["unit"]["examples"]
    grain = schema["definitions"]["KeyAccountsSpec"]["properties"]["grain"]
    assert grain["allOf"] == [{"$ref": "#/definitions/Grain"}] and grain["default"] == "year"
    assert "month" in schema["definitions"]["Grain"]["enum"]
    assert "prefixItems" not in COMMITTED.read_text() and '"ge"' not in COMMITTED.read_text()


@pytest.mark.parametrize("path", EXAMPLE_CONFIGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_config_validates(path: Path) -> None:
    assert errors(read(path.read_text())) == []


def _readme_configs() -> list[str]:
    """The README's YAML blocks that are configs (their top-level keys are config sections)."""
    sections = set(models.FileSpec.model_fields)
    blocks = (ROOT / "README.md").read_text().split("```yaml\n")[1:]
    texts = [b.split("```", 1)[0] for b in blocks]
    return [t for t in texts if isinstance(read(t), dict) and set(read(t)) <= sections]


def test_the_readme_configs_validate() -> None:
    configs = _readme_configs()
    assert len(configs) >= 3
    for text in configs:
        assert errors(read(text)) == [], text


def test_keys_read_as_an_editor_reads_them() -> None:
    assert read("on: {yes: 1, null: 2}") == {"on": {"yes": 1, "null": 2}}


@pytest.mark.parametrize("doc, expected", [
    ({"kpis": {"revenue": {"measure": "sum(amount)", "sorce": "sales"}}},
     "Additional properties are not allowed ('sorce' was unexpected)"),
    ({"kpis": {"revenue": {"formula": "a", "grain": "monthly"}}}, "'monthly' is not valid"),
    ({"kpis": {"revenue": {"formula": "a", "direction": "up"}}}, "'up' is not one of"),
    ({"calendar": {"fiscal_year_start": 13}}, "13 is greater than the maximum of 12"),
    ({"key_accounts": {"key_if": True, "tiers": {"A": True},
                       "criteria": {"c": {"formula": "x", "weight": -1, "scale": [0, 1]}}}},
     "-1 is less than the minimum of 0"),
    ({"key_accounts": {"key_if": True, "tiers": {"A": True},
                       "criteria": {"c": {"formula": "x", "scale": [0, 1, 2]}}}}, "is too long"),
    ({"key_accounts": {"key_if": True, "tiers": {}}}, "should be non-empty"),
    ({"kpis": {"r": {"formula": "a", "thresholds": {"green": [1, 2], "amber": 1}}}}, "is not of type"),
    ({"version": 2}, "1 was expected"),
    ({"key_accounts": {"key_if": True, "tiers": {"A": True}, "criteria": {"c": {"formula": "x", "weight": "heavy"}}}},
     "'heavy' is not of type"),
])
def test_mistakes_are_caught_while_typing(doc: dict[str, Any], expected: str) -> None:
    found = errors(doc)
    assert any(expected in message for message in found), found
