"""CONVERT: a number from one unit of measure to another of the same kind.

The units are Excel's (names are case-sensitive) for mass, distance, time, pressure, force,
energy, power, magnetism, temperature, volume, area, information and speed, each with its
factor to the kind's SI base (exact where the unit is defined exactly). Metric units take
Excel's decimal prefixes (``km``, ``mg``, ``kWh`` ...), bit and byte also the binary ones
(``kibyte``, ``Mibit`` ...). An unknown unit, or two units of different kinds, is ``#N/A``.
"""

from __future__ import annotations

from typing import Optional

from .. import values as V
from ..values import Value, XlFail, to_number, to_text
from .base import fn

_INCH = 0.0254
_POUND = 0.45359237
_GALLON = 231 * _INCH ** 3

# unit: (kind, factor to the kind's base, takes prefixes)
_UNITS: dict[str, tuple[str, float, bool]] = {}


def _add(kind: str, factor: float, names: str, prefixed: bool = False) -> None:
    for n in names.split():
        _UNITS[n] = (kind, factor, prefixed)


_add("mass", 1e-3, "g", True)
_add("mass", 1.66053906660e-27, "u", True)
_add("mass", _POUND, "lbm")
_add("mass", _POUND / 16, "ozm")
_add("mass", _POUND / 7000, "grain")
_add("mass", 14.59390294, "sg")
_add("mass", 100 * _POUND, "cwt shweight")
_add("mass", 112 * _POUND, "uk_cwt lcwt hweight")
_add("mass", 14 * _POUND, "stone")
_add("mass", 2000 * _POUND, "ton")
_add("mass", 2240 * _POUND, "uk_ton LTON brton")
_add("distance", 1.0, "m", True)
_add("distance", 1e-10, "ang", True)
_add("distance", 1609.344, "mi")
_add("distance", 1852.0, "Nmi")
_add("distance", _INCH, "in")
_add("distance", 12 * _INCH, "ft")
_add("distance", 36 * _INCH, "yd")
_add("distance", _INCH / 72, "Pica")
_add("distance", _INCH / 6, "pica")
_add("distance", 1.143, "ell")
_add("distance", 9460730472580800.0, "ly", True)
_add("distance", 3.0856775814913673e16, "parsec pc", True)
_add("distance", 1200 / 3937 * 5280, "survey_mi")
_add("time", 1.0, "sec s", True)
_add("time", 60.0, "mn min")
_add("time", 3600.0, "hr")
_add("time", 86400.0, "day d")
_add("time", 365.25 * 86400, "yr")
_add("pressure", 1.0, "Pa p", True)
_add("pressure", 101325.0, "atm at", True)
_add("pressure", 101325 / 760, "mmHg Torr", True)
_add("pressure", 6894.757293168361, "psi")
_add("force", 1.0, "N", True)
_add("force", 1e-5, "dyn dy", True)
_add("force", 9.80665e-3, "pond", True)
_add("force", 4.4482216152605, "lbf")
_add("energy", 1.0, "J", True)
_add("energy", 1e-7, "e", True)
_add("energy", 4.184, "c", True)
_add("energy", 4.1868, "cal", True)
_add("energy", 1.602176634e-19, "eV ev", True)
_add("energy", 3600.0, "Wh wh", True)
_add("energy", 2684519.537696173, "HPh hh")
_add("energy", 1.3558179483314004, "flb")
_add("energy", 1055.05585262, "BTU btu")
_add("power", 1.0, "W w", True)
_add("power", 745.6998715822702, "HP h")
_add("power", 735.49875, "PS")
_add("magnetism", 1.0, "T", True)
_add("magnetism", 1e-4, "ga", True)
_add("volume", 1.0, "m3 m^3")
_add("volume", 1e-3, "l L lt", True)
_add("volume", _GALLON / 768, "tsp")
_add("volume", 5e-6, "tspm")
_add("volume", _GALLON / 256, "tbs")
_add("volume", _GALLON / 128, "oz")
_add("volume", _GALLON / 16, "cup")
_add("volume", _GALLON / 8, "pt us_pt")
_add("volume", 5.6826125e-4, "uk_pt")
_add("volume", _GALLON / 4, "qt")
_add("volume", 1.1365225e-3, "uk_qt")
_add("volume", _GALLON, "gal")
_add("volume", 4.54609e-3, "uk_gal")
_add("volume", _INCH ** 3, "in3 in^3")
_add("volume", (12 * _INCH) ** 3, "ft3 ft^3")
_add("volume", (36 * _INCH) ** 3, "yd3 yd^3")
_add("volume", 42 * _GALLON, "barrel")
_add("volume", 0.03523907016688, "bushel")
_add("area", 1.0, "m2 m^2")
_add("area", 100.0, "ar")
_add("area", 10000.0, "ha")
_add("area", _INCH ** 2, "in2 in^2")
_add("area", (12 * _INCH) ** 2, "ft2 ft^2")
_add("area", (36 * _INCH) ** 2, "yd2 yd^2")
_add("area", 1609.344 ** 2, "mi2 mi^2")
_add("area", 4046.8564224, "uk_acre")
_add("area", 4046.872609874252, "us_acre")
_add("area", 2500.0, "Morgen")
_add("information", 1.0, "bit", True)
_add("information", 8.0, "byte", True)
_add("speed", 1.0, "m/s m/sec", True)
_add("speed", 1 / 3600, "m/h m/hr", True)
_add("speed", 0.44704, "mph")
_add("speed", 1852 / 3600, "kn")
_add("speed", 6080 * 12 * _INCH / 3600, "admkn")

_PREFIXES = {"Y": 1e24, "Z": 1e21, "E": 1e18, "P": 1e15, "T": 1e12, "G": 1e9, "M": 1e6, "k": 1e3, "h": 1e2,
             "da": 1e1, "e": 1e1, "d": 1e-1, "c": 1e-2, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12,
             "f": 1e-15, "a": 1e-18, "z": 1e-21, "y": 1e-24}
_BINARY = {"ki": 2.0 ** 10, "Mi": 2.0 ** 20, "Gi": 2.0 ** 30, "Ti": 2.0 ** 40, "Pi": 2.0 ** 50, "Ei": 2.0 ** 60,
           "Zi": 2.0 ** 70, "Yi": 2.0 ** 80}
_TEMPERATURES = {"C": "C", "cel": "C", "F": "F", "fah": "F", "K": "K", "kel": "K", "Rank": "Rank", "Reau": "Reau"}


def _unit(name: str) -> Optional[tuple[str, float]]:
    """The kind of a unit and its factor to the kind's base, prefixes applied."""
    found = _UNITS.get(name)
    if found is not None:
        return found[0], found[1]
    for table in (_PREFIXES, _BINARY):
        for prefix, scale in table.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                base = _UNITS.get(name[len(prefix):])
                if base is not None and base[2] and (table is _PREFIXES or base[0] == "information"):
                    return base[0], base[1] * scale
    return None


def _to_kelvin(x: float, unit: str) -> float:
    return {"C": x + 273.15, "F": (x - 32) * 5 / 9 + 273.15, "K": x, "Rank": x * 5 / 9,
            "Reau": x * 1.25 + 273.15}[unit]


def _from_kelvin(k: float, unit: str) -> float:
    return {"C": k - 273.15, "F": (k - 273.15) * 9 / 5 + 32, "K": k, "Rank": k * 9 / 5,
            "Reau": (k - 273.15) / 1.25}[unit]


def _temperature(name: str) -> Optional[tuple[str, float]]:
    """A temperature unit (K may carry a prefix, as in Excel: ``mK``)."""
    if name in _TEMPERATURES:
        return _TEMPERATURES[name], 1.0
    for prefix, scale in _PREFIXES.items():
        rest = name[len(prefix):]
        if name.startswith(prefix) and rest in ("K", "kel"):
            return "K", scale
    return None


@fn("CONVERT", min_args=3, max_args=3)
def _convert(number: Value, from_unit: Value, to_unit: Value) -> Value:
    x = to_number(number)
    a, b = to_text(from_unit), to_text(to_unit)
    ta, tb = _temperature(a), _temperature(b)
    if ta is not None and tb is not None:
        return _from_kelvin(_to_kelvin(x * ta[1], ta[0]), tb[0]) / tb[1]
    ua, ub = _unit(a), _unit(b)
    if ua is None or ub is None or ua[0] != ub[0]:
        raise XlFail(V.NA)
    return x * ua[1] / ub[1]
