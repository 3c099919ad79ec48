"""The config's JSON Schema for editors: ``kpisheet schema`` and ``kpisheet.schema.json``.

Generated from the pydantic models of :mod:`.schema` and nothing else, so a key added to a
model is in the schema the moment the models change; ``make reference`` rewrites the
committed copy and a test fails while it differs.

The schema is written for JSON Schema draft-07, the newest draft the YAML language server
(VS Code's YAML extension, and most editors' YAML support) reads: pydantic's draft 2020-12
output is adjusted where the two differ (``prefixItems`` becomes an ``items`` list,
``$defs`` becomes ``definitions``, a bound on a union becomes ``minimum``/``maximum``, a
``$ref`` with a description moves into ``allOf`` so the description is not ignored).

It checks what a file can say on its own: keys, types, allowed values, numeric bounds.
Rules across keys and files (exactly one of ``measure`` or ``formula``, names that must
exist, expressions that must parse) stay with ``kpisheet lint``, which reports them with
their place.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .schema import FileSpec

__all__ = ["DRAFT", "json_schema", "schema_text", "user_text"]

DRAFT = "http://json-schema.org/draft-07/schema#"
_TITLE = "kpisheet config"
_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
_DOC_REF = re.compile(r"\s*\((?:README|docs/)[^)\s]*\)|\b(?:README|docs/[\w.]+)#[\w-]+:?\s*")


def user_text(text: str) -> str:
    """A docstring or description as the schema and the reference show it: pointers to the
    README and docs (``(README#your-data)``, ``docs/excel.md#install:``) are left out, so each
    entry reads on its own in an editor's tooltip; ``double backticks`` become single."""
    return _DOC_REF.sub("", text).replace("``", "`").strip()


def _draft7(node: Any) -> Any:
    """Rewrite pydantic's 2020-12 keywords as draft-07 ones, recursively."""
    if isinstance(node, list):
        return [_draft7(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "prefixItems":  # a fixed-length tuple
            out["items"] = _draft7(value)
        elif key in _BOUNDS and "anyOf" in node:  # pydantic leaves a union's bound as ge/le
            out[_BOUNDS[key]] = value
        elif key == "description" and isinstance(value, str):
            out[key] = user_text(value)
        else:
            out[key] = _draft7(value)
    if "$ref" in out and len(out) > 1:  # draft-07 ignores a $ref's siblings (its description)
        out["allOf"] = [{"$ref": out.pop("$ref")}]
    return out


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of one config file, with every description and example."""
    raw = FileSpec.model_json_schema(ref_template="#/definitions/{model}")
    definitions = raw.pop("$defs", {})
    body = _draft7(raw)
    body["title"] = _TITLE
    schema: dict[str, Any] = {"$schema": DRAFT, **body}
    if definitions:
        schema["definitions"] = _draft7(definitions)
    return schema


def schema_text() -> str:
    """The schema as the committed ``kpisheet.schema.json`` holds it: in the models' order, 2-space indent."""
    return json.dumps(json_schema(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
