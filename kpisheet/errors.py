"""Every error kpisheet raises, in one tree.

    KpisheetError               anything a user can fix; the CLI prints it as
    │                           ``error: PLACE: what is wrong`` and exits 2
    ├── ConfigError             the YAML config: syntax, schema, names, cycles
    ├── WorkbookError           a workbook or CSV: missing, damaged, protected,
    │                           missing sheet or column, text where numbers belong
    └── EvaluationError         a request that cannot be evaluated: bad period,
                                unknown KPI or account asked on the command line

Errors *inside results* (``#DIV/0!``, ``#N/A`` ...) are not exceptions: they are
values that propagate through formulas, see :mod:`kpisheet.xlerrors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Mark:
    """Where something was written: file, 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def shifted(self, offset: int) -> "Mark":
        """The mark ``offset`` characters further on the same line."""
        return Mark(self.file, self.line, self.col + offset)


@dataclass(frozen=True)
class Problem:
    """One finding: a place (``file:line:col`` or ``file!Sheet!A12``) and a message."""

    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


class KpisheetError(Exception):
    """Base of every error a user can fix. Holds one or more problems."""

    def __init__(self, problems: Iterable[Problem] | str, place: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(place, problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        """One ``error: PLACE: message`` line per problem."""
        return [f"error: {p}" for p in self.problems]


class ConfigError(KpisheetError):
    """The config cannot be loaded: every problem found, each with its place."""


class WorkbookError(KpisheetError):
    """A workbook or CSV cannot be read as the config says."""


class EvaluationError(KpisheetError):
    """A request cannot be answered: a bad period or an unknown KPI.

    ``kind`` is the Excel error text a cell shows for it (``#VALUE!`` for a
    period that cannot be read, ``#NAME?`` for an unknown KPI).
    """

    def __init__(self, problems: Iterable[Problem] | str, place: str = "", kind: str = "#VALUE!") -> None:
        super().__init__(problems, place)
        self.kind = kind
