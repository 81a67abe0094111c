"""Golden LaTeX: the chapter's equations as the tool writes them.

Each expected string transcribes the chapter's equation (or the issue's) into our stable
spelling: names with braced subscripts (``x_{0}``), ``\\partial`` for ∂, ``\\,`` after d.
"""

from __future__ import annotations

import re

import pytest

from symbackprop import api
from symbackprop.render import latex

CHAPTER = api.neuron().derivation

NESTED = r"\text{ReLU}\Big(sum\big(mul(x_{0}, w_{0}), mul(x_{1}, w_{1}), mul(x_{2}, w_{2}), b\big)\Big)"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            latex.loose_block,
            r"\text{ReLU}\Big(\sum[\ \text{input} \cdot \text{weights}\ ] + \text{bias}\Big)",
        ),
        (latex.flat_block, r"\text{ReLU}\Big(x_{0} w_{0} + x_{1} w_{1} + x_{2} w_{2} + b\Big)"),
        (latex.nested_block, "y = " + NESTED),
    ],
)
def test_forms_of_the_neuron(block, expected):
    assert block(CHAPTER) == expected


def test_chain_for_x0_is_the_chapters_equation_with_numbers():
    body = latex.chain_block(CHAPTER, "x0")
    assert body == "\n".join(
        [
            r"\begin{aligned}",
            # the bracket and the factors do not fit one line of the page: the bracket stands alone
            r"&\frac{\partial}{\partial x_{0}}\bigg[" + NESTED + r"\bigg] \\",
            r"&= \frac{d\,\text{ReLU}}{d\,sum()} \cdot \frac{\partial\,sum()}{\partial\,mul(x_{0}, w_{0})}"
            r" \cdot \frac{\partial\,mul(x_{0}, w_{0})}{\partial x_{0}} \\",
            r"&= 1(z > 0) \cdot 1 \cdot w_{0} \\",
            r"&= 1 \cdot 1 \cdot (-3) = -3",
            r"\end{aligned}",
        ]
    )


@pytest.mark.parametrize(
    ("leaf", "last_line"),
    [
        ("w0", r"&= 1 \cdot 1 \cdot 1 = 1"),
        ("x1", r"&= 1 \cdot 1 \cdot (-1) = -1"),
        ("w1", r"&= 1 \cdot 1 \cdot (-2) = -2"),
        ("x2", r"&= 1 \cdot 1 \cdot 2 = 2"),
        ("w2", r"&= 1 \cdot 1 \cdot 3 = 3"),
        ("b", r"&= 1 \cdot 1 = 1"),
    ],
)
def test_every_chain_ends_in_the_chapters_number(leaf, last_line):
    assert latex.chain_block(CHAPTER, leaf).splitlines()[-2] == last_line


def test_the_slip_is_not_copied():
    """The chapter announces the derivative by w0 and then writes ∂/∂x0; ours says what it does."""
    assert r"\frac{\partial}{\partial w_{0}}\bigg[" in latex.chain_block(CHAPTER, "w0")
    assert r"\frac{\partial\,mul(x_{0}, w_{0})}{\partial w_{0}}" in latex.chain_block(CHAPTER, "w0")


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, r"f(x) = \max(x, 0) \quad \to \quad \frac{d}{dx} f(x) = 1(x > 0)"),
        (
            1,
            "\\begin{aligned}\nf(x, y) = x + y \\quad \\to \\quad & \\frac{\\partial}{\\partial x} f(x, y) = 1 \\\\\n"
            "& \\frac{\\partial}{\\partial y} f(x, y) = 1\n\\end{aligned}",
        ),
        (
            2,
            "\\begin{aligned}\nf(x, y) = x y \\quad \\to \\quad & \\frac{\\partial}{\\partial x} f(x, y) = y \\\\\n"
            "& \\frac{\\partial}{\\partial y} f(x, y) = x\n\\end{aligned}",
        ),
    ],
)
def test_the_three_rules(index, expected):
    assert latex.rule_blocks(CHAPTER)[index] == expected


def test_forward_block_has_every_value():
    body = latex.forward_block(CHAPTER)
    assert r"\mathit{xw}_{0} &= x_{0} w_{0} = 1 \cdot (-3) = -3" in body
    assert r"\mathit{xw}_{1} &= x_{1} w_{1} = (-2) \cdot (-1) = 2" in body
    assert r"z &= \mathit{xw}_{0} + \mathit{xw}_{1} + \mathit{xw}_{2} + b = -3 + 2 + 6 + 1 = 6" in body
    assert r"y &= \text{ReLU}(z) = \text{ReLU}(6) = 6" in body


def test_gradients_and_step():
    assert latex.gradients_block(CHAPTER).splitlines()[1:4] == [
        r"\mathit{dx} &= \begin{bmatrix} -3 & -1 & 2 \end{bmatrix} \\",
        r"\mathit{dw} &= \begin{bmatrix} 1 & -2 & 3 \end{bmatrix} \\",
        r"\mathit{db} &= 1",
    ]
    step = latex.step_block(CHAPTER)
    assert step is not None
    assert (
        r"w_{0} &\leftarrow w_{0} - 0.001 \cdot \frac{\partial y}{\partial w_{0}} = -3 - 0.001 \cdot 1 = -3.001"
        in step
    )
    assert r"y &= 5.985 \quad (\text{was } 6)" in step


def test_document_structure():
    text = api.neuron().latex()
    assert text.count(r"\[") == text.count(r"\]") > 10
    assert r"\begin{align}" not in text  # aligned inside \[ \], never align
    assert "∂" not in text
    standalone = api.neuron().latex(standalone=True)
    assert standalone.startswith(r"\documentclass[10pt]{article}")
    assert r"\usepackage{amsmath}" in standalone and r"\section*{Backpropagation through" in standalone
    assert standalone.rstrip().endswith(r"\end{document}")


def test_braces_balance_in_every_block():
    for block in latex.blocks(CHAPTER):
        body = block.body
        stripped = re.sub(r"\\[{}]", "", body)
        assert stripped.count("{") == stripped.count("}"), body


def test_upstream_gradient_shows_as_dL_dy():
    d = api.neuron(dvalue=2.0, wrt=["x0"]).derivation
    body = latex.chain_block(d, "x0")
    assert body.splitlines()[-2] == r"&= 2 \cdot 1 \cdot 1 \cdot (-3) = -6"
    assert r"\frac{\partial L}{\partial x_{0}} = \frac{\partial L}{\partial y} \cdot" in body


def test_sigmoid_neuron_rule_and_derivative():
    d = api.neuron(activation="sigmoid").derivation
    assert latex.rule_blocks(d)[0] == (
        r"f(x) = \frac{1}{1 + e^{-x}} \quad \to \quad \frac{d}{dx} f(x) = \sigma(x) (1 - \sigma(x))"
    )
    assert latex.flat_block(d) == r"\sigma\Big(x_{0} w_{0} + x_{1} w_{1} + x_{2} w_{2} + b\Big)"


def test_linear_neuron_has_no_activation():
    d = api.neuron(activation="linear").derivation
    assert latex.flat_block(d) == r"x_{0} w_{0} + x_{1} w_{1} + x_{2} w_{2} + b"
    assert latex.loose_block(d) == r"\sum[\ \text{input} \cdot \text{weights}\ ] + \text{bias}"


def test_a_leaf_on_two_paths_shows_both():
    d = api.derive("x*y + x", at={"x": 3, "y": 2}).derivation
    body = latex.chain_block(d, "x")
    lines = body.splitlines()
    assert lines[2] == r"&= (1 \cdot y) + 1 \\"
    assert lines[3] == r"&= (1 \cdot 2) + 1 = 2 + 1 = 3"
