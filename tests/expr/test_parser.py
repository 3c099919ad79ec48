"""The expression parser: what it builds, what it refuses and where, and that no text breaks it."""

from __future__ import annotations

import ast as python_ast
import builtins
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpisheet.expr import FUNCTIONS, MAX_DEPTH, ExprSyntaxError, parse, unparse
from kpisheet.expr.ast import Binary, Bool, Call, In, Name, Node, Num, Str, Unary, walk

a, b, c = Name("a"), Name("b"), Name("c")


def num(value: float) -> Num:
    return Num(float(value))


# --- what valid text builds ----------------------------------------------------------------

VALID: list[tuple[str, Node]] = [
    # literals
    ("12", num(12)),
    ("0.5", num(0.5)),
    ("1e3", num(1000)),
    ("1E-2", num(0.01)),
    ("2.5e+1", num(25)),
    (".5", num(0.5)),
    ("7.", num(7)),
    ("'cancelled'", Str("cancelled")),
    ('"cancelled"', Str("cancelled")),
    ("'it''s'", Str("it's")),
    ('"a ""b"" c"', Str('a "b" c')),
    ("'a\"b'", Str('a"b')),
    ("'C:\\data'", Str("C:\\data")),
    ("''", Str("")),
    ("'caf\u00e9 \u20ac'", Str("caf\u00e9 \u20ac")),
    ("true", Bool(True)),
    ("FALSE", Bool(False)),
    ("True", Bool(True)),
    # names
    ("revenue", Name("revenue")),
    ("_x9", Name("_x9")),
    ("`Order Date`", Name("Order Date")),
    ("`and`", Name("and")),
    ("`a``b`", Name("a`b")),
    ("`prev`", Name("prev")),
    ("Revenue", Name("Revenue")),
    # arithmetic and precedence
    ("a + b * c", Binary("+", a, Binary("*", b, c))),
    ("(a + b) * c", Binary("*", Binary("+", a, b), c)),
    ("a - b - c", Binary("-", Binary("-", a, b), c)),
    ("a / b / c", Binary("/", Binary("/", a, b), c)),
    ("a - (b - c)", Binary("-", a, Binary("-", b, c))),
    ("-a * b", Binary("*", Unary("-", a), b)),
    ("a * -b", Binary("*", a, Unary("-", b))),
    ("--a", Unary("-", Unary("-", a))),
    ("+a", Unary("+", a)),
    ("-2", Unary("-", num(2))),
    ("a - -1", Binary("-", a, Unary("-", num(1)))),
    # comparisons, with Excel's spellings
    ("a == b", Binary("==", a, b)),
    ("a = b", Binary("==", a, b)),
    ("a != b", Binary("!=", a, b)),
    ("a <> b", Binary("!=", a, b)),
    ("a < b", Binary("<", a, b)),
    ("a <= b", Binary("<=", a, b)),
    ("a > b", Binary(">", a, b)),
    ("a >= b", Binary(">=", a, b)),
    ("a + 1 > b * 2", Binary(">", Binary("+", a, num(1)), Binary("*", b, num(2)))),
    ("(a < b) == c", Binary("==", Binary("<", a, b), c)),
    ("date >= '2026-01-01'", Binary(">=", Name("date"), Str("2026-01-01"))),
    # logic
    ("a and b or c", Binary("or", Binary("and", a, b), c)),
    ("a or b and c", Binary("or", a, Binary("and", b, c))),
    ("a AND b Or c", Binary("or", Binary("and", a, b), c)),
    ("not a", Unary("not", a)),
    ("not a == b", Unary("not", Binary("==", a, b))),
    ("not a and b", Binary("and", Unary("not", a), b)),
    ("a and not b", Binary("and", a, Unary("not", b))),
    ("not not a", Unary("not", Unary("not", a))),
    ("not -a", Unary("not", Unary("-", a))),
    ("a > 1 and b < 2", Binary("and", Binary(">", a, num(1)), Binary("<", b, num(2)))),
    # in
    ("a in ('x', 'y')", In(a, (Str("x"), Str("y")))),
    ("a in ('x')", In(a, (Str("x"),))),
    ("a in ('x',)", In(a, (Str("x"),))),
    ("a not in (1, 2)", In(a, (num(1), num(2)), negated=True)),
    ("a NOT IN (b)", In(a, (b,), negated=True)),
    ("a + 1 in (2, 3)", In(Binary("+", a, num(1)), (num(2), num(3)))),
    ("not a in (1)", Unary("not", In(a, (num(1),)))),
    ("a in (1) and b", Binary("and", In(a, (num(1),)), b)),
    ("a in (b or c)", In(a, (Binary("or", b, c),))),
    # calls
    ("revenue / prev(revenue) - 1", Binary("-", Binary("/", Name("revenue"), Call("prev", (Name("revenue"),))), num(1))),
    ("prev(revenue, 2)", Call("prev", (Name("revenue"), num(2)))),
    ("prev(revenue, n=2)", Call("prev", (Name("revenue"), num(2)))),
    ("rolling(revenue, n = 3)", Call("rolling", (Name("revenue"), num(3)))),
    ("round(x, digits=0)", Call("round", (Name("x"), num(0)))),
    ("round(x)", Call("round", (Name("x"),))),
    ("IF(a, 1, 2)", Call("if", (a, num(1), num(2)))),
    ("if(status = 'x', 1, 0)", Call("if", (Binary("==", Name("status"), Str("x")), num(1), num(0)))),
    ("abs(n = 2)", Call("abs", (Binary("==", Name("n"), num(2)),))),
    ("coalesce(a, b, c, 0)", Call("coalesce", (a, b, c, num(0)))),
    ("max(a)", Call("max", (a,))),
    ("min(a, b, 1)", Call("min", (a, b, num(1)))),
    ("attr(strategic_value)", Call("attr", (Name("strategic_value"),))),
    ("share ( revenue )", Call("share", (Name("revenue"),))),
    ("score >= 60 or pareto(revenue) < 0.8",
     Binary("or", Binary(">=", Name("score"), num(60)), Binary("<", Call("pareto", (Name("revenue"),)), num(0.8)))),
    # whitespace of every kind
    ("\n\ta\r\n+\u00a0b ", Binary("+", a, b)),
    ("((a))", a),
]


@pytest.mark.parametrize("text, expected", VALID, ids=[t for t, _ in VALID])
def test_parse_builds(text: str, expected: Node) -> None:
    assert parse(text) == expected


def test_positions_point_at_the_text() -> None:
    text = "revenue / prev(`Net Revenue`, 2) - 1 > 'x' and not a in (1)"
    tree = parse(text)
    found = {type(n).__name__ + ":" + text[n.pos : n.pos + 4] for n in walk(tree)}
    assert found == {
        "Binary:and ",  # operators: their own offset
        "Binary:> 'x",
        "Binary:- 1 ",
        "Binary:/ pr",
        "Name:reve",
        "Call:prev",  # calls: the function's name
        "Name:`Net",  # backticked names: the backtick
        "Num:2) -",
        "Num:1 > ",
        "Str:'x' ",
        "Unary:not ",
        "In:in (",
        "Name:a in",
        "Num:1)",
    }


def test_not_in_points_at_not() -> None:
    tree = parse("a not in (1)")
    assert isinstance(tree, In) and tree.pos == 2


# --- what is refused, and where --------------------------------------------------------------

INVALID: list[tuple[str, int, str]] = [
    ("", 0, "empty expression"),
    ("   \n ", 0, "empty expression"),
    # reaching into things
    ("a.b", 1, "attribute access is not allowed"),
    ("os.system('rm')", 2, "attribute access is not allowed"),
    ("'x'.upper()", 3, "attribute access is not allowed"),
    ("a.5", 1, "attribute access is not allowed"),
    ("prev(a).b", 7, "attribute access is not allowed"),
    ("a[0]", 1, "indexing is not allowed"),
    ("(a)[0]", 3, "indexing is not allowed"),
    ("[1, 2]", 0, "lists are not allowed"),
    ("lambda x: x", 0, "lambdas are not allowed"),
    ("lambda: 1", 0, "lambdas are not allowed"),
    ("import os", 0, "imports are not allowed"),
    # calls of anything but a registered function
    ("__import__('os')", 0, "unknown function '__import__'"),
    ("eval('1')", 0, "unknown function 'eval'"),
    ("foo(1)", 0, "unknown function 'foo'"),
    ("1 + shar(x)", 4, "unknown function 'shar' (did you mean 'share'?)"),
    ("sum(amount)", 0, "unknown function 'sum'; the functions are prev, rolling"),
    ("`if`(a, 1, 2)", 4, "only functions can be called: name `if` is not a function"),
    ("prev(a)(b)", 7, "only functions can be called: the result of prev() is not a function"),
    ("(a)(b)", 3, "only functions can be called"),
    ("'s'(b)", 3, "only functions can be called"),
    ("true(1)", 4, "only functions can be called"),
    # arguments
    ("prev(a, 1, 'month', 2)", 0, "prev() takes 1 to 3 arguments, got 4"),
    ("prev()", 0, "prev() takes 1 to 3 arguments, got 0"),
    ("if(a, b)", 0, "if() takes 3 arguments, got 2"),
    ("abs(a, b)", 0, "abs() takes 1 argument, got 2"),
    ("coalesce(a)", 0, "coalesce() takes at least 2 arguments, got 1"),
    ("max()", 0, "max() takes at least 1 argument, got 0"),
    ("rolling(a)", 0, "rolling() takes 2 to 3 arguments, got 1"),
    ("prev(a, n=1, n=2)", 13, "prev(): n is given twice"),
    ("prev(a, 1, n=2)", 11, "prev(): n is given twice"),
    ("round(digits=1, x)", 16, "round(): an argument without a name cannot follow digits="),
    ("round(digits=1)", 0, "round(): argument x is missing"),
    ("prev(a,)", 7, "prev(): an argument is missing after ','"),
    ("prev(a b)", 7, "unexpected name 'b': expected ')' to close the '(' of prev()"),
    ("prev(a", 4, "'(' is never closed (prev())"),
    # operators that do not exist
    ("a ** 2", 2, "'**' is not allowed"),
    ("a; b", 1, "';' is not allowed"),
    ("a := 1", 2, "assignment is not allowed"),
    ("a += 1", 2, "assignment is not allowed"),
    ("a && b", 2, "use 'and'"),
    ("a || b", 2, "use 'or'"),
    ("a && b", 2, "use 'and'"),
    ("!a", 0, "use 'not'"),
    ("5%", 1, "5% is 0.05"),
    ("a ^ 2", 2, "no power operator"),
    ("a = b = c", 6, "comparisons cannot be chained"),
    ("a < b < c", 6, "comparisons cannot be chained"),
    ("a == b in (1)", 7, "comparisons cannot be chained"),
    ("a in (1) == b", 9, "comparisons cannot be chained"),
    ("a in (1) in (2)", 9, "comparisons cannot be chained"),
    ("a == not b", 5, "unexpected 'not' after '=='"),
    ("a * not b", 4, "unexpected 'not' after '*'"),
    ("-not a", 1, "unexpected 'not' after '-'"),
    # unknown characters
    ("a $ b", 2, "unknown character '$'"),
    ("a\x00", 1, "unknown character U+0000"),
    ("\u00e9t\u00e9", 0, "unknown character '\u00e9': a name with it must be in backticks"),
    ("\u2018x\u2019", 0, "use a straight quote"),
    ("a {b}", 2, "unknown character '{'"),
    ("a @ b", 2, "unknown character '@'"),
    ("a # b", 2, "unknown character '#'"),
    ("\U0001f600", 0, "unknown character"),
    # literals
    ("'abc", 0, "unterminated text"),
    ("a == \"abc", 5, "unterminated text"),
    ("'it''s", 0, "unterminated text"),
    ("`Order Date", 0, "unterminated name"),
    ("``", 0, "empty name in backticks"),
    ("12abc", 0, "invalid number '12abc'"),
    ("1e", 0, "invalid number '1e'"),
    ("1e+", 0, "invalid number '1e+'"),
    ("1.2.3", 0, "invalid number '1.2.3'"),
    ("1e999", 0, "number too large"),
    ("date >= 2026-01-01", 8, "a date must be in quotes: '2026-01-01'"),
    # structure
    ("(a + b", 0, "'(' is never closed"),
    ("((a)", 0, "'(' is never closed"),
    ("a + b)", 5, "unbalanced ')'"),
    ("()", 1, "unexpected ')': expected a value"),
    ("a b", 2, "unexpected name 'b' (an operator is missing before it?)"),
    ("a 'x'", 2, "unexpected text 'x'"),
    ("1 2", 2, "unexpected number 2"),
    ("a +", 3, "unexpected end of expression"),
    ("a and", 5, "unexpected end of expression"),
    ("and a", 0, "unexpected 'and': expected a value"),
    ("a not b", 2, "unexpected 'not'"),
    ("in (1)", 0, "unexpected 'in'"),
    ("a in b", 5, "expected '(' after 'in'"),
    ("a in ()", 6, "'in' needs at least one value"),
    ("a in (1", 5, "'(' is never closed (the 'in' list)"),
    ("a, b", 1, "unexpected ','"),
    ("a = ", 4, "unexpected end of expression"),
]


@pytest.mark.parametrize("text, pos, message", INVALID, ids=[t for t, _, _ in INVALID])
def test_parse_refuses(text: str, pos: int, message: str) -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.pos == pos
    assert str(caught.value) == caught.value.message == caught.value.args[0]


def test_syntax_error_is_a_value_error_not_a_config_error() -> None:
    from kpisheet.errors import KpisheetError

    assert issubclass(ExprSyntaxError, ValueError)
    assert not issubclass(ExprSyntaxError, KpisheetError)


def test_non_text_is_refused() -> None:
    with pytest.raises(ExprSyntaxError):
        parse(12)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1),
        "(" * 100_000,
        "-" * 100_000 + "a",
        "not " * 5_000 + "a",
        "1" + " + 1" * 5_000,
        "abs(" * 500 + "a" + ")" * 500,
        "a in (" * 500 + "1" + ")" * 500,
        "a or " * 150 + "b",
    ],
    ids=["parens", "open-parens", "minus", "not", "long-sum", "calls", "in", "or-chain"],
)
def test_too_deep(text: str) -> None:
    with pytest.raises(ExprSyntaxError, match="nested too deeply"):
        parse(text)


def test_deep_but_allowed() -> None:
    depth = MAX_DEPTH - 2
    tree = parse("(" * depth + "a" + ")" * depth)
    assert tree == a
    assert parse("-" * depth + "a") is not None


# --- unparse ---------------------------------------------------------------------------------

UNPARSED = [
    ("revenue / prev(revenue) - 1", "revenue / prev(revenue) - 1"),
    ("(a + b) * c", "(a + b) * c"),
    ("a - (b - c)", "a - (b - c)"),
    ("(a - b) - c", "a - b - c"),
    ("-(a * b)", "-(a * b)"),
    ("not (a or b)", "not (a or b)"),
    ("a = 'it''s'", "a == 'it''s'"),
    ('a <> "x"', "a != 'x'"),
    ("`Order Date` >= '2026-01-01'", "`Order Date` >= '2026-01-01'"),
    ("x NOT IN ('a','b',)", "x not in ('a', 'b')"),
    ("round(x, digits=2)", "round(x, 2)"),
    ("IF(TRUE, 1.50, 2e3)", "if(true, 1.5, 2000)"),
    ("pareto(revenue) < 0.8", "pareto(revenue) < 0.8"),
    ("`and` and `a``b`", "`and` and `a``b`"),
    ("(a < b) == c", "(a < b) == c"),
    ("(not a) == b", "(not a) == b"),
    ("a in (1) and b", "a in (1) and b"),
    ("(a in (1)) in (true)", "(a in (1)) in (true)"),
    ("1e-7 + 1e20", "1e-07 + 1e+20"),
]


@pytest.mark.parametrize("text, expected", UNPARSED, ids=[t for t, _ in UNPARSED])
def test_unparse(text: str, expected: str) -> None:
    assert unparse(parse(text)) == expected
    assert parse(expected) == parse(text)


# --- properties ------------------------------------------------------------------------------

def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the parser must not run or import anything")


def _parse_guarded(text: str) -> None:
    with pytest.MonkeyPatch.context() as patch:
        for name in ("eval", "exec", "compile", "__import__"):
            patch.setattr(builtins, name, _refuse)
        try:
            node = parse(text)
        except ExprSyntaxError as exc:
            assert isinstance(exc.pos, int) and 0 <= exc.pos <= len(text)
            assert exc.message
            return
    assert isinstance(node, (Num, Str, Bool, Name, Unary, Binary, In, Call))


_EXPRESSION_CHARS = st.sampled_from(
    list("abnotrdixyz_019 .,()'\"`=<>!+-*/[]:;%&|\\e\n\t\u00e9\x00") + ["and ", "or ", "not ", " in ", "prev(", "if(", "n=", "''"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_parses_or_raises_syntax_error(text: str) -> None:
    _parse_guarded(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_EXPRESSION_CHARS, max_size=40).map("".join))
def test_expression_like_text_parses_or_raises_syntax_error(text: str) -> None:
    _parse_guarded(text)


def test_modules_cannot_run_code() -> None:
    """No eval/exec/compile/__import__ and no Python ``ast`` module in the front end."""
    root = Path(__file__).resolve().parents[2] / "kpisheet" / "expr"
    for module in ("parser.py", "functions.py", "frame.py", "__init__.py"):
        tree = python_ast.parse((root / module).read_text(encoding="utf-8"))
        for node in python_ast.walk(tree):
            if isinstance(node, python_ast.Name):
                assert node.id not in {"eval", "exec", "compile", "__import__"}, module
            if isinstance(node, python_ast.Attribute):
                assert node.attr not in {"eval", "exec", "__import__"}, module
            if isinstance(node, python_ast.Import):
                assert all(alias.name != "ast" for alias in node.names), module


_IDENT = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
_NAMES = st.one_of(_IDENT, st.text(min_size=1, max_size=6), st.sampled_from(["and", "IN", "true", "lambda", "prev", "if"]))
_LEAVES = st.one_of(
    st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(Num),
    st.integers(min_value=0, max_value=10**6).map(lambda i: Num(float(i))),
    st.text(max_size=8).map(Str),
    st.booleans().map(Bool),
    _NAMES.map(Name),
)
_BINARY_OPS = ["or", "and", "==", "!=", "<", "<=", ">", ">=", "&", "+", "-", "*", "/"]


def _calls(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    def for_function(name: str) -> st.SearchStrategy[Node]:
        fn = FUNCTIONS[name]
        most = fn.max_args if fn.max_args is not None else fn.min_args + 2
        return st.lists(children, min_size=fn.min_args, max_size=most).map(lambda args: Call(name, tuple(args)))

    return st.sampled_from(sorted(FUNCTIONS)).flatmap(for_function)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(Unary, st.sampled_from(["-", "+", "not"]), children),
        st.builds(Binary, st.sampled_from(_BINARY_OPS), children, children),
        st.builds(In, children, st.lists(children, min_size=1, max_size=3).map(tuple), st.booleans()),
        _calls(children),
    )


EXPRESSIONS = st.recursive(_LEAVES, _extend, max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_unparse_then_parse_gives_the_same_tree(tree: Node) -> None:
    text = unparse(tree)
    assert parse(text) == tree, text
    assert unparse(parse(text)) == text


def test_ampersand_concatenates_below_plus_as_in_excel() -> None:
    # SPEC §7.2: text & text; Excel binds + tighter than &
    assert parse("a & b + 1") == Binary("&", Name("a"), Binary("+", Name("b"), Num(1.0)))
    assert parse("a & 'x' = b") == Binary("==", Binary("&", Name("a"), Str("x")), Name("b"))


def test_qualified_names_only_where_asked() -> None:
    assert parse("qty * menu.price", qualified=True) == Binary("*", Name("qty"), Name("menu.price"))
    assert unparse(parse("menu.price", qualified=True)) == "`menu.price`"
    with pytest.raises(ExprSyntaxError, match="attribute access"):
        parse("menu.price")
    with pytest.raises(ExprSyntaxError, match="attribute access"):
        parse("a.b.c", qualified=True)
    with pytest.raises(ExprSyntaxError, match="unknown function 'os.system'"):
        parse("os.system('x')", qualified=True)
