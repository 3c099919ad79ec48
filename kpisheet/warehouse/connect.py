"""Database connections of ``sql:`` and ``parquet:`` sources (README#when-the-data-outgrows-the-workbook), through Ibis.

A ``connection:`` is a URL (``duckdb:///data/gl.duckdb``, ``postgres://user@host/db``) or
``${NAME}``, read from the environment; none means the default DuckDB, in memory, that
``parquet:`` sources share. Credentials come from the environment only; every text that
may reach a user shows a URL through :func:`redact`, never with its password.
"""

from __future__ import annotations

import os
import re
import weakref
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

from ..errors import WorkbookError

DEFAULT = ""  # the key of the default DuckDB in memory
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}\Z")


def redact(url: str) -> str:
    """``postgres://ann:secret@db/x`` -> ``postgres://ann:***@db/x``; other text unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a connection URL)"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def has_password(url: str) -> bool:
    """Whether a URL written in the YAML carries a password (a lint finding,
    README#when-the-data-outgrows-the-workbook)."""
    if _ENV.match(url.strip()):
        return False
    try:
        parts = urlsplit(url)
        return bool(parts.password) or "password=" in (parts.query or "").lower()
    except ValueError:
        return False


def resolve(connection: Optional[str], place: str) -> str:
    """The URL a ``connection:`` names (``${NAME}`` read from the environment); DEFAULT for none."""
    if connection is None:
        return DEFAULT
    text = connection.strip()
    env = _ENV.match(text)
    if env:
        value = os.environ.get(env.group(1))
        if not value:
            raise WorkbookError(f"connection: the environment variable {env.group(1)} is not set", place=place)
        return value
    return text


class Connections:
    """Open Ibis backends, one per URL, opened when first asked for, closed with this object
    (a PostgreSQL connection left to the garbage collector is a ResourceWarning)."""

    def __init__(self) -> None:
        self._open: dict[str, Any] = {}
        weakref.finalize(self, _close, self._open)

    def get(self, url: str, place: str) -> Any:
        if url not in self._open:
            try:
                import ibis
            except ImportError:
                raise WorkbookError("parquet: and sql: sources need kpisheet's extra: pip install "
                                    "'kpisheet[warehouse]'", place=place) from None

            shown = "the default DuckDB" if url == DEFAULT else redact(url)
            try:
                con = ibis.duckdb.connect() if url == DEFAULT else ibis.connect(url)
                if getattr(con, "name", "") == "duckdb":  # its progress bar would write over our output
                    con.raw_sql("SET enable_progress_bar = false")
                self._open[url] = con
            except ImportError as exc:
                raise WorkbookError(f"cannot connect to {shown}: its driver is not installed ({exc.name or exc}); "
                                    "install kpisheet's extra: pip install 'kpisheet[warehouse]' (or [postgres])",
                                    place=place) from None
            except Exception as exc:  # a driver's message may hold the URL: say what failed without it
                text = " ".join(str(exc).replace(url, shown).split())[:160]
                raise WorkbookError(f"cannot connect to {shown}: {type(exc).__name__}: {text}", place=place) from None
        return self._open[url]


def _close(backends: dict[str, Any]) -> None:
    for con in backends.values():
        try:
            con.disconnect()
        except Exception:  # closing at exit: a connection already gone has nothing left to release
            pass
    backends.clear()
