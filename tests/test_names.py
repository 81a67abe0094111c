r"""Names as people write them: each LaTeX spelling reads to one ASCII name (the one infix, --at, --wrt,
--const and JSON use), prints back as it was written, and is accepted in every option that names leaves.

Golden tables: the LaTeX as a reader of lecture notes writes it, the ASCII spelling the README documents.
"""

from __future__ import annotations

import pytest
import sympy

import symbackprop
from symbackprop.errors import ParseError, SymbackpropError
from symbackprop.latex_input import parse_latex, parse_latex_program
from symbackprop.names import canonical, latex_name, marked, pretty
from symbackprop.parse import parse_infix, parse_names
from symbackprop.printing import LATEX

# LaTeX as written -> the ASCII name -> the LaTeX it prints as (None: as written)
NAMES = [
    ("x_0", "x0", "x_{0}"),
    ("x_{0}", "x0", None),
    ("w_{12}", "w12", None),
    ("w_{1,2}", "w1_2", None),
    ("w_{i,j}", "w_i_j", None),
    ("x_i", "x_i", "x_{i}"),
    ("x_{in}", "x_in", None),
    (r"x_{\text{in}}", "x_in", "x_{in}"),
    ("p_i", "p_i", "p_{i}"),  # not the constant pi
    (r"\alpha", "alpha", None),
    (r"\theta_{1}", "theta1", None),
    (r"x_{\alpha}", "x_alpha", None),
    (r"\hat{y}", "y_hat", None),
    (r"\hat y", "y_hat", r"\hat{y}"),
    (r"\hat{y}_{1}", "y_hat1", None),
    (r"\hat{y}_1", "y_hat1", r"\hat{y}_{1}"),
    (r"\hat{y_1}", "y_hat1", r"\hat{y}_{1}"),
    (r"\hat{y}_{i}", "y_hat_i", None),
    (r"\widehat{y}", "y_widehat", None),
    (r"\bar{x}", "x_bar", None),
    (r"\overline{x}", "x_overline", None),
    (r"\tilde{y}", "y_tilde", None),
    (r"\widetilde{y}", "y_widetilde", None),
    (r"\dot{x}", "x_dot", None),
    (r"\ddot{x}", "x_ddot", None),
    (r"\hat{\theta}", "theta_hat", None),
    (r"W^{[2]}", "W_layer2", None),
    (r"W^{[l]}", "W_layerl", None),
    (r"a^{[1]}_{3}", "a3_layer1", None),
    (r"a^{[1]}_3", "a3_layer1", r"a^{[1]}_{3}"),
    (r"a_3^{[1]}", "a3_layer1", r"a^{[1]}_{3}"),
    (r"W^{[2]}_{1,2}", "W1_2_layer2", None),
    (r"x^{(i)}", "x_supi", None),
    (r"x^{(1)}", "x_sup1", None),
    (r"w^{(2)}_{1}", "w1_sup2", None),
    (r"w_1^{(2)}", "w1_sup2", r"w^{(2)}_{1}"),
    (r"\hat{y}^{(i)}", "y_hat_supi", None),
    (
        r"\mathbf{w}",
        "w",
        None,
    ),  # a vector's mark: not part of the name, kept beside it (the derivation's marks)
    (r"\boldsymbol{x}", "x", None),
    (r"\bm{x}", "x", None),
    (r"\vec{x}", "x", None),
    (r"\mathbf{w}_1", "w1", r"\mathbf{w}_{1}"),
    (r"\boldsymbol{\theta}", "theta", None),
    (r"\mathbf{bias}", "bias", None),
    (r"\mathbf{W}^{[2]}", "W_layer2", None),
    (r"\hat{\mathbf{y}}", "y_hat", None),
    (r"\mathit{xw}_{0}", "xw0", None),
]


@pytest.mark.parametrize(("text", "ascii", "printed"), NAMES)
def test_latex_name_reads_to_its_ascii_spelling(text: str, ascii: str, printed: str | None) -> None:
    assert parse_latex(text) == sympy.Symbol(ascii)


@pytest.mark.parametrize(("text", "ascii", "printed"), NAMES)
def test_name_prints_back_as_written(text: str, ascii: str, printed: str | None) -> None:
    marks = parse_latex_program(text).marks  # a vector's mark, as a derivation carries it
    with marked(marks):
        assert latex_name(ascii) == (text if printed is None else printed)
        program = parse_latex_program(latex_name(ascii))  # and what it prints reads back
    assert program.steps[0].tree == sympy.Symbol(ascii) and program.marks == marks


@pytest.mark.parametrize(("text", "ascii", "printed"), NAMES)
def test_ascii_spelling_is_a_name_everywhere(text: str, ascii: str, printed: str | None) -> None:
    assert parse_infix(ascii) == sympy.Symbol(ascii)
    assert canonical(ascii) == ascii
    assert parse_names(ascii) == [ascii]
    assert parse_names(text) == [ascii]  # the LaTeX spelling, in --wrt and --const


# other ASCII spellings of the same names: the grammar's order and underscores are normalised
SPELLINGS = [
    ("x_0", "x0"),
    ("y_hat_1", "y_hat1"),
    ("y1_hat", "y_hat1"),
    ("a_layer1_3", "a3_layer1"),
    ("w_1_2", "w1_2"),
    ("_x", "x"),
    ("x1y", "x1y"),  # outside the grammar: kept as it is
]


@pytest.mark.parametrize(("word", "name"), SPELLINGS)
def test_infix_spellings(word: str, name: str) -> None:
    assert parse_infix(word) == sympy.Symbol(name)


def test_python_input_names_and_lists() -> None:
    program = symbackprop.derive(
        "y_hat = [0.5, 0.25]\nw1 = [2.0, 3.0]\nL = y_hat[0] * w1[0] + y_hat[1] * w1[1]", python_input=True
    )
    assert program.gradients == {"y_hat0": 2.0, "w1_0": 0.5, "y_hat1": 3.0, "w1_1": 0.25}
    assert latex_name("w1_0") == "w_{1,0}"  # w1[0], not w10 (which is w[10])


REFUSED = [
    (r"W^[2]", "a superscript in brackets needs braces: write W^{[2]}", 3),
    (r"x^{(i+1)}", "the superscript (i+1) is not an index of a name", 4),
    (r"(a + b)^{(2)}", "a superscript in brackets is part of a name (W^{[2]}, x^{(i)}), not a power", 8),
    (r"\hat{xy}", r"\hat{...} takes one name: put the rest outside the braces", 7),
    (r"\hat{\bar{x}}", r"an accent takes one letter, as in \hat{y} or \hat{\theta}", 6),
    (r"\hat{}", r"\hat needs a name, as in \hat{y}", 1),
    (r"x^{2}_{1}", "a subscript after a power: write the subscript first, as in x_{1}^{2}", 6),
    (r"f(x + 1)", r"f(...) would be read as f times (...): symbackprop knows no function f", 1),
    (r"\phi(x)", r"\phi(...) would be read as \phi times (...)", 1),
    (r"g_1(x)", r"g_1(...) would be read as g_1 times (...)", 1),
]


@pytest.mark.parametrize(("text", "message", "column"), REFUSED)
def test_refused_names(text: str, message: str, column: int) -> None:
    with pytest.raises(ParseError) as info:
        parse_latex(text)
    assert str(info.value).startswith(message)
    assert info.value.column == column


def test_two_accents_in_ascii_are_refused() -> None:
    with pytest.raises(ParseError, match="two accents"):
        parse_infix("x_hat_bar")


def test_pretty_names_for_figures() -> None:
    assert pretty("xw0") == "xw₀"
    assert pretty("y_hat1") == "ŷ₁"
    assert pretty("w1_2") == "w₁,₂"
    assert pretty("x_sup2") == "x⁽²⁾"
    assert pretty("dsum_dxw0 W_layer2") == "dsum_dxw0 W^[2]"  # a program's variable stays as it is


# --- every option that names a leaf takes either spelling, from every entrance ------------------

LOSS = r"\frac{1}{2}(\hat{y} - y)^2 + W^{[2]} a^{[1]}_3"


def test_python_options_take_both_spellings() -> None:
    ascii = symbackprop.derive(
        LOSS, latex_input=True, at={"y_hat": 0.75, "y": 1, "W_layer2": 0.5, "a3_layer1": 2}
    )
    tex = symbackprop.derive(
        LOSS,
        latex_input=True,
        at={r"\hat{y}": 0.75, "y": 1, r"W^{[2]}": 0.5, r"a^{[1]}_3": 2},
        wrt=[r"\hat{y}", "W^{[2]}"],
        const=["y"],
    )
    assert ascii.gradients == {"y_hat": -0.25, "y": 0.25, "W_layer2": 2.0, "a3_layer1": 0.5}
    assert tex.gradients == {"y_hat": -0.25, "W_layer2": 2.0, "a3_layer1": 0.5}
    assert list(tex.to_dict()["chains"]) == ["y_hat", "W_layer2"]


def test_silently_wrong_layer_powers_are_names(cli) -> None:
    # the issue's case: read as powers, W=0.5, a=2, b=1 gave da = 0.25 and db = 2
    status, out, err = cli(
        ["derive", r"W^{[2]} a^{[1]} + b^{[2]}", "--latex-input", "--format", "json"]
        + ["--at", "W^{[2]}=0.5", "--at", "a^{[1]}=2", "--at", "b_layer2=1"]
    )
    assert status == 0, err
    import json

    assert json.loads(out)["gradients"] == {"W_layer2": 2.0, "a_layer1": 0.5, "b_layer2": 1.0}


def test_a_name_given_twice_is_an_error(cli) -> None:
    status, _, err = cli(["derive", "x*w", "--at", "x=1", "--at", "x_0=2", "--at", "x0=3", "--at", "w=1"])
    assert status == 2 and "--at gives x0 twice" in err
    with pytest.raises(SymbackpropError, match="gives y_hat twice"):
        symbackprop.derive("y_hat", at={"y_hat": 1, r"\hat{y}": 2})


def test_comma_subscripts_in_assignments(cli) -> None:
    status, out, err = cli(
        ["derive", "w_{1,2} x", "--latex-input", "--at", "w_{1,2}=3, x=2", "--format", "json"]
    )
    assert status == 0, err
    assert '"w1_2": 2.0' in out


def test_printed_latex_of_a_derivation_keeps_the_names() -> None:
    r = symbackprop.derive(LOSS, latex_input=True)
    latex = r.to_dict()["latex"]
    assert r"\hat{y}" in latex and r"W^{[2]}" in latex and r"a^{[1]}_{3}" in latex
    gradient = r.to_dict()["gradient_latex"]["y_hat"]
    assert r"\hat{y}" in gradient
    # the closed form in infix reads back to the same function of the same names
    infix = r.to_dict()["gradient_infix"]["W_layer2"]
    assert parse_infix(infix) == sympy.Symbol("a3_layer1")
    assert LATEX.doprint(parse_latex(latex)) == latex


# A name written with a vector's mark prints with it wherever its derivation prints the name, in every
# LaTeX output (the contract's "Names": as written); the flat form and the gradient of x written by hand
MARKED = [
    (r"\mathbf{w} x + b", r"\mathbf{w} x + b", r"\mathbf{w}"),
    (r"\boldsymbol{w} x + b", r"\boldsymbol{w} x + b", r"\boldsymbol{w}"),
    (r"\bm{w} x + b", r"\bm{w} x + b", r"\bm{w}"),
    (r"\vec{w} x + b", r"\vec{w} x + b", r"\vec{w}"),
    (r"\sigma(\mathbf{w}_1 x) + w_1", r"\sigma\Big(\mathbf{w}_{1} x\Big) + \mathbf{w}_{1}", None),  # marked once: everywhere
    (r"\hat{\mathbf{y}} x \boldsymbol{\theta}", r"\hat{\mathbf{y}} x \boldsymbol{\theta}", r"\hat{\mathbf{y}} \boldsymbol{\theta}"),
    (r"\mathbf{W}^{[2]} \vec{a}^{[1]} + x", r"\mathbf{W}^{[2]} \vec{a}^{[1]} + x", "1"),
    (r"\mathbf{w} x + \vec{w}", r"\mathbf{w} x + \mathbf{w}", r"\mathbf{w}"),  # one mark per name: the first
]  # fmt: skip


@pytest.mark.parametrize(("text", "flat", "dx"), MARKED)
def test_a_vectors_mark_prints_back_in_every_latex_output(text: str, flat: str, dx: str | None) -> None:
    data = symbackprop.derive(text, latex_input=True).to_dict()  # symbolic: the closed forms
    assert data["latex"] == flat
    if dx is not None:
        assert data["gradient_latex"]["x"] == dx
    r = symbackprop.derive(
        text, latex_input=True, at={name: 0.5 for name in data["values"] | data["gradients"]}
    )
    assert r.to_dict()["latex"] == flat
    for output in (r.latex(), r.markdown(), r.latex(standalone=True)):
        assert flat in output
    marks = [m for m in ("mathbf", "boldsymbol", "bm", "vec") if "\\" + m in flat]
    for output in (r.equations_body(), r.render("tikz"), r.render("beamer")):  # nested form, figure labels
        assert all(f"\\{m}{{" in output for m in marks)
    # the ASCII spelling where no LaTeX is printed: text, JSON's names, the program, the figure's labels
    assert all(name.isascii() and "\\" not in name for name in data["values"] | data["gradients"])
    for output in (r.text(), r.python(), r.render("dot")):
        assert not any(f"\\{m}" in output for m in marks)


def test_a_mark_is_the_derivations_own() -> None:
    r"""Marks travel with the derivation, not the process: a later derivation of the same names is plain."""
    bold = symbackprop.derive(r"\mathbf{w} x", latex_input=True)
    plain = symbackprop.derive("w * x")
    assert plain.to_dict()["latex"] == "w x" and bold.to_dict()["latex"] == r"\mathbf{w} x"
    assert latex_name("w") == "w"  # outside any rendering


@pytest.mark.parametrize("text", [r"\mathbf{\hat{y}} x", r"\hat{\mathbf{y}} x", r"\boldsymbol{\hat{y}} x"])
def test_a_mark_and_an_accent_nest_either_way(text: str) -> None:
    assert str(parse_latex(text)) == "mul(y_hat, x)"


@pytest.mark.parametrize(("text", "column"), [(r"\hat{\mathbf{y} z} x", 17), (r"\mathbf{\hat{y} z}", 17)])
def test_nothing_beside_a_marked_and_accented_name_is_dropped(text: str, column: int) -> None:
    with pytest.raises(
        ParseError, match=rf"takes one name: put the rest outside the braces \(at column {column}\)"
    ):
        parse_latex(text)
