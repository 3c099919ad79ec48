"""Stand-ins for the Windows-only modules xlwings' Windows code imports, so that xlwings'
own ``udfs.py`` and ``_xlwindows.py`` (argument conversion, ``call_udf``) run here.

Nothing of xlwings is replaced: only pywin32's modules (``pythoncom``, ``pywintypes``,
``win32api``, ``win32com.client`` ...) and the Windows DLL loaders of ``ctypes``, which
``_xlwindows`` touches at import. ``Dispatch(x)`` gives ``x`` back, and marshalling a COM
object between threads hands over the object itself: the COM objects are the test's own.
"""

from __future__ import annotations

import ctypes
import importlib
import sys
import types
from typing import Any

import pytest

__all__ = ["install"]


class _Anything:
    """Any attribute, any call: what ``ctypes.windll.user32`` gives at import time."""

    def __getattr__(self, name: str) -> "_Anything":
        return _Anything()

    def __call__(self, *args: Any, **kwargs: Any) -> "_Anything":
        return _Anything()


def _modules() -> dict[str, types.ModuleType]:
    def mod(name: str, **attrs: Any) -> types.ModuleType:
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        return m

    class com_error(Exception):  # noqa: N801 - pywin32's name
        hresult = 0

    class TimeType:  # pywintypes' COM date (never handed over here: dates arrive as datetime)
        pass

    iid_dispatch = object()
    pythoncom = mod("pythoncom", CoInitialize=lambda: None, IID_IDispatch=iid_dispatch, __file__="pythoncom.dll",
                    TypeIIDs={iid_dispatch: type("PyIDispatch", (), {})}, IID_IEnumVARIANT=object(),
                    CoMarshalInterThreadInterfaceInStream=lambda iid, obj: obj,
                    CoGetInterfaceAndReleaseStream=lambda stream, iid: stream)
    client = mod("win32com.client", CDispatch=type("CDispatch", (), {}), CoClassBaseClass=type("CoClass", (), {}),
                 DispatchBaseClass=type("DispatchBaseClass", (), {}), DispatchEx=lambda *a, **k: None,
                 Dispatch=lambda obj, *a, **k: obj)
    return {
        "pythoncom": pythoncom,
        "pywintypes": mod("pywintypes", com_error=com_error, TimeType=TimeType, IID=lambda s: s),
        "win32api": mod("win32api"), "win32con": mod("win32con"), "win32gui": mod("win32gui"),
        "win32process": mod("win32process", GetWindowThreadProcessId=lambda hwnd: (1, 4242)), "win32timezone": mod("win32timezone", TimeZoneInfo=None),
        "win32event": mod("win32event"),
        "win32com": mod("win32com", client=client), "win32com.client": client,
        "win32com.server": mod("win32com.server"), "win32com.server.dispatcher": mod("win32com.server.dispatcher"),
        "win32com.server.policy": mod("win32com.server.policy"), "win32com.server.util": mod("win32com.server.util"),
    }


def install(monkeypatch: pytest.MonkeyPatch) -> tuple[types.ModuleType, types.ModuleType]:
    """Import xlwings' ``_xlwindows`` and ``udfs`` with the stand-ins (which ``monkeypatch``
    removes after the test); :func:`uninstall` forgets the two modules again."""
    for name, module in _modules().items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(ctypes, "windll", _Anything(), raising=False)
    monkeypatch.setattr(ctypes, "oledll", _Anything(), raising=False)
    monkeypatch.setattr(ctypes, "PyDLL", lambda *a, **k: _Anything())
    for name in ("xlwings.udfs", "xlwings._xlwindows"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module("xlwings._xlwindows"), importlib.import_module("xlwings.udfs")


def uninstall() -> None:
    """Forget xlwings' Windows modules, so that the next import sees the real platform."""
    for name in ("xlwings.udfs", "xlwings._xlwindows", "xlwings._win32patch", "xlwings.com_server"):
        sys.modules.pop(name, None)
