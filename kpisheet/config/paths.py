"""Where a config's ``workbook:`` paths point (README#hostile-and-broken-input, paths).

A source's ``workbook:`` is relative to the YAML file that names it. Absolute paths and
paths that leave the config's folder (``../../etc/data.xlsx``) are allowed, since a shared
drive is a real place for data, but a config that reads from outside its own folder is
worth a second look before it runs in CI: :func:`workbook_path_notes` says which do, each
with the place of the path in the YAML, and ``lint`` reports them as warnings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import KpisheetError
from .model import Config
from .yamlload import load_yaml

_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\|//)")


@dataclass(frozen=True)
class PathNote:
    place: str
    source: str
    message: str


def is_absolute(text: str) -> bool:
    """An absolute path on POSIX or Windows (``/data``, ``~/data``, ``C:\\data``, ``\\\\server\\share``)."""
    return os.path.isabs(text) or text.startswith("~") or _WINDOWS_ABSOLUTE.match(text) is not None


def leaves_folder(folder: Path, text: str) -> bool:
    """Whether ``text``, read relative to ``folder``, names a file outside it (``..`` or absolute)."""
    base = os.path.normpath(os.path.abspath(folder))
    target = os.path.normpath(os.path.join(base, os.path.expanduser(text.replace("\\", "/"))))
    return os.path.commonpath([base, target]) != base


def _written(file: Path, source: str) -> tuple[Optional[str], Optional[str]]:
    """The ``workbook:`` text of ``source`` as written in ``file``, and its place."""
    try:
        data = load_yaml(file)
        spec = data["sources"][source]
        return str(spec["workbook"]), str(spec.value_marks["workbook"])
    except (KpisheetError, KeyError, TypeError, AttributeError):
        return None, None


def workbook_path_notes(config: Config) -> list[PathNote]:
    """One note for each source whose ``workbook:`` is absolute or leaves its config's folder."""
    notes: list[PathNote] = []
    for name, source in config.sources.items():
        if source.workbook is None:
            continue
        file = Path(source.mark.file)
        text, place = _written(file, name)
        if text is None:
            text = str(source.workbook)
        where = place or str(source.mark)
        if is_absolute(text):
            notes.append(PathNote(where, name, f"workbook path {text} is absolute: others and CI may not have "
                                               "that file; write it relative to the config"))
        elif leaves_folder(file.parent, text):
            notes.append(PathNote(where, name, f"workbook path {text} leaves the config's folder"))
    return notes
