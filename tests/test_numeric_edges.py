"""Numbers at their edges: exit statuses as the contract fixes them, NaN and infinities refused,
overflow avoided by stable formulas, log(0) in a loss clipped and reported, division by zero named.

Expected numbers come from the closed forms (sigmoid(-1000) underflows to exactly 0.0 in
float64; softmax of logits is invariant to shifting them), not from this tool.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import symbackprop
from symbackprop.errors import EvaluationError, InputError, SymbackpropError


def _strict_json(text: str) -> object:
    """JSON as RFC 8259 has it: NaN and Infinity are not JSON."""

    def refuse(token: str) -> float:
        raise AssertionError(f"{token} in JSON output")

    return json.loads(text, parse_constant=refuse)


# --- exit statuses ----------------------------------------------------------------------------

D = ["derive", "x*w + b", "--at", "x=1", "--at", "w=2", "--at", "b=3"]

EXIT_CASES = [
    # 0: success
    (["neuron"], 0, None),
    (D, 0, None),
    (["derive", "sigmoid(x)", "--at", "x=-1000"], 0, None),
    # 2: the input is wrong
    ([], 2, None),
    (["bogus"], 2, "invalid choice"),
    (["derive"], 2, "required"),
    (["neuron", "--nope"], 2, "unrecognized arguments"),
    (["derive", "x*w +", "--at", "x=1", "--at", "w=1"], 2, "(at column 6)"),
    ([*D, "--at", "q=1"], 2, "unknown name 'q'"),
    ([*D, "--wrt", "q"], 2, "unknown name 'q'"),
    ([*D, "--lr", "0.1"], 2, "--update"),
    ([*D, "--update", "w"], 2, "--lr"),
    (["neuron", "--x", "1,2", "--w", "1"], 2, "same length"),
    (["neuron", "--x", "1,abc,3"], 2, "'abc' is not a number"),
    (["derive", "x", "--at", "x=abc"], 2, "'abc' is not a number"),
    (["derive", "x", "--at", "x"], 2, "NAME=VALUE"),
    (["derive", "x", "--at", "x=nan"], 2, "finite"),
    (["derive", "x", "--at", "x=inf"], 2, "finite"),
    (["derive", "x", "--at", "x=-inf"], 2, "finite"),
    (["derive", "x", "--at", "x=1e400"], 2, "finite"),
    (["derive", "x", "--at", "x=1", "--dvalue", "nan"], 2, "--dvalue must be finite"),
    (
        ["derive", "x*w", "--at", "x=1", "--at", "w=1", "--lr", "inf", "--update", "w"],
        2,
        "--lr must be finite",
    ),
    (["neuron", "--x", "nan,1,2"], 2, "finite"),
    (["neuron", "--w", "1,-inf,2"], 2, "finite"),
    (["neuron", "--b", "inf"], 2, "finite"),
    (["neuron", "--lr", "nan"], 2, "finite"),
    (["neuron", "--dvalue", "-inf"], 2, "finite"),
    (["derive", "x", "--at", "x=1", "--max-nodes", "0"], 2, "at least 1"),
    (["derive", "x+x+x", "--at", "x=1", "--max-nodes", "2"], 2, "--max-nodes"),
    (["derive", "x", "--at", "x=1", "--format", "nope"], 2, "invalid choice"),
    (["derive", "x", "--at", "x=1", "--standalone"], 2, "--standalone"),
    # 1: well-formed, but evaluating it fails
    (["derive", "x*w", "--format", "python"], 1, "no value for x, w"),
    (["derive", "log(x)", "--at", "x=0"], 1, "log of a non-positive number"),
    (["derive", "log(x)", "--at", "x=-1"], 1, "log of a non-positive number"),
    (["derive", "1/(x-1)", "--at", "x=1"], 1, "division by zero in 1 / (x - 1)"),
    (["derive", "sqrt(x)", "--at", "x=-1"], 1, "square root of a negative number"),
    (["derive", "x^0.5", "--at", "x=-4"], 1, "negative number to a non-integer power"),
    (["derive", "x^(-1)", "--at", "x=0"], 1, "0 to a negative power"),
    (["derive", "exp(x)", "--at", "x=1000"], 1, "overflows in exp(x)"),
    (["derive", "x*y", "--at", "x=1e200", "--at", "y=1e200"], 1, "x * y is not finite"),
    (
        ["derive", "relu(w)", "--at", "w=1", "--dvalue", "1e10", "--lr", "1e308", "--update", "w"],
        1,
        "update step",
    ),
]


@pytest.mark.parametrize(
    ("argv", "status", "words"), EXIT_CASES, ids=[" ".join(a)[:50] for a, _, _ in EXIT_CASES]
)
def test_exit_status_and_one_line(argv, status, words, cli):
    got, out, err = cli(argv)
    assert got == status, err
    if status == 0:
        assert out and "error" not in err
        return
    assert out == "" or argv == []  # no command: the help goes to stdout
    lines = err.splitlines()
    if argv:
        assert len(lines) == 1 and lines[0].startswith("symbackprop: error: "), err
    if words is not None:
        assert words in err, err


def test_api_errors_carry_the_same_statuses():
    cases = [
        (lambda: symbackprop.derive("x*", at={"x": 1}), 2),
        (lambda: symbackprop.derive("x", at={"x": math.nan}), 2),
        (lambda: symbackprop.derive("x", at={"x": np.float64("inf")}), 2),
        (lambda: symbackprop.derive("x", at={"x": -math.inf}), 2),
        (lambda: symbackprop.derive("x", at={"x": 10**400}), 2),
        (lambda: symbackprop.derive("x", at={"x": "1"}), 2),
        (lambda: symbackprop.derive("x", at={"x": True}), 2),
        (lambda: symbackprop.derive("x", at={"x": 1}, dvalue=math.nan), 2),
        (lambda: symbackprop.neuron(x=[1, 2, math.nan]), 2),
        (lambda: symbackprop.neuron(b=math.inf), 2),
        (lambda: symbackprop.neuron(lr=math.nan), 2),
        (lambda: symbackprop.derive("log(x)", at={"x": 0}), 1),
        (lambda: symbackprop.derive("x/y", at={"x": 1, "y": 0}), 1),
        (lambda: symbackprop.derive("exp(exp(x))", at={"x": 10}), 1),
    ]
    for call, status in cases:
        with pytest.raises(SymbackpropError) as info:
            call()
        assert info.value.exit_status == status, info.value
        assert isinstance(info.value, InputError if status == 2 else EvaluationError)


def test_numpy_scalars_are_numbers():
    r = symbackprop.derive("x*w", at={"x": np.float32(1.5), "w": np.int64(2)})
    assert r.derivation.output == 3.0 and r.derivation.gradients == {"x": 2.0, "w": 1.5}


# --- stable formulas ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("z", "value", "slope"),
    [(-1000.0, 0.0, 0.0), (1000.0, 1.0, 0.0), (-745.0, math.exp(-745.0), math.exp(-745.0)), (0.0, 0.5, 0.25)],
)
def test_sigmoid_never_overflows(z, value, slope):
    r = symbackprop.derive("sigmoid(z)", at={"z": z})
    assert r.derivation.output == value
    assert r.derivation.gradients["z"] == pytest.approx(slope, rel=1e-12, abs=0)
    _strict_json(r.render("json"))
    for fmt in ("text", "latex", "markdown", "python"):
        r.render(fmt)


def test_tanh_and_exp_at_the_edges():
    assert symbackprop.derive("tanh(z)", at={"z": -1000.0}).derivation.output == -1.0
    assert symbackprop.derive("tanh(z)", at={"z": 1000.0}).derivation.gradients["z"] == 0.0
    r = symbackprop.derive("exp(z)", at={"z": -1000.0})
    assert r.derivation.output == 0.0 and r.derivation.gradients["z"] == 0.0
    r = symbackprop.derive("exp(z)", at={"z": 709.0})  # just below overflow
    assert math.isfinite(r.derivation.output)


def test_the_neuron_with_sigmoid_at_extreme_inputs():
    r = symbackprop.neuron(x=[1000.0, 0.0, 0.0], w=[-1.0, 0.0, 0.0], b=0.0, activation="sigmoid")
    assert r.derivation.output == 0.0
    assert all(v == 0.0 for v in r.derivation.gradients.values())
    _strict_json(r.render("json"))


def test_the_generated_program_is_stable_too(tmp_path):
    """The Python format's sigmoid is the stable one: the program runs at z = -1000 and prints 0."""
    r = symbackprop.derive("sigmoid(x*w)", at={"x": 1000.0, "w": -1.0})
    program = tmp_path / "program.py"
    program.write_text(r.python(), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "OverflowError" not in proc.stderr


def test_tiny_and_subnormal_values_are_numbers():
    r = symbackprop.derive("x*y", at={"x": 1e-300, "y": 1e-300})
    assert r.derivation.output == 0.0  # underflow is not an error
    r = symbackprop.derive("x + y", at={"x": 5e-324, "y": -5e-324})
    assert r.derivation.output == 0.0


# --- division by zero and non-finite intermediates name the sub-expression -------------------


@pytest.mark.parametrize(
    ("expr", "at", "words"),
    [
        ("1/(x-1)", {"x": 1.0}, "division by zero in 1 / (x - 1)"),
        ("relu(a/(b*c)) + 1", {"a": 1.0, "b": 2.0, "c": 0.0}, "division by zero in a / (b * c)"),
        ("x/x", {"x": 0.0}, "division by zero in x / x"),
        ("sqrt(x)", {"x": 0.0}, "in the derivative of sqrt(x)"),
        ("log(x)", {"x": 1e-320}, "in the derivative of log(x)"),
        ("x^(-2)", {"x": 0.0}, "x^(-2)"),
        ("exp(exp(x))", {"x": 10.0}, "exp(exp(x))"),
        ("(x+1)^10000", {"x": 1.0}, "(x + 1)^10000"),
    ],
)
def test_division_by_zero_and_overflow_name_the_subexpression(expr, at, words):
    with pytest.raises(EvaluationError) as info:
        symbackprop.derive(expr, at=at)
    assert words in str(info.value)
    assert info.value.exit_status == 1


def test_an_overflowing_step_is_an_error_not_an_infinity():
    """The step once wrote -Infinity into the JSON: ReLU of -inf is a finite 0."""
    with pytest.raises(EvaluationError, match="update step makes w not finite"):
        symbackprop.derive("relu(w)", at={"w": 1.0}, dvalue=1e10, lr=1e308, update=["w"])


def test_json_never_holds_nan_or_infinity():
    for expr, at in [
        ("sigmoid(x) * exp(y)", {"x": -1000.0, "y": -1000.0}),
        ("tanh(x) + relu(y)", {"x": 1e300, "y": -1e300}),
        ("max(x, y) + min(x, y)", {"x": 1e308, "y": -1e308}),
    ]:
        _strict_json(symbackprop.derive(expr, at=at).render("json"))


# --- networks: softmax of large logits, log(0) clipped and reported --------------------------


def _network():
    module = pytest.importorskip("symbackprop._network")
    return module.network


def _softmax_spec(big: float) -> dict:
    return {
        "inputs": [[1.0, 2.0], [0.5, -1.0]],
        "layers": [{"weights": [[big, -big], [0.0, 0.0]], "biases": [0.0, 0.0], "activation": "softmax"}],
        "loss": {"kind": "categorical_crossentropy", "targets": [1, 0]},
    }


def test_softmax_of_large_logits_is_finite():
    network = _network()
    d = network(_softmax_spec(1000.0)).to_dict()
    for layer in d["layers"]:
        out = np.array(layer["output"])
        assert np.all(np.isfinite(out)) and np.allclose(out.sum(axis=1), 1.0)
        assert np.all(np.isfinite(np.array(layer["dweights"])))
    # shift invariance: the same logits plus a constant give the same probabilities
    small = network(_softmax_spec(1.0)).to_dict()["layers"][0]["output"]
    shifted = {
        **_softmax_spec(1.0),
        "layers": [{**_softmax_spec(1.0)["layers"][0], "biases": [500.0, 500.0]}],
    }
    assert np.allclose(network(shifted).to_dict()["layers"][0]["output"], small)


def test_log_of_zero_in_a_loss_is_clipped_and_reported(cli, tmp_path):
    network = _network()
    r = network(_softmax_spec(1000.0))
    d = r.to_dict()
    assert math.isfinite(d["loss"])
    # the book's clip to [1e-7, 1 - 1e-7]: sample 0 gives its target probability 0, sample 1 gives 1
    assert d["loss"] == pytest.approx((-math.log(1e-7) - math.log(1 - 1e-7)) / 2, rel=1e-9)
    assert d["warnings"] and "clip" in d["warnings"][0]
    _strict_json(r.render("json"))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_softmax_spec(1000.0)), encoding="utf-8")
    status, out, err = cli(["network", str(spec), "--format", "json"])
    assert status == 0, err
    assert err.startswith("symbackprop: warning: ") and "clip" in err
    assert _strict_json(out)["warnings"] == d["warnings"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("where", "value"),
    [("inputs", math.nan), ("inputs", math.inf), ("inputs", 10**400), ("lr", math.nan), ("lr", -math.inf)],
)
def test_network_specs_refuse_non_finite_numbers(where, value):
    network = _network()
    spec = _softmax_spec(1.0)
    if where == "inputs":
        spec["inputs"] = [[value, 1.0], [1.0, 1.0]]
    else:
        spec["lr"] = value
    with pytest.raises(InputError) as info:
        network(spec)
    assert info.value.exit_status == 2 and where in str(info.value)


def test_network_json_with_nan_tokens_is_refused(cli, tmp_path):
    """Python's json reads NaN and Infinity; the spec reader must still refuse them."""
    _network()
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_softmax_spec(1.0)).replace("1.0", "NaN", 1), encoding="utf-8")
    status, out, err = cli(["network", str(spec)])
    assert status == 2 and out == "" and "finite" in err and err.count("\n") == 1


def test_network_overflow_is_an_evaluation_error():
    network = _network()
    spec = {
        "inputs": [[1e308, 1e308]],
        "layers": [{"weights": [[10.0, 1.0], [1.0, 1.0]], "biases": [0.0, 0.0], "activation": "relu"}],
    }
    with pytest.raises(EvaluationError) as info:
        network(spec)
    assert "layer 1" in str(info.value) and info.value.exit_status == 1


def test_a_network_step_that_overflows_is_an_error():
    """Found by the long fuzz: the step's loss was inf and the JSON held Infinity."""
    network = _network()
    spec = {
        "inputs": [[0.0, 0.0], [2.0, 0.0], [-1.0, 0.0]],
        "layers": [{"weights": [[0.0, 1.0], [0.0, 0.0]], "biases": [0.0, 0.0], "activation": "relu"}],
        "loss": {"kind": "mse", "targets": [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]},
        "lr": 1e300,
    }
    with pytest.raises(EvaluationError, match="after the step") as info:
        network(spec)
    assert info.value.exit_status == 1
