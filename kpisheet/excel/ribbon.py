"""The **Refresh** button of the KPIs ribbon tab: :func:`main` (``kpisheet.main()``).

The add-in's callback runs ``import kpisheet; kpisheet.main()`` through xlwings'
``RunPython``, with the active workbook as ``xw.Book.caller()``. Refresh then:

1. sets the workbook's Refresh marker (a hidden defined name, :func:`~.live.mark_refreshed`),
   part of the cache key of the process that evaluates the cells, which is not this one
   (the add-in runs Refresh in a Python of its own), forgets what this process keeps,
   and reads the config (docs/excel.md order) and the workbook's data again;
2. registers the functions again when the add-in's copy of them differs from this
   version of :mod:`kpisheet.excel.udfs` (Windows only: xlwings' functions need COM);
3. recalculates every formula of the open workbooks (a full calculation, so that
   kpisheet's cells, which depend on no data cell, are computed again);
4. writes what ``kpisheet lint`` would say, over the data as it is in Excel, to a sheet
   named ``KPI Check`` (made when missing, cleared otherwise).

A config that cannot be loaded is written to ``KPI Check`` too; anything else that goes
wrong is one line in a message box and a traceback in the log file. Never a traceback box.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..config import Config
from ..config.discover import find_config
from ..errors import KpisheetError
from ..lint import Finding, lint
from .live import REFRESH_NAME, WORKSPACE, Workspace, book_path, mark_refreshed
from .logfile import log_to_file

__all__ = ["CHECK_SHEET", "RefreshReport", "check_rows", "main", "one_line", "refresh", "register_functions", "tell"]

CHECK_SHEET = "KPI Check"
HEADER = ["Place", "Severity", "KPI", "SMART", "Message"]
log = logging.getLogger(__name__)


@dataclass
class RefreshReport:
    """What one Refresh did, as written at the top of ``KPI Check``."""

    workbook: str
    config: Optional[str] = None
    findings: list[Finding] = field(default_factory=list)
    registered: str = ""
    recalculated: bool = False


def main() -> None:
    """Refresh the workbook the ribbon button was clicked in. Never raises: whatever goes
    wrong (a protected sheet, Excel busy, a bug) is one line in a message box, and the
    whole story in the log file (:func:`~.logfile.log_file`)."""
    import xlwings as xw

    path = log_to_file()
    book: Any = None
    try:
        book = xw.Book.caller()
        report = refresh(book)
        log.info("Refresh of %s: %d findings; functions: %s", report.workbook, len(report.findings),
                 report.registered or "-")
    except Exception as exc:
        log.exception("Refresh failed")
        tell(book, f"kpisheet Refresh failed: {one_line(exc)} (details in {path})")


def one_line(exc: BaseException) -> str:
    """An exception as one line: its kpisheet message, else its type and text."""
    if isinstance(exc, KpisheetError) and exc.problems:
        text = f"{exc.problems[0].place}: {exc.problems[0].message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:300]


def tell(book: Any, message: str) -> None:
    """A message box in Excel (``App.alert``); nothing when there is no Excel to show it."""
    try:
        book.app.alert(message, title="kpisheet")
    except Exception:
        log.warning("could not show: %s", message, exc_info=True)


def refresh(book: Any, workspace: Workspace = WORKSPACE, register: bool = True) -> RefreshReport:
    report = RefreshReport(workbook=str(book_path(book)))
    workspace.clear()
    marked = _mark(book)  # tells the process that evaluates the cells (not this one) to read again
    config: Optional[Config] = None
    try:
        report.config = str(find_config(book_path(book)))
        config = workspace.config_for(book_path(book))
    except KpisheetError as exc:
        report.findings = [Finding(p.place, "error", "", "", p.message) for p in exc.problems]
    if config is not None:
        report.findings = _lint(config, workspace, book)
    if marked is not None:
        report.findings.insert(0, marked)
    if register:
        report.registered = register_functions(book)
    report.recalculated = _recalculate(book)
    write_check(book, report)
    return report


def _mark(book: Any) -> Optional[Finding]:
    """Set the Refresh marker; a workbook that refuses it is a warning, not a failed Refresh."""
    try:
        mark_refreshed(book)
        return None
    except Exception as exc:
        log.warning("could not set the Refresh marker", exc_info=True)
        return Finding(str(book_path(book)), "warning", "", "",
                       f"the cells may show the data as it was before this Refresh until Excel is restarted: "
                       f"the workbook refused the hidden name {REFRESH_NAME} ({one_line(exc)})")


def _lint(config: Config, workspace: Workspace, book: Any) -> list[Finding]:
    """SMART findings over the data as Excel holds it now (``lint`` reads the file on disk)."""
    try:
        engine = workspace.engine_for(book)
    except KpisheetError as exc:
        return [Finding(p.place, "error", "", "M", p.message) for p in exc.problems]
    return list(lint(config, engine=engine))


def check_rows(report: RefreshReport) -> list[list[Any]]:
    """The cells of ``KPI Check``: a title, the header, one row a finding."""
    when = dt.datetime.now().replace(microsecond=0)
    title = f"kpisheet Refresh at {when:%Y-%m-%d %H:%M:%S}: {report.workbook}"
    config = f"config: {report.config or 'none found'}"
    rows: list[list[Any]] = [[title, "", "", "", ""], [config, "", "", "", ""]]
    if report.registered:
        rows.append([f"functions: {report.registered}", "", "", "", ""])
    rows.append(["", "", "", "", ""])
    rows.append(list(HEADER))
    for f in report.findings:
        rows.append([f.place, f.severity, f.kpi, f.letter, f.message])
    if not report.findings:
        rows.append(["", "", "", "", "No findings: every KPI is specific, measurable, achievable, relevant and time-bound."])
    return rows


def write_check(book: Any, report: RefreshReport) -> Any:
    sheets = list(book.sheets)
    sheet = next((s for s in sheets if str(s.name).casefold() == CHECK_SHEET.casefold()), None)
    if sheet is None:
        sheet = book.sheets.add(CHECK_SHEET, after=sheets[-1] if sheets else None)
    else:
        sheet.used_range.clear_contents()
    rows = check_rows(report)
    sheet.range((1, 1), (len(rows), len(HEADER))).value = rows
    try:
        sheet.autofit()
    except Exception:  # cosmetics only
        pass
    return sheet


def _recalculate(book: Any) -> bool:
    """A full calculation: kpisheet's cells depend on no data cell, so a plain one skips them."""
    app = book.app
    api = getattr(app, "api", None)
    for name in ("CalculateFull", "calculate_full"):  # Windows COM / macOS appscript
        method = getattr(api, name, None) if api is not None else None
        if callable(method):
            try:
                method()
                return True
            except Exception:
                log.debug("%s failed; falling back to calculate()", name, exc_info=True)
    app.calculate()
    return True


# --- registering the functions in the add-in (Windows) -----------------------------------------


def _signatures(vba: str) -> list[str]:
    """The lines that say which functions the VBA registers, compared as VBA compares
    names: without case (the VBA editor recases identifiers as it pleases)."""
    return sorted(line.strip().casefold() for line in vba.splitlines()
                  if line.strip().casefold().startswith(("function ", "sub ")) or "xlpy.calludf(" in line.casefold())


def wanted_vba(addin_name: str = "kpisheet.xlam") -> str:
    """The VBA xlwings writes for :mod:`kpisheet.excel.udfs` (needs ``xlwings.udfs``)."""
    import importlib

    from xlwings import udfs as xludfs

    from .udfs import MODULE

    module = importlib.import_module(MODULE)
    out = io.StringIO()
    xludfs.generate_vba_wrapper(MODULE, module, out, _Named(addin_name))  # type: ignore[no-untyped-call]  # xlwings is untyped
    return out.getvalue()


@dataclass
class _Named:
    Name: str  # noqa: N815 - what xlwings reads of a COM workbook


TRUST = ("in Excel allow File > Options > Trust Center > Trust Center Settings > Macro Settings > "
         "Trust access to the VBA project object model (locked by policy: see docs/excel.md)")
_UDFS_COMPONENT = "xlwings_udfs"  # the VBA module xlwings writes the functions into


def register_functions(book: Any, platform: Optional[str] = None) -> str:
    """Import the functions into the kpisheet add-in when its copy differs; says what it did.

    Never into the user's workbook: without access to the add-in's VBA project nothing is
    tried (xlwings' fallback, the template's ``ImportXlwingsUdfsModule``, imports into the
    *active* workbook), and a copy xlwings put into ``book`` all the same is removed again."""
    platform = platform or sys.platform
    if not platform.startswith("win"):
        return "not registered: xlwings runs Excel functions on Windows only"
    from .addin import ADDIN_NAME
    from .udfs import MODULE

    try:
        from xlwings import udfs as xludfs

        addin = book.app.books[ADDIN_NAME]
        try:
            components = addin.api.VBProject.VBComponents
            components.Count  # noqa: B018 - raises when the VBA project is not trusted
        except Exception as exc:
            # registered functions keep working without access; only this check cannot run
            return (f"not checked (no access to the add-in's VBA project: {type(exc).__name__}); "
                    f"if kpisheet cells show #NAME?, {TRUST}")
        current = _component_text(lambda: components)
        if current and _signatures(current) == _signatures(wanted_vba(ADDIN_NAME)):
            return "up to date"
        had_own = _component_text(lambda: _components(book)) is not None
        xludfs.import_udfs(MODULE, addin.api)  # type: ignore[no-untyped-call]  # xlwings is untyped
        if not had_own and _component_text(lambda: _components(book)) is not None:
            _components(book).Remove(_components(book)(_UDFS_COMPONENT))
            return (f"not registered: xlwings wrote the functions into {book.name} instead of the add-in "
                    "(removed again); close other workbooks and click Refresh again")
        try:
            addin.save()
        except Exception:  # registered for this session; saved next time
            log.debug("could not save the add-in", exc_info=True)
        return "registered"
    except Exception as exc:
        return f"not registered ({type(exc).__name__}: {exc}); {TRUST}"


def _components(book: Any) -> Any:
    return book.api.VBProject.VBComponents


def _component_text(components: Callable[[], Any]) -> Optional[str]:
    """The text of the functions' VBA module; None when there is none (or no access)."""
    try:
        module = components()(_UDFS_COMPONENT).CodeModule
        count = module.CountOfLines
        return str(module.Lines(1, count)) if count else ""
    except Exception:
        return None
