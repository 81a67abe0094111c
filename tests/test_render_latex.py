"""Golden LaTeX: the chapter's equations as the tool writes them.

Each expected string transcribes the chapter's equation (or the issue's) into our stable
spelling: names with braced subscripts (``x_{0}``), ``\\partial`` for ∂, ``\\,`` after d.
"""

from __future__ import annotations

import itertools
import re

import pytest
import sympy

import symbackprop
from symbackprop import api
from symbackprop.ops import MulOp, NegOp, SubOp, SumOp
from symbackprop.printing import INFIX, LATEX, TEXT
from symbackprop.render import latex

CHAPTER = api.neuron().derivation

NESTED = (
    r"\text{ReLU}\Big(\operatorname{sum}\big(\operatorname{mul}(x_{0}, w_{0}), \operatorname{mul}(x_{1}, w_{1}), "
    r"\operatorname{mul}(x_{2}, w_{2}), b\big)\Big)"
)


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
            r"&= \frac{d\,\text{ReLU}}{d\,\operatorname{sum}} \cdot \frac{\partial\,\operatorname{sum}}"
            r"{\partial\,\operatorname{mul}(x_{0}, w_{0})}"
            r" \cdot \frac{\partial\,\operatorname{mul}(x_{0}, w_{0})}{\partial x_{0}} \\",
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
    assert r"\frac{\partial\,\operatorname{mul}(x_{0}, w_{0})}{\partial w_{0}}" in latex.chain_block(
        CHAPTER, "w0"
    )


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


# --- typography: operation names upright, labels that name one node, brackets that grow outward ---


def test_operation_names_are_upright_commands_never_letter_products():
    from symbackprop.ops import base

    def every(cls: type) -> list[type]:
        return [cls, *(c for sub in cls.__subclasses__() for c in every(sub))]

    named = {op.__name__: op.latex_name for op in every(base.Op) if op.latex_name}
    # "1" is the indicator 1(z > 0), a number; every other name is one command (\operatorname, \text, \sigma ...)
    letters = {k: v for k, v in named.items() if v != "1" and not v.startswith("\\")}
    assert not letters, f"italic letter products: {letters}"
    assert named["SumOp"] == r"\operatorname{sum}" and named["MulOp"] == r"\operatorname{mul}"
    assert named["PowOp"] == r"\operatorname{pow}" and named["Sqrt"] == r"\operatorname{sqrt}"


def test_two_sums_have_two_labels_each_naming_its_arguments():
    d = api.derive("relu(x*w + b) + relu(x*u + c)", at={"x": 1, "w": 2, "b": 1, "u": 1, "c": 0.5}).derivation
    rows = latex.chain_block(d, "x").splitlines()
    assert rows[2] == (
        r"&= \left(\frac{\partial\,\operatorname{sum}(v_{3}, v_{6})}{\partial\,\text{ReLU}(v_{2})}"
        r" \cdot \frac{d\,\text{ReLU}}{d\,\operatorname{sum}(v_{1}, b)}"
        r" \cdot \frac{\partial\,\operatorname{sum}(v_{1}, b)}{\partial\,\operatorname{mul}(x, w)}"
        r" \cdot \frac{\partial\,\operatorname{mul}(x, w)}{\partial x}\right) \\"
    )
    # every name a label spells is defined under the chain, the definitions broken between them
    where = "".join(rows[rows.index(next(r for r in rows if r"\text{where }" in r)) :])
    for name, definition in [
        ("v_{1}", "x w"),
        ("v_{2}", "x w + b"),
        ("v_{3}", r"\text{ReLU}\Big(x w + b\Big)"),
    ]:
        assert f"{name} = {definition}," in where
    assert r"v_{6} = \text{ReLU}\Big(x u + c\Big)" in where
    assert "&\\quad = " not in where  # never broken at a definition's own "="


def test_one_sum_is_named_by_its_operation_alone_in_text_too():
    text = api.neuron().text()
    assert "dReLU/dsum" in text and "∂sum/∂mul(x0, w0)" in text and "()" not in text


@pytest.mark.parametrize("depth", [3, 4, 5, 6, 8])
def test_brackets_grow_outward_however_deep_the_nesting(depth: int) -> None:
    expr = "x*w"
    for k in range(depth - 1):
        expr = f"{['tanh', 'sigmoid', 'exp'][k % 3]}({expr})"
    d = api.derive(expr, at={"x": 0.5, "w": 0.25}).derivation
    head = latex.chain_block(d, "x").splitlines()[1]
    rank = {"": 0, r"\big": 1, r"\Big": 2, r"\bigg": 3, r"\Bigg": 4}
    opened = [rank[m] for m in re.findall(r"(\\[bB]igg?|)[(\[]", head)]
    assert opened[0] == 4 if depth >= 4 else opened[0] == depth  # the chain's own bracket
    # every bracket is larger than the next one inside it, until the plain parentheses
    assert all(a > b or a == b == 0 for a, b in itertools.pairwise(opened)), head


def test_grouping_parentheses_are_larger_than_the_sized_call_they_hold():
    # \left( around a \Big( call comes out smaller than it in MathJax: the group takes the next size
    d = api.derive("z = w*x + b; a = sigmoid(z); L = (a - t)**2 / 2", const=["t"]).derivation
    assert latex.flat_block(d) == r"\frac{\bigg(\sigma\Big(w x + b\Big) - t\bigg)^{2}}{2}"


def test_a_factor_or_a_term_that_begins_with_a_minus_is_in_parentheses():
    # d(sub)/dt = -1: "2 v2 · -1" reads as a subtraction; every format writes (-1)
    r = symbackprop.derive("(sigmoid(z) - t)**2", at={"z": 0.5, "t": 1})
    latex, text = r.latex(), r.text()
    assert r"2 v_{2} \cdot (-1)" in latex and "(2 * v2) · (-1)" in text
    for out in (latex, text, r.markdown()):
        assert not re.search(r"(\\cdot|·|\*|[+-]) -", out), re.search(r".{30}(\\cdot|·|\*|[+-]) -.{10}", out)
    x, y, z = sympy.symbols("x y z")
    assert LATEX.doprint(MulOp(x, NegOp(y))) == r"x \cdot (-y)"
    assert TEXT.doprint(SubOp(x, NegOp(y))) == "x - (-y)"
    assert INFIX.doprint(SumOp(x, MulOp(NegOp(y), z))) == "x + (-y * z)"


def test_an_output_named_l_is_not_its_own_upstream_loss():
    # with an upstream gradient, the next layer's loss is L; an output called L makes it \mathcal{L}
    r = symbackprop.derive("L = x*w", at={"x": 1, "w": 2}, dvalue=0.5)
    latex, text, markdown = r.latex(), r.text(), r.markdown()
    assert (
        r"\frac{\partial \mathcal{L}}{\partial L} \cdot \frac{\partial L}{\partial x} = 0.5 \cdot w" in latex
    )
    assert "∂ℒ/∂x = ∂ℒ/∂L · ∂L/∂x" in text
    for out in (latex, markdown):
        assert r"\frac{\partial L}{\partial L}" not in out
    assert "∂L/∂L" not in text
    plain = symbackprop.derive("y = x*w", at={"x": 1, "w": 2}, dvalue=0.5).latex()
    assert r"\frac{\partial L}{\partial y}" in plain and r"\mathcal{L}" not in plain
