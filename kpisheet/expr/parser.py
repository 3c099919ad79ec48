"""Text to syntax tree for the expression language (docs/reference.md#expressions), and back.

:func:`parse` reads a whole expression and returns its tree (:mod:`kpisheet.expr.ast`), or
raises :class:`ExprSyntaxError` with a message and the 0-based offset of the problem. It never
raises anything else, whatever the text, and never runs anything: a hand-written tokenizer
feeds an operator-precedence parser that can only build the node types of ``ast.py``.

The language, loosest binding first::

    or
    and
    not                                   (prefix)
    == != < <= > >=   in   not in         (non-associative: a < b < c is an error)
    &                                     (text concatenation, as in Excel)
    + -
    * /
    - +                                   (prefix)
    atoms: 12  0.5  1e3  .5   'text'  "text"   true  false   name  `Any Name`
           f(a, b)   ( expression )

Decisions a user can see:

- Text is in single or double quotes; the quote is written twice to put it in the text
  (``'it''s'``, ``"a ""b"" c"``), as in Excel and SQL. A backslash is an ordinary character
  (so ``'C:\\data'`` means what it says).
- A name that is not an identifier goes in backticks (`` `Order Date` ``); a backtick inside
  is written twice. A backticked name is always a name, never a keyword or a function.
- For Excel users, ``=`` means ``==`` and ``<>`` means ``!=``.
- Keywords (``and or not in true false``) and function names ignore case (``IF``, ``TRUE``,
  ``AND``); other names do not.
- ``n=`` and ``digits=`` may be written as keyword arguments where a function declares them
  (``prev(revenue, n=2)``, ``round(x, digits=1)``); the tree holds them as positional
  arguments. Everywhere else ``name = value`` is a comparison.
- A Binary, Unary or In node's ``pos`` is its operator's offset; a Call's is its name's.
- In row expressions (``parse(text, qualified=True)``) ``menu.price`` is one name: the column
  ``price`` of the joined source ``menu``.
- An expression may nest at most :data:`MAX_DEPTH` levels (parentheses, calls, operators).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Optional

from ..hints import did_you_mean
from .ast import Binary, Bool, Call, In, Name, Node, Num, Str, Unary
from .functions import FUNCTIONS, lookup

__all__ = ["ExprSyntaxError", "MAX_DEPTH", "parse", "unparse"]

MAX_DEPTH = 100

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})

# Binary operators: symbol as written -> (operator in the tree, precedence).
_BINARY = {
    "or": ("or", 1),
    "and": ("and", 2),
    "==": ("==", 4),
    "=": ("==", 4),
    "!=": ("!=", 4),
    "<>": ("!=", 4),
    "<": ("<", 4),
    "<=": ("<=", 4),
    ">": (">", 4),
    ">=": (">=", 4),
    "&": ("&", 5),
    "+": ("+", 6),
    "-": ("-", 6),
    "*": ("*", 7),
    "/": ("/", 7),
}
_NOT_PREC = 3
_CMP_PREC = 4
_NEG_PREC = 8
_ATOM_PREC = 10

# Symbols the tokenizer knows, longest first. Some exist only to be refused with a reason.
_SYMBOLS = (
    "==", "!=", "<>", "<=", ">=", "**", ":=", "+=", "-=", "*=", "/=", "&&", "||",
    "<", ">", "=", "&", "+", "-", "*", "/", "(", ")", ",", ".", "[", "]", ":",
)
_REFUSED = {
    **{symbol: "assignment is not allowed" for symbol in (":=", "+=", "-=", "*=", "/=")},
    "**": "'**' is not allowed: there is no power operator",
    "&&": "'&&' is not an operator: use 'and'",
    "||": "'||' is not an operator: use 'or'",
}
_CHAR_HINTS = {
    ";": "';' is not allowed: an expression is one formula",
    "!": "unknown character '!': use 'not', or '!=' for 'is not equal to'",
    "|": "unknown character '|': use 'or'",
    "%": "unknown character '%': write a percentage as a number (5% is 0.05)",
    "^": "unknown character '^': there is no power operator",
    "\u2018": "unknown character '\u2018': use a straight quote ' or \"",
    "\u2019": "unknown character '\u2019': use a straight quote ' or \"",
    "\u201c": "unknown character '\u201c': use a straight quote ' or \"",
    "\u201d": "unknown character '\u201d': use a straight quote ' or \"",
}

_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_IDENT_CHARS = _IDENT_START | frozenset("0123456789")
_DIGITS = frozenset("0123456789")
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_NUMBER_TAIL = _IDENT_CHARS | frozenset(".")
_BARE_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z", re.ASCII)


class ExprError(ValueError):
    """A problem with an expression: ``message`` and the 0-based offset ``pos`` in its text.

    Not a :class:`~kpisheet.errors.KpisheetError`: whoever has the text knows where it was
    written and turns ``pos`` into ``file:line:col``.
    """

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos

    def __reduce__(self) -> tuple[type, tuple[str, int]]:
        return (type(self), (self.message, self.pos))


class ExprSyntaxError(ExprError):
    """An expression that cannot be read."""


# --- tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "num" | "str" | "name" | "kw" | "op" | "end"
    text: str  # as written ("kw": lower-cased)
    pos: int
    end: int
    value: object = None  # float for "num", str for "str" and "name"
    quoted: bool = False  # a name in backticks


def _show_char(ch: str) -> str:
    return f"'{ch}'" if ch.isprintable() else f"U+{ord(ch):04X}"


def _describe(tok: _Token) -> str:
    if tok.kind == "end":
        return "end of expression"
    text = tok.text if len(tok.text) <= 30 else tok.text[:27] + "..."
    if tok.kind == "num":
        return f"number {text}"
    if tok.kind == "str":
        return f"text {text}"
    if tok.kind == "name":
        return f"name {text}" if tok.quoted else f"name '{text}'"
    return f"'{text}'"


class _Lexer:
    """Tokens on demand, so that the first problem in reading order is the one reported."""

    def __init__(self, text: str, qualified: bool = False) -> None:
        self.text = text
        self.qualified = qualified
        self.i = 0
        self.buffer: list[_Token] = []
        self.last_end = 0  # where the last token taken ends

    def peek(self, ahead: int = 0) -> _Token:
        while len(self.buffer) <= ahead:
            self.buffer.append(self._scan())
        return self.buffer[ahead]

    def take(self) -> _Token:
        tok = self.peek()
        if tok.kind != "end":
            self.buffer.pop(0)
            self.last_end = tok.end
        return tok

    def _scan(self) -> _Token:
        text, n = self.text, len(self.text)
        i = self.i
        while i < n and text[i].isspace():
            i += 1
        self.i = i
        if i >= n:
            return _Token("end", "", n, n)
        ch = text[i]
        if ch in _DIGITS or (ch == "." and i + 1 < n and text[i + 1] in _DIGITS):
            return self._number(i)
        if ch in _IDENT_START:
            j = i + 1
            while j < n and text[j] in _IDENT_CHARS:
                j += 1
            word = text[i:j]
            if self.qualified and word.lower() not in KEYWORDS and text.startswith(".", j) \
                    and j + 1 < n and text[j + 1] in _IDENT_START:  # SOURCE.column (README#your-data)
                j += 1
                while j < n and text[j] in _IDENT_CHARS:
                    j += 1
                word = text[i:j]
            self.i = j
            if word.lower() in KEYWORDS:
                return _Token("kw", word.lower(), i, j)
            return _Token("name", word, i, j, word)
        if ch in "'\"":
            value, j = self._quoted(i, ch, "unterminated text: the closing quote is missing")
            self.i = j
            return _Token("str", text[i:j], i, j, value)
        if ch == "`":
            value, j = self._quoted(i, ch, "unterminated name: the closing backtick is missing")
            if not value:
                raise ExprSyntaxError("empty name in backticks", i)
            self.i = j
            return _Token("name", text[i:j], i, j, value, quoted=True)
        for symbol in _SYMBOLS:
            if text.startswith(symbol, i):
                if symbol in _REFUSED:
                    raise ExprSyntaxError(_REFUSED[symbol], i)
                self.i = i + len(symbol)
                return _Token("op", symbol, i, self.i)
        if ch in _CHAR_HINTS:
            raise ExprSyntaxError(_CHAR_HINTS[ch], i)
        if ch.isalpha():
            raise ExprSyntaxError(
                f"unknown character {_show_char(ch)}: a name with it must be in backticks, `like this`", i
            )
        raise ExprSyntaxError(f"unknown character {_show_char(ch)}", i)

    def _number(self, i: int) -> _Token:
        text = self.text
        date = _BARE_DATE.match(text, i)
        if date and not (date.end() < len(text) and text[date.end()] in _NUMBER_TAIL):
            raise ExprSyntaxError(f"a date must be in quotes: '{date.group()}'", i)
        match = _NUMBER.match(text, i)
        assert match is not None  # the caller saw a digit, or a '.' and a digit
        j = match.end()
        if j < len(text) and text[j] in _NUMBER_TAIL:
            k = j
            while k < len(text) and (text[k] in _NUMBER_TAIL or (text[k] in "+-" and text[k - 1] in "eE")):
                k += 1
            raise ExprSyntaxError(f"invalid number '{text[i:k]}'", i)
        value = float(match.group())
        if not math.isfinite(value):
            raise ExprSyntaxError(f"number too large: {match.group()}", i)
        self.i = j
        return _Token("num", match.group(), i, j, value)

    def _quoted(self, i: int, quote: str, unterminated: str) -> tuple[str, int]:
        """The text between the quote at ``i`` and its match (doubled quotes kept once)."""
        text = self.text
        parts: list[str] = []
        start = i + 1
        while True:
            j = text.find(quote, start)
            if j < 0:
                raise ExprSyntaxError(unterminated, i)
            parts.append(text[start:j])
            if text.startswith(quote, j + 1):
                parts.append(quote)
                start = j + 2
                continue
            return "".join(parts), j + 1


# --- parser ----------------------------------------------------------------------------------


@dataclass
class _Op:
    kind: str  # "bin" | "pre" | "in"
    op: str
    prec: int
    pos: int
    options: tuple[tuple[Node, int], ...] = field(default=())
    negated: bool = False


class _Parser:
    def __init__(self, text: str, qualified: bool = False) -> None:
        self.text = text
        self.lex = _Lexer(text, qualified)
        self.nesting = 0

    # helpers

    def _is_op(self, tok: _Token, *symbols: str) -> bool:
        return tok.kind == "op" and tok.text in symbols

    def _unexpected(self, tok: _Token, hint: str = "") -> ExprSyntaxError:
        if tok.kind == "end":
            return ExprSyntaxError("unexpected end of expression" + hint, tok.pos)
        return ExprSyntaxError(f"unexpected {_describe(tok)}" + hint, tok.pos)

    def _close(self, opening: _Token, what: str) -> None:
        """Take the ')' that closes ``opening``."""
        tok = self.lex.peek()
        if self._is_op(tok, ")"):
            self.lex.take()
            return
        if tok.kind == "end":
            raise ExprSyntaxError(f"'(' is never closed ({what})", opening.pos)
        raise self._unexpected(tok, f": expected ')' to close the '(' of {what}")

    @staticmethod
    def _deep(pos: int) -> ExprSyntaxError:
        return ExprSyntaxError(f"expression nested too deeply (more than {MAX_DEPTH} levels)", pos)

    # grammar

    def parse(self) -> Node:
        if not self.text.strip():
            raise ExprSyntaxError("empty expression", 0)
        node, _ = self.expression()
        tok = self.lex.peek()
        if self._is_op(tok, ")"):
            raise ExprSyntaxError("unbalanced ')': there is no '(' to close", tok.pos)
        if tok.kind != "end":
            hint = " (an operator is missing before it?)" if tok.kind in ("num", "str", "name") else ""
            raise self._unexpected(tok, hint)
        return node

    def expression(self) -> tuple[Node, int]:
        """A whole expression, by operator precedence; returns it and its tree depth."""
        self.nesting += 1
        try:
            if self.nesting > MAX_DEPTH:
                raise self._deep(self.lex.peek().pos)
            return self._expression()
        finally:
            self.nesting -= 1

    def _expression(self) -> tuple[Node, int]:
        # Operator precedence with explicit stacks (shunting-yard), so that long chains of
        # operators cost no Python recursion; only parentheses, calls and 'in' lists recurse.
        lex = self.lex
        operands: list[tuple[Node, int]] = []
        ops: list[_Op] = []
        want_operand = True
        while True:
            if want_operand:
                while True:  # prefix operators
                    tok = lex.peek()
                    if tok.kind == "kw" and tok.text == "not":
                        prec = _NOT_PREC
                    elif self._is_op(tok, "-", "+"):
                        prec = _NEG_PREC
                    else:
                        break
                    if ops and ops[-1].prec > prec:
                        raise self._unexpected(tok, f" after '{ops[-1].op}': add parentheses")
                    lex.take()
                    self._push(ops, _Op("pre", tok.text, prec, tok.pos))
                operands.append(self.primary())
                want_operand = False
                continue
            tok = lex.peek()
            if tok.kind == "kw" and (tok.text == "in" or (tok.text == "not" and lex.peek(1).kind == "kw" and lex.peek(1).text == "in")):
                self._reduce_for(ops, operands, _CMP_PREC, tok)
                lex.take()
                negated = tok.text == "not"
                if negated:
                    lex.take()
                self._push(ops, _Op("in", "not in" if negated else "in", _CMP_PREC, tok.pos, self.options(), negated))
                continue
            symbol = tok.text if tok.kind in ("op", "kw") else ""
            if symbol not in _BINARY:
                break
            op, prec = _BINARY[symbol]
            self._reduce_for(ops, operands, prec, tok)
            lex.take()
            self._push(ops, _Op("bin", op, prec, tok.pos))
            want_operand = True
        while ops:
            self._reduce(ops, operands)
        assert len(operands) == 1
        return operands[0]

    def _push(self, ops: list[_Op], op: _Op) -> None:
        """Every pending operator will be an ancestor of the next operand: too many is too deep."""
        if len(ops) >= MAX_DEPTH:
            raise self._deep(op.pos)
        ops.append(op)

    def _reduce_for(self, ops: list[_Op], operands: list[tuple[Node, int]], prec: int, tok: _Token) -> None:
        """Reduce what binds tighter than an operator of ``prec``; comparisons don't chain."""
        if prec == _CMP_PREC:
            while ops and ops[-1].prec > prec:
                self._reduce(ops, operands)
            if ops and ops[-1].prec == prec:
                raise ExprSyntaxError(
                    f"comparisons cannot be chained: '{ops[-1].op}' then '{tok.text}'; "
                    "join them with 'and' (a < b and b < c) or add parentheses",
                    tok.pos,
                )
        else:
            while ops and ops[-1].prec >= prec:
                self._reduce(ops, operands)

    def _reduce(self, ops: list[_Op], operands: list[tuple[Node, int]]) -> None:
        top = ops.pop()
        node: Node
        if top.kind == "bin":
            right, rdepth = operands.pop()
            left, ldepth = operands.pop()
            node, depth = Binary(top.op, left, right, top.pos), 1 + max(ldepth, rdepth)
        elif top.kind == "pre":
            operand, odepth = operands.pop()
            node, depth = Unary(top.op, operand, top.pos), 1 + odepth
        else:
            item, idepth = operands.pop()
            options = tuple(n for n, _ in top.options)
            depth = 1 + max([idepth, *(d for _, d in top.options)])
            node = In(item, options, top.negated, top.pos)
        if depth > MAX_DEPTH:
            raise self._deep(top.pos)
        operands.append((node, depth))

    def options(self) -> tuple[tuple[Node, int], ...]:
        """The parenthesised list after ``in``: one value at least, a trailing comma allowed."""
        opening = self.lex.peek()
        if not self._is_op(opening, "("):
            raise self._unexpected(opening, ": expected '(' after 'in', as in x in ('a', 'b')")
        self.lex.take()
        found: list[tuple[Node, int]] = []
        while True:
            if self._is_op(self.lex.peek(), ")") and found:
                break
            if self._is_op(self.lex.peek(), ")"):
                raise ExprSyntaxError("'in' needs at least one value: x in ('a', 'b')", self.lex.peek().pos)
            found.append(self.expression())
            if not self._is_op(self.lex.peek(), ","):
                break
            self.lex.take()
        self._close(opening, "the 'in' list")
        return tuple(found)

    def primary(self) -> tuple[Node, int]:
        """An atom, then a check that nothing tries to reach into it (``.``, ``[``, ``(``)."""
        lex = self.lex
        tok = lex.take()
        node: Node
        depth = 1
        if tok.kind == "num":
            assert isinstance(tok.value, float)
            node = Num(tok.value, tok.pos)
        elif tok.kind == "str":
            assert isinstance(tok.value, str)
            node = Str(tok.value, tok.pos)
        elif tok.kind == "kw" and tok.text in ("true", "false"):
            node = Bool(tok.text == "true", tok.pos)
        elif tok.kind == "name":
            assert isinstance(tok.value, str)
            following = lex.peek()
            if not tok.quoted and self._is_op(following, "("):
                node, depth = self.call(tok)
            elif not tok.quoted and tok.text == "lambda" and (following.kind == "name" or self._is_op(following, ":")):
                raise ExprSyntaxError("lambdas are not allowed", tok.pos)
            elif not tok.quoted and tok.text == "import" and following.kind == "name":
                raise ExprSyntaxError("imports are not allowed", tok.pos)
            else:
                node = Name(tok.value, tok.pos)
        elif self._is_op(tok, "("):
            node, depth = self.expression()
            self._close(tok, "this parenthesis")
        elif self._is_op(tok, "["):
            raise ExprSyntaxError("lists are not allowed: to test membership write x in ('a', 'b')", tok.pos)
        else:
            raise self._unexpected(tok, ": expected a value" if tok.kind != "end" else "")
        after = lex.peek()
        if self._is_op(after, ".") or (after.kind == "num" and after.text.startswith(".") and after.pos == lex.last_end):
            raise ExprSyntaxError("attribute access is not allowed", after.pos)
        if self._is_op(after, "["):
            raise ExprSyntaxError("indexing is not allowed", after.pos)
        if self._is_op(after, "("):
            if isinstance(node, Call):
                what = f"the result of {node.func}() is not a function"
            elif tok.kind == "op":
                what = "this is not a function"
            else:
                what = f"{_describe(tok)} is not a function"
            raise ExprSyntaxError(f"only functions can be called: {what}", after.pos)
        return node, depth

    def call(self, name: _Token) -> tuple[Node, int]:
        fn = lookup(name.text)
        if fn is None:
            hint = did_you_mean(name.text.lower(), FUNCTIONS) or f"; the functions are {', '.join(FUNCTIONS)}"
            raise ExprSyntaxError(f"unknown function '{name.text}'{hint}", name.pos)
        lex = self.lex
        opening = lex.take()
        keywords = fn.keyword_params()
        args: dict[int, tuple[Node, int]] = {}
        positional = 0
        last_keyword: Optional[str] = None
        if self._is_op(lex.peek(), ")"):
            lex.take()
        else:
            while True:
                tok = lex.peek()
                if tok.kind == "name" and not tok.quoted and tok.text in keywords and self._is_op(lex.peek(1), "="):
                    index = keywords[tok.text]
                    if index in args:
                        raise ExprSyntaxError(f"{fn.name}(): {tok.text} is given twice", tok.pos)
                    lex.take()
                    lex.take()
                    args[index] = self.expression()
                    last_keyword = tok.text
                else:
                    if last_keyword is not None:
                        raise ExprSyntaxError(
                            f"{fn.name}(): an argument without a name cannot follow {last_keyword}=", tok.pos
                        )
                    args[positional] = self.expression()
                    positional += 1
                tok = lex.peek()
                if self._is_op(tok, ","):
                    lex.take()
                    if self._is_op(lex.peek(), ")"):
                        raise ExprSyntaxError(f"{fn.name}(): an argument is missing after ','", lex.peek().pos)
                    continue
                self._close(opening, f"{fn.name}()")
                break
        count = max(args) + 1 if args else 0
        for i in range(count):
            if i not in args:
                raise ExprSyntaxError(f"{fn.name}(): argument {fn.param(i)} is missing", name.pos)
        arity = fn.arity_error(count)
        if arity is not None:
            raise ExprSyntaxError(arity, name.pos)
        ordered = [args[i] for i in range(count)]
        depth = 1 + max((d for _, d in ordered), default=0)
        if depth > MAX_DEPTH:
            raise self._deep(name.pos)
        return Call(fn.name, tuple(n for n, _ in ordered), name.pos), depth


def parse(text: str, qualified: bool = False) -> Node:
    """The syntax tree of ``text``; :class:`ExprSyntaxError` if it is not a valid expression.

    ``qualified``: read ``menu.price`` as one name, a joined source's column (row
    expressions, README#your-data); elsewhere a dot after a name is refused as attribute access."""
    if not isinstance(text, str):
        raise ExprSyntaxError(f"an expression must be text, not {type(text).__name__}", 0)
    try:
        return _Parser(text, qualified).parse()
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps the parser far from the limit
        raise ExprSyntaxError(f"expression nested too deeply (more than {MAX_DEPTH} levels)", 0) from None


# --- back to text ----------------------------------------------------------------------------

_PREC = {"or": 1, "and": 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "&": 5, "+": 6, "-": 6, "*": 7, "/": 7}


def _quote(text: str, quote: str) -> str:
    return quote + text.replace(quote, quote * 2) + quote


def _number(value: float) -> str:
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


def _unparse(node: Node) -> tuple[str, int]:
    """``node`` as text, and the precedence of its outermost operator."""
    if isinstance(node, Num):
        text = _number(node.value)
        return text, (_NEG_PREC if text.startswith("-") else _ATOM_PREC)
    if isinstance(node, Str):
        return _quote(node.value, "'"), _ATOM_PREC
    if isinstance(node, Bool):
        return ("true" if node.value else "false"), _ATOM_PREC
    if isinstance(node, Name):
        if _IDENTIFIER.match(node.id) and node.id.lower() not in KEYWORDS and node.id not in ("lambda", "import"):
            return node.id, _ATOM_PREC
        return _quote(node.id, "`"), _ATOM_PREC
    if isinstance(node, Call):
        return f"{node.func}({', '.join(_unparse(a)[0] for a in node.args)})", _ATOM_PREC
    if isinstance(node, Unary):
        text, prec = _unparse(node.operand)
        if node.op == "not":
            return "not " + (f"({text})" if prec < _NOT_PREC else text), _NOT_PREC
        return node.op + (f"({text})" if prec < _NEG_PREC else text), _NEG_PREC
    if isinstance(node, In):
        text, prec = _unparse(node.item)
        if prec <= _CMP_PREC:
            text = f"({text})"
        options = ", ".join(_unparse(o)[0] for o in node.options)
        return f"{text} {'not in' if node.negated else 'in'} ({options})", _CMP_PREC
    if isinstance(node, Binary):
        prec = _PREC[node.op]
        left, lprec = _unparse(node.left)
        right, rprec = _unparse(node.right)
        if lprec < prec or (prec == _CMP_PREC and lprec == prec):
            left = f"({left})"
        if rprec <= prec:
            right = f"({right})"
        return f"{left} {node.op} {right}", prec
    raise TypeError(f"not an expression node: {node!r}")


def unparse(node: Node) -> str:
    """``node`` as expression text that :func:`parse` reads back to an equal tree.

    Parentheses are written only where precedence needs them; text uses single quotes.
    """
    return _unparse(node)[0]
