"""What the tool prints reads back to the same function (issue 11's tests), for every new name form and
every new operation: a derivation's LaTeX (flat and nested) reads back to the same tree; each gradient's
closed form in infix and in LaTeX (with ReLU's indicator ``1(z > 0)``) reads back to a function whose values
are ``sympy.diff``'s of a plain rewrite.
"""

from __future__ import annotations

import math
import re

import pytest
import sympy

import symbackprop
from symbackprop import ops
from symbackprop.latex_input import parse_latex, parse_latex_program
from symbackprop.parse import parse_infix


def value(e: sympy.Basic, env: dict[str, float]) -> float:
    """A tree's value by each operation's forward rule."""
    if isinstance(e, ops.Op):
        return float(type(e).forward(*(value(a, env) for a in e.args)))
    if isinstance(e, sympy.Symbol):
        return env[e.name]
    return float(e)


S = sympy.Symbol
ONE = sympy.Integer(1)


def pw(z: sympy.Expr, then: sympy.Expr, otherwise: sympy.Expr) -> sympy.Expr:
    return sympy.Piecewise((then, z > 0), (otherwise, True))


# (infix or LaTeX as written, LaTeX input?, the point, the plain SymPy rewrite in the ASCII names)
CASES = [
    ("softplus(x*w)", False, {"x": 0.7, "w": -1.3}, lambda: sympy.log(1 + sympy.exp(S("x") * S("w")))),
    ("leaky_relu(x*w, 0.2)", False, {"x": 0.7, "w": -1.3},
     lambda: pw(S("x") * S("w"), S("x") * S("w"), sympy.Rational(1, 5) * S("x") * S("w"))),
    ("elu(x*w)", False, {"x": 0.7, "w": -1.3}, lambda: pw(S("x") * S("w"), S("x") * S("w"), sympy.exp(S("x") * S("w")) - 1)),
    ("gelu(x*w)", False, {"x": 0.7, "w": -1.3},
     lambda: S("x") * S("w") * (1 + sympy.erf(S("x") * S("w") / sympy.sqrt(2))) / 2),
    ("gelu_tanh(x)", False, {"x": 0.9},
     lambda: S("x") * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (S("x") + sympy.Float("0.044715") * S("x") ** 3))) / 2),
    ("silu(x*w)", False, {"x": 0.7, "w": -1.3}, lambda: S("x") * S("w") / (1 + sympy.exp(-S("x") * S("w")))),
    ("log2(x) * log10(w)", False, {"x": 0.7, "w": 1.3}, lambda: sympy.log(S("x"), 2) * sympy.log(S("w"), 10)),
    ("sin(x) * cos(w)", False, {"x": 0.7, "w": -1.3}, lambda: sympy.sin(S("x")) * sympy.cos(S("w"))),
    ("-log(softmax_1(z0, z1, z2))", False, {"z0": 0.5, "z1": -1.0, "z2": 2.0},
     lambda: -sympy.log(sympy.exp(S("z1")) / (sympy.exp(S("z0")) + sympy.exp(S("z1")) + sympy.exp(S("z2"))))),
    (r"\operatorname{softplus}(\hat{y} W^{[2]})", True, {"y_hat": 0.3, "W_layer2": -0.8},
     lambda: sympy.log(1 + sympy.exp(S("y_hat") * S("W_layer2")))),
    (r"\text{LeakyReLU}(a^{[1]}_3 - \bar{x})", True, {"a3_layer1": 0.25, "x_bar": 1.5},
     lambda: pw(S("a3_layer1") - S("x_bar"), S("a3_layer1") - S("x_bar"), (S("a3_layer1") - S("x_bar")) / 100)),
    (r"\mathrm{GELU}(x^{(1)} w_{1,2})", True, {"x_sup1": 1.1, "w1_2": 0.4},
     lambda: S("x_sup1") * S("w1_2") * (1 + sympy.erf(S("x_sup1") * S("w1_2") / sympy.sqrt(2))) / 2),
    (r"\text{SiLU}(\tilde{y}) + \log_2 \theta_1 + \sin(\hat{\theta})", True,
     {"y_tilde": -0.6, "theta1": 2.5, "theta_hat": 0.3},
     lambda: S("y_tilde") / (1 + sympy.exp(-S("y_tilde"))) + sympy.log(S("theta1"), 2) + sympy.sin(S("theta_hat"))),
    (r"\text{ELU}(w^{(i)} x_{i,j}, \alpha) \cos(y_{in})", True, {"w_supi": -0.7, "x_i_j": 0.9, "alpha": 0.5, "y_in": 0.2},
     lambda: pw(S("w_supi") * S("x_i_j"), S("w_supi") * S("x_i_j"), S("alpha") * (sympy.exp(S("w_supi") * S("x_i_j")) - 1))
     * sympy.cos(S("y_in"))),
    (r"\text{GELU}_{\tanh}(\hat{y}^{(i)}) \log_{10} \dot{x}", True, {"y_hat_supi": 0.8, "x_dot": 3.0},
     lambda: S("y_hat_supi") * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (S("y_hat_supi") + sympy.Float("0.044715") * S("y_hat_supi") ** 3))) / 2
     * sympy.log(S("x_dot"), 10)),
    (r"\operatorname{softplus}(\mathbf{W}^{[2]} \hat{\boldsymbol{y}}) + \vec{x}_{1} \bm{\theta}", True,
     {"W_layer2": 0.4, "y_hat": -0.7, "x1": 1.2, "theta": 0.3},
     lambda: sympy.log(1 + sympy.exp(S("W_layer2") * S("y_hat"))) + S("x1") * S("theta")),
    (r"c \max(a, b, d) + \min(a, b) / c", True, {"a": 0.5, "b": -0.2, "c": 1.5, "d": 0.1},
     lambda: S("c") * sympy.Max(S("a"), S("b"), S("d")) + sympy.Min(S("a"), S("b")) / S("c")),
]  # fmt: skip


def read(text: str, latex: bool) -> sympy.Basic:
    return parse_latex(text) if latex else parse_infix(text)


@pytest.mark.parametrize(("text", "latex", "at", "plain"), CASES, ids=[c[0] for c in CASES])
def test_the_printed_expression_reads_back_to_the_same_tree(text: str, latex: bool, at, plain) -> None:
    tree = read(text, latex)
    d = symbackprop.derive(text, latex_input=latex).to_dict()
    assert parse_latex(d["latex"]) == tree
    assert parse_infix(d["expression"]) == tree
    assert parse_latex(d["latex_nested"]) == tree
    if latex:  # and each name with the vector mark it was written with
        marks = parse_latex_program(text).marks
        assert parse_latex_program(d["latex"]).marks == marks == parse_latex_program(d["latex_nested"]).marks


@pytest.mark.parametrize(("text", "latex", "at", "plain"), CASES, ids=[c[0] for c in CASES])
def test_each_gradient_in_infix_reads_back_to_the_gradient(text: str, latex: bool, at, plain) -> None:
    d = symbackprop.derive(text, latex_input=latex).to_dict()  # symbolic: no values
    expr = plain()
    assert sorted(d["gradient_infix"]) == sorted(at)  # the ASCII names, the JSON's
    for leaf, infix in d["gradient_infix"].items():
        expected = float(sympy.diff(expr, S(leaf)).subs({S(k): v for k, v in at.items()}))
        assert value(parse_infix(infix), at) == pytest.approx(expected, rel=1e-10, abs=1e-12), (leaf, infix)
        latex_form = d["gradient_latex"][leaf]
        assert value(parse_latex(latex_form), at) == pytest.approx(expected, rel=1e-10, abs=1e-12), latex_form


@pytest.mark.parametrize(("text", "latex", "at", "plain"), CASES, ids=[c[0] for c in CASES])
def test_the_names_print_back_as_written(text: str, latex: bool, at, plain) -> None:
    d = symbackprop.derive(text, latex_input=latex, at=at).to_dict()
    assert sorted(d["values"]) == sorted(at)
    if latex:  # each LaTeX name as it was written: \hat{y}, W^{[2]}, a^{[1]}_{3}, x^{(1)}, w_{1,2} ...
        for written in (r"\hat{y}", "W^{[2]}", "a^{[1]}_{3}", r"\bar{x}", "x^{(1)}", "w_{1,2}", r"\tilde{y}",
                        r"\theta_{1}", r"\hat{\theta}", "w^{(i)}", "x_{i,j}", r"\alpha", r"\hat{y}^{(i)}", r"\dot{x}",
                        r"\mathbf{W}^{[2]}", r"\hat{\boldsymbol{y}}", r"\vec{x}_{1}", r"\bm{\theta}"):  # fmt: skip
            if written.replace("_{3}", "_3") in text or written in text:
                assert written in d["latex"], written
    expected = plain()
    assert d["output"] == pytest.approx(float(expected.subs({S(k): v for k, v in at.items()})), rel=1e-12)


def test_a_softmax_without_its_index_is_refused_not_misread() -> None:
    # softmax(1, z0, z1, z2) could be output 1 of three values or a softmax of four: a clear error
    with pytest.raises(symbackprop.SymbackpropError, match=r"softmax\(z\) is a vector of 4 values"):
        symbackprop.derive("softmax(1, z0, z1, z2)")
    with pytest.raises(symbackprop.SymbackpropError, match=r"softmax\(z\) is a vector of 4 values"):
        symbackprop.derive(r"\text{softmax}\big(1, z_{0}, z_{1}, z_{2}\big)", latex_input=True)
    assert math.isfinite(symbackprop.derive("softmax_1(z0, z1, z2)", at={"z0": 0, "z1": 1, "z2": 2}).output)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("1(z > 0)", ops.StepOp(S("z"))),
        ("1(x w > 0)", ops.StepOp(ops.MulOp(S("x"), S("w")))),
        ("1(a > b)", ops.StepOp(ops.SubOp(S("a"), S("b")))),
        ("1(a < b)", ops.StepOp(ops.SubOp(S("b"), S("a")))),
        # a tie's share of a max or min, as the tool prints it: 1(a = b) is 1 - 1(a > b) - 1(b > a)
        (
            "1(a = b)",
            ops.SubOp(
                ops.SubOp(ONE, ops.StepOp(ops.SubOp(S("a"), S("b")))), ops.StepOp(ops.SubOp(S("b"), S("a")))
            ),
        ),
        (r"1(b = \max(b, a, d)) / \#\text{ties}", ops.ShareOp(ONE, ONE - 1, S("b"), S("a"), S("d"))),
        (r"1(d = \min(a, b, d)) / \#\text{ties}", ops.ShareOp(-ONE, ONE + 1, S("a"), S("b"), S("d"))),
        ("1(x)", ops.MulOp(sympy.Integer(1), S("x"))),  # no relation: a product, as before
    ],
)
def test_the_printed_indicator_reads_back(text: str, tree: sympy.Basic) -> None:
    assert parse_latex(text) == tree


@pytest.mark.parametrize(
    ("text", "message"),
    [("1(x > 0 > y)", "an indicator 1(a > b) takes one relation"), ("2(x > 0)", "a relation ('>') is not supported"),
     ("1(x = w = y)", "an indicator 1(a > b) takes one relation"), ("2(x = w)", "an equation ('=') is not supported"),
     (r"1(x = w) / \#\text{ties}", r"a share of a tie is written 1(a = \max(a, b, c)) / \#\text{ties}"),
     (r"1(x = \max(a, b, c)) / \#\text{ties}", r"a share of a tie is written")],
)  # fmt: skip
def test_what_is_no_indicator_is_refused(text: str, message: str) -> None:
    with pytest.raises(symbackprop.SymbackpropError, match=re.escape(message)):
        parse_latex(text)


# A tie in a max or min at the point, each gradient there by the contract's rule, worked by hand (a tie
# splits the gradient equally among the tied arguments, as PyTorch does), and the plain SymPy rewrite
A, B_, C, D = S("a"), S("b"), S("c"), S("d")
TIES = [
    ("c*max(a, b)", {"a": 1.0, "b": 1.0, "c": 2.0}, {"a": 1.0, "b": 1.0, "c": 1.0}, lambda: C * sympy.Max(A, B_)),
    ("max(a, b)^2", {"a": 3.0, "b": 3.0}, {"a": 3.0, "b": 3.0}, lambda: sympy.Max(A, B_) ** 2),
    ("min(a, b) / c", {"a": 1.0, "b": 1.0, "c": 4.0}, {"a": 0.125, "b": 0.125, "c": -1 / 16},
     lambda: sympy.Min(A, B_) / C),
    ("c * max(a, b, d)", {"a": 2.0, "b": 2.0, "d": 2.0, "c": 3.0}, {"a": 1.0, "b": 1.0, "d": 1.0, "c": 2.0},
     lambda: C * sympy.Max(A, B_, D)),
    ("c * max(a, b, d)", {"a": 2.0, "b": 2.0, "d": 0.0, "c": 3.0}, {"a": 1.5, "b": 1.5, "d": 0.0, "c": 2.0},
     lambda: C * sympy.Max(A, B_, D)),
    ("min(a, b, d) * c + a", {"a": 1.0, "b": 5.0, "d": 1.0, "c": 4.0}, {"a": 3.0, "b": 0.0, "d": 2.0, "c": 1.0},
     lambda: sympy.Min(A, B_, D) * C + A),
]  # fmt: skip


@pytest.mark.parametrize(("text", "at", "expected", "plain"), TIES, ids=[f"{t[0]} at {t[1]}" for t in TIES])
def test_a_ties_share_in_latex_reads_back(
    text: str, at: dict[str, float], expected: dict[str, float], plain
) -> None:
    d = symbackprop.derive(text).to_dict()  # symbolic: the closed forms, with the shares printed out
    assert any("1(" in form and "=" in form for form in d["gradient_latex"].values())
    for leaf, form in d["gradient_latex"].items():
        assert value(parse_latex(form), at) == pytest.approx(expected[leaf], abs=1e-15), form
    off = {k: v + 0.1 * i for i, (k, v) in enumerate(at.items())}  # away from the tie: sympy.diff
    for leaf, form in d["gradient_latex"].items():
        oracle = float(sympy.diff(plain(), S(leaf)).subs({S(k): v for k, v in off.items()}))
        assert value(parse_latex(form), off) == pytest.approx(oracle, rel=1e-12), form
    at_tie = symbackprop.derive(
        text, at=at
    ).to_dict()  # each printed local derivative reads back to its value
    names = {**at, **{n["var"]: n["value"] for n in at_tie["nodes"]}}
    for paths in at_tie["chains"].values():
        for path in paths:
            for printed, number in zip(path["derivatives"], path["values"]):
                assert value(parse_latex(printed), names) == pytest.approx(number, abs=1e-15), printed
