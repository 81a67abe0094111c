"""User-defined operations: each gives what its body inlined gives (and what sympy.diff of a plain
rewrite gives), prints as its own name in every format, and refuses what is no definition."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sympy

import symbackprop
from symbackprop.errors import SymbackpropError

AT = {"w": 0.5, "x": 2.0, "b": -0.25}

# (definitions, the expression using them, the same with every body inlined, a plain SymPy rewrite)
w, x, b = sympy.symbols("w x b")


def _sig(z: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-z))


CASES = [
    (
        {"swish2": "x * sigmoid(2*x)"},
        "swish2(w*x + b)",
        "(w*x + b) * sigmoid(2*(w*x + b))",
        (w * x + b) * _sig(2 * (w * x + b)),
    ),
    (
        {"f(p, q)": "p*q + log(p)"},
        "f(x, w) * b",
        "(x*w + log(x)) * b",
        (x * w + sympy.log(x)) * b,
    ),
    (
        {"sq": "z**2", "loss": "sq(y - 1) / 2"},  # a body uses an operation defined before it
        "loss(w*x + b)",
        "(w*x + b - 1)**2 / 2",
        (w * x + b - 1) ** 2 / 2,
    ),
    (
        {"mish": "x * tanh(softplus(x))"},
        "mish(w*x + b)",
        "(w*x + b) * tanh(softplus(w*x + b))",
        (w * x + b) * sympy.tanh(sympy.log(1 + sympy.exp(w * x + b))),
    ),
]


@pytest.mark.parametrize(("definitions", "expr", "inlined", "plain"), CASES, ids=[c[1] for c in CASES])
def test_a_definition_is_its_body(
    definitions: dict[str, str], expr: str, inlined: str, plain: sympy.Expr
) -> None:
    r = symbackprop.derive(expr, at=AT, define=definitions)
    body = symbackprop.derive(inlined, at=AT)
    point = {w: AT["w"], x: AT["x"], b: AT["b"]}
    oracle = {str(s): float(sympy.diff(plain, s).subs(point)) for s in plain.free_symbols}
    assert r.gradients == pytest.approx(body.gradients, rel=1e-12)
    assert r.gradients == pytest.approx(oracle, rel=1e-12)
    assert r.output == pytest.approx(body.output, rel=1e-15)
    program = subprocess.run([sys.executable, "-c", r.python()], capture_output=True, text=True, check=True)
    assert float(program.stdout.split()[-1]) == pytest.approx(r.output, rel=1e-15)  # the program runs


def test_define_for_the_process_and_its_latex() -> None:
    op = symbackprop.define("swish3", "x * sigmoid(3*x)", latex=r"\operatorname{swish}_3")
    r = symbackprop.derive(r"\operatorname{swish}_3(w x)", at={"w": 0.5, "x": 2}, latex_input=True)
    assert r.to_dict()["expression"] == "swish3(mul(w, x))"
    assert r.to_dict()["latex"] == r"\operatorname{swish}_3\Big(w x\Big)"
    assert op.name == "swish3" and symbackprop.derive("swish3(v)", at={"v": 1.0}).output == pytest.approx(
        1.0 / (1.0 + 2.718281828459045**-3)
    )
    text = symbackprop.derive("swish3(v)", at={"v": 1.0}).text()
    assert "swish3" in text


def test_definitions_of_a_derivation_stay_in_it() -> None:
    symbackprop.derive("only_here(v)", at={"v": 1.0}, define={"only_here": "v + 1"})
    with pytest.raises(SymbackpropError, match="unknown function 'only_here'"):
        symbackprop.derive("only_here(v)", at={"v": 1.0})


def test_the_command_line_and_the_fence(cli) -> None:
    status, out, err = cli(
        [
            "derive",
            "swish2(w*x)",
            "--define",
            "swish2=x*sigmoid(2*x)",
            "--at",
            "w=0.5",
            "--at",
            "x=2",
            "--format",
            "json",
        ]
    )
    assert status == 0, err
    inlined = symbackprop.derive("w*x*sigmoid(2*w*x)", at={"w": 0.5, "x": 2})
    assert json.loads(out)["gradients"] == pytest.approx(inlined.gradients)
    markdown = pytest.importorskip("markdown")
    fence = (
        "```backprop swish2(w*x)\ndefine: swish2 = x * sigmoid(2*x)\nat: w=0.5, x=2\nshow: gradients\n```\n"
    )
    html = markdown.markdown(fence, extensions=["symbackprop.markdown_ext"])
    assert f"{inlined.gradients['w']:.6g}" in html  # at the default precision, 6 digits


REFUSED = [
    ({"relu": "x"}, "relu is one of symbackprop's own operations"),
    ({"f": "f(x) + 1"}, "the definition of f calls f: an operation cannot be defined by itself"),
    ({"f": "g(x)"}, "in the definition of f: unknown function 'g'"),
    ({"f(a)": "a + b"}, "the body of f uses b, which is not one of its parameters (a)"),
    ({"f": "2"}, "f has no argument"),
    ({"f": "x +"}, "in the definition of f: missing operand at end of input"),
    ({"f": "eval('1')"}, "in the definition of f: unknown function 'eval'"),
    (["f x"], "'f x' is not NAME=BODY"),
]


@pytest.mark.parametrize(("definitions", "message"), REFUSED)
def test_what_is_no_definition_is_refused(definitions: object, message: str) -> None:
    with pytest.raises(SymbackpropError) as info:
        symbackprop.derive("f(y)", at={"y": 1.0}, define=definitions)  # type: ignore[arg-type]
    assert message in str(info.value) and info.value.exit_status == 2


def test_a_wrong_number_of_arguments(cli) -> None:
    status, _, err = cli(["derive", "f(y)", "--define", "f(a, b)=a*b", "--at", "y=1"])
    assert status == 2 and "f takes exactly 2 arguments, got 1" in err
