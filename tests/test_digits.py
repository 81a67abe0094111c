"""One precision for every number a person reads: the default rule, --digits N and --digits full.

The rule (issue "publishable output"): a number's shortest round-tripping form when it has at
most 6 significant digits, else 6; ``--digits N`` the same with N; ``full`` every digit. JSON and
the generated program keep every digit. The oracle for each printed number is the float it
stands for, computed here from the chapter's formulas.
"""

from __future__ import annotations

import json
import math
import re

import pytest

import symbackprop
from symbackprop import numbers

NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?:e-?\d+)?")  # a float as the formats print one


def _significant(text: str) -> int:
    mantissa = text.partition("e")[0].lstrip("-").replace(".", "").strip("0")
    return max(1, len(mantissa))


def _sigmoid_neuron(**kw: object) -> symbackprop.api.Result:
    return symbackprop.neuron(activation="sigmoid", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown", "dot", "tikz"])
@pytest.mark.parametrize(("digits", "most"), [(None, 6), (3, 3), (9, 9)])
def test_every_number_shown_has_at_most_the_digits(fmt: str, digits: int | None, most: int) -> None:
    out = _sigmoid_neuron(digits=digits).render(fmt)
    if fmt == "tikz":  # its coordinates and lengths are layout, not numbers a reader reads
        out = "\n".join(re.findall(r"\$[^$]*\$", out))
    found = NUMBER.findall(out)
    assert found, "the sigmoid neuron prints fractions"
    assert max(_significant(t) for t in found) <= most, [t for t in found if _significant(t) > most][:3]
    # and the neuron's output, σ(6), is among them to that precision
    shown = f"{1 / (1 + math.exp(-6)):.{most}g}"
    assert shown in out


def test_the_chapters_numbers_print_as_the_chapter_prints_them() -> None:
    text = symbackprop.neuron().text()
    for printed in ("-3.0", "5.985", "-3.001", "-0.998", "1.997", "0.999"):
        assert printed in text


def test_full_prints_every_digit_and_json_always_does() -> None:
    s = 1 / (1 + math.exp(-6))
    assert repr(s) in _sigmoid_neuron(digits="full").text()
    assert repr(s) not in _sigmoid_neuron().text()
    assert _sigmoid_neuron(digits=2).to_dict() == _sigmoid_neuron().to_dict()
    assert json.loads(_sigmoid_neuron(digits=2).json())["output"] == s
    program = _sigmoid_neuron(digits=2).python()
    assert "x = [1.0, -2.0, 3.0]" in program  # code keeps its numbers exactly


def test_numbers_the_author_wrote_keep_their_digits() -> None:
    out = symbackprop.derive("x * 0.123456789", at={"x": 2.0}).latex()
    assert "0.123456789" in out  # the expression as written
    assert "0.246914" in out  # the value computed from it, rounded


def test_a_networks_matrices_take_the_same_precision() -> None:
    spec = {
        "inputs": [[1, 2], [3, -1]],
        "layers": [{"weights": [[0.1, 0.2], [0.3, -0.4]], "biases": [0, 0], "activation": "softmax"}],
        "loss": {"kind": "categorical_crossentropy", "targets": [0, 1]},
    }
    for digits, most in ((None, 6), (4, 4)):
        out = symbackprop.network(spec, digits=digits).latex()
        assert max(_significant(t) for t in NUMBER.findall(out)) <= most


def test_negative_numbers_in_products_are_parenthesised_in_text() -> None:
    text = symbackprop.neuron().text()
    assert "drelu_dx0  = drelu_dxw0 * dmul_dx0 = 1.0 * (-3.0) = -3.0" in text
    assert "= 1.0 · 1.0 · (-3.0) = -3.0" in text


@pytest.mark.parametrize("bad", ["0.5", "abc", "18", "-1", ""])
def test_a_bad_digits_is_one_line_exit_2(cli, bad: str) -> None:
    status, out, err = cli(["neuron", "--digits", bad])
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and "--digits" in err


def test_python_and_the_directive_take_digits(make_app, tmp_path) -> None:
    with pytest.raises(symbackprop.InputError, match=r"digits= must be a number of digits from 1 to 17"):
        symbackprop.neuron(digits=40)
    (tmp_path / "conf.py").write_text('extensions = ["symbackprop.sphinx"]\n', encoding="utf-8")
    (tmp_path / "index.rst").write_text(
        "Page\n====\n\n.. backprop::\n   :activation: sigmoid\n   :digits: 3\n   :show: gradients\n",
        encoding="utf-8",
    )
    app = make_app("html", srcdir=tmp_path)
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert f"{(1 / (1 + math.exp(-6))) * (1 - 1 / (1 + math.exp(-6))) * -3:.3g}" in html


def test_rounding_is_the_rule_itself() -> None:
    with numbers.precision(None):
        assert numbers.value(0.1 + 0.2) == "0.3"  # 0.30000000000000004 has 17 digits: rounded to 6
        assert numbers.value(5.985) == "5.985" and numbers.value(-3.0) == "-3.0"
        assert numbers.value(123456789.0) == "123457000.0" and numbers.value(1e-7) == "1e-07"
        assert numbers.value(2.5e-10, "latex") == r"2.5 \cdot 10^{-10}"
    with numbers.precision(numbers.FULL):
        assert numbers.value(0.1 + 0.2) == "0.30000000000000004"
