r"""A corpus of formulas as people write them -- lecture notes, Wikipedia, papers -- each read with
``--latex-input``: it gives the right gradients or a clear refusal; a wrong number is the one outcome
that fails.

Each gradient's oracle is ``sympy.diff`` of a plain SymPy rewrite written here, by hand, from the
formula's meaning (sigmoid as 1/(1 + e^-z), ReLU as Max, GELU with erf ...), never through our
operations; each refusal is one line naming what is not understood, with exit status 2.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import sympy
from sympy import Piecewise, erf, exp, log, pi, sqrt, tanh

import symbackprop
from symbackprop.errors import ParseError, SymbackpropError


def S(name: str) -> sympy.Symbol:
    """A leaf of the plain rewrite: a real variable (so that sympy.diff of |u| is sign(u) u')."""
    return sympy.Symbol(name, real=True)


def sig(z: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + exp(-z))


# (the formula, its values, the plain rewrite in the leaves' ASCII names)
Case = tuple[str, dict[str, object], Callable[[Callable[[str], sympy.Symbol]], sympy.Expr]]

CORPUS: list[Case] = [
    # losses, as the notes write them
    (r"\frac{1}{2}(y - \hat{y})^2", {"y": 1.0, "y_hat": 0.3}, lambda s: (s("y") - s("y_hat")) ** 2 / 2),
    (
        r"-y \log \hat{y} - (1 - y) \log(1 - \hat{y})",
        {"y": 1.0, "y_hat": 0.7},
        lambda s: -s("y") * log(s("y_hat")) - (1 - s("y")) * log(1 - s("y_hat")),
    ),
    (r"-\log(\hat{y})", {"y_hat": 0.25}, lambda s: -log(s("y_hat"))),
    (r"(\hat{y} - y)^{2}", {"y": 0.5, "y_hat": 2.0}, lambda s: (s("y_hat") - s("y")) ** 2),
    (r"\lvert \hat{y} - y \rvert", {"y": 0.5, "y_hat": 2.0}, lambda s: sympy.Abs(s("y_hat") - s("y"))),
    (r"\left| y - \hat{y} \right|", {"y": 0.5, "y_hat": 2.0}, lambda s: sympy.Abs(s("y") - s("y_hat"))),
    (r"\max(0, 1 - y \hat{y})", {"y": 1.0, "y_hat": 0.4}, lambda s: sympy.Max(0, 1 - s("y") * s("y_hat"))),
    (r"\max\{0, 1 - y\hat{y}\}", {"y": -1.0, "y_hat": 0.4}, lambda s: sympy.Max(0, 1 - s("y") * s("y_hat"))),
    (r"\log(1 + e^{-y \hat{y}})", {"y": 1.0, "y_hat": 0.4}, lambda s: log(1 + exp(-s("y") * s("y_hat")))),
    (
        r"\frac{1}{2}\left(y^{(1)} - \hat{y}^{(1)}\right)^2 + \frac{1}{2}\left(y^{(2)} - \hat{y}^{(2)}\right)^2",
        {"y_sup1": 1.0, "y_hat_sup1": 0.5, "y_sup2": 0.0, "y_hat_sup2": 0.25},
        lambda s: ((s("y_sup1") - s("y_hat_sup1")) ** 2 + (s("y_sup2") - s("y_hat_sup2")) ** 2) / 2,
    ),
    # activations, in every spelling
    (r"\sigma(z)", {"z": 0.3}, lambda s: sig(s("z"))),
    (r"\frac{1}{1 + e^{-z}}", {"z": 0.3}, lambda s: sig(s("z"))),
    (r"\frac{1}{1+\exp(-z)}", {"z": -1.2}, lambda s: sig(s("z"))),
    (r"\tanh(z)", {"z": 0.3}, lambda s: tanh(s("z"))),
    (
        r"\frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
        {"z": 0.3},
        lambda s: (exp(s("z")) - exp(-s("z"))) / (exp(s("z")) + exp(-s("z"))),
    ),
    (r"\max(0, z)", {"z": 0.7}, lambda s: sympy.Max(0, s("z"))),
    (r"\text{ReLU}(z)", {"z": -0.7}, lambda s: sympy.Max(0, s("z"))),
    (r"\operatorname{softplus}(z)", {"z": 0.4}, lambda s: log(1 + exp(s("z")))),
    (r"\log(1 + e^{z})", {"z": 0.4}, lambda s: log(1 + exp(s("z")))),
    (r"\text{LeakyReLU}(z)", {"z": -1.5}, lambda s: Piecewise((s("z"), s("z") > 0), (0.01 * s("z"), True))),
    (
        r"\operatorname{leaky\_relu}(z, a)",
        {"z": -1.5, "a": 0.2},
        lambda s: Piecewise((s("z"), s("z") > 0), (s("a") * s("z"), True)),
    ),
    (r"\mathrm{ELU}(z)", {"z": -0.7}, lambda s: Piecewise((s("z"), s("z") > 0), (exp(s("z")) - 1, True))),
    (r"\text{GELU}(z)", {"z": 0.8}, lambda s: s("z") * (1 + erf(s("z") / sqrt(2))) / 2),
    (
        r"\frac{z}{2}\left(1 + \operatorname{erf}\left(\frac{z}{\sqrt{2}}\right)\right)",
        {"z": -0.8},
        lambda s: s("z") * (1 + erf(s("z") / sqrt(2))) / 2,
    ),
    (
        r"\text{GELU}_{\tanh}(z)",
        {"z": 0.8},
        lambda s: s("z") * (1 + tanh(sqrt(2 / pi) * (s("z") + sympy.Float("0.044715") * s("z") ** 3))) / 2,
    ),
    (
        r"0.5 z \left(1 + \tanh\left(\sqrt{\frac{2}{\pi}}\left(z + 0.044715 z^3\right)\right)\right)",
        {"z": 0.8},
        lambda s: (
            sympy.Float("0.5")
            * s("z")
            * (1 + tanh(sqrt(2 / pi) * (s("z") + sympy.Float("0.044715") * s("z") ** 3)))
        ),
    ),
    (r"z \sigma(z)", {"z": 1.3}, lambda s: s("z") * sig(s("z"))),
    (r"\mathrm{SiLU}(z)", {"z": 1.3}, lambda s: s("z") * sig(s("z"))),
    (r"\text{swish}(z)", {"z": -1.3}, lambda s: s("z") * sig(s("z"))),
    (r"\tanh^2(z)", {"z": 0.6}, lambda s: tanh(s("z")) ** 2),
    (r"\sigma^2(z)", {"z": 0.6}, lambda s: sig(s("z")) ** 2),
    (r"1 - \tanh^{2} z", {"z": 0.6}, lambda s: 1 - tanh(s("z")) ** 2),
    (r"\sigma(z)(1 - \sigma(z))", {"z": 0.6}, lambda s: sig(s("z")) * (1 - sig(s("z")))),
    (r"\log \sigma(z)", {"z": 0.6}, lambda s: log(sig(s("z")))),
    # neurons and layers
    (
        r"\sigma(w^\top x + b)",
        {"w": [-3.0, -1.0, 2.0], "x": [1.0, -2.0, 3.0], "b": 1.0},
        lambda s: sig(sum(s(f"w{i}") * s(f"x{i}") for i in range(3)) + s("b")),
    ),
    (
        r"\sigma\left(\mathbf{w}^{T}\mathbf{x} + b\right)",
        {"w": [0.5, -1.0], "x": [2.0, 0.25], "b": -0.5},
        lambda s: sig(sum(s(f"w{i}") * s(f"x{i}") for i in range(2)) + s("b")),
    ),
    (
        r"\text{ReLU}\left(\sum_{i=0}^{2} w_i x_i + b\right)",
        {"w0": -3.0, "w1": -1.0, "w2": 2.0, "x0": 1.0, "x1": -2.0, "x2": 3.0, "b": 1.0},
        lambda s: sympy.Max(0, sum(s(f"w{i}") * s(f"x{i}") for i in range(3)) + s("b")),
    ),
    (
        r"W^{[2]} a^{[1]} + b^{[2]}",
        {"W_layer2": 0.5, "a_layer1": 2.0, "b_layer2": 1.0},
        lambda s: s("W_layer2") * s("a_layer1") + s("b_layer2"),
    ),
    (
        r"\sigma\left(W^{[2]} a^{[1]}_{3} + b^{[2]}\right)",
        {"W_layer2": 0.5, "a3_layer1": 2.0, "b_layer2": 1.0},
        lambda s: sig(s("W_layer2") * s("a3_layer1") + s("b_layer2")),
    ),
    (
        r"w_1^{(2)} a_1^{(1)} + w_2^{(2)} a_2^{(1)}",
        {"w1_sup2": 0.5, "a1_sup1": 2.0, "w2_sup2": -1.0, "a2_sup1": 3.0},
        lambda s: s("w1_sup2") * s("a1_sup1") + s("w2_sup2") * s("a2_sup1"),
    ),
    (r"\hat{y} = \sigma(w x + b)", {"w": 2.0, "x": 0.5, "b": -1.0}, lambda s: sig(s("w") * s("x") + s("b"))),
    (
        r"z = w x + b \\ a = \sigma(z) \\ L = \frac{1}{2}(a - y)^2",
        {"w": 2.0, "x": 0.5, "b": -1.0, "y": 1.0},
        lambda s: (sig(s("w") * s("x") + s("b")) - s("y")) ** 2 / 2,
    ),
    (
        r"\begin{aligned} z^{[1]} &= W^{[1]} x + b^{[1]} \\ a^{[1]} &= \tanh(z^{[1]}) \\ \hat{y} &= \sigma(W^{[2]} a^{[1]}) \end{aligned}",
        {"W_layer1": 0.5, "x": 2.0, "b_layer1": 0.1, "W_layer2": -1.5},
        lambda s: sig(s("W_layer2") * tanh(s("W_layer1") * s("x") + s("b_layer1"))),
    ),
    (
        r"w_{1,2} x_1 + w_{2,2} x_2",
        {"w1_2": 0.5, "x1": 2.0, "w2_2": -1.0, "x2": 3.0},
        lambda s: s("w1_2") * s("x1") + s("w2_2") * s("x2"),
    ),
    (
        r"\theta_0 + \theta_1 x",
        {"theta0": 0.5, "theta1": 2.0, "x": 3.0},
        lambda s: s("theta0") + s("theta1") * s("x"),
    ),
    (
        r"\frac{1}{2}(\theta_0 + \theta_1 x - y)^2",
        {"theta0": 0.5, "theta1": 2.0, "x": 3.0, "y": 1.0},
        lambda s: (s("theta0") + s("theta1") * s("x") - s("y")) ** 2 / 2,
    ),
    (
        r"\mathbf{w} \cdot \mathbf{x}",
        {"w": [1.0, 2.0], "x": [3.0, -4.0]},
        lambda s: s("w0") * s("x0") + s("w1") * s("x1"),
    ),
    (
        r"\langle w, x \rangle + b",
        {"w": [1.0, 2.0], "x": [3.0, -4.0], "b": 0.5},
        lambda s: s("w0") * s("x0") + s("w1") * s("x1") + s("b"),
    ),
    (
        r"\tanh\left(\sum_i w_i x_i\right)",
        {"w": [0.1, 0.2, 0.3], "x": [1.0, 2.0, -1.0]},
        lambda s: tanh(sum(s(f"w{i}") * s(f"x{i}") for i in range(3))),
    ),
    (
        r"\frac{1}{n}\sum_{i=1}^{n} (\hat{y}_i - y_i)^2",
        {"y_hat": [0.5, 2.0, 1.0], "y": [1.0, 1.0, 1.5]},
        lambda s: sum((s(f"y_hat{i}") - s(f"y{i}")) ** 2 for i in (1, 2, 3)) / s("n"),
    ),
    (r"\bar{x} - \tilde{x}", {"x_bar": 2.0, "x_tilde": 0.5}, lambda s: s("x_bar") - s("x_tilde")),
    (r"\dot{x} + \widehat{y}", {"x_dot": 2.0, "y_widehat": 0.5}, lambda s: s("x_dot") + s("y_widehat")),
    # mathematics on the way
    (r"\sin^2 x + \cos x", {"x": 0.7}, lambda s: sympy.sin(s("x")) ** 2 + sympy.cos(s("x"))),
    (r"\log_2 x", {"x": 3.0}, lambda s: log(s("x"), 2)),
    (r"\log_{10}(x)", {"x": 3.0}, lambda s: log(s("x"), 10)),
    (r"\log_{3} x", {"x": 3.0}, lambda s: log(s("x"), 3)),
    (r"\ln(x^2 + 1)", {"x": 3.0}, lambda s: log(s("x") ** 2 + 1)),
    (r"\sqrt{x^2 + y^2}", {"x": 3.0, "y": 4.0}, lambda s: sqrt(s("x") ** 2 + s("y") ** 2)),
    (r"\pi r^2", {"r": 1.5}, lambda s: pi * s("r") ** 2),
    (
        r"\frac{1}{\sqrt{2\pi}} e^{-\frac{x^2}{2}}",
        {"x": 0.5},
        lambda s: exp(-(s("x") ** 2) / 2) / sqrt(2 * pi),
    ),
    (r"\mathrm{e}^{-\lambda x}", {"lambda": 2.0, "x": 0.5}, lambda s: exp(-s("lambda") * s("x"))),
    (
        r"\alpha x + (1 - \alpha) y",
        {"alpha": 0.25, "x": 2.0, "y": -1.0},
        lambda s: s("alpha") * s("x") + (1 - s("alpha")) * s("y"),
    ),
    (r"2 \times x \cdot y", {"x": 0.5, "y": 3.0}, lambda s: 2 * s("x") * s("y")),
    (r"x_i^2 + p_i", {"x_i": 0.5, "p_i": 3.0}, lambda s: s("x_i") ** 2 + s("p_i")),
    (r"−3 x", {"x": 0.5}, lambda s: -3 * s("x")),  # the Unicode minus of typeset text
]


@pytest.mark.parametrize(("text", "at", "plain"), CORPUS, ids=[c[0] for c in CORPUS])
def test_the_right_gradients(text: str, at: dict[str, object], plain: Callable[..., sympy.Expr]) -> None:
    r = symbackprop.derive(text, at=at, latex_input=True)
    expr = plain(S)
    point = {**r.derivation.values}
    subs = {S(k): v for k, v in point.items()}
    assert set(r.gradients) <= {s.name for s in expr.free_symbols}
    assert r.output == pytest.approx(float(expr.subs(subs)), rel=1e-12, abs=1e-15)
    for leaf, got in r.gradients.items():
        expected = float(sympy.diff(expr, S(leaf)).subs(subs))
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), leaf
    assert all(math.isfinite(g) for g in r.gradients.values() if g is not None)


# (the formula, what the one-line refusal says)
REFUSED = [
    (r"\frac{1}{2}\|y - \hat{y}\|^2", "a norm"),
    (r"f(x)", "f(...) would be read as f times (...)"),
    (r"\phi(x) + 1", r"\phi(...) would be read as \phi times (...)"),
    (r"\nabla L", "a gradient"),
    (r"\sigma'(z)", 'unexpected "\'"'),
    (r"\tanh^{-1}(x)", "an inverse function"),
    (r"w^T x + b", "^T transposes a vector"),
    (r"\sigma(\cdot)", r"'\cdot' as an argument stands for any argument"),
    (r"\mathbb{E}[x]", r"unknown LaTeX command \mathbb"),
    (r"\sum_{i=1}^{N} x_i", r"\sum needs whole-number bounds"),
    (r"x_{i+1} - x_i", "the subscript 'i+1' is not letters and digits"),
    (r"\operatorname{softmax}(z)", "softmax takes a vector (a name with a list of values"),
    (r"\prod_i x_i", "a product"),
    (r"W^[2] x", "a superscript in brackets needs braces: write W^{[2]}"),
    (r"x^{(i+1)}", "is not an index of a name"),
    (r"\int_0^1 x\,dx", "an integral"),
    (r"\frac{\partial L}{\partial w}", "a derivative"),
    (r"\hat{xy}", "takes one name"),
    (r"x^{2}_{1}", "write the subscript first"),
    (r"\sigma_1(x)", r"\sigma_1(...) would be read as \sigma_1 times (...)"),
    (r"x + ٣", "is a digit outside ASCII"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_or_a_clear_refusal(text: str, message: str, cli) -> None:
    with pytest.raises(SymbackpropError) as info:
        symbackprop.derive(text, latex_input=True)
    assert message in str(info.value)
    assert "\n" not in str(info.value) and info.value.exit_status == 2
    if isinstance(info.value, ParseError) and info.value.column is not None:
        assert 1 <= info.value.column <= len(text) + 1
    status, out, err = cli(["derive", text, "--latex-input"])
    assert (status, out) == (2, "") and err.startswith("symbackprop: error: ") and err.count("\n") == 1


def test_the_corpus_is_large() -> None:
    assert len(CORPUS) + len(REFUSED) >= 80
