"""Tests for the infix parser: golden trees, errors with columns, limits, round trips, fuzzing, injection."""

from __future__ import annotations

import ast
import builtins
import os
import subprocess
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop import ops
from symbackprop.errors import InputError, LimitError, ParseError, SymbackpropError
from symbackprop.limits import DEFAULT, Limits
from symbackprop.ops import (
    AbsOp,
    DivOp,
    Exp,
    LogOp,
    MaxOp,
    MinOp,
    MulOp,
    NegOp,
    PowOp,
    ReLU,
    Sigmoid,
    Sqrt,
    SubOp,
    SumOp,
    Tanh,
)
from symbackprop.parse import parse_infix, parse_names

a, b, c, x, z, x0, w0 = sympy.symbols("a b c x z x0 w0")

# --- golden trees: input text -> str() of the tree in the nested notation ------------

GOLDEN = [
    # the chapter's neuron
    ("relu(x0*w0 + x1*w1 + x2*w2 + b)", "ReLU(sum(mul(x0, w0), mul(x1, w1), mul(x2, w2), b))"),
    ("ReLU(x_0*w_0 + x_1*w_1 + x_2*w_2 + b)", "ReLU(sum(mul(x0, w0), mul(x1, w1), mul(x2, w2), b))"),
    ("max(x0*w0 + b, 0)", "ReLU(sum(mul(x0, w0), b))"),
    # flattening, and parentheses that stop it
    ("a+b+c", "sum(a, b, c)"),
    ("a*b*c", "mul(a, b, c)"),
    ("(a+b)+c", "sum(sum(a, b), c)"),
    ("a+(b+c)", "sum(a, sum(b, c))"),
    ("(a*b)*c", "mul(mul(a, b), c)"),
    ("((a*b))*c", "mul(mul(a, b), c)"),
    ("(a+b+c)", "sum(a, b, c)"),
    ("a*b + c*d*e", "sum(mul(a, b), mul(c, d, e))"),
    ("a + b*c*d", "sum(a, mul(b, c, d))"),
    ("(a+b)*(c+d)", "mul(sum(a, b), sum(c, d))"),
    # subtraction and division are left associative and binary
    ("a - b", "sub(a, b)"),
    ("a - b - c", "sub(sub(a, b), c)"),
    ("a + b - c", "sub(sum(a, b), c)"),
    ("a - b + c", "sum(sub(a, b), c)"),
    ("a - (b - c)", "sub(a, sub(b, c))"),
    ("a / b", "div(a, b)"),
    ("a / b / c", "div(div(a, b), c)"),
    ("a * b / c", "div(mul(a, b), c)"),
    ("a / b * c", "mul(div(a, b), c)"),
    # powers: right associative, tighter than unary minus
    ("x ** 2", "pow(x, 2)"),
    ("x ^ 2", "pow(x, 2)"),
    ("x**2**3", "pow(x, pow(2, 3))"),
    ("(x**2)**3", "pow(pow(x, 2), 3)"),
    ("-x**2", "neg(pow(x, 2))"),
    ("-3**2", "neg(pow(3, 2))"),
    ("2**-1", "pow(2, -1)"),
    ("2**-x**2", "pow(2, neg(pow(x, 2)))"),
    ("a*b**2", "mul(a, pow(b, 2))"),
    ("x**10000", "pow(x, 10000)"),
    ("x**-10000", "pow(x, -10000)"),
    # unary minus and plus
    ("-3", "-3"),
    ("-2.5", "-2.50000000000000"),
    ("--3", "3"),
    ("-(3)", "-3"),
    ("-x", "neg(x)"),
    ("--x", "neg(neg(x))"),
    ("-a*b", "mul(neg(a), b)"),
    ("a*-b", "mul(a, neg(b))"),
    ("x - -3", "sub(x, -3)"),
    ("+x", "x"),
    ("a + +b", "sum(a, b)"),
    ("-(a+b)", "neg(sum(a, b))"),
    # numbers
    ("7", "7"),
    ("007", "7"),
    ("2.5", "2.50000000000000"),
    (".5", "0.500000000000000"),
    ("1.", "1.00000000000000"),
    ("1e-3", "0.00100000000000000"),
    ("2.5E+2", "250.000000000000"),
    ("2.5*x", "mul(2.5, x)"),
    # names: underscores dropped, case kept
    ("x_0 + w_12", "sum(x0, w12)"),
    ("W1 + w1", "sum(W1, w1)"),
    ("_x + y_", "sum(x, y)"),
    ("relu + exp", "sum(relu, exp)"),  # a function name without a call is a variable
    # functions, case-insensitive, σ as sigmoid
    ("sigmoid(z)", "sigmoid(z)"),
    ("Sigmoid(z)", "sigmoid(z)"),
    ("σ(z)", "sigmoid(z)"),
    ("tanh(z) + exp(-z)", "sum(tanh(z), exp(neg(z)))"),
    ("log(x) + ln(x)", "sum(log(x), log(x))"),
    ("sqrt(abs(x))", "sqrt(abs(x))"),
    ("relu (x)", "ReLU(x)"),
    ("max(z, 0)", "ReLU(z)"),
    ("max(0, z)", "ReLU(z)"),
    ("MAX(z, 0)", "ReLU(z)"),
    ("max(a, b)", "max(a, b)"),
    ("max(a, b, 0)", "max(a, b, 0)"),
    ("min(z, 0)", "min(z, 0)"),
    ("min(a, b, c)", "min(a, b, c)"),
    # the tool's own nested notation
    ("ReLU(sum(mul(x0, w0), b))", "ReLU(sum(mul(x0, w0), b))"),
    ("sub(a, neg(b))", "sub(a, neg(b))"),
    ("div(a, pow(b, 2))", "div(a, pow(b, 2))"),
    ("neg(3)", "neg(3)"),
    ("mul(a, b) * c", "mul(mul(a, b), c)"),
    ("sum(a, b, c, a)", "sum(a, b, c, a)"),
    # whitespace
    ("  a\t+\nb  ", "sum(a, b)"),
]


@pytest.mark.parametrize(("text", "expected"), GOLDEN)
def test_golden(text: str, expected: str) -> None:
    assert str(parse_infix(text)) == expected


def test_neuron_tree() -> None:
    x1, w1, x2, w2, bb = sympy.symbols("x1 w1 x2 w2 b")
    tree = parse_infix("relu(x0*w0 + x1*w1 + x2*w2 + b)")
    assert tree == ReLU(SumOp(MulOp(x0, w0), MulOp(x1, w1), MulOp(x2, w2), bb))
    assert all(type(s) is sympy.Symbol for s in tree.free_symbols)


def test_number_types() -> None:
    assert parse_infix("3") == sympy.Integer(3) and isinstance(parse_infix("3"), sympy.Integer)
    assert parse_infix("-3") == sympy.Integer(-3)
    assert parse_infix("2.5") == sympy.Float("2.5") and isinstance(parse_infix("2.5"), sympy.Float)
    assert parse_infix("1e-3") == sympy.Float("1e-3")
    assert parse_infix("1e3") == sympy.Float("1e3") and isinstance(parse_infix("1e3"), sympy.Float)


# --- round trip: the printed nested notation parses back to the same tree -------------

ROUND_TRIP = [
    ReLU(SumOp(MulOp(x0, w0), MulOp(a, b), c)),
    SumOp(SumOp(a, b), c),
    MulOp(MulOp(a, b), MulOp(c, x)),
    SubOp(SumOp(a, b), NegOp(c)),
    NegOp(sympy.Integer(3)),
    NegOp(sympy.Integer(-3)),
    DivOp(sympy.Integer(-3), PowOp(x, sympy.Integer(2))),
    PowOp(x, sympy.Float("-0.5")),
    MulOp(sympy.Float("2.5"), Sigmoid(x)),
    Tanh(Exp(LogOp(Sqrt(AbsOp(x))))),
    MaxOp(a, b, c),
    MaxOp(a, b),
    MinOp(a, sympy.Integer(0)),
    ReLU(ReLU(ReLU(z))),
]


@pytest.mark.parametrize("tree", ROUND_TRIP, ids=str)
def test_round_trip(tree: sympy.Basic) -> None:
    assert parse_infix(str(tree)) == tree


_LEAVES = st.sampled_from(
    [a, b, x0, w0, sympy.Integer(1), sympy.Integer(7), sympy.Integer(-3), sympy.Float("2.5")]
)


def _extend(children: st.SearchStrategy[sympy.Basic]) -> st.SearchStrategy[sympy.Basic]:
    unary = st.sampled_from([ReLU, Sigmoid, Tanh, Exp, LogOp, Sqrt, AbsOp, NegOp])
    binary = st.sampled_from([SubOp, DivOp, PowOp])
    nary = st.sampled_from([MulOp, SumOp, MaxOp, MinOp])
    return st.one_of(
        st.builds(lambda f, e: f(e), unary, children),
        st.builds(lambda f, p, q: f(p, q), binary, children, children),
        st.builds(lambda f, es: f(*es), nary, st.lists(children, min_size=2, max_size=4)),
    )


@settings(max_examples=200, deadline=500)
@given(st.recursive(_LEAVES, _extend, max_leaves=20))
def test_round_trip_random_trees(tree: sympy.Basic) -> None:
    assert parse_infix(str(tree)) == tree


# --- errors: message and column -------------------------------------------------------

ERRORS = [
    ("", "empty expression", 1),
    ("   ", "empty expression", 1),
    ("relu(x0 * w0))", "unexpected ')'", 14),
    ("x)", "unexpected ')'", 2),
    ("(x", "unclosed '('", 1),
    ("relu(x", "unclosed '('", 5),
    ("relu (x", "unclosed '('", 6),
    ("(a + (b)", "unclosed '('", 1),
    ("x +", "missing operand at end of input", 4),
    ("-", "missing operand at end of input", 2),
    ("x + * y", "missing operand before '*'", 5),
    ("* x", "missing operand before '*'", 1),
    ("(x + )", "missing operand before ')'", 6),
    ("()", "empty parentheses", 2),
    ("max(a, )", "missing operand before ')'", 8),
    ("max(, a)", "missing operand before ','", 5),
    ("2x", "missing operator before 'x'", 2),
    ("a b", "missing operator before 'b'", 3),
    ("(a)(b)", "missing operator before '('", 4),
    ("a relu(b)", "missing operator before 'relu('", 3),
    ("a, b", "unexpected ','", 2),
    ("relu((a, b))", "unexpected ','", 8),
    ("x $ y", "unexpected character '$'", 3),
    ("x[0]", "unexpected character '['", 2),
    ("x = 1", "unexpected character '='", 3),
    ("1e", "malformed number '1e'", 1),
    ("1.2.3", "malformed number '1.2.'", 1),
    ("foo(x)", "unknown function 'foo'", 1),
    ("a + Foo(x)", "unknown function 'Foo'", 5),
    ("steps(x)", "unknown function 'steps'", 1),
    ("relu()", "relu takes exactly 1 argument, got 0", 1),
    ("a + ReLU(a, b)", "ReLU takes exactly 1 argument, got 2", 5),
    ("neg(a, b)", "neg takes exactly 1 argument, got 2", 1),
    ("sub(a)", "sub takes exactly 2 arguments, got 1", 1),
    ("pow(a, b, c)", "pow takes exactly 2 arguments, got 3", 1),
    ("max(a)", "max takes 2 or more arguments, got 1", 1),
    ("min()", "min takes 2 or more arguments, got 0", 1),
    ("mul(a)", "mul takes 2 or more arguments, got 1", 1),
    ("_", "'_' is not a valid name", 1),
    ("a + __1", "'__1' is not a valid name", 5),
    ("σ", "'σ' must be called, as in σ(z)", 1),
    ("x + 1e999", "number '1e999' is out of floating-point range", 5),
    ("1" * 310, "number '111111111111111111111111111111...' is out of floating-point range", 1),
]


@pytest.mark.parametrize(("text", "message", "column"), ERRORS)
def test_errors(text: str, message: str, column: int) -> None:
    with pytest.raises(ParseError) as info:
        parse_infix(text)
    assert info.value.column == column
    assert str(info.value) == f"{message} (at column {column})"
    assert isinstance(info.value, InputError)


def test_error_messages_are_one_line() -> None:
    for text in ["x\n)", "x + \x00", "x\u2028\u202e", "a\n+\n", "q" * 1000 + "(x)"]:
        with pytest.raises(ParseError) as info:
            parse_infix(text)
        assert "\n" not in str(info.value) and len(str(info.value)) < 120


# --- limits ---------------------------------------------------------------------------


def _limit_message(text: str, limits: Limits | None = None) -> str:
    with pytest.raises(LimitError) as info:
        parse_infix(text) if limits is None else parse_infix(text, limits)
    return str(info.value)


def test_max_length() -> None:
    limits = Limits(max_length=10)
    assert str(parse_infix("a + b + cd", limits)) == "sum(a, b, cd)"
    assert _limit_message("a + b + cde", limits) == (
        "the expression length is 11, more than the limit of 10 (raise it with limits=Limits(max_length=...))"
    )
    assert "limits=Limits(max_length=...)" in _limit_message("$" * 11, limits)  # refused before tokenizing


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "(" * n + "x" + ")" * n,
        lambda n: "relu(" * n + "x" + ")" * n,
        lambda n: "-" * n + "x",
        lambda n: "x**" * n + "x",
        lambda n: "sum(a, " * n + "b" + ")" * n,
    ],
    ids=["parentheses", "calls", "unary-minus", "power-chain", "nested-sum"],
)
def test_max_depth(make: object) -> None:
    assert callable(make)
    bound = DEFAULT.max_depth
    parse_infix(make(bound))  # the default limit is reachable without a RecursionError
    message = _limit_message(make(5000))
    assert message == (
        f"the nesting depth is {bound + 1}, more than the limit of {bound} (raise it with limits=Limits(max_depth=...))"
    )
    small = Limits(max_depth=3)
    parse_infix(make(3), small)
    assert "limits=Limits(max_depth=...)" in _limit_message(make(4), small)


def test_depth_of_unclosed_input_is_refused_quickly() -> None:
    assert "limits=Limits(max_depth=...)" in _limit_message("(" * 100_000)


def test_unary_plus_chain_is_harmless() -> None:
    assert parse_infix("+" * 5000 + "x") == x


def test_max_nodes() -> None:
    limits = Limits(max_nodes=4)
    assert str(parse_infix("a+b+c", limits)) == "sum(a, b, c)"  # three leaves and one sum
    assert _limit_message("a+b+c+d", limits) == (
        "the number of nodes is 5, more than the limit of 4 (raise it with limits=Limits(max_nodes=...))"
    )
    assert "limits=Limits(max_nodes=...)" in _limit_message("relu(relu(relu(relu(a))))", limits)


@pytest.mark.parametrize(
    "text", ["x**100000", "x**-100000", "x**(100001)", "pow(x, 10001)", "x**1e5", "2**10000.5"]
)
def test_max_exponent(text: str) -> None:
    assert "raise it with limits=Limits(max_exponent=...)" in _limit_message(text)


def test_max_exponent_configurable() -> None:
    assert str(parse_infix("x**100000", Limits(max_exponent=100_000))) == "pow(x, 100000)"
    assert _limit_message("x**3", Limits(max_exponent=2)) == (
        "the exponent is 3, more than the limit of 2 (raise it with limits=Limits(max_exponent=...))"
    )


def test_max_digits() -> None:
    assert parse_infix("1" * 300) == sympy.Integer(int("1" * 300))
    assert parse_infix("0." + "1" * 398) > 0
    assert "raise it with limits=Limits(max_digits=...)" in _limit_message("1" * 401)
    assert "limits=Limits(max_digits=...)" in _limit_message("123", Limits(max_digits=2))


# --- parse_names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("x0", ["x0"]),
        ("x0,w0", ["x0", "w0"]),
        ("x_0, w_0", ["x0", "w0"]),
        (" w0  b ", ["w0", "b"]),
        ("w_12,b", ["w12", "b"]),
        ("x0, x_0", ["x0"]),
    ],
)
def test_parse_names(text: str, names: list[str]) -> None:
    assert parse_names(text) == names


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("", "no names given", 1),
        (" , ", "no names given", 1),
        ("x0,w-0", "'w-0' is not a name", 5),
        ("x0 0w", "'0w' is not a name", 4),
        ("x0, _", "'_' is not a valid name", 5),
        ("relu(x)", "'relu(x)' is not a name", 5),
    ],
)
def test_parse_names_errors(text: str, message: str, column: int) -> None:
    with pytest.raises(ParseError) as info:
        parse_names(text)
    assert str(info.value) == f"{message} (at column {column})"


# --- fuzzing: any text ends in a tree or a SymbackpropError, quickly ------------------

_ALPHABET = "xwb0123456789.eE+-*/^(),_ σ\t$[]'\"\n"
_PIECES = ["x0", "w_1", "b", "relu(", "max(", "pow(", "sum(", "neg(", "σ(", "(", ")", ","]
_PIECES += ["+", "-", "*", "**", "/", "^", "2", "0", "1e3", "2.5", ".5", "1e999", " ", "foo("]


def _parses_or_refuses(text: str) -> None:
    try:
        tree = parse_infix(text, Limits(max_depth=50))
    except SymbackpropError as err:
        assert "\n" not in str(err)
        if isinstance(err, ParseError):
            assert err.column is not None and 1 <= err.column <= len(text) + 1
    else:
        assert isinstance(tree, sympy.Basic)


@settings(max_examples=200, deadline=500)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_fuzz_characters(text: str) -> None:
    _parses_or_refuses(text)


@settings(max_examples=200, deadline=500)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_fuzz_tokens(text: str) -> None:
    _parses_or_refuses(text)


@settings(max_examples=200, deadline=500)
@given(st.text(max_size=40))
def test_fuzz_any_unicode(text: str) -> None:
    _parses_or_refuses(text)


# --- injection: user text never reaches an evaluator ----------------------------------

INJECTIONS = [
    ("__import__('os').system('echo hi')", "unknown function '__import__'"),
    ("().__class__.__bases__[0]", "empty parentheses"),
    ("lambda: 1", "unexpected character ':'"),
    ('eval("1")', "unknown function 'eval'"),
    ("exec('import os')", "unknown function 'exec'"),
    ("x.__class__", "unexpected character '.'"),
    ("open('/etc/passwd').read()", "unknown function 'open'"),
    ("sympify('x')", "unknown function 'sympify'"),
    ("relu(x); import os", "unexpected character ';'"),
    ("Symbol('x')", "unknown function 'Symbol'"),
]


@pytest.mark.parametrize(("text", "message"), INJECTIONS)
def test_injection_is_refused(text: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser reached an evaluator")

    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, forbidden)
    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    monkeypatch.setattr(sympy, "sympify", forbidden)
    with pytest.raises(ParseError) as info:
        parse_infix(text)
    assert str(info.value).startswith(message)


def test_parser_source_names_no_evaluator() -> None:
    """No call or reference to an evaluator anywhere in parse.py (docstrings aside)."""
    source = Path(__file__).parents[1] / "symbackprop" / "parse.py"
    banned = {"eval", "exec", "sympify", "parse_expr", "__import__", "S", "lambdify", "literal_eval"}
    found = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name) and node.id in banned | {"compile"}:  # re.compile is fine
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in banned:
            found.add(node.attr)
        elif isinstance(node, ast.alias) and node.name in banned:
            found.add(node.name)
    assert not found


def test_ops_table_is_the_source_of_function_names() -> None:
    for name, func in ops.FUNCTIONS.items():
        arity = 1 if func.unary else 2
        tree = parse_infix(f"{name}({', '.join(['a', 'b'][:arity])})")
        assert isinstance(tree, func)
