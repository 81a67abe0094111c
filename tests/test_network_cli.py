"""``symbackprop network``: every format, the JSON equal to the API's, warnings, and bad input as
one-line errors with the contract's exit statuses."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import symbackprop
from symbackprop.cli import main

WEIGHTS = np.array([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T.tolist()
INPUTS = [[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]]
SPEC = {
    "inputs": INPUTS,
    "layers": [
        {"weights": WEIGHTS, "biases": [2, 3, 0.5], "activation": "relu"},
        {
            "weights": [[0.1, 0.2, -0.3], [0.5, -0.1, 0.2], [0.3, 0.3, 0.1]],
            "biases": [0, 0.1, 0],
            "activation": "softmax",
        },
    ],
    "loss": {"kind": "categorical_crossentropy", "targets": [0, 1, 1]},
    "lr": 0.001,
}


@pytest.fixture
def spec_file(tmp_path, monkeypatch):
    """Write a spec (a dict, or raw text) to spec.json in a fresh working directory."""
    monkeypatch.chdir(tmp_path)

    def write(spec, name="spec.json"):
        (tmp_path / name).write_text(spec if isinstance(spec, str) else json.dumps(spec), encoding="utf-8")
        return name

    return write


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_json_equals_the_api(spec_file, capsys):
    status, out, err = run(
        ["network", spec_file(SPEC), "--format", "json", "--wrt", "W1[2,0]", "--wrt", "b2[1]"], capsys
    )
    assert status == 0 and err == ""
    data = json.loads(out)
    assert data == symbackprop.network(SPEC, wrt=["W1[2,0]", "b2[1]"]).to_dict()
    assert list(data) == [
        "schema",
        "loss",
        "sample_losses",
        "dinputs",
        "layers",
        "step",
        "chains",
        "warnings",
    ]
    assert data["schema"] == 1 and data["warnings"] == []
    for layer in data["layers"]:
        assert {"z", "output", "dz", "dweights", "dbiases", "dinputs"} <= set(layer)
        assert all(isinstance(v, float) for v in layer["dbiases"])  # biases as flat lists
    assert data["dinputs"] == data["layers"][0]["dinputs"]
    assert set(data["step"]) == {"lr", "layers", "loss"} and data["step"]["loss"] < data["loss"]
    assert set(data["chains"]["W1[2,0]"][0]) == {"factors", "derivatives", "values", "value", "nodes"}


def test_without_a_loss_there_is_no_loss_in_the_json(spec_file, capsys):
    spec = {"inputs": INPUTS, "layers": [{"weights": WEIGHTS, "biases": [2, 3, 0.5]}]}
    status, out, _ = run(["network", spec_file(spec), "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0 and "loss" not in data and "sample_losses" not in data and "step" not in data
    assert data["layers"][0]["doutput"] == [[1.0, 1.0, 1.0]] * 3


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown", "python", "json"])
def test_every_format_renders(fmt, spec_file, capsys):
    status, out, err = run(["network", spec_file(SPEC), "--format", fmt, "--wrt", "W1[2,0],X[0,1]"], capsys)
    assert status == 0 and err == "" and out.endswith("\n")
    if fmt == "latex":
        assert (
            out.count(r"\[") == out.count(r"\]") and r"\begin{aligned}" in out and r"\begin{align}" not in out
        )
        assert r"\frac{\partial L}{\partial W^{[1]}_{2,0}} &= \sum_{s=0}^{2} \sum_{k=0}^{2}" in out
    if fmt == "markdown":
        assert out.startswith("# Backpropagation through a network") and "## The scalar view" in out
        assert out.count("$$") % 2 == 0
    if fmt == "python":
        compile(out, "<program>", "exec")
    if fmt == "text":
        assert "∂L/∂X[0,1] = Σ_k=0..2" in out


def test_scalar_flag_prints_the_scalar_view_alone(spec_file, capsys):
    name = spec_file(SPEC)
    status, out, _ = run(["network", name, "--wrt", "b2[1]", "--scalar", "--format", "latex"], capsys)
    assert status == 0 and "Forward pass" not in out and out.count(r"\[") == 1
    status, full, _ = run(["network", name, "--wrt", "b2[1]", "--format", "latex"], capsys)
    assert "Forward pass" in full and out.strip() in full


def test_output_file_and_standard_input(spec_file, capsys, monkeypatch, tmp_path):
    name = spec_file(SPEC)
    status, out, _ = run(["network", name, "--format", "json", "-o", "out.json"], capsys)
    assert status == 0 and out == ""
    written = json.loads((tmp_path / "out.json").read_text())
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(SPEC)))
    status, out, _ = run(["network", "-", "--format", "json"], capsys)
    assert status == 0 and json.loads(out) == written


def test_help_documents_the_scalar_flag(capsys):
    status, out, _ = run(["network", "--help"], capsys)
    assert status == 0
    assert "--scalar" in out and "--wrt 'W1[2,0]' --scalar" in out and "SPEC.json" in out


def test_clipping_warns_and_succeeds(spec_file, capsys):
    spec = {
        "inputs": [[1.0]],
        "layers": [{"weights": [[800.0, -800.0]], "biases": [0, 0], "activation": "softmax"}],
        "loss": {"kind": "categorical_crossentropy", "targets": [1]},
    }
    status, out, err = run(["network", spec_file(spec), "--format", "json"], capsys)
    assert status == 0
    (line,) = err.splitlines()
    assert line.startswith(
        "symbackprop: warning: layer 1 output: 1 prediction outside [1e-7, 1 - 1e-7] clipped"
    )
    data = json.loads(out)
    assert data["warnings"] == [line.removeprefix("symbackprop: warning: ")]
    assert data["loss"] == pytest.approx(-np.log(1e-7))
    assert data["layers"][0]["dz"] == [[1.0, -1.0]]  # the combined gradient needs no clip


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_standalone_latex_compiles(spec_file, capsys, tmp_path):
    big = {
        "inputs": np.random.default_rng(0).normal(size=(12, 11)).tolist(),
        "layers": [{"weights": np.ones((11, 12)).tolist(), "biases": [0.0] * 12, "activation": "tanh"}],
    }
    for k, spec in enumerate([SPEC, big]):
        status, _, _ = run(
            [
                "network",
                spec_file(spec),
                "--format",
                "latex",
                "--standalone",
                "--wrt",
                "b1[0]",
                "-o",
                f"n{k}.tex",
            ],
            capsys,
        )
        assert status == 0
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"n{k}.tex"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout[-2000:]


def test_the_matrix_view_loads_no_scalar_machinery(spec_file, tmp_path):
    """The matrix view's rules are the operations' own (SymPy classes), but its JSON walks no graph
    and prints nothing: the chain stage and the printers stay unloaded."""
    name = spec_file(SPEC)
    code = (
        "import sys\nfrom symbackprop.cli import main\n"
        f"status = main(['network', {name!r}, '--format', 'json', '-o', 'o.json'])\n"
        "print(status, any(m in sys.modules for m in ('symbackprop.chain', 'symbackprop.printing')))\n"
        "import symbackprop\n"
        f"print(symbackprop.network({name!r}).loss > 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["0", "False", "True"], done.stderr


# --- bad input -------------------------------------------------------------------------------------------


def with_(**changes):
    spec = json.loads(json.dumps(SPEC))
    for path, value in changes.items():
        target = spec
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        if value is DELETE:
            del target[last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return spec


DELETE = object()

ERRORS = [
    (
        with_(inputs=[[1, 2, 3, 2.5], [2, 5, -1]]),
        "inputs: row 1 has 3 values where row 0 has 4 (the rows of a matrix have one length) (in spec.json)",
    ),
    (
        with_(layers__1__weights=[[0.1, 0.2, -0.3]] * 4),
        "layer 2 weights: expected 3 rows (the previous layer's outputs), got 4: weights are inputs × neurons, "
        "one row per input and one column per neuron (in spec.json)",
    ),
    (
        with_(layers__0__weights=[[0.1, 0.2, -0.3]] * 3),
        "layer 1 weights: expected 4 rows (the inputs' features), got 3: weights are inputs × neurons, "
        "one row per input and one column per neuron (in spec.json)",
    ),
    (  # the book's first layer written neurons × inputs: its transpose fits, biases too
        with_(
            layers__0__weights=[[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]],
            layers__0__biases=[2, 3, 0.5],
        ),
        "layer 1 weights: expected 4 rows (the inputs' features), got 3: weights are inputs × neurons, "
        "one row per input and one column per neuron; its transpose (4 × 3) would fit (in spec.json)",
    ),
    (
        with_(layers__0__biases=[1, 2]),
        "layer 1 biases: expected 3 values (one per neuron: the weights' columns), got 2 (in spec.json)",
    ),
    (
        with_(layers__1__activation="mish"),
        'layer 2 activation: unknown activation "mish" (choose one of relu, sigmoid, tanh, softmax, linear, '
        "softplus, leaky_relu, elu, gelu, gelu_tanh, silu) (in spec.json)",
    ),
    (
        with_(loss={"kind": "hinge", "targets": [0, 1, 1]}),
        'loss kind: unknown loss "hinge" (choose one of categorical_crossentropy, binary_crossentropy, mse) '
        "(in spec.json)",
    ),
    (
        with_(loss__targets=[0, 3, 1]),
        "loss targets[1]: class 3 is out of range (the last layer has 3 outputs: classes 0 to 2) (in spec.json)",
    ),
    (
        with_(loss__targets=[0, 1.5, 1]),
        "loss targets[1]: expected a class index (a whole number), got 1.5 (in spec.json)",
    ),
    (
        with_(loss__targets=[0, 1]),
        "loss targets: expected 3 class indices (one per sample), got 2 (in spec.json)",
    ),
    (
        with_(loss__targets=[[1, 0, 0], [0, 1, 1], [0, 1, 0]]),
        "loss targets row 1: expected a one-hot row (or probabilities summing to 1), the row sums to 2.0 (in spec.json)",
    ),
    (
        with_(loss={"kind": "binary_crossentropy", "targets": [[1, 0, 2], [0, 1, 0], [0, 1, 0]]}),
        "loss targets row 0, column 2: 2.0 is not a probability (between 0 and 1) (in spec.json)",
    ),
    (
        with_(dvalues=[[1, 1, 1]] * 3),
        "loss and dvalues: give one of them, not both (dvalues is the gradient a loss would give) (in spec.json)",
    ),
    (
        with_(loss=DELETE, dvalues=[[1, 1, 1]] * 2),
        "dvalues: expected 3 rows (one per sample), got 2 (in spec.json)",
    ),
    (
        with_(layers__0__weights__0=[0.2, "a", -0.26]),
        'layer 1 weights row 0, column 1: expected a number, got "a" (in spec.json)',
    ),
    (
        with_(layers__0__biases=[2, True, 0.5]),
        "layer 1 biases[1]: expected a number, got true (in spec.json)",
    ),
    (with_(lr="0.1"), 'lr: expected a number, got "0.1" (in spec.json)'),
    (with_(layers=[]), "layers: expected a list of layers, got an empty list (in spec.json)"),
    (with_(inputs=[1, 2, 3]), "inputs row 0: expected a list of numbers, got 1 (in spec.json)"),
    (with_(loss__weight=2), 'loss: unknown field "weight" (the fields are kind, targets) (in spec.json)'),
    (
        with_(layer=[]),
        'spec: unknown field "layer" (the fields are inputs, layers, loss, dvalues, lr) (in spec.json)',
    ),
    (with_(layers__0__weights=DELETE), 'layer 1: missing field "weights" (in spec.json)'),
    ([1, 2], "spec: expected an object with inputs, layers, loss, dvalues and lr, got [1, 2] (in spec.json)"),
    (
        json.dumps(SPEC).replace("2.5", "NaN", 1),
        "inputs row 0, column 3: must be finite, not nan (in spec.json)",
    ),
    (
        json.dumps(SPEC).replace("0.87", "1e999", 1),
        "layer 1 weights row 3, column 2: must be finite, not inf (in spec.json)",
    ),
    (
        '{"inputs": [[1, 2]],\n "layers": [}',
        "invalid JSON: Expecting value (at line 2, column 13 of spec.json)",
    ),
    ("", "invalid JSON: Expecting value (at line 1, column 1 of spec.json)"),
]


@pytest.mark.parametrize(
    ("spec", "message"), ERRORS, ids=[m.split(":")[0] + str(k) for k, (_, m) in enumerate(ERRORS)]
)
def test_bad_specs_are_one_line_errors(spec, message, spec_file, capsys):
    status, out, err = run(["network", spec_file(spec)], capsys)
    assert (status, out) == (2, "")
    assert err == f"symbackprop: error: {message}\n"


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (
            ["--wrt", "w1[0,0]"],
            2,
            "--wrt 'w1[0,0]': expected W<layer>[input,neuron], b<layer>[neuron] or X[sample,feature]",
        ),
        (["--wrt", "W3[0,0]"], 2, "--wrt W3[0,0]: the network has 2 layers (W1 to W2)"),
        (["--wrt", "W1[4,0]"], 2, "--wrt W1[4,0]: layer 1 weights are 4 × 3 (inputs 0 to 3, neurons 0 to 2)"),
        (["--wrt", "b2[3]"], 2, "--wrt b2[3]: layer 2 has 3 neurons (0 to 2)"),
        (["--wrt", "X[3,0]"], 2, "--wrt X[3,0]: the inputs are 3 × 4 (samples 0 to 2, features 0 to 3)"),
        (["--scalar"], 2, "--scalar needs --wrt PARAM"),
        (["--format", "json", "--standalone"], 2, "--standalone applies to --format latex only"),
        (["--wrt", "W1[0,0]", "--max-paths", "3"], 2, "chain-rule paths, more than the limit of 3"),
        (["--max-paths", "0"], 2, "--max-paths must be at least 1"),
        (["--format", "png"], 2, "argument --format: invalid choice"),
    ],
)
def test_bad_options(argv, status, message, spec_file, capsys):
    code, out, err = run(["network", spec_file(SPEC), *argv], capsys)
    assert (code, out) == (status, "")
    assert err.startswith("symbackprop: error: ") and message in err and err.count("\n") == 1


def test_missing_and_unreadable_files(spec_file, capsys, tmp_path):
    status, _, err = run(["network", "nothere.json"], capsys)
    assert status == 2 and err == "symbackprop: error: cannot read nothere.json: no such file\n"
    (tmp_path / "folder").mkdir()
    status, _, err = run(["network", "folder"], capsys)
    assert status == 2 and err == "symbackprop: error: cannot read folder: it is a directory\n"
    (tmp_path / "latin.json").write_bytes(b'{"inputs": "\xe9"}')
    status, _, err = run(["network", "latin.json"], capsys)
    assert status == 2 and err == "symbackprop: error: cannot read latin.json: not UTF-8 text\n"


def test_overflow_is_a_numeric_failure(spec_file, capsys):
    spec = with_(layers__0__weights=[[1e300, 1, 1]] * 4, inputs=[[1e300, 1, 1, 1]] * 3)
    status, out, err = run(["network", spec_file(spec)], capsys)
    assert (status, out) == (1, "")
    assert (
        err
        == "symbackprop: error: layer 1 z is not finite at sample 0, neuron 0 (inf): the numbers overflow\n"
    )


def test_api_errors_name_the_spec():
    with pytest.raises(symbackprop.SpecError) as err:
        symbackprop.network(with_(layers__0__biases=[1]))
    assert str(err.value).endswith("(in the spec)") and err.value.exit_status == 2
    with pytest.raises(symbackprop.InputError, match="must be a dict or a file name"):
        symbackprop.network(42)  # type: ignore[arg-type]
