"""What people type on the command line, and the same in every other entrance (issue 11, part 6): an
expression that begins with '-', the Unicode minus, digits outside ASCII (one message everywhere), the
LaTeX hint, activations in any case, a name given twice, pairs in one --at, the neuron without its step,
a network's weights written the wrong way round.

Oracles: derivatives worked out by hand from the expression (d(-log p)/dp = -1/p, d(xw)/dx = w), never
the tool's own output.
"""

from __future__ import annotations

import json

import pytest

import symbackprop
from symbackprop.errors import InputError, SymbackpropError

ARABIC_TWO = "\u0662"  # ٢
FULLWIDTH_THREE = "\uff13"  # ３
MINUS = "\u2212"
ONE_MESSAGE = "is a digit outside ASCII: write numbers with the digits 0-9"


def gradients(out: str) -> dict[str, float]:
    return json.loads(out)["gradients"]


# --- an expression beginning with '-' ------------------------------------------------------------


@pytest.mark.parametrize("p", [0.5, 0.25])
def test_an_expression_may_begin_with_a_minus(cli, p: float) -> None:
    status, out, err = cli(["derive", "-log(p)", "--at", f"p={p}", "--format", "json"])
    assert status == 0, err
    assert gradients(out)["p"] == pytest.approx(-1 / p)
    status, out, err = cli(["derive", "-p*q", "--at", "p=2", "--at", "q=3", "--format", "json"])
    assert status == 0 and gradients(out) == {"p": -3.0, "q": -2.0}


# --- the Unicode minus ------------------------------------------------------------------------------


def test_the_unicode_minus_in_every_place_a_number_or_an_expression_is_read(cli, tmp_path) -> None:
    status, out, err = cli(
        ["derive", f"{MINUS}x*w + x {MINUS} w", "--at", f"x={MINUS}2", "--at", "w=3"]
        + ["--dvalue", f"{MINUS}1", "--format", "json"]
    )
    assert status == 0, err
    # y = -x w + x - w at x = -2, w = 3, times dvalue -1: dx = -(-w + 1) = 2, dw = -(-x - 1) = -1
    assert gradients(out) == {"x": 2.0, "w": -1.0}
    status, out, err = cli(
        ["derive", rf"x {MINUS} w", "--latex-input", "--at", "x=1", "--at", f"w={MINUS}1", "--format", "json"]
    )
    assert status == 0 and json.loads(out)["output"] == 2.0
    status, out, err = cli(["neuron", f"--x=1,{MINUS}2,3", f"--w={MINUS}3,{MINUS}1,2", "--format", "json"])
    assert status == 0 and json.loads(out)["output"] == 6.0  # the chapter's neuron
    code = f"x = {MINUS}2.0  # {MINUS} in a comment stays\ny = x * x\n"
    status, out, err = cli(["derive", code, "--python-input", "--format", "json"])
    assert status == 0 and gradients(out) == {"x": -4.0}
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps({"inputs": [[1, 2]], "layers": [{"weights": [[1], [2]], "biases": [0]}]}).replace(
            "[[1, 2]]", f"[[1, {MINUS}2]]"
        ),
        encoding="utf-8",
    )
    status, out, err = cli(["network", str(spec), "--format", "json"])
    assert status == 0, err
    answers = tmp_path / "answers.py"
    answers.write_text(f"drelu_dz = {MINUS}1.0\n", encoding="utf-8")
    status, out, err = cli(["neuron", "--check", str(answers)])
    assert status == 3 and "drelu_dz = -1.0" in out  # read as minus one, and wrong: the right value is 1


# --- digits outside ASCII: one message, everywhere ------------------------------------------------

DIGITS = [
    ["derive", f"x + {ARABIC_TWO}", "--at", "x=1"],
    ["derive", f"x + {FULLWIDTH_THREE}", "--latex-input", "--at", "x=1"],
    ["derive", "x*w", "--at", f"x={ARABIC_TWO}", "--at", "w=1"],
    ["derive", f"x = {ARABIC_TWO}\ny = x * x", "--python-input"],
    [
        "derive",
        f"x{ARABIC_TWO} = 2\ny = x{ARABIC_TWO} * 2",
        "--python-input",
    ],  # Python would take it as a name
    ["neuron", f"--x=1,{ARABIC_TWO},3"],
    ["neuron", f"--b={ARABIC_TWO}"],
    ["neuron", "--dvalue", ARABIC_TWO],
    ["neuron", "--lr", ARABIC_TWO],
    ["neuron", "--digits", ARABIC_TWO],
    ["neuron", "--check", f"drelu_dz={ARABIC_TWO}"],
    ["exercise", "--seed", ARABIC_TWO],
    ["derive", "x*w", "--at", "x=1", "--at", "w=1", "--wrt", f"x{ARABIC_TWO}"],
]


@pytest.mark.parametrize("argv", DIGITS, ids=[" ".join(a) for a in DIGITS])
def test_digits_outside_ascii_are_one_message_everywhere(cli, argv: list[str]) -> None:
    status, out, err = cli(argv)
    assert (status, out) == (2, "")
    assert ONE_MESSAGE in err and err.startswith("symbackprop: error: ") and err.count("\n") == 1


def test_digits_outside_ascii_in_network_files_and_parameters(cli, tmp_path) -> None:
    spec = tmp_path / "spec.json"
    text = json.dumps({"inputs": [[1, 2]], "layers": [{"weights": [[1], [2]], "biases": [0]}]})
    spec.write_text(text.replace("[[1, 2]]", f"[[1, {ARABIC_TWO}]]"), encoding="utf-8")
    status, _, err = cli(["network", str(spec)])
    assert status == 2 and ONE_MESSAGE in err and "column 17" in err
    spec.write_text(text, encoding="utf-8")
    status, _, err = cli(["network", str(spec), "--wrt", "W\u0661[0,0]"])
    assert status == 2 and ONE_MESSAGE in err  # W١[0,0] is not W1[0,0]
    answers = tmp_path / "answers.json"
    answers.write_text('{"drelu_dz": ' + ARABIC_TWO + "}", encoding="utf-8")
    status, _, err = cli(["neuron", "--check", str(answers)])
    assert status == 2 and ONE_MESSAGE in err


def test_digits_outside_ascii_in_the_fence() -> None:
    markdown = pytest.importorskip("markdown")
    html = markdown.markdown(
        f"```backprop x*w\nat: x={ARABIC_TWO}, w=1\n```\n", extensions=["symbackprop.markdown_ext"]
    )
    assert ONE_MESSAGE in html


def test_a_comment_or_a_string_may_hold_any_digit(cli) -> None:
    code = f"x = 2.0  # {ARABIC_TWO}\ny = x * x"
    status, out, err = cli(["derive", code, "--python-input", "--format", "json"])
    assert status == 0 and gradients(out) == {"x": 4.0}, err


# --- the LaTeX hint, activations in any case ---------------------------------------------------------


def test_a_backslash_in_infix_suggests_latex_input(cli) -> None:
    status, _, err = cli(["derive", r"\sigma(x)", "--at", "x=1"])
    assert status == 2 and "LaTeX is read with --latex-input" in err
    with pytest.raises(SymbackpropError, match=r"LaTeX is read with latex_input=True"):
        symbackprop.derive(r"\sigma(x)")


@pytest.mark.parametrize(("written", "name"), [("ReLU", "ReLU"), ("GELU", "GELU"), ("LeakyReLU", "LeakyReLU"),
                                               ("Swish", "SiLU"), ("SIGMOID", "sigmoid"), ("Gelu_Tanh", "GELU_tanh")])  # fmt: skip
def test_activation_names_in_any_case(cli, written: str, name: str) -> None:
    status, out, err = cli(["neuron", "--activation", written, "--format", "json"])
    assert status == 0, err
    assert json.loads(out)["expression"].startswith(f"{name}(sum(")
    assert symbackprop.neuron(activation=written).to_dict()["expression"].startswith(f"{name}(sum(")


# --- names given twice, and pairs in one --at --------------------------------------------------------


TWICE = [
    ("x*w", ["--at", "x=1", "--at", "x=2"], "x"),
    ("x*w", ["--at", "x=1,x=2"], "x"),
    ("x0*w", ["--at", "x0=1", "--at", "x_0=2"], "x0"),  # one name, two spellings
    ("x0*w", ["--at", "x0=1 x_0=2"], "x0"),
]


@pytest.mark.parametrize(("expr", "at", "name"), TWICE)
def test_a_name_given_twice_is_an_error(cli, expr: str, at: list[str], name: str) -> None:
    status, out, err = cli(["derive", expr, *at, "--at", "w=1"])
    assert (status, out) == (2, "")
    assert f"--at gives {name} twice: give each name one value" in err


def test_pairs_in_one_at_are_read_pair_by_pair(cli) -> None:
    # x = 1 and w = 2, never x = [1, "w=2"]: d(x w)/dx = w = 2, d(x w)/dw = x = 1
    status, out, err = cli(["derive", "x*w", "--at", "x=1,w=2", "--format", "json"])
    assert status == 0 and gradients(out) == {"x": 2.0, "w": 1.0}
    # a vector's numbers follow its name; the next name begins a new pair
    status, out, err = cli(
        ["derive", "dot(w, x) + b", "--at", "w=1,2,b=3", "--at", "x=4,5", "--format", "json"]
    )
    assert status == 0, err
    assert gradients(out) == {"w0": 4.0, "x0": 1.0, "w1": 5.0, "x1": 2.0, "b": 1.0}
    assert json.loads(out)["output"] == 1 * 4 + 2 * 5 + 3


# --- the neuron without its update step --------------------------------------------------------------

FORMATS = ["text", "markdown", "latex", "python", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_neuron_without_its_step_in_every_format(cli, fmt: str) -> None:
    # the step's marks: the output after it (the chapter's 5.985), or the program's update lines
    step = "+= -0.001 * dw[0]" if fmt == "python" else "5.985"
    _, with_step, _ = cli(["neuron", "--format", fmt])
    assert step in with_step
    for argv in (["--lr", "0"], ["--no-update"]):
        status, out, err = cli(["neuron", *argv, "--format", fmt])
        assert status == 0, err
        assert step not in out and "+= -0" not in out and "-3.001" not in out  # no step, not even of 0
        assert "drelu_dz" in out or "dw" in out or "w_{0}" in out  # the backward pass itself is there


def test_the_neuron_without_its_step_in_python_and_the_directive() -> None:
    for r in (symbackprop.neuron(lr=0), symbackprop.neuron(no_update=True), symbackprop.neuron(lr=None)):
        assert "step" not in r.to_dict() and r.to_dict()["output"] == 6.0
    assert symbackprop.neuron().to_dict()["step"]["output"] == pytest.approx(5.985)
    markdown = pytest.importorskip("markdown")
    html = markdown.markdown(
        "```backprop\nno-update:\nshow: gradients\n```\n", extensions=["symbackprop.markdown_ext"]
    )
    assert "error" not in html.lower()
    html = markdown.markdown(
        "```backprop\nno-update:\nshow: step\n```\n", extensions=["symbackprop.markdown_ext"]
    )
    assert "there is no step to show" in html


def test_no_update_with_a_learning_rate_is_refused(cli) -> None:
    status, out, err = cli(["neuron", "--no-update", "--lr", "0.1"])
    assert (status, out) == (
        2,
        "",
    ) and err == "symbackprop: error: give --no-update or --lr NUMBER, not both\n"
    with pytest.raises(InputError, match=r"give no_update= or lr=NUMBER, not both"):
        symbackprop.neuron(no_update=True, lr=0.5)
