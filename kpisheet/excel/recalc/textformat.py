"""``TEXT(value, format)``: Excel's number format codes, read into tokens and laid out.

A format has up to four sections (positive; negative; zero; text), each optionally with a
condition (``[<=9999999]``) and a colour (``[Red]``, ignored: text has no colour). A section is
a date/time layout when it holds date or time codes (``yyyy m d h s``, ``[h]`` elapsed,
``AM/PM``), otherwise a number layout:

- digit placeholders ``0`` (always shown), ``#`` (shown when significant), ``?`` (a space
  when not); the integer digits fill the integer placeholders from the right, literals may
  sit between them (``##0° 00' 00''``) and the first placeholder takes any extra digits;
- ``.`` the decimal point (always shown: ``TEXT(1,"#.###")`` is ``1.``); trailing zeros of
  ``#`` decimals are dropped, of ``?`` decimals become spaces;
- ``,`` between placeholders groups thousands; after the last placeholder divides by 1,000;
  ``%`` multiplies by 100; ``E+``/``E-`` scientific; ``?/?`` or ``?/8`` fractions;
- literals: ``"text"``, ``\\c``, ``_c`` (a space), ``*c`` (fill: nothing in text),
  ``[$€-407]`` (the symbol), and ``$ - + ( ) : space`` as they are; ``General``.

A negative number shown by the first section gets a leading ``-``; a negative number
before 1900 as a date is ``#VALUE!``. Times are rounded to the shown precision, so
``TEXT(0.999999999,"h:mm:ss")`` is ``0:00:00`` of the next day, as Excel shows it.
"""

from __future__ import annotations

import functools
import math
import re
from decimal import Decimal
from fractions import Fraction
from typing import Optional

from . import values as V
from .values import Value, XlFail

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


# --- sections ----------------------------------------------------------------------------


def split_sections(fmt: str) -> list[str]:
    """The ``;``-separated sections, ignoring ``;`` inside quotes, after ``\\`` or in ``[...]``."""
    out: list[str] = []
    cur: list[str] = []
    i, n = 0, len(fmt)
    while i < n:
        ch = fmt[i]
        if ch == '"':
            j = fmt.find('"', i + 1)
            j = n - 1 if j < 0 else j
            cur.append(fmt[i:j + 1])
            i = j + 1
            continue
        if ch in "\\_*" and i + 1 < n:
            cur.append(fmt[i:i + 2])
            i += 2
            continue
        if ch == "[":
            j = fmt.find("]", i + 1)
            j = n - 1 if j < 0 else j
            cur.append(fmt[i:j + 1])
            i = j + 1
            continue
        if ch == ";":
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


_COND = re.compile(r"\[(<=|>=|<>|<|>|=)\s*(-?[\d.]+(?:[eE][-+]?\d+)?)\]")


def _condition(section: str) -> Optional[tuple[str, float]]:
    m = _COND.search(section)
    return (m.group(1), float(m.group(2))) if m else None


def _holds(cond: tuple[str, float], x: float) -> bool:
    op, k = cond
    return {"<": x < k, ">": x > k, "=": x == k, "<=": x <= k, ">=": x >= k, "<>": x != k}[op]


def pick_section(sections: list[str], x: float) -> tuple[str, bool]:
    """The section that shows ``x``, and whether a leading ``-`` is added for a negative ``x``."""
    numeric = sections[:3]
    conds = [_condition(s) for s in numeric]
    if any(conds):  # [<=9999999]###-####;(###) ###-####: the first section whose condition holds
        for i, s in enumerate(numeric[:2]):
            c = conds[i]
            if c is not None and _holds(c, x):
                return s, x < 0 and i == 0
        if len(numeric) > 2:
            return numeric[2], x < 0
        if len(numeric) == 2 and conds[1] is None:
            return numeric[1], x < 0
        return numeric[0], x < 0
    if len(numeric) == 1 or x > 0 or (x == 0 and len(numeric) == 2):
        return numeric[0], x < 0
    if x < 0:
        return numeric[1], False
    return numeric[2], False


# --- date and time ---------------------------------------------------------------------------

_STRIP = re.compile(r'"[^"]*"?|\\.|_.|\*.|\[\$[^\]]*\]|\[(?:[a-z]+\d*|<=|>=|<>|<|>|=)[^\]]*\]', re.I)


def is_date_format(section: str) -> bool:
    """Whether a section lays out a date or time (outside quotes and literals)."""
    if re.search(r"\[(h+|m+|s+)\]", section, re.I):
        return True
    body = _STRIP.sub("", section)
    if re.search(r"general", body, re.I):
        return False
    return bool(re.search(r"[ymdhs]|am/pm|a/p", body, re.I))


_DATE_TOKENS = re.compile(
    r'"[^"]*"?|\\.|_.|\*.|\[\$[^\]]*\]|\[(?:h+|m+|s+)\]|\[[^\]]*\]|yyy+|yy|y|eeee|ee|e|mmmmm|mmmm|mmm|mm|m|'
    r"dddd+|ddd|dd|d|hh|h|ss|s|\.0+|AM/PM|A/P|.", re.I | re.S)  # yyyyy is yyyy, ddddd dddd


def _literal(tok: str) -> Optional[str]:
    """The text a literal token shows, or None when the token is not a literal."""
    if tok.startswith('"'):
        return tok[1:-1] if len(tok) > 1 and tok.endswith('"') else tok[1:]
    if tok.startswith("\\") and len(tok) == 2:
        return tok[1]
    if tok.startswith("_") and len(tok) == 2:
        return " "
    if tok.startswith("*") and len(tok) == 2:
        return ""
    if tok.startswith("[$"):
        return tok[2:-1].split("-")[0]
    if tok.startswith("[") and not re.fullmatch(r"\[(h+|m+|s+)\]", tok, re.I):
        return ""  # a colour or condition
    return None


def _code(low: str) -> str:
    """The date/time code a token is: ``h m s d y`` (``e`` is a year), ``[h [m [s`` for elapsed
    time, ``""`` for anything else (literals, ``AM/PM``, fractions of a second)."""
    if low.startswith("[") and low[1:2] in ("h", "m", "s"):
        return low[:2]
    if low[:1] in ("h", "m", "s", "d", "y"):
        return low[0]
    return "y" if low[:1] == "e" else ""


def date_text(x: float, section: str, date1904: bool = False) -> str:
    """A serial laid out by a date/time section."""
    if not 0 <= x < 2958466 - (1462 if date1904 else 0):  # Excel's dates end on 9999-12-31
        raise XlFail(V.VALUE)
    tokens = _DATE_TOKENS.findall(section)
    lows = [t.lower() for t in tokens]
    decimals = max((len(t) - 1 for t in tokens if t.startswith(".") and t[1:2] == "0"), default=0)
    decimals = min(decimals, 3)
    scale = 10 ** decimals
    units = math.floor(x * 86400 * scale + 0.5)  # rounded to the precision shown
    day_units = 86400 * scale
    days, rest = divmod(units, day_units)
    secs, frac = divmod(rest, scale)
    hour, minute, second = secs // 3600, secs // 60 % 60, secs % 60
    if days >= 2958466 - (1462 if date1904 else 0):  # rounding up past the last second
        raise XlFail(V.VALUE)
    year, month, day = V.serial_ymd(float(days), date1904)
    weekday = V.serial_weekday(float(days), date1904)  # 1 = Sunday
    ampm = any(t in ("am/pm", "a/p") for t in lows)
    codes = [_code(low) if _literal(t) is None else "" for t, low in zip(tokens, lows)]
    out: list[str] = []
    for i, (t, low) in enumerate(zip(tokens, lows)):
        lit = _literal(t)
        if lit is not None:
            out.append(lit)
            continue
        prev = next((c for c in reversed(codes[:i]) if c), "")
        nxt = next((c for c in codes[i + 1:] if c), "")
        if low.startswith("yyy") or low in ("eeee", "ee", "e"):
            out.append(f"{year:04d}")
        elif low in ("yy", "y"):
            out.append(f"{year % 100:02d}")
        elif low in ("m", "mm") and (prev in ("h", "[h") or nxt in ("s", "[s")):  # minutes, not the month
            out.append(f"{minute:02d}" if low == "mm" else str(minute))
        elif low == "mmmmm":
            out.append(_MONTHS[month - 1][0])
        elif low == "mmmm":
            out.append(_MONTHS[month - 1])
        elif low == "mmm":
            out.append(_MONTHS[month - 1][:3])
        elif low in ("mm", "m"):
            out.append(f"{month:02d}" if low == "mm" else str(month))
        elif low.startswith("dddd"):
            out.append(_DAYS[weekday - 1])
        elif low == "ddd":
            out.append(_DAYS[weekday - 1][:3])
        elif low in ("dd", "d"):
            out.append(f"{day:02d}" if low == "dd" else str(day))
        elif low in ("hh", "h"):
            h = (hour % 12 or 12) if ampm else hour
            out.append(f"{h:02d}" if low == "hh" else str(h))
        elif low in ("ss", "s"):
            out.append(f"{second:02d}" if low == "ss" else str(second))
        elif low.startswith("[h"):
            out.append(str(days * 24 + hour).rjust(len(low) - 2, "0"))
        elif low.startswith("[m"):
            out.append(str((days * 24 + hour) * 60 + minute).rjust(len(low) - 2, "0"))
        elif low.startswith("[s"):
            out.append(str(((days * 24 + hour) * 60 + minute) * 60 + second).rjust(len(low) - 2, "0"))
        elif low.startswith(".") and low[1:2] == "0":
            digits = f"{frac:0{decimals}d}" if decimals else ""
            out.append("." + digits[:len(low) - 1])
        elif low == "am/pm":  # Excel shows AM and PM in capitals, however the code is written
            out.append("AM" if hour < 12 else "PM")
        elif low == "a/p":  # each letter as the code writes it: "A/p" gives A, then p
            out.append(t[0] if hour < 12 else t[2])
        else:
            out.append(t)
    return "".join(out)


# --- numbers -----------------------------------------------------------------------------

_NUM_TOKENS = re.compile(r'"[^"]*"?|\\.|_.|\*.|\[\$[^\]]*\]|\[[^\]]*\]|general|[eE][-+]|.', re.I | re.S)


def _tokens(section: str) -> list[tuple[str, str]]:
    """(kind, text): kind is digit, dot, comma, pct, exp, slash, general, at or lit."""
    out: list[tuple[str, str]] = []
    seen_dot = False
    for t in _NUM_TOKENS.findall(section):
        lit = _literal(t)
        if lit is not None:
            out.append(("lit", lit))
        elif t in "0#?":
            out.append(("digit", t))
        elif t == "." and not seen_dot:
            seen_dot = True
            out.append(("dot", t))
        elif t == ",":
            out.append(("comma", t))
        elif t == "%":
            out.append(("pct", t))
        elif t[0] in "eE" and len(t) == 2:
            out.append(("exp", t[1]))
        elif t == "/":
            out.append(("slash", t))
        elif t.lower() == "general":
            out.append(("general", t))
        elif t == "@":
            out.append(("at", t))
        else:
            out.append(("lit", t))
    return out


def _round(x: float, decimals: int) -> str:
    """``x`` (>= 0) rounded half away from zero to ``decimals``, as digits with a point."""
    from .xlfuncs.maths import _round_half_away
    r = _round_half_away(x, decimals) if abs(x) < 1e300 else x
    return f"{r:.{decimals}f}"


def _fill_integer(slots: list[str], digits: str, grouping: bool) -> list[str]:
    """The text of each integer placeholder: digits from the right, the first takes the rest."""
    n = len(slots)
    shown: list[str] = [""] * n
    k = len(digits)
    for i in range(n - 1, -1, -1):
        if k > 0:
            shown[i] = digits[k - 1]
            k -= 1
        else:
            shown[i] = "0" if slots[i] == "0" else " " if slots[i] == "?" else ""
    if n and k > 0:
        shown[0] = digits[:k] + shown[0]
    if grouping:
        pos = 0  # digits counted from the right
        for i in range(n - 1, -1, -1):
            text = shown[i]
            out = ""
            for ch in reversed(text):
                if ch.isdigit():
                    if pos and pos % 3 == 0:
                        out = ch + "," + out
                    else:
                        out = ch + out
                    pos += 1
                else:
                    out = ch + out
            shown[i] = out
    return shown


def _fill_decimals(slots: list[str], digits: str) -> list[str]:
    shown = list(digits)
    for i in range(len(slots) - 1, -1, -1):
        if shown[i] != "0" or slots[i] == "0":
            break
        shown[i] = "" if slots[i] == "#" else " "
    return shown


def _layout(tokens: list[tuple[str, str]], slot_texts: dict[int, str]) -> str:
    return "".join(slot_texts.get(i, text if kind == "lit" else "") for i, (kind, text) in enumerate(tokens))


def number_text(x: float, section: str) -> str:
    """``x`` (already made positive when the section shows the sign itself) laid out by a number section."""
    tokens = _tokens(section)
    kinds = [k for k, _ in tokens]
    if "general" in kinds:
        return "".join(V.num_text(x) if k == "general" else (t if k == "lit" else "") for k, t in tokens)
    x = x * 100 ** kinds.count("pct")
    if not math.isfinite(x):
        raise XlFail(V.VALUE)
    texts: dict[int, str] = {i: "%" for i, k in enumerate(kinds) if k == "pct"}
    digit_at = [i for i, k in enumerate(kinds) if k == "digit"]
    if not digit_at:
        return _layout(tokens, texts)
    if "exp" in kinds:
        return _scientific(x, tokens, texts)
    if "slash" in kinds:
        frac = _fraction(x, tokens, texts)
        if frac is not None:
            return frac
    dot = kinds.index("dot") if "dot" in kinds else len(tokens)
    # commas: after the last placeholder of the integer part (or of the number) they scale;
    # between placeholders of the integer part they group
    last_int = max((i for i in digit_at if i < dot), default=-1)
    last_digit = digit_at[-1]
    grouping = False
    for i, k in enumerate(kinds):
        if k != "comma":
            continue
        nxt = next((kinds[j] for j in range(i + 1, len(kinds)) if kinds[j] != "comma"), "end")
        if nxt != "digit" and (i > last_digit or (last_int >= 0 and last_int < i < dot)):
            x /= 1000
        elif nxt == "digit" and i < dot and any(j < i for j in digit_at):
            grouping = True
        else:
            texts[i] = ","
            continue
        texts[i] = ""
    int_slots = [i for i in digit_at if i < dot]
    dec_slots = [i for i in digit_at if i > dot]
    rounded = _round(x, len(dec_slots))
    head, _, tail = rounded.partition(".")
    head = "" if head == "0" else head
    shown = _fill_integer([tokens[i][1] for i in int_slots], head, grouping)
    for i, s in zip(int_slots, shown):
        texts[i] = s
    if not int_slots and head:  # ".00" shows the integer digits before the point
        texts[dot] = head
    if dot < len(tokens):
        texts[dot] = texts.get(dot, "") + "."
    for i, s in zip(dec_slots, _fill_decimals([tokens[i][1] for i in dec_slots], tail)):
        texts[i] = s
    return _layout(tokens, texts)


def _mantissa(x: float, exp: int) -> float:
    """``x / 10**exp`` without overflow or underflow at the ends of the float range."""
    return float(Decimal(repr(x)).scaleb(-exp))


def _scientific(x: float, tokens: list[tuple[str, str]], texts: dict[int, str]) -> str:
    kinds = [k for k, _ in tokens]
    e_at = kinds.index("exp")
    mant = [i for i in range(e_at) if kinds[i] == "digit"]
    expo = [i for i in range(e_at + 1, len(tokens)) if kinds[i] == "digit"]
    dot = kinds.index("dot") if "dot" in kinds[:e_at] else e_at
    int_slots = [i for i in mant if i < dot]
    dec_slots = [i for i in mant if i > dot]
    n_int = max(1, len(int_slots))
    exp = 0
    if x != 0:
        exp = math.floor(math.log10(x))
        step = n_int if any(tokens[i][1] == "#" for i in int_slots) and n_int > 1 else 1
        exp = exp - (exp % step) if step > 1 else exp - (n_int - 1)
        if float(_round(_mantissa(x, exp), len(dec_slots))) >= 10 ** n_int:
            exp += step if step > 1 else 1
    m = _mantissa(x, exp) if x != 0 else 0.0
    head, _, tail = _round(m, len(dec_slots)).partition(".")
    head = "" if head == "0" and x != 0 else head
    for i, s in zip(int_slots, _fill_integer([tokens[i][1] for i in int_slots], head, False)):
        texts[i] = s
    if dot < e_at:
        texts[dot] = "."
    for i, s in zip(dec_slots, _fill_decimals([tokens[i][1] for i in dec_slots], tail)):
        texts[i] = s
    sign = "-" if exp < 0 else ("+" if tokens[e_at][1] == "+" else "")
    texts[e_at] = "E" + sign
    for i, s in zip(expo, _fill_integer([tokens[i][1] for i in expo], str(abs(exp)), False)):
        texts[i] = s
    return _layout(tokens, texts)


def _fraction(x: float, tokens: list[tuple[str, str]], texts: dict[int, str]) -> Optional[str]:
    kinds = [k for k, _ in tokens]
    s = kinds.index("slash")
    num: list[int] = []
    i = s - 1
    while i >= 0 and kinds[i] == "digit":
        num.insert(0, i)
        i -= 1
    den: list[int] = []
    j = s + 1
    while j < len(tokens) and (kinds[j] == "digit" or (kinds[j] == "lit" and tokens[j][1].isdigit())):
        den.append(j)
        j += 1
    if not num or not den:
        return None
    whole_slots = [k for k in range(i + 1) if kinds[k] == "digit"]
    fixed = "".join(tokens[k][1] for k in den)
    whole = math.floor(x) if whole_slots else 0
    rest = x - whole
    if fixed.isdigit() and all(kinds[k] == "lit" for k in den):
        d = int(fixed)
        n = math.floor(rest * d + 0.5)
    else:
        f = Fraction(rest).limit_denominator(10 ** len(den) - 1)
        n, d = f.numerator, f.denominator
    if whole_slots and n == d:
        whole, n = whole + 1, 0
    for k, t in zip(whole_slots, _fill_integer([tokens[k][1] for k in whole_slots],
                                               str(whole) if whole else "", False)):
        texts[k] = t
    if n == 0 and whole_slots:
        if whole == 0:
            texts[whole_slots[-1]] = "0"
        for k in num + den + [s]:
            texts[k] = " " * (1 if kinds[k] != "lit" else len(tokens[k][1]))
        return _layout(tokens, texts)
    for k, t in zip(num, _fill_integer([tokens[k][1] for k in num], str(n), False)):
        texts[k] = t
    if not all(kinds[k] == "lit" for k in den):
        dtext = str(d)
        for pos, k in enumerate(den):
            texts[k] = dtext[pos] if pos < len(dtext) else (" " if tokens[k][1] == "?" else "")
        if len(dtext) > len(den):
            texts[den[-1]] += dtext[len(den):]
    texts[s] = "/"
    return _layout(tokens, texts)


# --- TEXT ----------------------------------------------------------------------------------


_BRACKET = re.compile(r"\[(?:black|blue|cyan|green|magenta|red|white|yellow|colou?r\s*\d{1,2}|"
                      r"(?:<=|>=|<>|<|>|=)\s*-?[\d.]+(?:e[-+]?\d+)?|h+|m+|s+|\$[^\]]*|dbnum\d|natnum\d)\]", re.I)
_SECTION_PARTS = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]|general|am/pm|a/p|e[-+]|\.0+|.', re.I | re.S)


@functools.lru_cache(maxsize=512)  # TEXT down a column asks the same format again and again
def is_valid_format(fmt: str) -> bool:
    """Whether Excel accepts ``fmt`` as a number format (``TEXT`` is ``#VALUE!`` otherwise): its
    quotes and brackets closed, no ``\\`` or ``*`` without a character after it, each ``[...]``
    a colour, condition, elapsed time or locale; a section mixing digit placeholders with date
    codes (``#mm``) or with ``@`` (``#@``, ``m@``) is refused, and ``@`` only in the last section.
    ``.00`` is a fraction of a second beside time codes (``h:mm:ss.00``), a decimal beside digits."""
    sections = split_sections(fmt)
    for k, section in enumerate(sections):
        digits = date = at = False
        for part in _SECTION_PARTS.findall(section):
            low = part.lower()
            if part.startswith('"'):
                if len(part) < 2 or not part.endswith('"'):
                    return False
            elif part[0] in "\\_*":
                if len(part) < 2:
                    return False
            elif part.startswith("["):
                if not part.endswith("]") or not _BRACKET.fullmatch(part):
                    return False
                date = date or low[1:2] in ("h", "m", "s")
            elif low in ("am/pm", "a/p"):
                date = True
            elif part in "0#?":
                digits = True
            elif low in "ymdhs":
                date = True
            elif part == "@":
                at = True
            elif part in ('"', "["):  # an unclosed quote or bracket
                return False
        if (digits and date) or (at and (digits or date)) or (at and k < len(sections) - 1):
            return False
    return True


def format_value(v: Value, fmt: str, date1904: bool = False) -> str:
    """``TEXT(v, fmt)``; raises :class:`XlFail` for an error value, a format Excel refuses
    (:func:`is_valid_format`) or a date that cannot be shown."""
    if isinstance(v, V.Err):
        raise XlFail(v)
    if not is_valid_format(fmt):
        raise XlFail(V.VALUE)
    sections = split_sections(fmt)
    if isinstance(v, str):
        x = V.parse_number(v, date1904)
        if x is None:
            at = sections[3] if len(sections) > 3 else next((s for s in sections if "@" in s), None)
            if at is None:
                return v
            return "".join(v if k == "at" else t for k, t in _tokens(at) if k in ("at", "lit"))
        v = x
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    x = 0.0 if v is None else float(v)
    if not fmt:  # one empty section: nothing, but the sign of a negative number
        return "-" if x < 0 else ""
    section, minus = pick_section(sections, x)
    if is_date_format(section):
        return date_text(abs(x) if not minus else x, section, date1904)
    text = number_text(abs(x), section)
    return "-" + text if minus else text
