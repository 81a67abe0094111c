"""A ReLU, abs, max or min exactly at its kink: a note in every format a person reads saying which
derivative was taken there by convention; none anywhere else, nor in the README's and docs' examples."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

import symbackprop
from symbackprop import cli

ROOT = Path(__file__).resolve().parent.parent

RELU = "is ReLU's kink, where it has no derivative: its derivative there is taken as 0, as PyTorch takes it"
ABS = "is abs's kink, where it has no derivative: its derivative there is taken as 0, as PyTorch takes it"

LEAKY = (
    "is leaky ReLU's kink, where it has no derivative: its derivative there is taken as its slope, "
    "as PyTorch takes it"
)
ELU = (
    "is ELU's kink (its alpha is not 1), where it has no derivative: its derivative there is "
    "taken as alpha, as PyTorch takes it"
)


def _tie(name: str, k: int) -> str:
    return (
        f"is a tie for the {name}, where it has no derivative: each tied argument's derivative is taken "
        f"as 1/{k}, the gradient split equally, as PyTorch splits it"
    )


# (expression, values, the condition in text, in LaTeX, in the program, the convention, a gradient there)
CASES = [
    ("relu(x*w + b)", {"x": 1, "w": 1, "b": -1}, "v2 = 0", "v_{2} = 0", "v2 = 0", RELU, ("w", 0.0)),
    ("abs(x - 1) + x", {"x": 1}, "v1 = 0", "v_{1} = 0", "v1 = 0", ABS, ("x", 1.0)),
    ("max(x, w) * 3", {"x": 2, "w": 2}, "x = w", "x = w", "x = w", _tie("max", 2), ("x", 1.5)),
    ("min(a, b, c)", {"a": -1, "b": -1, "c": -1}, "a = b = c", "a = b = c", "a = b = c", _tie("min", 3), ("a", 1 / 3)),
    ("leaky_relu(x*w)", {"x": 0, "w": 2}, "v1 = 0", "v_{1} = 0", "v1 = 0", LEAKY, ("x", 0.02)),  # slope 0.01 times w
    ("elu(x*w, 0.5)", {"x": 0, "w": 2}, "v1 = 0", "v_{1} = 0", "v1 = 0", ELU, ("x", 1.0)),  # alpha 0.5 times w
]  # fmt: skip


@pytest.mark.parametrize(
    ("expr", "at", "cond", "tex", "py", "convention", "gradient"), CASES, ids=[c[0] for c in CASES]
)
def test_a_kink_gets_its_note_in_every_format(expr, at, cond, tex, py, convention, gradient) -> None:  # fmt: skip
    r = symbackprop.derive(expr, at=at)
    leaf, value = gradient
    assert r.gradients[leaf] == pytest.approx(value)  # the convention the note states is the one taken
    assert f"  Note: {cond} {convention}." in r.text().splitlines()
    assert f"Note: ${tex}$ {convention}." in r.markdown().split("\n\n")
    assert f"% Note: {cond} {convention}." in r.latex().splitlines()
    assert f"# Note: {py} {convention}." in r.python().splitlines()
    document = r.latex(standalone=True)
    assert f"Note: ${tex}$ {convention}." in document


def test_the_programs_note_uses_the_programs_names() -> None:
    r = symbackprop.neuron(x=[1, -2, 3], w=[-3, -1, 2], b=-5)  # z = 0: the chapter's neuron at its kink
    assert "# Note: z = 0 " + RELU + "." in r.python().splitlines()
    assert r.gradients["w0"] == 0.0


@pytest.mark.parametrize(
    ("expr", "at"),
    [
        ("relu(x*w + b)", {"x": 1, "w": 1, "b": -0.5}),
        ("abs(x) + max(x, w)", {"x": 1, "w": 2}),
        ("elu(x*w)", {"x": 0, "w": 2}),  # alpha 1: both sides' slopes are 1 at 0, no kink
    ],
)
def test_away_from_a_kink_there_is_no_note(expr, at) -> None:
    r = symbackprop.derive(expr, at=at)
    for out in (r.text(), r.markdown(), r.latex(), r.python()):
        assert "kink" not in out and "tie for" not in out


def test_a_symbolic_derivation_knows_no_kink() -> None:
    assert "kink" not in symbackprop.derive("relu(x*w + b)").text()


def _examples() -> list[str]:
    """The README's and the docs' command lines that derive at a point (as text; not read from a file)."""
    out = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        if "node_modules" in page.parts:
            continue
        for line in page.read_text(encoding="utf-8").splitlines():
            if re.match(r"symbackprop (derive|neuron)\b", line) and " - " not in line and "\\" not in line:
                out.append(line.split("  #")[0].split(" | ")[0].split(" && ")[0])
    return out


def test_the_readme_and_the_docs_examples_sit_away_from_kinks(tmp_path, monkeypatch) -> None:
    examples = _examples()
    assert len(examples) > 10
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cells.py").write_text("x = [1.0, -2.0, 3.0]\n")
    (tmp_path / "answers.json").write_text("{}")
    for example in examples:
        argv = shlex.split(example)[1:]
        for flag in (
            "--check",
            "--format",
            "-o",
            "--frames",
            "--tol",
        ):  # the walkthrough as text, nothing written
            while flag in argv:
                k = argv.index(flag)
                del argv[k : k + 2]
        argv = [a for a in argv if a != "--standalone"]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = cli.main(argv)
        assert status == 0, example
        assert "kink" not in out.getvalue() and "tie for" not in out.getvalue(), example
