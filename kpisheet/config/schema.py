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


class CsvSpec(_Strict):
    """``csv:`` options of a source read from a CSV file (SPEC §7.1)."""

    delimiter: Optional[Literal[",", ";", "\t", "|"]] = None  # None: sniffed
    decimal: Literal[".", ","] = "."
    thousands: Optional[Literal[".", ",", " ", "'", "\u00a0"]] = None
    encoding: str = "utf-8"
    quotechar: str = Field('"', min_length=1, max_length=1)

    @model_validator(mode="after")
    def _separators(self) -> "CsvSpec":
        if self.thousands is not None and self.thousands == self.decimal:
            raise ValueError(f"decimal and thousands are both '{self.decimal}'")
        if self.delimiter is not None and self.delimiter in (self.decimal, self.thousands):
            raise ValueError(f"the delimiter '{self.delimiter}' is also a number separator")
        import codecs

        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"unknown encoding '{self.encoding}' (for example utf-8, cp1252, latin-1)") from None
        return self


class JoinSpec(_Strict):
    """One joined source: ``on: {this_column: other_column}`` (SPEC §7.2)."""

    on: dict[str, str] = Field(min_length=1)


class SourceSpec(_Strict):
    sheet: Optional[str] = None
    table: Optional[str] = None
    range: Optional[str] = None
    workbook: Optional[str] = None
    header_row: Optional[StrictInt] = Field(None, ge=1)
    columns: dict[str, str] = Field(default_factory=dict)
    # --- v2, real data in (SPEC §7) ---
    csv: Optional[CsvSpec] = None
    date_format: Optional[str] = Field(None, min_length=2)
    where: Union[str, StrictBool, None] = None
    join: dict[str, JoinSpec] = Field(default_factory=dict)
    derive: dict[str, Union[str, Number, StrictBool]] = Field(default_factory=dict)
    date: Optional[Literal["none"]] = None  # none: a snapshot source, without time (SPEC §7.4)
    # --- v2, past Excel's million rows (SPEC §10) ---
    parquet: Optional[str] = Field(None, min_length=1, description=(
        "a Parquet file or a glob of them, relative to this YAML file; read through DuckDB, never loaded whole"))
    sql: Optional[str] = Field(None, min_length=1, description=(
        "a SELECT run on `connection`; the source's pipeline, filters and measures run in that database"))
    connection: Optional[str] = Field(None, min_length=1, description=(
        "a database URL or ${ENV_VAR} (credentials from the environment only); default: DuckDB in memory"))

    @property
    def in_database(self) -> bool:
        return self.parquet is not None or self.sql is not None

    @property
    def is_csv(self) -> bool:
        return self.workbook is not None and self.workbook.lower().endswith(".csv")

    @model_validator(mode="after")
    def _one_kind(self) -> "SourceSpec":
        given = [k for k in ("sheet", "table", "range") if getattr(self, k) is not None]
        if self.in_database:  # SPEC §10: parquet: or sql:, and nothing of a workbook
            other = [k for k in ("parquet", "sql", "sheet", "table", "range", "workbook", "header_row", "csv",
                                 "date_format") if getattr(self, k) is not None][1:]
            if other or (self.connection is not None and self.sql is None):
                raise ValueError("a parquet: or sql: source takes none of " + ", ".join(other or ["connection"])
                                 + (" (connection: goes with sql:)" if self.connection is not None and
                                    self.sql is None else ""))
            if self.date is not None:
                raise ValueError("date: none is not supported for parquet: and sql: sources yet")
            return self
        if self.connection is not None:
            raise ValueError("connection: goes with sql:")
        if len(given) > 1 or (not given and not self.is_csv):
            raise ValueError("a source needs exactly one of sheet, table or range"
                             + (f" (got {', '.join(given)})" if given else " (a CSV file named by workbook: needs none)"))
        if self.header_row is not None and self.sheet is None and not self.is_csv:
            raise ValueError("header_row applies to a sheet or a CSV file only")
        if self.date_format is not None and "%" not in self.date_format:
            raise ValueError(f"date_format '{self.date_format}' has no strftime code such as %d, %m or %Y")
        return self


class Thresholds(_Strict):
    green: Number
    amber: Number


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
    target: Union[Number, str, None] = None
    direction: Direction = "higher_is_better"
    thresholds: Optional[Thresholds] = None

    @model_validator(mode="after")
    def _measure_or_formula(self) -> "KpiSpec":
        if (self.measure is None) == (self.formula is None):
            raise ValueError("a KPI needs exactly one of measure or formula")
        if self.measure is not None and self.source is None:
            raise ValueError("a measure needs a source")
        if self.formula is not None:
            extra = [k for k in ("source", "filter", "date") if getattr(self, k) is not None]
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
