"""The config's schema: pydantic v2 models, unknown keys refused.

These models check the *shape* of each YAML file (types, required keys,
allowed values). Expressions are still text here; :mod:`.load` parses them and
:mod:`.rules` checks names across the whole config.
"""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, model_validator

from ..periods import Grain

Number = Union[StrictInt, StrictFloat]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarSpec(_Strict):
    fiscal_year_start: StrictInt = Field(1, ge=1, le=12)


class SourceSpec(_Strict):
    sheet: Optional[str] = None
    table: Optional[str] = None
    range: Optional[str] = None
    workbook: Optional[str] = None
    header_row: Optional[StrictInt] = Field(None, ge=1)
    columns: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_kind(self) -> "SourceSpec":
        given = [k for k in ("sheet", "table", "range") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a source needs exactly one of sheet, table or range"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.header_row is not None and self.sheet is None:
            raise ValueError("header_row applies to a sheet only")
        return self


class Thresholds(_Strict):
    green: Union[Number, str]  # v2 (SPEC §8.3): a number or a formula
    amber: Union[Number, str]


Direction = Literal["higher_is_better", "lower_is_better", "on_target"]


class KpiSpec(_Strict):
    description: Optional[str] = None
    source: Optional[str] = None
    measure: Optional[str] = None
    formula: Optional[str] = None
    filter: Optional[str] = None
    date: Optional[str] = None
    grain: Optional[Grain] = None
    unit: Optional[str] = None
    owner: Optional[str] = None
    target: Union[Number, str, dict[Grain, Union[Number, str]], None] = None  # v2: or a mapping per grain
    direction: Direction = "higher_is_better"
    thresholds: Union[Thresholds, dict[Grain, Thresholds], None] = None  # v2: or a mapping per grain
    # SPEC §8.3 (v2)
    when_empty: Literal["zero", "na"] = "zero"

    @model_validator(mode="after")
    def _measure_or_formula(self) -> "KpiSpec":
        if (self.measure is None) == (self.formula is None):
            raise ValueError("a KPI needs exactly one of measure or formula")
        if self.measure is not None and self.source is None:
            raise ValueError("a measure needs a source")
        if self.formula is not None:
            extra = [k for k in ("source", "filter", "date") if getattr(self, k) is not None]
            if self.when_empty != "zero":
                extra.append("when_empty")
            if extra:
                raise ValueError(f"{', '.join(extra)} applies to a measure, not a formula")
        return self


class CriterionSpec(_Strict):
    formula: str
    weight: Number = Field(0, ge=0)
    scale: Optional[tuple[Number, Number]] = None

    @model_validator(mode="after")
    def _scale(self) -> "CriterionSpec":
        if self.scale is not None and self.scale[0] == self.scale[1]:
            raise ValueError("the two ends of scale are equal")
        if self.weight and self.scale is None:
            raise ValueError("a criterion with a weight needs a scale: [low, high]")
        return self


class KeyAccountsSpec(_Strict):
    attributes: Optional[str] = None
    grain: Grain = Grain.YEAR
    criteria: dict[str, CriterionSpec] = Field(default_factory=dict)
    key_if: Union[StrictBool, str]
    tiers: dict[str, Union[StrictBool, str]] = Field(min_length=1)


class FileSpec(_Strict):
    """One YAML file. In a folder, the sections of every file are merged."""

    version: Literal[1] = 1
    calendar: Optional[CalendarSpec] = None
    sources: dict[str, SourceSpec] = Field(default_factory=dict)
    kpis: dict[str, KpiSpec] = Field(default_factory=dict)
    key_accounts: Optional[KeyAccountsSpec] = None
