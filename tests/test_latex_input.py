r"""Tests for LaTeX input: golden trees, the chapter's equations, our printed forms, errors, limits, fuzzing.

Run on Python < 3.13 (latex2sympy2 1.9.1) and >= 3.13 (latex2sympy2_extended): the same tables hold on both.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbackprop import ops
from symbackprop.errors import LimitError, ParseError, SymbackpropError
from symbackprop.graph import build_graph
from symbackprop.latex_input import parse_latex, parse_latex_program
from symbackprop.limits import Limits
from symbackprop.printing import LATEX
from symbackprop.printing import nested_latex as graph_nested_latex
from symbackprop.steps import program_graph


def flat_latex(tree):
    return LATEX.doprint(tree)


def nested_latex(tree):
    return graph_nested_latex(build_graph(tree))


NEURON = "ReLU(sum(mul(x0, w0), mul(x1, w1), mul(x2, w2), b))"

# --- golden trees: LaTeX -> str() of the tree in the nested notation ------------------

GOLDEN = [
    # the neuron, flat and nested, as we print it
    (r"\text{ReLU}\Big(x_{0} w_{0} + x_{1} w_{1} + x_{2} w_{2} + b\Big)", NEURON),
    (r"\text{ReLU}\left(x_{0} w_{0} + b\right)", "ReLU(sum(mul(x0, w0), b))"),
    (
        r"y = \text{ReLU}\Big(sum\big(mul(x_{0}, w_{0}), mul(x_{1}, w_{1}), mul(x_{2}, w_{2}), b\big)\Big)",
        NEURON,
    ),
    (r"\sum_{i=0}^{2} x_i w_i + b", "sum(mul(x0, w0), mul(x1, w1), mul(x2, w2), b)"),
    (r"\text{ReLU}\Big(\sum_{i=0}^{2} x_{i} w_{i} + b\Big)", NEURON),
    # the written order of terms and factors is kept
    (r"b + w_0 x_0", "sum(b, mul(w0, x0))"),
    (r"z y x", "mul(z, y, x)"),
    (r"c \cdot b \times a", "mul(c, b, a)"),
    # activations and functions, in every spelling
    (r"\text{ReLU}(a + b)", "ReLU(sum(a, b))"),
    (r"\mathrm{ReLU}(z)", "ReLU(z)"),
    (r"\operatorname{ReLU}(z)", "ReLU(z)"),
    (r"\text{relu}(z)", "ReLU(z)"),
    (r"ReLU(z)", "ReLU(z)"),
    (r"\max(z, 0)", "ReLU(z)"),
    (r"\max(0, z)", "ReLU(z)"),
    (r"\max\left(x_{0} w_{0} + b, 0\right)", "ReLU(sum(mul(x0, w0), b))"),
    (r"max(x,0)", "ReLU(x)"),
    (r"\max(b, a, c)", "max(b, a, c)"),
    (r"\min(b, a)", "min(b, a)"),
    (r"\min(z, 0)", "min(z, 0)"),
    (r"\sigma(z)", "sigmoid(z)"),
    (r"\sigma\big(x w + b\big)", "sigmoid(sum(mul(x, w), b))"),
    (r"\text{sigmoid}(z)", "sigmoid(z)"),
    (r"\sigma", "sigma"),  # without an argument, a Greek name
    (r"\tanh(z)", "tanh(z)"),
    (r"\tanh z", "tanh(z)"),
    (r"\exp(z)", "exp(z)"),
    (r"\exp{z}", "exp(z)"),
    (r"e^{z}", "exp(z)"),
    (r"e^z", "exp(z)"),
    (r"e^{-x_{0}}", "exp(neg(x0))"),
    (r"\frac{1}{1 + e^{-z}}", "div(1, sum(1, exp(neg(z))))"),
    (r"e", "E"),  # the constant, a number: never a leaf asking for a value
    (r"\mathrm{e}", "E"),
    (r"\mathrm{e}^{x}", "exp(x)"),
    (r"\pi r^2", "mul(pi, pow(r, 2))"),
    (r"2\pi", "mul(2, pi)"),
    (r"\pi_1", "pi1"),  # subscripted, a name (a policy, say)
    (r"\ln(x)", "log(x)"),
    (r"\log(x)", "log(x)"),  # natural, as in the chapter's loss
    (r"\log x_{0}", "log(x0)"),
    (r"\log_{2}(x)", "log2(x)"),  # the binary logarithm, which prints back as \log_{2}
    (r"\log_{3}(x)", "div(log(x), log(3))"),
    (r"\sqrt{x}", "sqrt(x)"),
    (r"\sqrt(x)", "sqrt(x)"),
    (r"\sqrt{x^{2} + 1}", "sqrt(sum(pow(x, 2), 1))"),
    (r"\sqrt[3]{x}", "pow(x, div(1, 3))"),
    (r"|x|", "abs(x)"),
    (r"\left|x - y\right|", "abs(sub(x, y))"),
    (r"|a| + |b|", "sum(abs(a), abs(b))"),
    (r"\frac{a}{b}", "div(a, b)"),
    (r"\dfrac{a}{b} c", "mul(div(a, b), c)"),
    (r"a \cdot \frac{b}{c}", "mul(a, div(b, c))"),
    (r"\frac12", "div(1, 2)"),
    # arithmetic, as the infix parser builds it
    (r"a - b", "sub(a, b)"),
    (r"a - b - c", "sub(sub(a, b), c)"),
    (r"a + b - c", "sub(sum(a, b), c)"),
    (r"a - b + c", "sum(sub(a, b), c)"),
    (r"a - (b - c)", "sub(a, sub(b, c))"),
    (r"(a + b) + c", "sum(sum(a, b), c)"),
    (r"-x", "neg(x)"),
    (r"-a b + c", "sum(mul(neg(a), b), c)"),
    (r"-x^{2}", "neg(pow(x, 2))"),
    (r"-(a + b)", "neg(sum(a, b))"),
    (r"-3", "-3"),
    (r"--3", "3"),
    (r"x - -3", "sub(x, -3)"),
    (r"2 \cdot -x", "mul(2, neg(x))"),
    (r"+x", "x"),
    (r"a / b", "div(a, b)"),
    (r"a \div b", "div(a, b)"),
    (r"a b / c", "div(mul(a, b), c)"),
    (r"x^{2}", "pow(x, 2)"),
    (r"x^2", "pow(x, 2)"),
    (r"x^23", "mul(pow(x, 2), 3)"),  # a script without braces takes one character, as in TeX
    (r"x^{-1}", "pow(x, -1)"),
    (r"(x + 1)^{2}", "pow(sum(x, 1), 2)"),
    (r"{x^{2}}^{3}", "pow(pow(x, 2), 3)"),
    (r"a - --b", "sub(a, neg(neg(b)))"),
    (r"2x", "mul(2, x)"),
    (r"2.5 x", "mul(2.5, x)"),
    (r"0.001", "0.00100000000000000"),
    (r"\Big[ a + b \Big] c", "mul(sum(a, b), c)"),
    (r"\left\{a\right\}", "a"),
    # names
    (r"x_0", "x0"),
    (r"x_{0}", "x0"),
    (r"x_{ 0 }", "x0"),
    (r"w_{12}", "w12"),
    (r"w_12", "mul(w1, 2)"),  # TeX: the subscript is one character
    (r"W_{1}", "W1"),
    (r"\alpha", "alpha"),
    (r"\alpha_{1} x", "mul(alpha1, x)"),
    (r"\mathit{bias} + x", "sum(bias, x)"),
    (r"\mathit{bias}_{0}", "bias0"),
    (r"\text{input} \cdot \text{weights}", "mul(input, weights)"),
    (r"xy", "mul(x, y)"),  # letters side by side are a product in TeX
    # the tool's nested notation
    (r"sub(a, b)", "sub(a, b)"),
    (r"neg(a)", "neg(a)"),
    (r"div(a, b)", "div(a, b)"),
    (r"pow(a, 3)", "pow(a, 3)"),
    (r"sum\big(sum(a, b), c\big)", "sum(sum(a, b), c)"),
    (r"abs(x) + exp(x)", "sum(abs(x), exp(x))"),
    # \sum: expansion, the index as a factor, nesting, a factor in front
    (r"\sum_{i=0}^{2} x_{i}", "sum(x0, x1, x2)"),
    (r"\sum\limits_{i=1}^{3} i x_i", "sum(mul(1, x1), mul(2, x2), mul(3, x3))"),
    (r"\sum^{1}_{k=0} w_k", "sum(w0, w1)"),
    (r"\sum_{i=0}^{1}\sum_{j=0}^{1} w_{i} v_{j}", "sum(mul(w0, v0), mul(w0, v1), mul(w1, v0), mul(w1, v1))"),
    (r"2 \sum_{i=0}^{1} x_i", "mul(2, sum(x0, x1))"),
    (r"b - \sum_{i=0}^{1} x_i", "sub(b, sum(x0, x1))"),
    (r"\sum_{i=0}^{0} x_i", "x0"),
    (r"\sum_{i=0}^{1} (x_i + w_i)", "sum(sum(x0, w0), sum(x1, w1))"),
    # a leading name = is dropped; math delimiters and spacing are ignored
    (r"f(x) = \sigma(x)", "sigmoid(x)"),
    (r"y_{0} = a", "a"),
    (r"\hat{y} = a", "a"),  # a formula's accented result name is dropped
    (r"out = a", "a"),
    (r"$$ a \, b \; c \ d \quad e_1 $$", "mul(a, b, c, d, e1)"),
    (r"\[ a + b \]", "sum(a, b)"),
    (r"\displaystyle a", "a"),
    # pathological but valid: a tree, nothing evaluated
    (r"9^{9^{9^{9}}}", "pow(9, pow(9, pow(9, 9)))"),
]


@pytest.mark.parametrize(("text", "expected"), GOLDEN)
def test_golden(text: str, expected: str) -> None:
    assert str(parse_latex(text)) == expected


def test_leaves_are_plain_symbols_and_numbers() -> None:
    tree = parse_latex(r"\text{ReLU}\Big(x_{0} w_{0} + 2.5 \alpha_{1} + 3\Big)")
    assert tree == ops.ReLU(
        ops.SumOp(
            ops.MulOp(sympy.Symbol("x0"), sympy.Symbol("w0")),
            ops.MulOp(sympy.Float("2.5"), sympy.Symbol("alpha1")),
            sympy.Integer(3),
        )
    )
    assert {type(s) for s in tree.free_symbols} == {sympy.Symbol}


def test_sum_expands_many_terms() -> None:
    tree = parse_latex(r"\sum_{i=0}^{999} x_{i} w_{i}")
    assert isinstance(tree, ops.SumOp) and len(tree.args) == 1000
    assert str(tree.args[-1]) == "mul(x999, w999)"


def test_long_flat_sum_and_long_product() -> None:
    text = " + ".join(f"x_{{{i}}} w_{{{i}}}" for i in range(300))  # 20 s for latex2sympy2 alone
    tree = parse_latex(text)
    assert len(tree.args) == 300 and str(tree.args[42]) == "mul(x42, w42)"
    many = " ".join(f"x_{{{i}}}" for i in range(60))  # more operands than one-letter placeholders
    assert str(parse_latex(many)) == f"mul({', '.join(f'x{i}' for i in range(60))})"


# --- the chapter's equations, verbatim -------------------------------------------------

CHAPTER_PARSES = [
    r"\text{ReLU} \Big( x_0 w_0 + x_1 w_1 + x_2 w_2 + b  \Big)",
    r"y = \text{ReLU} \Big( sum \big( mul(x_0 , w_0 ), mul(x_1 , w_1 ), mul(x_2 , w_2 ), b \big) \Big)",
]

CHAPTER_REFUSED = [
    (
        r"\text{ReLU} \Big( \sum[ \ \text{input} \cdot \text{weights} \ ] + \text{bias} \Big)",
        r"\sum needs numeric bounds",
    ),
    (
        r"\frac{∂}{∂x_0} \bigg[ \text{ReLU} \Big( sum \big( mul(x_0 , w_0 ), mul(x_1 , w_1 ), "
        r"mul(x_2 , w_2 ), b \big) \Big)  \bigg]",
        "a derivative",
    ),
    (r"f(x) = max(x,0) \quad \to \quad \frac{d}{dx} f(x) = 1 (x>0)", "an equation"),
    (
        "\\begin{align}\nf(x,y) = x+y \\quad \\to \\quad & \\frac{∂}{∂x} f(x,y) = 1\\\\\n"
        "& \\frac{∂}{∂y} f(x,y) = 1 \\\n\\end{align}",
        "an equation",
    ),
    (
        r"\frac{∂}{∂x_0} \bigg[ \text{ReLU} \Big( sum \big( mul(x_0 , w_0 ), mul(x_1 , w_1 ), "
        r"mul(x_2 , w_2 ), b \big) \Big)  \bigg] = \frac{d \text{ReLU} }{d sum()} \cdot "
        r"\frac{∂ sum() }{∂ mul(x_0 , w_0 )} \cdot \frac{∂ mul(x_0 , w_0 )}{∂x_0}",
        "the left side of '=' must be a name",
    ),
]


@pytest.mark.parametrize("text", CHAPTER_PARSES)
def test_chapter_neuron(text: str) -> None:
    assert str(parse_latex(text)) == NEURON


@pytest.mark.parametrize(("text", "message"), CHAPTER_REFUSED)
def test_chapter_non_expressions_are_refused(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)):
        parse_latex(text)


def test_chapter_relu_definition() -> None:
    assert str(parse_latex("f(x) = max(x,0)")) == "ReLU(x)"


# --- our printed forms parse back ----------------------------------------------------

a, b, c, x, y = sympy.symbols("a b c x y")
x0, x1, x2, w0, w1, w2 = sympy.symbols("x0 x1 x2 w0 w1 w2")
NEURON_TREE = ops.ReLU(ops.SumOp(ops.MulOp(x0, w0), ops.MulOp(x1, w1), ops.MulOp(x2, w2), sympy.Symbol("b")))

PRINTED = [
    NEURON_TREE,
    ops.Sigmoid(ops.SumOp(ops.MulOp(x0, w0), sympy.Symbol("b"))),
    ops.Tanh(ops.SubOp(ops.DivOp(ops.Exp(x), ops.Sqrt(y)), ops.PowOp(ops.AbsOp(a), sympy.Integer(2)))),
    ops.LogOp(ops.DivOp(sympy.Integer(1), ops.SumOp(sympy.Integer(1), ops.Exp(ops.NegOp(x))))),
    ops.MaxOp(a, b, c),
    ops.MinOp(a, sympy.Symbol("alpha1")),
    ops.SubOp(ops.SumOp(a, b), sympy.Symbol("bias")),
]


@pytest.mark.parametrize("tree", PRINTED, ids=str)
@pytest.mark.parametrize("printer", [flat_latex, nested_latex], ids=["flat", "nested"])
def test_printed_forms_parse_back(tree: sympy.Basic, printer: object) -> None:
    assert callable(printer)
    assert parse_latex(printer(tree)) == tree


_NAMES = st.sampled_from(["x0", "w0", "x1", "w12", "b", "alpha", "alpha1", "bias"])
_LEAVES = st.one_of(_NAMES.map(sympy.Symbol), st.integers(1, 20).map(sympy.Integer))


def _extend(children: st.SearchStrategy[sympy.Basic]) -> st.SearchStrategy[sympy.Basic]:
    unary = st.sampled_from([ops.ReLU, ops.Sigmoid, ops.Tanh, ops.Exp, ops.LogOp, ops.Sqrt, ops.AbsOp])
    return st.one_of(
        st.builds(lambda f, e: f(e), unary, children),
        st.builds(lambda f, p, q: f(p, q), st.sampled_from([ops.SubOp, ops.DivOp]), children, children),
        st.builds(lambda e, k: ops.PowOp(e, sympy.Integer(k)), children, st.integers(2, 4)),
        st.builds(
            lambda f, es: f(*es),
            st.sampled_from([ops.MulOp, ops.SumOp, ops.MaxOp, ops.MinOp]),
            st.lists(children, min_size=2, max_size=3),
        ),
    )


_TREES = st.recursive(_LEAVES, _extend, max_leaves=8)


def _reads_back_flat(tree: sympy.Basic) -> bool:
    """Whether the flat form is unambiguous: it drops the grouping of sum(sum(a, b), c) and sum(a, sub(b, c))."""
    for node in sympy.preorder_traversal(tree):
        if isinstance(node, (ops.SumOp, ops.MulOp)) and type(node.args[0]) is type(node):
            return False
        if isinstance(node, ops.SumOp) and any(isinstance(arg, ops.SubOp) for arg in node.args[1:]):
            return False
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TREES)
def test_printed_random_trees_parse_back(tree: sympy.Basic) -> None:
    if not any(isinstance(n, ops.MaxOp) and ops.ZERO in n.args for n in sympy.preorder_traversal(tree)):
        assert parse_latex(nested_latex(tree)) == tree  # max(z, 0) reads back as ReLU(z), by design
    if _reads_back_flat(tree):
        assert parse_latex(flat_latex(tree)) == tree


# --- errors: message and column ----------------------------------------------------------

ERRORS = [
    ("", "empty expression", 1),
    ("  ", "empty expression", 1),
    (r"x +", "a term is missing after '+'", 3),
    (r"(x", "'(' is not closed", 1),
    (r"x)", "')' does not close anything", 2),
    (r"(x]", "']' does not close '(' at column 1", 3),
    (r"()", "an expression is missing", 2),
    (r"\foo(x)", r"unknown LaTeX command \foo", 1),
    (r"a + \foo", r"unknown LaTeX command \foo", 5),
    (r"\text{foo}(x)", "unknown function foo", 1),
    (r"\text{ReLU} z", "ReLU needs its arguments in parentheses", 13),
    (r"\max z", r"\max needs its arguments in parentheses", 6),
    (r"sub(a)", "sub takes exactly 2 arguments, got 1", 1),
    (r"\sigma(a, b)", "sigmoid takes exactly 1 argument, got 2", 1),
    (r"\max(a)", "max takes 2 or more arguments, got 1", 1),
    (r"mul()", "mul takes 2 or more arguments, got 0", 1),
    (r"\int x dx", r"an integral ('\int') is not supported in an expression", 1),
    (r"\frac{d}{dx} x^2", "a derivative is not an expression symbackprop can read", 1),
    (r"\frac{\partial}{\partial x} x", "a derivative is not an expression symbackprop can read", 1),
    (r"\lim_{x \to 0} x", r"a limit ('\lim') is not supported in an expression", 1),
    (
        r"\begin{bmatrix} 1 \end{bmatrix}",
        "a matrix (bmatrix) is not supported: a layer is the network command's",
        1,
    ),
    (r"\begin{cases} 1 \end{cases}", "the environment cases is not a program of equations (use aligned)", 1),
    (r"\begin{aligned} a &= b", r"\begin{aligned} is not closed by \end{aligned} at the end", 1),
    (r"a < b", "a relation ('<') is not supported in an expression", 3),
    (r"a \leq b", r"a relation ('\leq') is not supported in an expression", 3),
    (r"a + b = c", "the left side of '=' must be a name, as in z = w x + b", 1),
    (r"\sqrt{x} = a", "the left side of '=' must be a name, as in z = w x + b", 1),
    (r"y = a = b", "an equation with more than one '=': one step per line", 7),
    (r"(a = b)", "an equation ('=') is not supported in an expression", 4),
    (r"a, b", "a list (',') is not supported in an expression", 2),
    (r"x!", "unexpected '!'", 2),
    (r"x'", 'unexpected "\'"', 2),
    (r"\sum x_i", r"\sum needs numeric bounds, as in \sum_{i=0}^{2}", 1),
    (r"\sum_{i}^{2} x_i", r"\sum needs an index and bounds, as in \sum_{i=0}^{2}", 7),
    (r"\sum_{i=0}^{n} x_i", r"\sum needs whole-number bounds, as in \sum_{i=0}^{2}", 13),
    (r"\sum_{i=0.5}^{2} x_i", r"\sum needs whole-number bounds, as in \sum_{i=0}^{2}", 9),
    (r"\sum_{i=-1}^{1} x_i", "x_{i} with i = -1 is not a variable name", 1),
    (r"x_{i+1}", "the subscript 'i+1' is not letters and digits", 3),
    (r"x_", "a subscript is missing", 2),
    (r"(a)_1", "a subscript needs a name before it", 4),
    (r"x^2^3", "a double superscript: write x^{a^{b}} or {x^{a}}^{b}", 4),
    (r"x^{2}^{3}", "a double superscript: write x^{a^{b}} or {x^{a}}^{b}", 6),
    (r"---x", "three signs in a row", 3),
    (r"\text{a b}", r"\text{a b} is not a name", 1),
    (r"\frac{a}", "an argument is missing", 9),
    # latex2sympy2's own complaints (their wording differs between its versions), at its caret
    (r"x \cdot", "cannot parse the LaTeX: ", 3),
    (r"x^-1", "cannot parse the LaTeX: ", 3),
    (r"a + \cdot b", "cannot parse the LaTeX: ", 5),
]


@pytest.mark.parametrize(("text", "message", "column"), ERRORS)
def test_errors(text: str, message: str, column: int) -> None:
    with pytest.raises(ParseError) as info:
        parse_latex(text)
    assert info.value.column == column
    assert str(info.value).startswith(message)
    assert str(info.value).endswith(f"(at column {column})")


def test_no_column_is_past_the_end() -> None:
    for text in [r"x \cdot", r"x +", r"\frac{a}", r"\log", "-", r"\sqrt"]:
        with pytest.raises(ParseError) as info:
            parse_latex(text)
        assert info.value.column is not None and 1 <= info.value.column <= len(text) + 1


# --- limits: refused before latex2sympy2 sees the text, quickly -------------------------


def _limit(text: str, limits: Limits | None = None) -> str:
    with pytest.raises(LimitError) as info:
        parse_latex(text) if limits is None else parse_latex(text, limits)
    return str(info.value)


def test_max_length() -> None:
    assert str(parse_latex(r"a + b", Limits(max_length=5))) == "sum(a, b)"
    assert _limit(r"a + bc", Limits(max_length=5)) == (
        "the expression length is 6, more than the limit of 5 (raise it with limits=Limits(max_length=...))"
    )


def test_max_depth() -> None:
    assert str(parse_latex(r"((x))", Limits(max_depth=2))) == "x"
    assert _limit(r"(((x)))", Limits(max_depth=2)) == (
        "the nesting depth is 3, more than the limit of 2 (raise it with limits=Limits(max_depth=...))"
    )
    assert "limits=Limits(max_depth=...)" in _limit(
        r"\text{ReLU}\Big(" * 3 + "x" + r"\Big)" * 3, Limits(max_depth=2)
    )
    assert "limits=Limits(max_depth=...)" in _limit(
        "(" * 100_000
    )  # refused while matching, before any reading


@pytest.mark.parametrize(
    "text",
    [
        "(" * 900 + "x" + ")" * 900,
        "e^" * 2000 + "x",
        r"\sqrt{" * 900 + "x" + "}" * 900,
        r"\left|" * 900 + "x" + r"\right|" * 900,
    ],
    ids=["parentheses", "exponentials", "roots", "bars"],
)
def test_deep_nesting_is_a_limit_error(text: str) -> None:
    assert "nest" in _limit(text)


def test_max_nodes() -> None:
    assert str(parse_latex("a+b+c", Limits(max_nodes=5))) == "sum(a, b, c)"
    assert "limits=Limits(max_nodes=...)" in _limit("a+b+c+d", Limits(max_nodes=5))
    assert "limits=Limits(max_nodes=...)" in _limit(
        r"\sum_{i=0}^{99}\sum_{j=0}^{99} x_{i} w_{j}", Limits(max_nodes=10_000)
    )


def test_max_sum_terms_before_expanding() -> None:
    assert _limit(r"\sum_{i=0}^{10^8} x_i") == (
        r"the number of terms of \sum is 100000001, more than the limit of 10000 (raise it with limits=Limits(max_sum_terms=...))"
    )
    assert "limits=Limits(max_sum_terms=...)" in _limit(r"\sum_{i=0}^{9^{99}} x_i")  # never computed
    assert "limits=Limits(max_sum_terms=...)" in _limit(r"\sum_{i=1}^{10^{100000}} x_i")
    assert "limits=Limits(max_sum_terms=...)" in _limit(r"\sum_{i=0}^{10} x_i", Limits(max_sum_terms=10))


@pytest.mark.parametrize(
    "text", [r"(x+1)^{100000}", r"x^{-100000}", r"pow(x, 10001)", r"2^{10000.5}", r"e^{x} ^ {99999}"]
)
def test_max_exponent(text: str) -> None:
    assert "raise it with limits=Limits(max_exponent=...)" in _limit(text)


def test_max_exponent_configurable() -> None:
    assert str(parse_latex(r"x^{100000}", Limits(max_exponent=100_000))) == "pow(x, 100000)"
    assert _limit(r"x^{3}", Limits(max_exponent=2)) == (
        "the exponent is 3, more than the limit of 2 (raise it with limits=Limits(max_exponent=...))"
    )


def test_max_digits() -> None:
    assert float(parse_latex("0." + "1" * 399)) == float("0." + "1" * 399)  # 400 digits
    assert parse_latex("1" * 300) == sympy.Integer(int("1" * 300))
    assert "limits=Limits(max_digits=...)" in _limit("1" * 401)
    assert "limits=Limits(max_digits=...)" in _limit("0." + "1" * 400)


def test_too_many_operands_in_one_term() -> None:
    assert str(parse_latex(" ".join(["x"] * 100))) == f"mul({', '.join(['x'] * 100)})"
    assert _limit(" ".join(["x"] * 101)) == "a term has more than 100 operands; group some in parentheses"
    assert str(parse_latex(" + ".join(["x"] * 101))) == f"sum({', '.join(['x'] * 101)})"


# --- the parser is imported only when LaTeX is read -----------------------------------


def test_import_is_lazy() -> None:
    code = "import sys, symbackprop.latex_input; print(sorted(m for m in sys.modules if 'antlr' in m or 'latex2' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- fuzzing: every input ends in a tree of our operations or a SymbackpropError --------

_PIECES = [
    "x", "x_{0}", "w_0", "b", r"\alpha", r"\mathit{bias}", "e", "2", "1.5", "0", "i",
    "+", "-", r"\cdot", r"\times", "/", "^", "_", "*", "!", "'", ",", "=", "<", "&", "\\\\", "$",
    "(", ")", "[", "]", "{", "}", "|", r"\left(", r"\right)", r"\left|", r"\right|", r"\Big(", r"\Big)",
    r"\frac", r"\sqrt", r"\sum", "_{i=0}^{2}", r"\text{ReLU}", r"\text{foo}", r"\sigma", r"\max", r"\min",
    r"\log", r"\ln", r"\exp", r"\tanh", "sum(", "mul(", "sub(", "max(", r"\int", r"\foo", r"\,", " ", "∂",
]  # fmt: skip


def _is_our_tree(tree: sympy.Basic) -> bool:
    for node in sympy.preorder_traversal(tree):
        if isinstance(node, sympy.Symbol):
            # an ASCII name: letters and digits, parts after underscores (x_x, y_hat, w_1_2)
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*", node.name):
                return False
        elif not isinstance(node, (ops.Op, sympy.Integer, sympy.Float)) and node not in (sympy.pi, sympy.E):
            return False
    return True


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), st.text(max_size=16)))
def test_fuzz_ends_in_a_tree_or_our_error(text: str) -> None:
    try:
        tree = parse_latex(text, Limits(max_depth=20))
    except SymbackpropError as err:
        assert "\n" not in str(err)
        if isinstance(err, ParseError) and err.column is not None:
            assert 1 <= err.column <= len(text) + 1
    else:
        assert _is_our_tree(tree)


# --- named steps: equations separated by \\ -----------------------------------------------------

PROGRAMS = [
    (r"z = w x + b \\ a = \sigma(z)", [("z", "sum(mul(w, x), b)"), ("a", "sigmoid(z)")]),
    (
        r"\begin{aligned} z &= w x + b \\ a &= \sigma(z) \\ L &= \frac{1}{2}(a - t)^2 \end{aligned}",
        [("z", "sum(mul(w, x), b)"), ("a", "sigmoid(z)"), ("L", "mul(div(1, 2), pow(sub(a, t), 2))")],
    ),
    (r"\begin{split} u = x^2 \\ y = u + 1 \end{split}", [("u", "pow(x, 2)"), ("y", "sum(u, 1)")]),
    (r"z_{1} = x \cdot w \\ y = z_1 + z_{1}", [("z1", "mul(x, w)"), ("y", "sum(z1, z1)")]),
    (r"z = x w \\ z + 1", [("z", "mul(x, w)"), ("", "sum(z, 1)")]),  # the output may go unnamed
    # a decorated name names its step (y_hat), as it names a leaf
    (
        r"\hat{y} = \sigma(z) \\ L = (\hat{y} - y)^2",
        [("y_hat", "sigmoid(z)"), ("L", "pow(sub(y_hat, y), 2)")],
    ),
]


@pytest.mark.parametrize(("text", "steps"), PROGRAMS)
def test_programs(text: str, steps: list[tuple[str, str]]) -> None:
    program = parse_latex_program(text)
    assert [(s.name, str(s.tree)) for s in program.steps] == steps


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        (r"2 x \\ b = 3 x", r"an equation before the last must name its step (name = ..., then \\)", 1),
        (
            r"a = 2 x \\ a = 3 x",
            "a is assigned twice (equation 1 and equation 2): steps are single assignments",
            None,
        ),
        (r"a = 2 b \\ b = 3 x", "b is used (equation 1) before it is assigned (equation 2)", None),
        (r"x + y = 1 \\ a = x", "the left side of '=' must be a name, as in z = w x + b", 1),
        (r"a = 2 x \\ b = 3 a \\", None, None),
        (
            r"a = x \\ b = 2 a",
            "a = x only renames x (equation 1): a step computes something",
            None,
        ),  # a trailing \\ is only a line break
    ],
)
def test_program_errors(text: str, message: str | None, column: int | None) -> None:
    if message is None:
        assert [s.name for s in parse_latex_program(text).steps] == ["a", "b"]
        return
    with pytest.raises(ParseError) as info:
        program_graph(parse_latex_program(text))
    assert str(info.value).startswith(message)
    assert info.value.column == column


def test_one_expression_is_refused_as_several() -> None:
    with pytest.raises(ParseError, match="several equations: a program of named steps"):
        parse_latex(r"z = x \\ y = z")
