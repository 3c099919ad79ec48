"""Excel's error kinds, as values that travel inside results (docs/reference.md#errors-and-statuses).

Inside the engine an error is a small integer code stored beside each value
(0 = no error), so that whole grids of periods × accounts propagate errors with
numpy operations. At the doors (CLI, Excel, recalc) a code becomes its text.
"""

from __future__ import annotations

import enum


class XlError(enum.IntEnum):
    """An Excel error kind. The integer is the code used in error grids."""

    DIV0 = 1
    NA = 2
    VALUE = 3
    NAME = 4
    NUM = 5
    # error cells read from sources (README#your-data) may be any of Excel's kinds
    REF = 6
    NULL = 7
    SPILL = 8
    CALC = 9
    GETTING_DATA = 10
    FIELD = 11
    BLOCKED = 12
    CONNECT = 13
    BUSY = 14
    UNKNOWN = 15

    @property
    def text(self) -> str:
        return _TEXT[self]

    @classmethod
    def from_text(cls, text: str) -> "XlError | None":
        return _BY_TEXT.get(text.strip().upper().split(" ")[0])

    def __str__(self) -> str:
        return self.text


_TEXT = {
    XlError.DIV0: "#DIV/0!",
    XlError.NA: "#N/A",
    XlError.VALUE: "#VALUE!",
    XlError.NAME: "#NAME?",
    XlError.NUM: "#NUM!",
    XlError.REF: "#REF!",
    XlError.NULL: "#NULL!",
    XlError.SPILL: "#SPILL!",
    XlError.CALC: "#CALC!",
    XlError.GETTING_DATA: "#GETTING_DATA",
    XlError.FIELD: "#FIELD!",
    XlError.BLOCKED: "#BLOCKED!",
    XlError.CONNECT: "#CONNECT!",
    XlError.BUSY: "#BUSY!",
    XlError.UNKNOWN: "#UNKNOWN!",
}
_BY_TEXT = {v: k for k, v in _TEXT.items()}

