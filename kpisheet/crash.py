"""The last line of defence of the command line: an error nobody foresaw (README#hostile-and-broken-input).

Every error a user can fix is a :class:`~kpisheet.errors.KpisheetError` and is printed
by the CLI as ``error: PLACE: what is wrong``. Anything else that escapes a command (a
bug, ``MemoryError``, ``RecursionError``) is reported here as one line,
``error: internal: PLACE: what happened``, where PLACE is the file the command was
working on; the traceback is shown only with ``kpisheet --debug``.
"""

from __future__ import annotations

import sys
import traceback
from typing import Optional, Sequence

import click

from .safetext import printable

#: The parameters that name the file a command works on, most telling first.
_PLACE_PARAMS = ("workbook", "config", "directory")


def command_place(args: Sequence[str], group: click.Group) -> Optional[str]:
    """The file the command line ``args`` works on (its WORKBOOK, CONFIG or DIRECTORY)."""
    try:
        words = [a for a in args if a != "--debug"]
        name = next((a for a in words if not a.startswith("-")), None)
        command = group.commands.get(name or "")
        if command is None:
            return None
        rest = words[words.index(name) + 1:] if name is not None else []
        ctx = command.make_context(name or "", list(rest), resilient_parsing=True)
        for param in _PLACE_PARAMS:
            value = ctx.params.get(param)
            if value:
                return str(value)
    except Exception:  # noqa: BLE001 - a place is a courtesy; never fail while reporting
        return None
    return None


def describe(exc: BaseException) -> str:
    """What happened, in one line a user can pass on."""
    if isinstance(exc, MemoryError):
        return "out of memory (the input is larger than this machine can hold)"
    if isinstance(exc, RecursionError):
        return "the input nests too deeply to be processed"
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:199] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def report_internal(exc: BaseException, args: Sequence[str], group: click.Group, debug: bool) -> None:
    """Print ``error: internal: PLACE: ...`` (and the traceback with ``debug``) to stderr."""
    if debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    place = command_place(args, group)
    where = f"{printable(place)}: " if place else ""
    hint = "" if debug else " (run 'kpisheet --debug ...' for the traceback)"
    try:
        sys.stderr.write(f"error: internal: {where}{printable(describe(exc))}{hint}\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - stderr itself is gone: nothing left to tell
        pass
