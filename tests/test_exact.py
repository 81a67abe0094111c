"""``--exact`` (issue 12): rational inputs kept as fractions, every value exact, printed exactly.

The oracles: Python's own ``fractions`` arithmetic of the neuron written out by hand (never our
operations or SymPy); ``sympy.diff`` of plain SymPy rewrites (ReLU as ``Piecewise``, sigmoid as
``1/(1+exp(-z))``) at exact rational points; and the generated program run in a subprocess.
No expected value is copied from our own output.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import sympy

import symbackprop
from symbackprop import InputError
from symbackprop._docspec import parse_spec, result
from symbackprop.evaluate import exact_number

# A decimal number as the float formatter writes it (what --exact must never print for a fraction).
DECIMAL = re.compile(r"(?<![\w.{])\d+\.\d+")


def _neuron_by_hand(x: list[Fraction], w: list[Fraction], b: Fraction, lr: Fraction) -> dict[str, object]:
    """The chapter's ReLU neuron in plain fractions: z, y, the gradients, the step and the output after it."""
    z = sum((xi * wi for xi, wi in zip(x, w)), Fraction(0)) + b
    on = 1 if z > 0 else 0
    dx = [wi * on for wi in w]
    dw = [xi * on for xi in x]
    db = Fraction(on)
    w2 = [wi - lr * g for wi, g in zip(w, dw)]
    b2 = b - lr * db
    z2 = sum((xi * wi for xi, wi in zip(x, w2)), Fraction(0)) + b2
    return {"y": max(z, Fraction(0)), "dx": dx, "dw": dw, "db": db, "after": max(z2, Fraction(0))}


def _fraction(v: object) -> Fraction:
    assert isinstance(v, sympy.Rational), f"{v!r} is not exact"
    return Fraction(int(v.p), int(v.q))


@pytest.mark.parametrize("seed", range(8))
def test_a_neuron_of_random_fractions_is_exact(seed: int) -> None:
    rng = random.Random(seed)

    def frac() -> Fraction:
        return Fraction(rng.randint(-9, 9), rng.randint(1, 7))

    n = rng.randint(1, 5)
    x, w, b, lr = (
        [frac() for _ in range(n)],
        [frac() for _ in range(n)],
        frac(),
        Fraction(1, rng.randint(2, 20)),
    )
    r = symbackprop.neuron(x=x, w=w, b=b, lr=lr, exact=True)
    d = r.derivation
    oracle = _neuron_by_hand(x, w, b, lr)
    assert _fraction(d.output) == oracle["y"]
    for i in range(n):
        assert _fraction(d.gradients[f"x{i}"]) == oracle["dx"][i]  # type: ignore[index]
        assert _fraction(d.gradients[f"w{i}"]) == oracle["dw"][i]  # type: ignore[index]
    assert _fraction(d.gradients["b"]) == oracle["db"]
    assert d.step is not None and _fraction(d.step.output) == oracle["after"]


def test_decimals_are_the_fractions_they_write() -> None:
    assert exact_number(0.1) == sympy.Rational(1, 10)
    assert exact_number(-2.5e-3) == sympy.Rational(-1, 400)
    assert exact_number(1 / 3) == sympy.Rational(1, 3)  # no short decimal writes it: the simplest fraction
    assert exact_number(2 / 7) == sympy.Rational(2, 7)
    assert exact_number(Fraction(1, 3**30)) == sympy.Rational(1, 3**30)  # a Fraction exactly
    assert exact_number(3) == 3 and exact_number(sympy.pi) is sympy.pi
    tiny = 2.0**-80  # a float no fraction of a small denominator rounds to: its binary value
    assert exact_number(tiny) == sympy.Rational(1, 2**80)


# Expressions of rational operations, their plain SymPy rewrites and exact points.
X, W, B = sympy.symbols("x w b", real=True)
RATIONAL = [
    ("relu(x*w + b)/3", sympy.Piecewise((X * W + B, X * W + B > 0), (0, True)) / 3),
    ("(x - w)**2 / (b + 2)", (X - W) ** 2 / (B + 2)),
    ("x/w - b*x**3", X / W - B * X**3),
    ("max(x, w) * b", sympy.Max(X, W) * B),
    ("abs(x - 2*w) + 1/b", sympy.Abs(X - 2 * W) + 1 / B),
]
POINT = {"x": "5/7", "w": "-0.25", "b": "3/11"}


@pytest.mark.parametrize(("expr", "plain"), RATIONAL)
def test_gradients_of_rational_operations_equal_sympy_diff_exactly(expr: str, plain: sympy.Expr) -> None:
    at = {X: sympy.Rational(5, 7), W: sympy.Rational(-1, 4), B: sympy.Rational(3, 11)}
    r = symbackprop.derive(expr, at={k: Fraction(v) for k, v in POINT.items()}, exact=True)
    d = r.derivation
    assert d.output == plain.subs(at)
    for name, symbol in (("x", X), ("w", W), ("b", B)):
        expected = sympy.diff(plain, symbol).subs(at)
        assert isinstance(d.gradients[name], sympy.Rational)
        assert d.gradients[name] == expected, name


def test_a_sigmoid_is_exact_in_exponentials() -> None:
    r = symbackprop.derive("sigmoid(x*w + b)", at={"x": 1, "w": 0.5, "b": -1}, exact=True)
    z = sympy.Rational(1, 2) - 1
    s = 1 / (1 + sympy.exp(-(X * W + B)))
    at = {X: 1, W: sympy.Rational(1, 2), B: -1}
    assert sympy.simplify(r.derivation.output - 1 / (1 + sympy.exp(-z))) == 0
    for name, symbol in (("x", X), ("w", W), ("b", B)):
        difference = r.derivation.gradients[name] - sympy.diff(s, symbol).subs(at)
        assert abs(sympy.N(difference, 50)) < sympy.Float("1e-45"), name
    latex = r.latex()
    assert r"e^{1/2}" in latex or r"e^{- 1/2}" in latex  # the exponential itself, not 0.622459
    assert r"^{\frac" not in latex and r"^{- \frac" not in latex  # no fraction stacked in an exponent


def test_the_readmes_sigmoid_derivative_is_what_prints() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"sigmoid'\(0\.5\) is `([^`]+)`", readme)
    assert shown is not None
    latex = symbackprop.derive("sigmoid(x)", at={"x": 0.5}, exact=True).latex()
    assert rf"\frac{{\partial y}}{{\partial x}} &= {shown.group(1)}" in latex


def test_sigmoid_at_zero_is_one_half() -> None:
    r = symbackprop.derive("sigmoid(x*w)", at={"x": 0, "w": 3}, exact=True)
    assert r.derivation.output == sympy.Rational(1, 2)
    assert r.derivation.gradients["x"] == sympy.Rational(3, 4)  # w * s * (1 - s)


def test_every_format_prints_fractions_not_decimals() -> None:
    r = symbackprop.derive("relu(x*w + b)/3", at={"x": 0.5, "w": 0.25, "b": 0.1}, exact=True)
    # by hand: z = 1/8 + 1/10 = 9/40, y = 3/40; dx = w/3 = 1/12, dw = x/3 = 1/6, db = 1/3
    text, latex, markdown = r.text(), r.latex(), r.markdown()
    for out in (text, latex, markdown):
        assert not DECIMAL.search(out), DECIMAL.search(out)
    assert "y  = v3 / 3   = 3/40" in text and "dx = 1/12" in text and "dw = 1/6" in text
    assert r"\frac{3}{40}" in latex and r"\frac{1}{12}" in latex and r"\frac{9}{40}" in latex
    assert "- `b = 1/10`" in markdown
    for fmt in ("svg", "tikz", "dot"):
        figure = r.render(fmt)
        assert ("1/12" in figure) or (r"\frac{1}{12}" in figure), fmt


def test_json_keeps_floats_and_adds_each_value_exactly() -> None:
    r = symbackprop.derive("relu(x*w + b)/3", at={"x": 0.5, "w": 0.25, "b": 0.1}, exact=True)
    data = json.loads(r.render("json"))
    assert data["output"] == 3 / 40 and data["gradients"]["x"] == 1 / 12  # JSON's numbers are floats
    exact = data["exact"]
    assert exact["output"] == "3/40"
    assert exact["gradients"] == {"x": "1/12", "w": "1/6", "b": "1/3"}
    assert exact["values"] == {"x": "1/2", "w": "1/4", "b": "1/10"}
    assert {n["var"]: n["value"] for n in exact["nodes"]}["v2"] == "9/40"
    assert r.to_dict()["exact"] == exact
    assert "exact" not in symbackprop.derive("x*w", at={"x": 1, "w": 2}).to_dict()


def test_the_generated_program_computes_in_fractions(tmp_path: Path) -> None:
    x, w, b = (
        [Fraction(1, 2), Fraction(-1, 3), Fraction(2)],
        [Fraction(3, 4), Fraction(1, 5), Fraction(-1, 6)],
        Fraction(1, 7),
    )
    r = symbackprop.neuron(x=x, w=w, b=b, exact=True)
    program = tmp_path / "neuron.py"
    program.write_text(r.python(), encoding="utf-8")
    assert "from fractions import Fraction" in program.read_text()
    out = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, check=True).stdout
    oracle = _neuron_by_hand(x, w, b, Fraction(1, 1000))  # the chapter's learning rate
    printed = dict(re.findall(r"(\w+) = (-?\d+(?:/\d+)?)(?= |$)", out, re.M))
    for i in range(3):
        assert Fraction(printed[f"drelu_dw{i}"]) == oracle["dw"][i]  # type: ignore[index]
        assert Fraction(printed[f"drelu_dx{i}"]) == oracle["dx"][i]  # type: ignore[index]
    assert out.splitlines()[-1] == f"y = {oracle['after']}"


def test_divisions_of_integers_stay_exact_in_the_program(tmp_path: Path) -> None:
    r = symbackprop.derive("x / 3 + 2 / 7 * x", at={"x": 0.5}, exact=True)
    program = tmp_path / "p.py"
    program.write_text(r.python(), encoding="utf-8")
    out = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == f"y = {Fraction(1, 2) / 3 + Fraction(2, 7) * Fraction(1, 2)}"
    assert r.derivation.gradients["x"] == sympy.Rational(1, 3) + sympy.Rational(2, 7)


def test_the_command_line_reads_fractions(cli) -> None:
    status, out, err = cli(
        ["derive", "x*w + b", "--at", "x=1/3", "--at", "w=3/4", "--at", "b=-1/6", "--exact"]
    )
    assert status == 0, err
    # y = 1/4 - 1/6 = 1/12; dx = w, dw = x, db = 1
    assert "y  = v1 + b = 1/12" in out and "dx = 3/4" in out and "dw = 1/3" in out
    status, out, err = cli(["derive", "x*w", "--at", "x=1/3", "--at", "w=3"])  # without --exact: the float
    assert status == 0 and "y = x * w = 1.0" in out
    status, out, err = cli(["derive", "x*w", "--at", "x=1/0", "--at", "w=3"])
    assert status == 2 and "denominator cannot be 0" in err and "\n" not in err.strip()


def test_the_step_is_exact(cli) -> None:
    status, out, err = cli(
        ["neuron", "--exact", "--x", "1/2,1,3", "--w", "1/3,0,1/9", "--b", "0", "--lr", "1/10"]
    )
    assert status == 0, err
    w = [Fraction(1, 3), Fraction(0), Fraction(1, 9)]
    oracle = _neuron_by_hand([Fraction(1, 2), Fraction(1), Fraction(3)], w, Fraction(0), Fraction(1, 10))
    after = [wi - Fraction(1, 10) * g for wi, g in zip(w, oracle["dw"])]  # type: ignore[call-overload]
    assert f"after:  w = [{', '.join(map(str, after))}]  b = -1/10" in out
    assert f"y = {oracle['after']}  (was {oracle['y']})" in out


def test_a_network_refuses_exact_in_one_line(cli, tmp_path: Path) -> None:
    spec = tmp_path / "net.json"
    spec.write_text(json.dumps({"inputs": [[1.0]], "layers": [{"weights": [[1.0]], "biases": [0.0]}]}))
    status, _, err = cli(["network", str(spec), "--exact"])
    assert status == 2 and err.count("\n") == 1 and "--exact" in err and "float64" in err
    with pytest.raises(InputError, match="exact= is for neuron and derive"):
        symbackprop.network(
            {"inputs": [[1.0]], "layers": [{"weights": [[1.0]], "biases": [0.0]}]}, exact=True
        )


def test_exact_must_be_a_flag() -> None:
    with pytest.raises(InputError, match="exact= must be True or False"):
        symbackprop.derive("x", at={"x": 1}, exact="yes")  # type: ignore[arg-type]


def test_the_directive_and_the_fence_take_exact() -> None:
    spec = parse_spec("relu(x*w + b)/3", {"at": "x=1/2, w=1/4, b=1/10", "exact": None})
    assert spec.exact
    r = result(spec)
    assert r.derivation.output == sympy.Rational(3, 40)
    assert not parse_spec("x*w", {"at": "x=1, w=2"}).exact


def test_a_division_by_zero_is_the_same_error_as_without_exact() -> None:
    with pytest.raises(symbackprop.EvaluationError) as plain:
        symbackprop.derive("x / (w - 1)", at={"x": 1, "w": 1})
    with pytest.raises(symbackprop.EvaluationError) as exact:
        symbackprop.derive("x / (w - 1)", at={"x": 1, "w": 1}, exact=True)
    assert str(plain.value) == str(exact.value)


def test_an_exercise_sheet_and_its_key_are_exact() -> None:
    from symbackprop.sheets import exercise

    x, w, b = [Fraction(1, 2), Fraction(1, 3)], [Fraction(2, 3), Fraction(-1, 4)], Fraction(1, 6)
    ex = exercise(x=x, w=w, b=b, exact=True)
    oracle = _neuron_by_hand(x, w, b, Fraction(1, 1000))
    key = ex.key
    assert _fraction(key["drelu_dw0"]) == oracle["dw"][0]  # type: ignore[index]
    assert _fraction(key["drelu_dx1"]) == oracle["dx"][1]  # type: ignore[index]
    assert ex.check_command.endswith("--exact --check answers.py")
    sheet = ex.markdown()
    assert (
        r"z &= \mathit{xw}_{0} + \mathit{xw}_{1} + b = \frac{1}{3} + \left(-\frac{1}{12}\right) + \frac{1}{6} = \frac{5}{12}"
        in sheet
    )
    assert not DECIMAL.search(sheet)


def test_an_exact_sheets_key_checks_as_right(cli, tmp_path: Path) -> None:
    from symbackprop.sheets import exercise

    ex = exercise(
        x=[Fraction(1, 2), Fraction(1, 3)], w=[Fraction(2, 3), Fraction(-1, 4)], b=Fraction(1, 6), exact=True
    )
    sheet = ex.markdown()
    answers = sheet[sheet.rindex("```python") + len("```python") : sheet.rindex("```")]
    assert "new_w0 = 3997/6000" in answers  # 2/3 - 1/1000 * 1/2, as --check reads it
    (tmp_path / "answers.py").write_text(answers, encoding="utf-8")
    argv = ex.check_command.replace("answers.py", str(tmp_path / "answers.py")).split()[1:]
    status, out, err = cli(argv)
    assert status == 0 and "every one is right" in out, (out, err)


def test_the_jsons_exact_text_reads_back_through_infix() -> None:
    r = symbackprop.derive("z = w*x + b; a = sigmoid(z); L = (a - t)**2 / 2", at={"x": 0.5, "w": -1.5, "b": 0.25, "t": 1},
                           const=["t"], exact=True)  # fmt: skip
    for name, text in r.to_dict()["exact"]["gradients"].items():
        back = symbackprop.derive(text).derivation.output  # e is exp(1), never a leaf named E
        assert back == pytest.approx(float(r.gradients[name]), rel=1e-15), (name, text)
    gradients = r.text().split("Gradients")[1]
    assert (
        "E" not in gradients and "exp(" not in gradients and "e^(1/2)" in gradients
    )  # e, and e^(1/2) beside it


def test_checking_answers_to_an_exact_derivation(cli) -> None:
    argv = ["derive", "relu(x*w + b)/3", "--at", "x=1/2", "--at", "w=1/4", "--at", "b=0.1", "--exact"]
    status, out, _ = cli([*argv, "--check", "dx=1/12, dw=0.2"])
    assert status == 3 and "right: 1/6" in out  # dw = x/3, written as the fraction it is
    status, out, _ = cli([*argv, "--check", "dx=1/12, dw=0.2", "--format", "json"])
    entries = {e["name"]: e for e in json.loads(out)["check"]}
    assert entries["dw"]["expected"] == 1 / 6 and entries["dx"]["ok"] and not entries["dw"]["ok"]


def test_the_exact_program_does_not_take_the_float_programs_printed_rules() -> None:
    assert "(1. if z > 0 else 0.)" in symbackprop.neuron().python()  # the same rule, printed for floats first
    exact = symbackprop.neuron(x=[Fraction(1, 2), 1, 3], exact=True).python()
    assert "(1 if z > 0 else 0)" in exact and "1. if" not in exact


def test_a_decimal_in_the_expression_is_a_fraction_in_the_program_too(tmp_path: Path) -> None:
    r = symbackprop.derive("relu(x*0.5 + 1/3)", at={"x": Fraction(1, 3)}, exact=True)
    assert r.derivation.output == sympy.Rational(1, 2)  # 1/6 + 1/3
    program = tmp_path / "p.py"
    program.write_text(r.python(), encoding="utf-8")
    out = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "y = 1/2" and "drelu_dx = 1/2" in out


@pytest.mark.parametrize(
    ("at", "y"),
    [
        (["x=1/1000001", "w=1000001"], "1"),  # past the simplest-fraction rule's denominators
        (["x=12345678901234567890", "w=1"], "12345678901234567890"),  # past a float's 17 digits
        (["x=0.1234567890123456", "w=1"], str(Fraction("0.1234567890123456"))),
        (["x=0.33333333333333331", "w=3"], str(Fraction("0.33333333333333331") * 3)),  # not 1/3: as typed
    ],
)
def test_a_typed_number_is_exactly_what_its_text_writes(cli, at: list[str], y: str) -> None:
    status, out, err = cli(["derive", "x*w", *(a for kv in at for a in ("--at", kv)), "--exact"])
    assert status == 0, err
    assert f"y = x * w = {y}\n" in out


def test_an_exact_sheet_in_json_and_its_check_command_in_fractions() -> None:
    from symbackprop.sheets import exercise

    ex = exercise(
        x=[Fraction(1, 3000007), Fraction(1)], w=[Fraction(-3000007), Fraction(2)], b=Fraction(-1), exact=True
    )
    assert ex.check_command.startswith("symbackprop neuron --x=1/3000007,1 --w=-3000007,2 --b=-1 --exact")
    data = json.loads(ex.render("json"))
    assert data["exact"]["drelu_dz"] == "0"  # z = -1 + 2 - 1 = 0: ReLU's kink, exactly
    assert data["key"]["dmul_dx0"] == -3000007.0 and data["exact"]["dmul_dx0"] == "-3000007"


def test_the_chains_of_an_exact_derivation_are_exact_in_python() -> None:
    r = symbackprop.derive("relu(x*w + b)/3", at={"x": 0.5, "w": 0.25, "b": 0.1}, exact=True)
    (path,) = r.chain("x")
    assert path["values"] == [sympy.Rational(1, 3), 1, 1, sympy.Rational(1, 4)] and path[
        "value"
    ] == sympy.Rational(1, 12)
    assert r.to_dict()["chains"]["x"][0]["value"] == 1 / 12  # the JSON layout's floats


def test_an_exact_programs_imports_are_one_block() -> None:
    program = symbackprop.derive("sigmoid(x) * w", at={"x": 0, "w": 0.5}, exact=True).python()
    assert program.startswith("import math\nfrom fractions import Fraction\n\n")


def test_a_known_gradient_of_a_symbolic_derivation_has_its_number_in_text() -> None:
    text = symbackprop.derive("x*w/3 + 0.1", at={"x": Fraction(1, 3)}, exact=True).text()
    assert "∂y/∂w = 1 / 3 * x = 1/9" in text  # dw = x/3, known although w has no value
    assert "∂y/∂x = 1 / 3 * w\n" in text  # dx = w/3: w unknown, the closed form alone


def test_two_typed_numbers_of_one_float_are_two_cached_derivations() -> None:
    # 1/1000001 and the decimal its float prints as are one float and two exact values: a doc build's
    # cache must not hand one's derivation to the other
    one = parse_spec(None, {"x": "1/1000001, 1", "w": "1, 2", "exact": None})
    other = parse_spec(None, {"x": f"{1 / 1000001}, 1", "w": "1, 2", "exact": None})
    assert one.x == other.x and one.key() != other.key()
    assert result(one).derivation.values["x0"] == sympy.Rational(1, 1000001)
    assert result(other).derivation.values["x0"] == sympy.Rational(Fraction(repr(1 / 1000001)))
