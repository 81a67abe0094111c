"""``--format latex --standalone`` is a document: headings, prose, the figure, equations that fit.

Compiled with pdflatex (where it is installed; ``.ci/run`` installs TeX Live's base and TikZ):
no error, and no box wider than the text by more than 1 pt -- the widths measured by TeX itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import symbackprop

SOFTMAX = Path(__file__).resolve().parent.parent / "docs" / "specs" / "softmax-cce.json"

DOCUMENTS = {
    "the chapter's neuron": lambda: symbackprop.neuron(),
    "a sigmoid neuron with a squared error": lambda: symbackprop.derive(
        "z = w*x + b; a = sigmoid(z); L = (a - t)**2 / 2",
        at={"x": 0.5, "w": -1.5, "b": 0.25, "t": 1.0},
        const=["t"],
    ),
    "the chapter's softmax and cross-entropy network": lambda: symbackprop.network(str(SOFTMAX)),
    "the network's scalar view": lambda: symbackprop.network(str(SOFTMAX), wrt=["W1[0,0]"]),
    "a symbolic derivation": lambda: symbackprop.derive("sigmoid(x*w + b) * tanh(x)"),
    # labels that spell their arguments (two sums, two ReLUs), a root's name, brackets six deep
    "two neurons and a root": lambda: symbackprop.derive(
        "relu(x*w + b) + sqrt(sigmoid(tanh(exp(relu(x*u + c)))))",
        at={"x": 1, "w": 2, "b": 1, "u": 0.5, "c": -0.25},
    ),
    # forty inputs: the function's forms, the value lists and dx, dw wrap (a weight like 4.1e-06
    # prints as 4.1 \cdot 10^{-6}, which no break may split)
    "a forty-input sigmoid neuron": lambda: symbackprop.neuron(
        [round(0.05 * k - 1, 3) for k in range(40)],
        [(-1) ** k * (k + 1) * 1.3e-6 for k in range(40)],
        activation="sigmoid",
    ),
    # --exact: fractions, and exponentials over one denominator, in every equation
    "an exact sigmoid with a squared error": lambda: symbackprop.derive(
        "z = w*x + b; a = sigmoid(z); L = (a - t)**2 / 2",
        at={"x": 0.5, "w": -1.5, "b": 0.25, "t": 1},
        const=["t"],
        exact=True,
    ),
}


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_standalone_documents_compile_and_fit(name: str, tmp_path: Path) -> None:
    source = DOCUMENTS[name]().latex(standalone=True)
    assert source.count(r"\section*{") == 1 and r"\subsection*{" in source  # headings, not % comments
    assert r"\begin{tikzpicture}" in source and r"\allowdisplaybreaks" in source
    assert "The output receives" in source or "Each equation" in source or "samples" in source  # prose
    (tmp_path / "doc.tex").write_text(source, encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-2000:]
    wide = [float(m) for m in re.findall(r"Overfull \\hbox \((\d+\.\d+)pt too wide\)", log)]
    assert all(w <= 1.0 for w in wide), f"{name}: boxes too wide by {wide} pt"
    assert (tmp_path / "doc.pdf").stat().st_size > 5000


def test_a_long_row_breaks_after_its_equals_signs() -> None:
    from symbackprop.render._fit import LINE_EM, fit_rows, width

    row = "y &= " + " = ".join(
        r"\frac{\partial\,\operatorname{mul}(x_{0}, w_{0})}{\partial x_{0}}" for _ in range(8)
    )
    rows = fit_rows([row])
    assert len(rows) > 1 and rows[0].startswith("y &= ") and all(r.startswith("&") for r in rows[1:])
    assert all(width(r) <= LINE_EM + 1 for r in rows)
    assert " = ".join(r.split("&= ", 1)[1] for r in rows) == row.split("&= ", 1)[1]  # nothing lost


def test_the_chapters_chain_puts_its_bracket_on_a_line_of_its_own() -> None:
    text = symbackprop.neuron().latex()
    block = text[text.index("% Chain rule for x0") : text.index("% Chain rule for w0")]
    rows = block.split("\\begin{aligned}\n", 1)[1].split(" \\\\\n")
    assert rows[0].startswith("&\\frac{\\partial}{\\partial x_{0}}\\bigg[") and rows[0].endswith("\\bigg]")
    assert rows[1].startswith("&= \\frac{d\\,\\text{ReLU}}{d\\,\\operatorname{sum}}")


def test_a_break_never_splits_a_brace_group_a_left_right_pair_or_an_environment() -> None:
    from symbackprop.render._fit import _split_shallowest

    tex = r"\frac{a + b}{c} + \left(d + e\right) + \begin{bmatrix} f + g \end{bmatrix} + h(i + j)"
    assert _split_shallowest(tex, " + ") == [
        r"\frac{a + b}{c}",
        r"\left(d + e\right)",
        r"\begin{bmatrix} f + g \end{bmatrix}",
        "h(i + j)",
    ]
    # with nothing at the top, inside brackets a line may end in (``\Big(`` closes on a later line)
    assert _split_shallowest(r"\sigma\Big(a + b\Big)", " + ") == [r"\sigma\Big(a", r"b\Big)"]
    assert _split_shallowest(r"\sqrt{a + b}", " + ") == [r"\sqrt{a + b}"]


def test_a_wide_vector_wraps_as_a_list_with_every_number() -> None:
    from symbackprop.render._fit import LINE_EM, fit_rows, width

    entries = [rf"{k}.25 \cdot 10^{{-6}}" for k in range(60)]
    rows = fit_rows([r"\mathit{dw} &= \begin{bmatrix} " + " & ".join(entries) + r" \end{bmatrix}"])
    assert rows[0].startswith(r"\mathit{dw} &= \bigl[\, 0.25 \cdot 10^{-6}, ") and rows[-1].endswith(
        r"\,\bigr]"
    )
    assert all(r.startswith("&\\quad ") for r in rows[1:]) and all(width(r) <= LINE_EM + 1 for r in rows)
    listed = " ".join(r.split("&", 1)[1].removeprefix("= ").removeprefix("\\quad ") for r in rows)
    assert listed.removeprefix(r"\bigl[\, ").removesuffix(r" \,\bigr]").split(", ") == entries
