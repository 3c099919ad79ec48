"""``TEXT(value, format)``: the number formats finance workbooks use.

Covered: ``0``, ``0.00``, ``#,##0``, ``#,##0.00``, percentages, literal text and quoted
parts, up to three sections (positive; negative; zero), ``@``, and dates/times
(``yyyy``, ``yy``, ``mmmm``, ``mmm``, ``mm``, ``m``, ``dd``, ``d``, ``dddd``, ``ddd``,
``hh``, ``mm`` after ``h``, ``ss``, ``AM/PM``). Anything else is formatted as General.
"""

from __future__ import annotations

import re

from . import values as V
from .values import Value, XlFail

_DATE_TOKENS = re.compile(r'"[^"]*"|\\.|yyyy|yy|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|AM/PM|am/pm|A/P|.',
                          re.I)


def _is_date_format(fmt: str) -> bool:
    stripped = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt)
    return bool(re.search(r"[ymdhs]", stripped, re.I)) and not re.search(r"[0#?]", stripped)


def _date_text(serial: float, fmt: str) -> str:
    d = V.serial_to_datetime(serial)
    tokens = _DATE_TOKENS.findall(fmt)
    has_ampm = any(t.upper() in ("AM/PM", "A/P") for t in tokens)
    out = []
    prev_hour = False
    for i, t in enumerate(tokens):
        low = t.lower()
        nxt = next((x.lower() for x in tokens[i + 1:] if x.strip() and not x.startswith('"')), "")
        if t.startswith('"'):
            out.append(t[1:-1])
        elif t.startswith("\\"):
            out.append(t[1:])
        elif low == "yyyy":
            out.append(f"{d.year:04d}")
        elif low == "yy":
            out.append(f"{d.year % 100:02d}")
        elif low in ("mm", "m") and (prev_hour or nxt.startswith("s")):
            out.append(f"{d.minute:02d}" if low == "mm" else str(d.minute))
        elif low == "mmmmm":
            out.append(d.strftime("%B")[0])
        elif low == "mmmm":
            out.append(d.strftime("%B"))
        elif low == "mmm":
            out.append(d.strftime("%b"))
        elif low == "mm":
            out.append(f"{d.month:02d}")
        elif low == "m":
            out.append(str(d.month))
        elif low == "dddd":
            out.append(d.strftime("%A"))
        elif low == "ddd":
            out.append(d.strftime("%a"))
        elif low == "dd":
            out.append(f"{d.day:02d}")
        elif low == "d":
            out.append(str(d.day))
        elif low in ("hh", "h"):
            h = d.hour % 12 or 12 if has_ampm else d.hour
            out.append(f"{h:02d}" if low == "hh" else str(h))
        elif low in ("ss", "s"):
            out.append(f"{d.second:02d}" if low == "ss" else str(d.second))
        elif low == "am/pm":
            out.append("AM" if d.hour < 12 else "PM")
        elif low == "a/p":
            out.append("A" if d.hour < 12 else "P")
        else:
            out.append(t)
        if low in ("hh", "h"):
            prev_hour = True
        elif t.strip() and low not in (":",):
            prev_hour = False
    return "".join(out)


def _number_text(x: float, fmt: str) -> str:
    lits: list[str] = []

    def keep(m: re.Match[str]) -> str:
        lits.append(m.group(0)[1:-1] if m.group(0).startswith('"') else m.group(0)[1:])
        return f"\x00{len(lits) - 1}\x00"
    f = re.sub(r'"[^"]*"|\\.', keep, fmt)
    f = re.sub(r"\[[^\]]*\]", "", f)
    pct = f.count("%")
    x = x * (100 ** pct)
    m = re.search(r"[0#?][0#?,]*(\.[0#?]*)?", f)
    if not m:
        body = f
        text = body
    else:
        spec = m.group(0)
        decimals = len(m.group(1)) - 1 if m.group(1) else 0
        scale_commas = len(spec) - len(spec.rstrip(","))
        x = x / (1000 ** scale_commas)
        spec = spec.rstrip(",")
        grouping = "," in spec.split(".")[0]
        from .xlfuncs.maths import _round_half_away
        r = _round_half_away(abs(x), decimals)
        num = f"{r:,.{decimals}f}" if grouping else f"{r:.{decimals}f}"
        intpart = spec.split(".")[0].replace(",", "")
        min_int = intpart.count("0")
        if min_int == 0 and num.startswith("0") and (decimals > 0 or r == 0):
            num = num[1:] if decimals > 0 else ("" if intpart else num)
        head, dot, tail = num.partition(".")
        digits = head.replace(",", "")
        if len(digits) < min_int:
            padded = digits.rjust(min_int, "0")
            head = f"{int(padded):,}".rjust(len(padded), "0") if grouping else padded
            num = head + dot + tail
        text = f[:m.start()] + num + f[m.end():]
    return re.sub("\x00(\\d+)\x00", lambda k: lits[int(k.group(1))], text)


def format_value(v: Value, fmt: str) -> str:
    if isinstance(v, V.Err):
        raise XlFail(v)
    sections = re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', fmt)
    if isinstance(v, str):
        x = V.parse_number(v)
        if x is None:
            text_section = sections[3] if len(sections) > 3 else (fmt if "@" in fmt else None)
            return text_section.replace("@", v).replace('"', "") if text_section else v
        v = x
    if v is None:
        v = 0.0
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    x = float(v)
    if fmt.strip() == "" :
        return ""
    if fmt.strip().lower() == "general":
        return V.num_text(x)
    section = sections[0]
    negative_own = False
    if x < 0 and len(sections) > 1 and sections[1]:
        section = sections[1]
        negative_own = True
    elif x == 0 and len(sections) > 2 and sections[2]:
        section = sections[2]
    if _is_date_format(section):
        if x < 0:
            raise XlFail(V.VALUE)
        return _date_text(x, section)
    text = _number_text(abs(x) if negative_own or x >= 0 else abs(x), section)
    if x < 0 and not negative_own and re.search(r"[1-9]", text):
        text = "-" + text
    return text
