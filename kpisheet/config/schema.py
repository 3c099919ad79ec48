"""The config's schema: pydantic v2 models, unknown keys refused.

These models check the *shape* of each YAML file (types, required keys,
allowed values). Expressions are still text here; :mod:`.load` parses them and
:mod:`.rules` checks names across the whole config.

They are also the one source of the editor schema (``kpisheet schema``,
:mod:`.json_schema`) and of the config keys in ``docs/reference.md``: each model's
docstring and each field's ``description`` and ``examples`` are what an editor shows
while typing, so every field has them (a test checks) and they speak to the user.
"""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, model_validator

from ..periods import Grain

Number = Union[StrictInt, StrictFloat]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarSpec(_Strict):
    """The fiscal calendar: fiscal years, fiscal quarters, ytd and qtd follow it."""

    fiscal_year_start: StrictInt = Field(
        1, ge=1, le=12, description="The month the fiscal year starts, 1-12. A fiscal year is named by the "
        "calendar year in which it ends (with 4, FY2026 runs from April 2025 to March 2026).", examples=[4])


class CsvSpec(_Strict):
    """``csv:`` options of a source read from a CSV file (README#your-data)."""

    delimiter: Optional[Literal[",", ";", "\t", "|"]] = Field(
        None, description="The field separator. Default: sniffed among , ; tab and | from the first line.",
        examples=[";"])
    decimal: Literal[".", ","] = Field(".", description="The decimal separator of numbers.", examples=[","])
    thousands: Optional[Literal[".", ",", " ", "'", "\u00a0"]] = Field(
        None, description="The thousands separator of numbers, if any (none by default).", examples=["."])
    encoding: str = Field("utf-8", description="The file's text encoding; a byte-order mark is skipped.",
                          examples=["cp1252"])
    quotechar: str = Field('"', min_length=1, max_length=1, description="The character quoting fields that "
                           "hold the delimiter.", examples=["'"])

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
    """One joined source: ``on: {this_column: other_column}`` (README#your-data)."""

    on: dict[str, str] = Field(min_length=1, description="This source's column -> the joined source's column; "
                               "rows match where every pair is equal (as Excel's lookups: case and "
                               "surrounding spaces ignored).", examples=[{"item": "item"}])


class SourceSpec(_Strict):
    """A table of rows read from a workbook: a sheet, an Excel table or a range."""

    sheet: Optional[str] = Field(None, description="Read this whole sheet; the first row (or header_row) "
                                 "holds the column names.", examples=["Sales"])
    table: Optional[str] = Field(None, description="Read this Excel table (ListObject), by its name.",
                                 examples=["Invoices"])
    range: Optional[str] = Field(None, description="Read this range; its first row holds the column names.",
                                 examples=["Sales!A1:F500"])
    workbook: Optional[str] = Field(None, description="The workbook or CSV file to read, relative to this "
                                    "YAML file. Default: the workbook being evaluated.",
                                    examples=["../data/q3.xlsx", "orders.csv"])
    header_row: Optional[StrictInt] = Field(None, ge=1, description="The row holding the column names "
                                            "(sheet only; default 1). With N rows above the data, N+1.",
                                            examples=[3])
    columns: dict[str, str] = Field(default_factory=dict, description="Names used in kpisheet -> header "
                                    "text in the sheet, for headers that are not identifiers or to rename. "
                                    "The names date and account have a meaning: the row's date and account.",
                                    examples=[{"date": "Order Date", "account": "Customer", "amount": "Net Revenue"}])
    # --- v2, real data in (README#your-data) ---
    csv: Optional[CsvSpec] = Field(None, description="How to read a CSV file: delimiter (default: sniffed "
                                   "among , ; tab |), decimal, thousands, encoding (default utf-8; a BOM is "
                                   "skipped), quotechar.",
                                   examples=[{"delimiter": ";", "decimal": ",", "thousands": ".",
                                              "encoding": "cp1252"}])
    date_format: Optional[str] = Field(None, min_length=2, description="strftime codes reading text dates of "
                                       "the date column (and of any column compared with a date). Without "
                                       "it: date cells, Excel serials or ISO text.", examples=["%d/%m/%Y"])
    where: Union[str, StrictBool, None] = Field(None, description="Rows kept: a filter over the source's own "
                                                "columns, applied before joins and KPIs; rows dropped are not "
                                                "type-checked (totals, footers, test accounts).",
                                                examples=["account != 'TOTAL'"])
    join: dict[str, JoinSpec] = Field(default_factory=dict, description="Other sources joined to each row (left, "
                                      "many to one); their columns are read as SOURCE.column.",
                                      examples=[{"menu": {"on": {"item": "item"}}}])
    derive: dict[str, Union[str, Number, StrictBool]] = Field(
        default_factory=dict, description="Columns computed row by row, in order, each seeing those before it.",
        examples=[{"amount": "qty * menu.price", "big": "amount >= 100"}])
    date: Optional[Literal["none"]] = Field(None, description="none: a snapshot source without time; its KPIs "
                                            "have the one period 'all'.", examples=["none"])
    # --- v2, past Excel's million rows (README#when-the-data-outgrows-the-workbook) ---
    parquet: Optional[str] = Field(None, min_length=1, description=(
        "A Parquet file or a glob of them, relative to this YAML file: read through DuckDB, computed "
        "there, never loaded whole (README#when-the-data-outgrows-the-workbook)."), examples=["data/invoices/*.parquet"])
    sql: Optional[str] = Field(None, min_length=1, description=(
        "A SELECT run on `connection`: the source's where/join/derive, the KPIs' filters and measures "
        "run in that database; only grouped results come back (README#when-the-data-outgrows-the-workbook)."),
        examples=["select posting_date, customer_id, net_amount from gl_lines"])
    connection: Optional[str] = Field(None, min_length=1, description=(
        "The database of a sql: source: a URL or ${ENV_VAR} read from the environment (passwords only "
        "there: lint flags one written here). Default: DuckDB in memory."),
        examples=["${KPISHEET_WAREHOUSE}", "duckdb:///srv/finance/gl.duckdb"])

    @property
    def in_database(self) -> bool:
        return self.parquet is not None or self.sql is not None

    @property
    def is_csv(self) -> bool:
        return self.workbook is not None and self.workbook.lower().endswith(".csv")

    @model_validator(mode="after")
    def _one_kind(self) -> "SourceSpec":
        if self.date_format is not None and "%" not in self.date_format:
            raise ValueError(f"date_format '{self.date_format}' has no strftime code such as %d, %m or %Y")
        given = [k for k in ("sheet", "table", "range") if getattr(self, k) is not None]
        if self.in_database:  # README#when-the-data-outgrows-the-workbook: parquet: or sql:, and nothing of a workbook
            other = [k for k in ("parquet", "sql", "sheet", "table", "range", "workbook", "header_row", "csv")
                     if getattr(self, k) is not None][1:]
            if other or (self.connection is not None and self.sql is None):
                raise ValueError("a parquet: or sql: source takes none of " + ", ".join(other or ["connection"])
                                 + (" (connection: goes with sql:)" if self.connection is not None and
                                    self.sql is None else ""))
            return self
        if self.connection is not None:
            raise ValueError("connection: goes with sql:")
        if len(given) > 1 or (not given and not self.is_csv):
            raise ValueError("a source needs exactly one of sheet, table or range"
                             + (f" (got {', '.join(given)})" if given else " (a CSV file named by workbook: needs none)"))
        if self.header_row is not None and self.sheet is None and not self.is_csv:
            raise ValueError("header_row applies to a sheet or a CSV file only")
        return self


class Thresholds(_Strict):
    """Status bands. higher_is_better: value >= green is green, >= amber amber, else red;
    lower_is_better: <= green, <= amber; on_target: |value - target| <= green, <= amber."""

    green: Union[Number, str] = Field(description="The bound of green (for on_target: the distance from the "
                                      "target): a number or a formula.", examples=[100000, "budget_revenue"])
    amber: Union[Number, str] = Field(description="The bound of amber (for on_target: the distance from the "
                                      "target): a number or a formula.", examples=[90000, "0.9 * budget_revenue"])


Direction = Literal["higher_is_better", "lower_is_better", "on_target"]


class KpiSpec(_Strict):
    """A named, time-bound value: a measure over a source, or a formula over other KPIs."""

    description: Optional[str] = Field(None, description="What is counted, in words (lint's S finding "
                                       "wants one).", examples=["Net invoiced revenue, cancelled orders excluded"])
    source: Optional[str] = Field(None, description="The source a measure reads (a name under sources).",
                                  examples=["sales"])
    measure: Optional[str] = Field(None, description="An aggregate over the source's rows: sum, average, "
                                   "median, min, max or count_distinct of a column, or count(). Exactly one "
                                   "of measure or formula.", examples=["sum(amount)", "count()"])
    formula: Optional[str] = Field(None, description="An expression over other KPIs (see the expression "
                                   "functions). Exactly one of measure or formula.",
                                   examples=["revenue / prev(revenue) - 1"])
    filter: Optional[str] = Field(None, description="A measure counts only the rows where this expression "
                                  "over the source's columns holds.", examples=["status != 'cancelled'"])
    date: Optional[str] = Field(None, description="The column placing rows in periods (default: date).",
                                examples=["invoice_date"])
    grain: Optional[Grain] = Field(None, description="The grain of the default period, when none is given "
                                   "(default: month).", examples=["month"])
    unit: Optional[str] = Field(None, description="Free text shown with the value; % means a ratio shown as "
                                "a percentage, a currency code (EUR) a currency in reports.",
                                examples=["EUR", "%", "clients"])
    owner: Optional[str] = Field(None, description="Who answers for this KPI (lint's R finding wants one).",
                                 examples=["Finance"])
    target: Union[Number, str, dict[Grain, Union[Number, str]], None] = Field(
        None, description="A number, a formula (such as another KPI: a budget per period and account), or a "
        "mapping per grain of either; at a grain the mapping lacks there is no target.",
        examples=[100000, "budget_revenue", {"month": 100000, "quarter": 300000, "year": 1200000}])
    direction: Direction = Field("higher_is_better", description="Which side of the target is good.",
                                 examples=["lower_is_better"])
    thresholds: Union[Thresholds, dict[Grain, Thresholds], None] = Field(
        None, description="Status bands, or a mapping per grain of them. Without them, green is the target and "
        "amber 10 % of |target| on the bad side of it.",
        examples=[{"green": 100000, "amber": 90000}, {"month": {"green": 100000, "amber": 90000}}])
    when_empty: Literal["zero", "na"] = Field(
        "zero", description="What a sum or count over a period without rows gives: zero (default), or na "
        "(#N/A: what a budget wants, so that a month without a budget line has no target).", examples=["na"])

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
    """One key-account criterion: a formula evaluated per account, scored on a scale."""

    formula: str = Field(description="An expression evaluated for each account.",
                         examples=["share(revenue)", "attr(strategic_value)"])
    weight: Number = Field(0, ge=0, description="Its weight in the score; 0 (the default): shown, not "
                           "scored.", examples=[50])
    scale: Optional[tuple[Number, Number]] = Field(None, description="[low, high]: points = weight x "
                                                   "clamp((value - low) / (high - low), 0, 1). Needed with a "
                                                   "weight.", examples=[[0, 0.25]])

    @model_validator(mode="after")
    def _scale(self) -> "CriterionSpec":
        if self.scale is not None and self.scale[0] == self.scale[1]:
            raise ValueError("the two ends of scale are equal")
        if self.weight and self.scale is None:
            raise ValueError("a criterion with a weight needs a scale: [low, high]")
        return self


class KeyAccountsSpec(_Strict):
    """Which accounts are key: criteria scored per account, a rule, and tiers."""

    attributes: Optional[str] = Field(None, description="A source with one row per account: column "
                                      "account, then attributes read with attr(column).", examples=["accounts"])
    grain: Grain = Field(Grain.YEAR, description="The grain key accounts are judged at (default: year).",
                         examples=["quarter"])
    criteria: dict[str, CriterionSpec] = Field(default_factory=dict, description="Criterion name -> "
                                               "formula, weight and scale.",
                                               examples=[{"revenue_share": {"formula": "share(revenue)",
                                                                            "weight": 50, "scale": [0, 0.25]}}])
    key_if: Union[StrictBool, str] = Field(description="An account is key where this holds; it may use "
                                           "score, criterion names and KPI functions.",
                                           examples=["score >= 60 or pareto(revenue) < 0.8"])
    tiers: dict[str, Union[StrictBool, str]] = Field(min_length=1, description="Tier name -> condition, "
                                                     "in order: the first that holds wins.",
                                                     examples=[{"A": "score >= 80", "B": "score >= 60", "C": True}])


class FileSpec(_Strict):
    """One YAML file of a kpisheet config. In a folder, the sections of every file are merged."""

    version: Literal[1] = Field(1, description="The config format's version.", examples=[1])
    calendar: Optional[CalendarSpec] = Field(None, description="The fiscal calendar (default: fiscal year "
                                             "= calendar year).")
    sources: dict[str, SourceSpec] = Field(default_factory=dict, description="Source name -> where its "
                                           "rows are read.")
    kpis: dict[str, KpiSpec] = Field(default_factory=dict, description="KPI name -> definition. Names are "
                                     "identifiers: letters, digits, _.")
    key_accounts: Optional[KeyAccountsSpec] = Field(None, description="Key-account rules: criteria, "
                                                    "score, key_if and tiers.")
