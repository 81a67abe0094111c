"""Networks: the chapter's numbers, finite differences on random networks, the scalar view against
the matrix view, the generated NumPy program, and golden LaTeX for the matrix equations."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import symbackprop
from symbackprop._network import parse_spec, split_params
from symbackprop.names import latex_name
from symbackprop.ops import CLIP_HIGH, CLIP_LOW
from symbackprop.render.network import latex as render
from symbackprop.render.network._matrices import bmatrix

# --- the chapter's inputs (chapter9-numbers.md) ---------------------------------------------------

WEIGHTS = np.array([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T.tolist()
INPUTS = [[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]]
BIASES = [2, 3, 0.5]
SOFTMAX_OUTPUTS = [[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]]
TOL = {"rtol": 0, "atol": 5e-9}  # the chapter prints 8 decimals


def close(actual, expected, **tol):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), **(tol or TOL)
    )


def result(spec, **options):
    """The API's dict, checked equal to what the CLI prints as JSON."""
    return symbackprop.network(spec, **options).to_dict()


def identity(n):
    return np.eye(n).tolist()


def test_layer_of_three_neurons_one_sample():
    for upstream in ({"dvalues": [[1, 1, 1]]}, {}):  # given, or the default gradient of 1
        d = result({"inputs": INPUTS[:1], "layers": [{"weights": WEIGHTS, "biases": BIASES}], **upstream})
        close(d["dinputs"], [[0.44, -0.38, -0.07, 1.37]])
        close(d["layers"][0]["doutput"], [[1, 1, 1]])


def test_batch_of_three_samples():
    d = result(
        {
            "inputs": INPUTS,
            "layers": [{"weights": WEIGHTS, "biases": [[2, 3, 0.5]], "activation": "linear"}],
            "dvalues": [[1, 1, 1], [2, 2, 2], [3, 3, 3]],
        }
    )
    close(d["dinputs"], [[0.44, -0.38, -0.07, 1.37], [0.88, -0.76, -0.14, 2.74], [1.32, -1.14, -0.21, 4.11]])
    close(d["layers"][0]["dweights"], [[0.5] * 3, [20.1] * 3, [10.9] * 3, [4.1] * 3])
    close(d["layers"][0]["dbiases"], [6, 6, 6])


def test_relu_backward_on_a_matrix():
    z = [[1, 2, -3, -4], [2, -7, -1, 3], [-1, 2, 5, -1]]
    d = result(
        {
            "inputs": z,
            "layers": [{"weights": identity(4), "biases": [0, 0, 0, 0], "activation": "relu"}],
            "dvalues": [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]],
        }
    )
    layer = d["layers"][0]
    close(layer["z"], z)
    close(layer["activation_derivative"], [[1, 1, 0, 0], [1, 0, 0, 1], [0, 1, 1, 0]])
    close(layer["dz"], [[1, 2, 0, 0], [5, 0, 0, 8], [0, 10, 11, 0]])


def test_full_layer_relu_minimising_its_output():
    layer = {"weights": WEIGHTS, "biases": BIASES, "activation": "relu"}
    first = result({"inputs": INPUTS, "layers": [layer]})
    close(first["layers"][0]["z"], [[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]])
    # the upstream gradient is the ReLU output itself
    d = result({"inputs": INPUTS, "layers": [layer], "dvalues": first["layers"][0]["output"], "lr": 0.001})
    close(
        d["dinputs"],
        [
            [0.9449, 2.09495, -1.67995, 6.26995],
            [1.728, 7.066, -4.416, 9.074],
            [0.80074, 0.16457, -0.42732, 0.90712],
        ],
    )
    close(
        d["layers"][0]["dweights"],
        [
            [20.485, -0.3665, 2.746],
            [57.907, 5.2577, 5.8402],
            [10.153, 7.0983, 7.0408],
            [28.672, 2.1842, 6.3417],
        ],
    )
    close(d["layers"][0]["dbiases"], [15.11, 2.261, 2.611])
    step = d["step"]["layers"][0]
    close(
        step["weights"],
        [
            [0.179515, 0.5003665, -0.262746],
            [0.742093, -0.9152577, -0.2758402],
            [-0.510153, 0.2529017, 0.1629592],
            [0.971328, -0.5021842, 0.8636583],
        ],
    )
    close(step["biases"], [1.98489, 2.997739, 0.497389])


def softmax_spec(outputs, **extra):
    """A softmax layer whose outputs are ``outputs``: its inputs are their logs, through the identity."""
    n = len(outputs[0])
    return {
        "inputs": np.log(outputs).tolist(),
        "layers": [{"weights": identity(n), "biases": [0] * n, "activation": "softmax"}],
        **extra,
    }


def test_softmax_jacobian():
    d = result(softmax_spec([[0.7, 0.1, 0.2]]))
    close(d["layers"][0]["output"], [[0.7, 0.1, 0.2]])
    close(d["layers"][0]["jacobians"][0], [[0.21, -0.07, -0.14], [-0.07, 0.09, -0.02], [-0.14, -0.02, 0.16]])


@pytest.mark.parametrize(
    "targets", [[0, 1, 1], [[1, 0, 0], [0, 1, 0], [0, 1, 0]]], ids=["indices", "one-hot"]
)
def test_softmax_and_cross_entropy_combined_and_separate(targets):
    d = result(softmax_spec(SOFTMAX_OUTPUTS, loss={"kind": "categorical_crossentropy", "targets": targets}))
    last = d["layers"][-1]
    combined = [
        [-0.1, 0.03333333, 0.06666667],
        [0.03333333, -0.16666667, 0.13333333],
        [0.00666667, -0.03333333, 0.02666667],
    ]
    close(last["dz"], combined)
    close(
        last["doutput"], [[-0.47619048, 0, 0], [0, -0.66666667, 0], [0, -0.37037037, 0]]
    )  # the CCE gradient
    close(last["dz_separate"], combined)
    close(last["dz_separate"], last["dz"], rtol=0, atol=1e-15)  # the two routes agree in float64
    # L_i = -Σ_j y_ij ln ŷ_ij, mean over samples (natural log)
    close(d["sample_losses"], [-math.log(0.7), -math.log(0.5), -math.log(0.9)], rtol=1e-12, atol=0)
    assert d["loss"] == pytest.approx(np.mean(d["sample_losses"]), rel=1e-15)


# --- an independent oracle: a plain NumPy forward pass and central differences ----------------------

ACTS = {
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "linear": lambda z: z,
    "softmax": lambda z: (
        np.exp(z - z.max(1, keepdims=True)) / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)
    ),
}


def plain_loss(x, weights, biases, activations, loss, targets, dvalues):
    a = x
    for w, b, act in zip(weights, biases, activations):
        a = ACTS[act](a @ w + b)
    if loss is None:
        return float(np.sum(dvalues * a))  # the scalar whose gradient on the output is dvalues
    p = np.clip(a, 1e-7, 1 - 1e-7)
    if loss == "categorical_crossentropy":
        return float(np.mean(-np.sum(targets * np.log(p), axis=1)))
    if loss == "binary_crossentropy":
        return float(np.mean(-(targets * np.log(p) + (1 - targets) * np.log(1 - p))))
    return float(np.mean((targets - a) ** 2))


def central(f, array, h=1e-6):
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        keep = array[index]
        array[index] = keep + h
        up = f()
        array[index] = keep - h
        down = f()
        array[index] = keep
        grad[index] = (up - down) / (2 * h)
    return grad


ENDINGS = [  # (last activation, loss or None for dvalues / "ones")
    ("softmax", "categorical_crossentropy"),
    ("sigmoid", "categorical_crossentropy"),
    ("sigmoid", "binary_crossentropy"),
    ("linear", "mse"),
    ("tanh", "mse"),
    ("relu", "mse"),
    ("softmax", "mse"),
    ("relu", "dvalues"),
    ("softmax", "dvalues"),
    ("sigmoid", "ones"),
]
HIDDEN = ["relu", "sigmoid", "tanh", "linear", "softmax"]
CASES = [
    (hidden, last, loss, 1 + k % 3)
    for k, (hidden, (last, loss)) in enumerate(itertools.product(HIDDEN, ENDINGS))
]


def random_network(seed, hidden, last, loss, depth, soft=False):
    rng = np.random.default_rng(seed)
    samples = 3
    sizes = [int(rng.integers(2, 5)) for _ in range(depth + 1)]
    if loss in ("categorical_crossentropy", "binary_crossentropy"):
        sizes[-1] = max(sizes[-1], 2)
    x = rng.normal(size=(samples, sizes[0]))
    weights = [rng.normal(scale=0.8, size=(a, b)) for a, b in itertools.pairwise(sizes)]
    biases = [rng.normal(scale=0.5, size=b) for b in sizes[1:]]
    activations = [hidden] * (depth - 1) + [last]
    spec = {
        "inputs": x.tolist(),
        "layers": [
            {"weights": w.tolist(), "biases": b.tolist(), "activation": act}
            for w, b, act in zip(weights, biases, activations)
        ],
    }
    n_out = sizes[-1]
    targets = dvalues = None
    if loss == "categorical_crossentropy":
        if soft:
            targets = rng.dirichlet(np.ones(n_out), size=samples)
            spec["loss"] = {"kind": loss, "targets": targets.tolist()}
        else:
            classes = rng.integers(0, n_out, size=samples)
            targets = np.eye(n_out)[classes]
            spec["loss"] = {"kind": loss, "targets": classes.tolist()}
    elif loss == "binary_crossentropy":
        targets = rng.random((samples, n_out)) if soft else rng.integers(0, 2, (samples, n_out)).astype(float)
        spec["loss"] = {"kind": loss, "targets": targets.tolist()}
    elif loss == "mse":
        targets = rng.normal(size=(samples, n_out))
        spec["loss"] = {"kind": loss, "targets": targets.tolist()}
    elif loss == "dvalues":
        dvalues = rng.normal(size=(samples, n_out))
        spec["dvalues"] = dvalues.tolist()
    else:
        dvalues = np.ones((samples, n_out))
    plain = (x, weights, biases, activations, None if loss in ("dvalues", "ones") else loss, targets, dvalues)
    return spec, plain


def check_against_differences(spec, plain, tol=1e-6):
    x, weights, biases, activations, loss, targets, dvalues = plain

    def f():
        return plain_loss(x, weights, biases, activations, loss, targets, dvalues)

    d = result(spec)
    if loss is not None:
        assert d["loss"] == pytest.approx(f(), rel=1e-12, abs=1e-12)
    for k, layer in enumerate(d["layers"]):
        close(layer["dweights"], central(f, weights[k]), rtol=tol, atol=tol)
        close(layer["dbiases"], central(f, biases[k]), rtol=tol, atol=tol)
    close(d["dinputs"], central(f, x), rtol=tol, atol=tol)
    return d


@pytest.mark.parametrize(("hidden", "last", "loss", "depth"), CASES)
def test_random_networks_against_finite_differences(hidden, last, loss, depth):
    seed = CASES.index((hidden, last, loss, depth))
    spec, plain = random_network(seed, hidden, last, loss, depth)
    check_against_differences(spec, plain)


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "binary_crossentropy"])
def test_probability_targets_against_finite_differences(loss):
    last = "softmax" if loss == "categorical_crossentropy" else "sigmoid"
    spec, plain = random_network(7, "tanh", last, loss, 2, soft=True)
    check_against_differences(spec, plain)


def params_of(spec, rng, count=3):
    """A few parameter names spread over the layers, the biases and the inputs."""
    names = []
    for k, layer in enumerate(spec["layers"], start=1):
        rows, cols = len(layer["weights"]), len(layer["weights"][0])
        names.append(f"W{k}[{rng.integers(rows)},{rng.integers(cols)}]")
        names.append(f"b{k}[{rng.integers(cols)}]")
    names.append(f"X[{rng.integers(len(spec['inputs']))},{rng.integers(len(spec['inputs'][0]))}]")
    return [names[i] for i in rng.choice(len(names), size=min(count, len(names)), replace=False)]


def matrix_entry(d, name):
    kind, layer, index = (
        name[0],
        name[1 : name.index("[")],
        [int(i) for i in name[name.index("[") + 1 : -1].split(",")],
    )
    if kind == "X":
        return d["dinputs"][index[0]][index[1]]
    entry = d["layers"][int(layer) - 1]
    return entry["dweights"][index[0]][index[1]] if kind == "W" else entry["dbiases"][index[0]]


@pytest.mark.parametrize(("hidden", "last", "loss", "depth"), CASES[::2])
def test_scalar_view_sums_to_the_matrix_view(hidden, last, loss, depth):
    seed = CASES.index((hidden, last, loss, depth))
    spec, _ = random_network(seed, hidden, last, loss, depth)
    names = params_of(spec, np.random.default_rng(seed))
    d = result(spec, wrt=names)
    assert list(d["chains"]) == names
    for name in names:
        paths = d["chains"][name]
        total = math.fsum(p["value"] for p in paths)
        assert total == pytest.approx(matrix_entry(d, name), rel=1e-9, abs=1e-12), name
        for p in paths:  # each path's value is the product of its factors' values
            assert p["value"] == pytest.approx(math.prod(p["values"]), rel=1e-12, abs=1e-300)
            assert len(p["factors"]) == len(p["derivatives"]) == len(p["values"]) == len(p["nodes"])
            assert p["nodes"][-1] == name


def test_scalar_view_of_the_chapter_batch():
    """dinputs = Σ over neurons: X[0,1]'s three paths are dvalues[0,j] · W1[1,j]."""
    spec = {"inputs": INPUTS, "layers": [{"weights": WEIGHTS, "biases": BIASES}], "dvalues": [[1, 2, 3]] * 3}
    d = result(spec, wrt=["X[0,1]", "W1[1,0]", "b1[2]"])
    x = d["chains"]["X[0,1]"]
    assert [p["nodes"][:3] for p in x] == [
        ["L[0]", f"(dvalues[0,{j}] * z1[0,{j}])", f"z1[0,{j}]"] for j in range(3)
    ]
    assert [p["value"] for p in x] == pytest.approx([1 * WEIGHTS[1][0], 2 * WEIGHTS[1][1], 3 * WEIGHTS[1][2]])
    assert [p["derivatives"][2] for p in x] == [rf"\mathit{{dvalues}}_{{0,{j}}}" for j in range(3)]
    # dweights = Σ over samples: one path per sample, the input times the upstream gradient
    w = d["chains"]["W1[1,0]"]
    assert [p["value"] for p in w] == pytest.approx([row[1] * 1 for row in INPUTS])
    assert math.fsum(p["value"] for p in d["chains"]["b1[2]"]) == pytest.approx(9)


def test_scalar_view_text_writes_the_sums_out():
    spec = softmax_spec(SOFTMAX_OUTPUTS, loss={"kind": "categorical_crossentropy", "targets": [0, 1, 1]})
    text = symbackprop.network(spec, wrt=["b1[0]"], scalar=True).text()
    assert "Forward pass" not in text  # --scalar: the scalar view alone
    assert "∂L/∂b1[0] = Σ_s=0..2 ∂L/∂L[s] · ∂L[s]/∂z1[s,0] · ∂z1[s,0]/∂b1[0]" in text
    assert "s = 0: 1/3 · (softmax_0(z1[0,0], z1[0,1], z1[0,2]) - 1) · 1" in text
    assert "∂L/∂b1[0] = -0.1 + 0.0333333 + 0.00666667 = -0.06" in text


def test_wide_layers_fold_the_other_terms():
    spec, _ = random_network(3, "relu", "softmax", "categorical_crossentropy", 2)
    rng = np.random.default_rng(0)
    spec["inputs"] = rng.normal(size=(3, 12)).tolist()
    spec["layers"][0]["weights"] = rng.normal(size=(12, len(spec["layers"][0]["biases"]))).tolist()
    r = symbackprop.network(spec, wrt=["W2[0,1]", "W1[3,0]"])
    d = r.to_dict()
    assert r.derivation.scalar is not None and r.derivation.scalar.folded
    leaves = set(r.derivation.scalar.derivation.values)
    assert {"r1[0,0]", "X[0,3]", "W1[3,0]"} <= leaves and "X[0,4]" not in leaves
    for name in ("W2[0,1]", "W1[3,0]"):
        assert math.fsum(p["value"] for p in d["chains"][name]) == pytest.approx(
            matrix_entry(d, name), rel=1e-9
        )
    text = symbackprop.network(spec, wrt=["W1[3,0]"]).text()
    assert "r is the rest" in text


def test_a_parameter_no_loss_reaches():
    """Cross-entropy with sigmoid outputs ignores the classes no sample has: no path, gradient 0."""
    spec = {
        "inputs": [[1.0, 2.0]],
        "layers": [{"weights": [[0.1, 0.2], [0.3, 0.4]], "biases": [0, 0], "activation": "sigmoid"}],
        "loss": {"kind": "categorical_crossentropy", "targets": [0]},
    }
    d = result(spec, wrt=["W1[0,1]"])
    assert d["chains"] == {"W1[0,1]": []}
    assert d["layers"][0]["dweights"][0][1] == 0
    assert "no path from the loss reaches W1[0,1]" in symbackprop.network(spec, wrt=["W1[0,1]"]).text()


def test_clipping_is_a_warning_and_the_scalar_view_clips_too():
    spec = {
        "inputs": [[1.0], [2.0]],
        "layers": [{"weights": [[40.0, -40.0]], "biases": [0, 0], "activation": "sigmoid"}],
        "loss": {"kind": "binary_crossentropy", "targets": [[0, 1], [1, 0]]},
    }
    r = symbackprop.network(spec, wrt=["W1[0,0]", "b1[1]"])
    d = r.to_dict()
    assert (
        len(d["warnings"]) == 1 and "clipped" in d["warnings"][0] and "as the book does" in d["warnings"][0]
    )
    assert r.warnings == d["warnings"]
    assert all(math.isfinite(v) for v in d["sample_losses"])
    for name in ("W1[0,0]", "b1[1]"):
        assert math.fsum(p["value"] for p in d["chains"][name]) == pytest.approx(
            matrix_entry(d, name), rel=1e-12
        )
    assert any("clip" in f for p in d["chains"]["W1[0,0]"] for f in p["derivatives"] + p["factors"])


def test_clip_bounds_are_the_operations():
    from symbackprop.ops import CLIP_HIGH as OP_HIGH
    from symbackprop.ops import CLIP_LOW as OP_LOW

    assert (CLIP_LOW, CLIP_HIGH) == (OP_LOW, OP_HIGH) == (1e-7, 1 - 1e-7)


def test_softmax_hidden_layer_scalar_factors_are_the_jacobian():
    spec = softmax_spec([[0.7, 0.1, 0.2]], dvalues=[[1.0, 0.0, 0.0]])
    d = result(spec, wrt=["b1[1]"])
    paths = d["chains"]["b1[1]"]  # L = Σ_k dvalues[0,k] · a1[0,k]: one path per output, each through z1[0,1]
    assert [p["nodes"][1:] for p in paths] == [[f"a1[0,{k}]", "z1[0,1]", "b1[1]"] for k in range(3)]
    jacobian = d["layers"][0]["jacobians"][0]
    for k, p in enumerate(paths):
        assert p["values"][2] == pytest.approx(jacobian[k][1], rel=1e-12)  # ∂S_k/∂z_1 = S_k (δ_k1 - S_1)
    assert math.fsum(p["value"] for p in paths) == pytest.approx(jacobian[0][1], rel=1e-12)


def test_spec_is_not_mutated_and_lists_are_arrays():
    spec = {"inputs": INPUTS, "layers": [{"weights": WEIGHTS, "biases": BIASES, "activation": "ReLU"}]}
    before = json.dumps(spec)
    parsed = parse_spec(spec)
    assert parsed.layers[0].activation == "relu" and parsed.inputs.dtype == np.float64
    assert json.dumps(spec) == before


def test_names():
    assert latex_name("W1[2,0]") == "W^{[1]}_{2,0}"
    assert latex_name("X[0,1]") == "X_{0,1}"
    assert latex_name("L[0]") == "L_{0}"
    assert latex_name("l[0,1]") == r"\ell_{0,1}"
    assert latex_name("z2[s,k]") == "z^{[2]}_{s,k}"
    assert split_params("W1[2,0],b1[0], X[0,1]") == ["W1[2,0]", "b1[0]", "X[0,1]"]


# --- the NumPy program ---------------------------------------------------------------------------------


def run_program(source):
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<network program>", "exec"), namespace)
    return namespace, out.getvalue()


@pytest.mark.parametrize(("hidden", "last", "loss", "depth"), CASES[1::3])
def test_python_program_prints_the_same_gradients(hidden, last, loss, depth):
    seed = CASES.index((hidden, last, loss, depth))
    spec, _ = random_network(seed, hidden, last, loss, depth)
    spec["lr"] = 0.05
    r = symbackprop.network(spec)
    d = r.to_dict()
    namespace, out = run_program(r.python())
    assert "dense1.dweights:" in out
    tol = {"rtol": 1e-12, "atol": 1e-14}
    for k, layer in enumerate(d["layers"], start=1):
        dense = namespace[f"dense{k}"]
        close(dense.dinputs, layer["dinputs"], **tol)
        close(dense.dbiases[0], layer["dbiases"], **tol)
        close(dense.weights, d["step"]["layers"][k - 1]["weights"], **tol)  # after the step
        close(dense.biases[0], d["step"]["layers"][k - 1]["biases"], **tol)
    if "loss" in d:
        assert f"loss after the step: {d['step']['loss']!r}"[:30] in out


def test_python_program_of_the_combined_route_checks_the_separate_one():
    spec = softmax_spec(SOFTMAX_OUTPUTS, loss={"kind": "categorical_crossentropy", "targets": [0, 1, 1]})
    source = symbackprop.network(spec).python()
    assert "class Activation_Softmax_Loss_CategoricalCrossentropy" in source
    assert "def backward(self, dvalues):" in source and "jacobian_matrix" in source
    namespace, out = run_program(source)
    assert "largest difference between the routes:" in out
    close(namespace["dense1"].dweights, result(spec)["layers"][0]["dweights"], rtol=1e-12, atol=1e-15)


# --- LaTeX -----------------------------------------------------------------------------------------------

SMALL = {
    "inputs": [[1, 2], [3, -1]],
    "layers": [
        {"weights": [[0.5, -1], [2, 0.25]], "biases": [0, 1], "activation": "relu"},
        {"weights": [[1, -1], [0.5, 2]], "biases": [0.5, 0], "activation": "softmax"},
    ],
    "loss": {"kind": "categorical_crossentropy", "targets": [0, 1]},
}
BATCH = {
    "inputs": INPUTS,
    "layers": [{"weights": WEIGHTS, "biases": BIASES}],
    "dvalues": [[1, 1, 1], [2, 2, 2], [3, 3, 3]],
}


def blocks_of(spec, **options):
    r = symbackprop.network(spec, **options)
    return {b.comment: b.body for b in render.blocks(r.derivation)}


GOLDEN = [
    (
        SMALL,
        "Forward pass, layer 1",
        r"""\begin{aligned}
\underbrace{Z^{[1]}}_{2 \times 2} &= \underbrace{X}_{2 \times 2} \cdot \underbrace{W^{[1]}}_{2 \times 2} + \underbrace{b^{[1]}}_{1 \times 2} \\
&= \begin{bmatrix} 1 & 2 \\ 3 & -1 \end{bmatrix} \cdot \begin{bmatrix} 0.5 & -1 \\ 2 & 0.25 \end{bmatrix} + \begin{bmatrix} 0 & 1 \end{bmatrix} \\
&= \begin{bmatrix} 4.5 & 0.5 \\ -0.5 & -2.25 \end{bmatrix} \\
A^{[1]} &= \text{ReLU}(Z^{[1]}) = \begin{bmatrix} 4.5 & 0.5 \\ 0 & 0 \end{bmatrix}
\end{aligned}""",
    ),
    (
        SMALL,
        "Layer 1: back through the activation",
        r"""\begin{aligned}
\underbrace{\frac{\partial L}{\partial Z^{[1]}}}_{2 \times 2} &= \underbrace{1(Z^{[1]} > 0)}_{2 \times 2} \odot \underbrace{\frac{\partial L}{\partial A^{[1]}}}_{2 \times 2} \\
&= \begin{bmatrix} 1 & 1 \\ 0 & 0 \end{bmatrix} \odot \begin{bmatrix} -0.000158436 & 0.000118827 \\ 0.622459 & -0.466844 \end{bmatrix} \\
&= \begin{bmatrix} -0.000158436 & 0.000118827 \\ 0 & 0 \end{bmatrix}
\end{aligned}""",
    ),
    (
        BATCH,
        "Layer 1: the inputs' gradient, passed to the inputs",
        r"""\begin{aligned}
\underbrace{\frac{\partial L}{\partial X}}_{3 \times 4} &= \underbrace{\frac{\partial L}{\partial Z^{[1]}}}_{3 \times 3} \cdot \underbrace{W^{[1]\top}}_{3 \times 4} \\
&= \begin{bmatrix} 1 & 1 & 1 \\ 2 & 2 & 2 \\ 3 & 3 & 3 \end{bmatrix} \cdot \begin{bmatrix} 0.2 & 0.8 & -0.5 & 1 \\ 0.5 & -0.91 & 0.26 & -0.5 \\ -0.26 & -0.27 & 0.17 & 0.87 \end{bmatrix} \\
&= \begin{bmatrix} 0.44 & -0.38 & -0.07 & 1.37 \\ 0.88 & -0.76 & -0.14 & 2.74 \\ 1.32 & -1.14 & -0.21 & 4.11 \end{bmatrix}
\end{aligned}""",
    ),
    (
        BATCH,
        "Layer 1: the weights' gradient",
        r"""\begin{aligned}
\underbrace{\frac{\partial L}{\partial W^{[1]}}}_{4 \times 3} &= \underbrace{X^{\top}}_{4 \times 3} \cdot \underbrace{\frac{\partial L}{\partial Z^{[1]}}}_{3 \times 3} \\
&= \begin{bmatrix} 1 & 2 & -1.5 \\ 2 & 5 & 2.7 \\ 3 & -1 & 3.3 \\ 2.5 & 2 & -0.8 \end{bmatrix} \cdot \begin{bmatrix} 1 & 1 & 1 \\ 2 & 2 & 2 \\ 3 & 3 & 3 \end{bmatrix} \\
&= \begin{bmatrix} 0.5 & 0.5 & 0.5 \\ 20.1 & 20.1 & 20.1 \\ 10.9 & 10.9 & 10.9 \\ 4.1 & 4.1 & 4.1 \end{bmatrix}
\end{aligned}""",
    ),
    (
        BATCH,
        "Layer 1: the biases' gradient, summed over the samples",
        r"""\begin{aligned}
\underbrace{\frac{\partial L}{\partial b^{[1]}}}_{1 \times 3} &= \sum_{s=0}^{2} \frac{\partial L}{\partial Z^{[1]}_{s,:}} \\
&= \begin{bmatrix} 1 & 1 & 1 \end{bmatrix} + \begin{bmatrix} 2 & 2 & 2 \end{bmatrix} + \begin{bmatrix} 3 & 3 & 3 \end{bmatrix} \\
&= \begin{bmatrix} 6 & 6 & 6 \end{bmatrix}
\end{aligned}""",
    ),
    (
        softmax_spec(SOFTMAX_OUTPUTS, loss={"kind": "categorical_crossentropy", "targets": [0, 1, 1]}),
        "Backward pass: softmax and cross-entropy combined, (ŷ - y) / N",
        r"""\begin{aligned}
\underbrace{\frac{\partial L}{\partial Z^{[1]}}}_{3 \times 3} &= \frac{1}{N}\left(\underbrace{\hat{Y}}_{3 \times 3} - \underbrace{Y}_{3 \times 3}\right) \\
&= \frac{1}{3}\left(\begin{bmatrix} 0.7 & 0.1 & 0.2 \\ 0.1 & 0.5 & 0.4 \\ 0.02 & 0.9 & 0.08 \end{bmatrix} - \begin{bmatrix} 1 & 0 & 0 \\ 0 & 1 & 0 \\ 0 & 1 & 0 \end{bmatrix}\right) \\
&= \begin{bmatrix} -0.1 & 0.0333333 & 0.0666667 \\ 0.0333333 & -0.166667 & 0.133333 \\ 0.00666667 & -0.0333333 & 0.0266667 \end{bmatrix}
\end{aligned}""",
    ),
    (
        softmax_spec([[0.7, 0.1, 0.2]], dvalues=[[1, 0, 0]]),
        "Layer 1: back through the activation",
        r"""\begin{aligned}
\frac{\partial L}{\partial z^{[1]}_{s}} &= J_{s} \cdot \frac{\partial L}{\partial a^{[1]}_{s}}, \quad J_{s} = \operatorname{diag}\left(a^{[1]}_{s}\right) - a^{[1]}_{s} a^{[1]\top}_{s} \\
J_{0} &= \begin{bmatrix} 0.21 & -0.07 & -0.14 \\ -0.07 & 0.09 & -0.02 \\ -0.14 & -0.02 & 0.16 \end{bmatrix} \\
\underbrace{\frac{\partial L}{\partial Z^{[1]}}}_{1 \times 3} &= \begin{bmatrix} 0.21 & -0.07 & -0.14 \end{bmatrix}
\end{aligned}""",
    ),
]


@pytest.mark.parametrize(
    ("spec", "comment", "expected"), GOLDEN, ids=[f"{k}-{c}" for k, (_, c, _) in enumerate(GOLDEN)]
)
def test_golden_latex(spec, comment, expected):
    assert blocks_of(spec)[comment] == expected


@pytest.mark.parametrize(
    ("activation", "derivative"),
    [
        ("relu", r"\underbrace{1(Z^{[1]} > 0)}_{1 \times 2}"),
        ("sigmoid", r"\underbrace{\sigma(Z^{[1]}) \left(1 - \sigma(Z^{[1]})\right)}_{1 \times 2}"),
        ("tanh", r"\underbrace{\left(1 - \tanh(Z^{[1]})^{2}\right)}_{1 \times 2}"),
    ],
)
def test_golden_activation_derivatives(activation, derivative):
    spec = {
        "inputs": [[1, -1]],
        "layers": [{"weights": identity(2), "biases": [0, 0], "activation": activation}],
    }
    first_row = blocks_of(spec)["Layer 1: back through the activation"].splitlines()[1]
    assert first_row == (
        r"\underbrace{\frac{\partial L}{\partial Z^{[1]}}}_{1 \times 2} &= "
        + derivative
        + r" \odot \underbrace{\frac{\partial L}{\partial A^{[1]}}}_{1 \times 2} \\"
    )


def test_golden_scalar_block():
    spec = {
        "inputs": [[1, 2]],
        "layers": [{"weights": [[0.5, -1], [2, 0.25]], "biases": [0, 1], "activation": "relu"}],
    }
    block = blocks_of(spec, wrt=["W1[1,0]"], scalar=True)["Scalar view: the chain rule for W1[1,0]"]
    assert block == (
        r"""\begin{aligned}
\frac{\partial L}{\partial W^{[1]}_{1,0}} &= \frac{\partial L}{\partial a^{[1]}_{0,0}} \cdot \frac{d\,a^{[1]}_{0,0}}{d\,z^{[1]}_{0,0}} \cdot \frac{\partial z^{[1]}_{0,0}}{\partial \left(X_{0,1} W^{[1]}_{1,0}\right)} \cdot \frac{\partial \left(X_{0,1} W^{[1]}_{1,0}\right)}{\partial W^{[1]}_{1,0}} \\
&= 1 \cdot 1(z^{[1]}_{0,0} > 0) \cdot 1 \cdot X_{0,1} \\
&= 1 \cdot 1 \cdot 1 \cdot 2 = 2 \\
&= 2 \quad \left(= \frac{\partial L}{\partial W^{[1]}}\Big|_{1,0} = 2\right)
\end{aligned}"""
    )


def test_large_matrices_keep_their_corners():
    text = bmatrix(np.arange(144.0).reshape(12, 12))
    rows = text.removeprefix(r"\begin{bmatrix} ").removesuffix(r" \end{bmatrix}").split(r" \\ ")
    assert len(rows) == 9 and all(len(r.split(" & ")) == 9 for r in rows)  # pdflatex takes 10 columns
    assert rows[0].startswith("0 & 1 & ") and r"\cdots & 10 & 11" in rows[0]
    assert rows[6] == r" & ".join([r"\vdots"] * 6 + [r"\ddots"] + [r"\vdots"] * 2)


def test_repr_latex_is_one_display():
    r = symbackprop.network(SMALL, wrt=["b2[0]"])
    shown = r._repr_latex_()
    assert shown.startswith("$$\\begin{gathered}") and shown.endswith("\\end{gathered}$$")
    assert r"\frac{\partial L}{\partial b^{[2]}_{0}}" in shown


MATHJAX = (
    Path(__file__).resolve().parent.parent / "docs" / "node_modules" / "mathjax" / "es5" / "node-main.js"
)
RENDER_IN_MATHJAX = """
const bodies = require(process.argv[1]);
require(process.argv[2]).init({loader: {load: ['input/tex', 'output/svg']}}).then((MathJax) => {
  const bad = [];
  bodies.forEach((body, i) => {
    const out = MathJax.startup.adaptor.outerHTML(MathJax.tex2svg(body, {display: true}));
    if (out.includes('merror') || out.includes('data-mjx-error')) bad.push(i);
  });
  console.log(JSON.stringify(bad));
}).catch((e) => console.log('failed: ' + e));
"""


@pytest.mark.skipif(
    shutil.which("node") is None or not MATHJAX.exists(), reason="node or the docs' MathJax missing"
)
def test_every_block_renders_in_mathjax(tmp_path):
    """Every display body, and the notebook's one display, typesets without a MathJax error."""
    wide = {  # corners of 12 × 11 and 11 × 12 matrices, 13 paths to write out
        "inputs": np.random.default_rng(1).normal(size=(12, 11)).tolist(),
        "layers": [
            {"weights": np.full((11, 12), 0.1).tolist(), "biases": [0.0] * 12, "activation": "sigmoid"},
            {"weights": np.full((12, 1), 0.2).tolist(), "biases": [0.0], "activation": "tanh"},
        ],
        "lr": 0.1,
    }
    results = [
        symbackprop.network(SMALL, wrt=["W1[0,1]", "X[1,0]"]),
        symbackprop.network(wide, wrt=["b2[0]"]),
    ]
    bodies = [b.body for r in results for b in render.blocks(r.derivation)]
    bodies += [r._repr_latex_().removeprefix("$$").removesuffix("$$") for r in results]
    (tmp_path / "bodies.json").write_text(json.dumps(bodies))
    done = subprocess.run(
        ["node", "-e", RENDER_IN_MATHJAX, str(tmp_path / "bodies.json"), str(MATHJAX)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_pytorch_agrees_when_installed():
    """An autograd library as one more oracle (skipped where PyTorch is not installed)."""
    torch = pytest.importorskip("torch")
    acts = {
        "relu": torch.relu,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "linear": lambda t: t,
        "softmax": lambda t: torch.softmax(t, dim=1),
    }
    for hidden, last, loss, depth in CASES[::3]:
        spec, plain = random_network(CASES.index((hidden, last, loss, depth)), hidden, last, loss, depth)
        x, weights, biases, activations, kind, targets, dvalues = plain
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in [x, *weights, *biases]]
        a = leaves[0]
        for w, b, act in zip(leaves[1 : depth + 1], leaves[depth + 1 :], activations):
            a = acts[act](a @ w + b)
        if kind is None:
            value = (torch.tensor(dvalues) * a).sum()
        else:
            y = torch.tensor(targets)
            p = torch.clamp(a, 1e-7, 1 - 1e-7)
            if kind == "categorical_crossentropy":
                value = -(y * torch.log(p)).sum(dim=1).mean()
            elif kind == "binary_crossentropy":
                value = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
            else:
                value = ((y - a) ** 2).mean()
        value.backward()
        d = result(spec)
        close(d["dinputs"], leaves[0].grad.numpy(), rtol=1e-9, atol=1e-12)
        for k, layer in enumerate(d["layers"]):
            close(layer["dweights"], leaves[1 + k].grad.numpy(), rtol=1e-9, atol=1e-12)
            close(layer["dbiases"], leaves[1 + depth + k].grad.numpy(), rtol=1e-9, atol=1e-12)
