r"""Vectors: a name with a list of values is a vector; every spelling of a dot product expands to the
chapter's sum of products, so that \sigma(w^\top x + b) with the chapter's numbers is the chapter's
neuron with a sigmoid -- held to ``symbackprop.neuron`` and to sympy.diff of a plain rewrite."""

from __future__ import annotations

import json

import pytest
import sympy

import symbackprop
from symbackprop.errors import SymbackpropError

X, W, B = [1.0, -2.0, 3.0], [-3.0, -1.0, 2.0], 1.0
AT = {"x": X, "w": W, "b": B}

SPELLINGS = [
    (r"\sigma(w^\top x + b)", True),
    (r"\sigma(w^T x + b)", True),
    (r"\sigma(w^{T} x + b)", True),
    (r"\sigma(w^\intercal x + b)", True),
    (r"\sigma(\mathbf{w}^\top\mathbf{x} + b)", True),
    (r"\sigma(\boldsymbol{w}^{\top} \boldsymbol{x} + b)", True),
    (r"\sigma(\vec{w} \cdot \vec{x} + b)", True),
    (r"\sigma(w \cdot x + b)", True),
    (r"\sigma(\langle w, x\rangle + b)", True),
    (r"\sigma\left(\sum_i w_i x_i + b\right)", True),
    (r"\sigma(b + \sum_{i} w_{i} x_{i})", True),
    ("sigmoid(dot(w, x) + b)", False),
    ("sigmoid(b + dot(w, x))", False),
]


def _plain_neuron() -> dict[str, float]:
    """The chapter's neuron with a sigmoid in plain SymPy, differentiated by sympy.diff."""
    xs, ws, b = sympy.symbols("x0:3"), sympy.symbols("w0:3"), sympy.Symbol("b")
    y = 1 / (1 + sympy.exp(-(sum(wi * xi for wi, xi in zip(ws, xs)) + b)))
    point = {**dict(zip(xs, X)), **dict(zip(ws, W)), b: B}
    return {str(s): float(sympy.diff(y, s).subs(point)) for s in (*xs, *ws, b)}


@pytest.mark.parametrize(("text", "latex"), SPELLINGS)
def test_every_dot_product_is_the_chapters_neuron(text: str, latex: bool) -> None:
    r = symbackprop.derive(text, at=AT, latex_input=latex)
    chapter = symbackprop.neuron(X, W, B, activation="sigmoid", lr=None)
    assert r.gradients == pytest.approx(chapter.gradients, rel=1e-15)
    assert r.gradients == pytest.approx(_plain_neuron(), rel=1e-12)
    assert r.output == chapter.output
    expression = r.to_dict()["expression"]
    assert "mul(w0, x0), mul(w1, x1), mul(w2, x2)" in expression  # one flat sum, as the chapter's
    assert expression.count("sum(") == 1


def test_gradients_print_as_vectors(cli) -> None:
    argv = ["derive", r"\sigma(\mathbf{w}^\top \mathbf{x} + b)", "--latex-input"]
    status, out, err = cli([*argv, "--at", "w=-3,-1,2", "--at", "x=1,-2,3", "--at", "b=1"])
    assert status == 0, err
    chapter = symbackprop.neuron(X, W, B, activation="sigmoid").gradients
    dw = ", ".join(f"{chapter[f'w{i}']:.6g}" for i in range(3))
    assert f"dw = [{dw}]" in out
    assert "w = [-3.0, -1.0, 2.0]" in out
    status, out, err = cli([*argv, "--at", "w=-3,-1,2 x=1,-2,3 b=1", "--format", "latex"])
    assert status == 0, err
    assert r"d\mathbf{w} &= \begin{bmatrix}" in out  # the vector with the mark it was written with


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
def test_a_marked_vector_prints_with_its_mark_and_its_elements_as_scalars(cli, fmt: str) -> None:
    # --at and --wrt in the ASCII spelling and in the LaTeX one: the same vectors
    for names in (
        ["w=-3,-1,2", "x=1,-2,3", "w"],
        [r"\mathbf{w}=-3,-1,2", r"\mathbf{x}=1,-2,3", r"\mathbf{w}"],
    ):
        argv = ["derive", r"\sigma(\mathbf{w}^\top\mathbf{x} + b)", "--latex-input", "--format", fmt]
        status, out, err = cli(
            [*argv, "--at", names[0], "--at", names[1], "--at", "b=1", "--wrt", names[2], "--wrt", "x"]
        )
        assert status == 0, err
        oracle = _plain_neuron()  # sympy.diff of the plain rewrite
        for v in "wx":  # the vector as a whole with its mark, its elements as textbooks write them
            row = rf"d\mathbf{{{v}}} &= \begin{{bmatrix}} " + " & ".join(
                f"{oracle[f'{v}{i}']:.6g}" for i in range(3)
            )
            assert row + r" \end{bmatrix}" in out
        assert r"\sigma\Big(w_{0} x_{0} + w_{1} x_{1} + w_{2} x_{2} + b\Big)" in out
        assert r"\frac{\partial y}{\partial w_{0}}" in out and r"\mathbf{w}_" not in out


def test_the_fence_takes_vectors() -> None:
    import html
    import re

    markdown = pytest.importorskip("markdown")
    fence = "```backprop \\sigma(w^\\top x + b)\nlatex-input:\nat: w=-3,-1,2, x=1,-2,3, b=1\nshow: gradients\n```\n"
    out = markdown.markdown(fence, extensions=["symbackprop.markdown_ext"])
    blocks = [
        html.unescape(m) for m in re.findall(r'<div class="arithmatex">\\\[\n(.*?)\n\\\]</div>', out, re.S)
    ]
    chapter = symbackprop.neuron(X, W, B, activation="sigmoid").gradients
    assert len(blocks) == 1 and r"\mathit{dw}" in blocks[0]
    assert all(f"{chapter[f'w{i}']:.6g}" in blocks[0] for i in range(3))


def test_one_based_sums_take_their_length_from_the_vectors() -> None:
    r = symbackprop.derive(
        r"\frac{1}{n} \sum_{i=1}^{n} (\hat{y}_i - y_i)^2",
        at={"y_hat": [0.5, 2.0], "y": [1.0, 1.0]},
        latex_input=True,
        const=["y"],
    )
    # d/dŷ_i of the mean squared error: 2 (ŷ_i - y_i) / n, n = 2
    assert r.gradients == pytest.approx({"y_hat1": -0.5, "y_hat2": 1.0})
    assert r.derivation.values["n"] == 2 and "n" in r.derivation.constants


def test_elements_written_one_by_one() -> None:
    zero = symbackprop.derive("w_0*x_0 + w_1*x_1 + w_2*x_2", at={"w": W, "x": X})
    one = symbackprop.derive("w_1*x_1 + w_2*x_2 + w_3*x_3", at={"w": W, "x": X})
    assert zero.gradients == {"w0": 1.0, "x0": -3.0, "w1": -2.0, "x1": -1.0, "w2": 3.0, "x2": 2.0}
    assert one.gradients == {"w1": 1.0, "x1": -3.0, "w2": -2.0, "x2": -1.0, "w3": 3.0, "x3": 2.0}


REFUSED = [
    (r"\sigma(w + b)", True, "w is a vector (3 values) where a number belongs"),
    (r"w^T b", True, "b is not a vector: a dot product takes two"),
    ("dot(w, b)", False, "b is not a vector"),
    ("w * b", False, "w is a vector (3 values) where a number belongs"),
    (r"e^{w} + b", True, "w is a vector (3 values) where a number belongs"),
    (r"\log w + b", True, "w is a vector (3 values) where a number belongs"),
    ("w_1*x_1 + w_2*x_2 + b", False, "gives x 3 values, but the expression uses x1, x2"),
    (r"\langle w \rangle + b", True, r"\langle ... \rangle takes two vectors"),
    (r"\sum_i w_i + \sum_{i=1}^{n} x_i + b", True, None),  # each vector named from one first index: fine
]


@pytest.mark.parametrize(("text", "latex", "message"), REFUSED)
def test_vectors_where_a_number_belongs_are_refused(text: str, latex: bool, message: str | None) -> None:
    if message is None:
        symbackprop.derive(text, at=AT, latex_input=latex)
        return
    with pytest.raises(SymbackpropError) as info:
        symbackprop.derive(text, at=AT, latex_input=latex)
    assert message in str(info.value) and info.value.exit_status == 2


def test_lengths_must_agree(cli) -> None:
    status, _, err = cli(["derive", "w^T x", "--latex-input", "--at", "w=1,2", "--at", "x=1,2,3"])
    assert status == 2 and "w has 2 values and x has 3: a dot product needs vectors of one length" in err
    with pytest.raises(SymbackpropError, match="different lengths"):
        symbackprop.derive(r"\sum_i w_i x_i", at={"w": [1, 2], "x": [1, 2, 3]}, latex_input=True)
    with pytest.raises(SymbackpropError, match="named two ways"):
        symbackprop.derive(r"w^T x + \sum_{i=1}^{n} w_i", at={"w": [1, 2], "x": [1, 2]}, latex_input=True)


def test_transposition_without_vectors_is_refused() -> None:
    # the case: w^T x read as w to the power of a variable T
    with pytest.raises(
        SymbackpropError, match=r"\^T transposes a vector: give each vector its values as a list"
    ):
        symbackprop.derive(r"w^T x", at={"w": 2, "x": 3, "T": 1}, latex_input=True)


def test_json_keeps_the_elements() -> None:
    r = symbackprop.derive("sigmoid(dot(w, x) + b)", at=AT)
    d = json.loads(r.render("json"))
    assert list(d["gradients"]) == ["w0", "x0", "w1", "x1", "w2", "x2", "b"]
    assert d["values"]["w1"] == -1.0


def test_the_fence_prints_a_marked_vector_with_its_mark() -> None:
    markdown = pytest.importorskip("markdown")
    fence = "```backprop \\sigma(\\vec{w} \\cdot \\vec{x} + b)\nlatex-input:\nat: w=-3,-1,2, x=1,-2,3, b=1\nshow: gradients\n```\n"
    out = markdown.markdown(fence, extensions=["symbackprop.markdown_ext"])
    assert r"d\vec{w} &amp;= \begin{bmatrix}" in out and r"\mathit{dw}" not in out


def test_a_rules_arguments_are_not_a_marked_leaf():
    # the rule of sigmoid is stated on any x: a leaf written \mathbf{x} does not make it bold
    r = symbackprop.derive(
        r"\sigma(\mathbf{w}^\top\mathbf{x} + b)",
        latex_input=True,
        at={"w": [-3, -1, 2], "x": [1, -2, 3], "b": 1},
    )
    latex = r.latex()
    assert r"\frac{d}{dx} f(x) = \sigma(x) (1 - \sigma(x))" in latex
    assert r"d\mathbf{x} &= " in latex  # the leaf's own gradient keeps its mark


def test_a_list_with_an_accent_names_its_gradient_in_latex():
    r = symbackprop.derive("y_hat = [0.5, 0.25]\nL = y_hat[0] * y_hat[1]", python_input=True)
    latex = r.latex()
    assert r"d\hat{y} &= \begin{bmatrix} 0.25 & 0.5 \end{bmatrix}" in latex  # dL/dy_hat = [y_hat1, y_hat0]
    assert r"\mathit{dy_hat}" not in latex


def test_the_gradients_block_keeps_the_scalars_beside_the_vectors():
    # y = w0 x0 + w1 x1 + b c: dw = x, dx = w, db = c, dc = b, written by hand
    r = symbackprop.derive("dot(w, x) + b*c", at={"w": [1, 2], "x": [3, 4], "b": 1, "c": 2})
    for out in (r.latex(), r.markdown()):
        assert r"\mathit{dw} &= \begin{bmatrix} 3 & 4 \end{bmatrix}" in out
        assert r"\mathit{dx} &= \begin{bmatrix} 1 & 2 \end{bmatrix}" in out
        assert r"\frac{\partial y}{\partial b} &= 2" in out and r"\frac{\partial y}{\partial c} &= 1" in out
