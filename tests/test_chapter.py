"""Every number chapter 9 prints, through the Python API (``neuron()`` with defaults is the chapter's neuron).

The expected numbers are the chapter's printed ones; the update step is checked against the
float the chapter's own Python code produces, computed here literally as the chapter writes it.
"""

from __future__ import annotations

from typing import Any

import pytest

from symbackprop.api import neuron

# Chapter 9, "In [1]": the neuron's inputs, weights and bias.
X = [1.0, -2.0, 3.0]
W = [-3.0, -1.0, 2.0]
B = 1.0

EXPRESSION = "ReLU(sum(mul(x0, w0), mul(x1, w1), mul(x2, w2), b))"


@pytest.fixture(scope="module")
def result() -> Any:
    return neuron()


@pytest.fixture(scope="module")
def data(result: Any) -> dict[str, Any]:
    return result.to_dict()


def chapter_update_step() -> tuple[list[float], float, float]:
    """The chapter's section 9.4 code, literally: one step on w and b, then the forward pass again."""
    x = [1.0, -2.0, 3.0]
    w = [-3.0, -1.0, 2.0]
    b = 1.0
    dw = [1.0, -2.0, 3.0]  # printed in "In [7]": drelu_dw0, drelu_dw1, drelu_dw2
    db = 1.0  # drelu_db, printed in "In [6]"
    w[0] += -0.001 * dw[0]
    w[1] += -0.001 * dw[1]
    w[2] += -0.001 * dw[2]
    b += -0.001 * db
    xw0 = x[0] * w[0]
    xw1 = x[1] * w[1]
    xw2 = x[2] * w[2]
    z = xw0 + xw1 + xw2 + b
    y = max(z, 0)
    return w, b, y


def test_defaults_are_the_chapters_values(data: dict[str, Any]) -> None:
    assert data["values"] == {"x0": 1.0, "x1": -2.0, "x2": 3.0, "w0": -3.0, "w1": -1.0, "w2": 2.0, "b": 1.0}
    assert data["dvalue"] == 1.0


def test_forward_pass(data: dict[str, Any], result: Any) -> None:
    """In [1]–[4]: xw0 = -3.0; xw0, xw1, xw2 = -3.0 2.0 6.0; z = 6.0; y = 6.0."""
    nodes = {n["var"]: n for n in data["nodes"]}
    assert [n["var"] for n in data["nodes"]] == ["xw0", "xw1", "xw2", "z", "y"]
    assert nodes["xw0"]["name"] == "mul(x0, w0)"
    assert nodes["xw1"]["name"] == "mul(x1, w1)"
    assert nodes["xw2"]["name"] == "mul(x2, w2)"
    assert nodes["z"]["name"] == "sum(mul(x0, w0), mul(x1, w1), mul(x2, w2), b)"
    assert nodes["y"]["name"] == EXPRESSION
    assert [nodes[v]["value"] for v in ("xw0", "xw1", "xw2", "z", "y")] == [-3.0, 2.0, 6.0, 6.0, 6.0]
    assert data["output"] == 6.0
    assert result.output == 6.0


def test_relu_derivative(data: dict[str, Any]) -> None:
    """In [5]: drelu_dz = 1.0 (the gradient arriving at the sum z)."""
    nodes = {n["var"]: n for n in data["nodes"]}
    assert nodes["y"]["gradient"] == 1.0  # the dvalue received from the next layer
    assert nodes["z"]["gradient"] == 1.0


def test_sum_derivatives(data: dict[str, Any], result: Any) -> None:
    """In [6]: drelu_dxw0, drelu_dxw1, drelu_dxw2, drelu_db = 1.0 1.0 1.0 1.0."""
    nodes = {n["var"]: n for n in data["nodes"]}
    assert [nodes[v]["gradient"] for v in ("xw0", "xw1", "xw2")] == [1.0, 1.0, 1.0]
    assert result.gradients["b"] == 1.0


def test_mul_derivatives(result: Any) -> None:
    """In [7]: drelu_dx0, drelu_dw0, drelu_dx1, drelu_dw1, drelu_dx2, drelu_dw2 = -3.0 1.0 -1.0 -2.0 2.0 3.0."""
    g = result.gradients
    assert [g["x0"], g["w0"], g["x1"], g["w1"], g["x2"], g["w2"]] == [-3.0, 1.0, -1.0, -2.0, 2.0, 3.0]


def test_gradient_vectors(result: Any) -> None:
    """In [8]: dx, dw, db."""
    g = result.gradients
    assert [g["x0"], g["x1"], g["x2"]] == [-3.0, -1.0, 2.0]
    assert [g["w0"], g["w1"], g["w2"]] == [1.0, -2.0, 3.0]
    assert g["b"] == 1.0
    assert set(g) == {"x0", "x1", "x2", "w0", "w1", "w2", "b"}


def test_chain_for_x0(result: Any, data: dict[str, Any]) -> None:
    """Section 9.3: dReLU/dsum · ∂sum/∂mul(x0, w0) · ∂mul(x0, w0)/∂x0 = 1(z > 0) · 1 · w0."""
    (path,) = result.chain("x0")
    assert path["derivatives"] == ["1(z > 0)", "1", "w_{0}"]
    assert path["values"] == [1.0, 1.0, -3.0]
    assert path["value"] == -3.0
    assert len(path["factors"]) == 3
    assert data["chains"]["x0"] == [path]


def test_update_step(data: dict[str, Any]) -> None:
    """In [10] and [11]: w = [-3.001, -0.998, 1.997], b = 0.999, then y = 5.985."""
    w, b, y = chapter_update_step()
    step = data["step"]
    assert step["lr"] == 0.001
    assert step["values"] == {"w0": w[0], "w1": w[1], "w2": w[2], "b": b}
    assert step["output"] == y
    # ... and they print as the chapter prints them.
    assert repr(w) == "[-3.001, -0.998, 1.997]" and repr(b) == "0.999"
    assert [repr(step["values"][n]) for n in ("w0", "w1", "w2", "b")] == [
        "-3.001",
        "-0.998",
        "1.997",
        "0.999",
    ]
    assert repr(step["output"]) == "5.985"


def test_step_never_updates_inputs(data: dict[str, Any]) -> None:
    assert set(data["step"]["values"]) == {"w0", "w1", "w2", "b"}
    assert data["values"]["x0"] == 1.0  # the recorded values are the ones before the step


def test_json_layout(data: dict[str, Any]) -> None:
    """The keys and types the contract's "JSON" section fixes."""
    assert data["schema"] == 1
    assert data["expression"] == EXPRESSION
    for key in ("latex", "latex_nested", "values", "nodes", "output", "dvalue", "gradients", "chains"):
        assert key in data
    assert isinstance(data["latex"], str) and isinstance(data["latex_nested"], str)
    assert data["warnings"] == []
    assert set(data["step"]) == {"lr", "values", "output"}
    assert set(data["gradients"]) == set(data["values"])
    assert set(data["chains"]) == set(data["values"])  # no --wrt: every leaf's chain
    for node in data["nodes"]:
        assert {"name", "value", "gradient"} <= set(node)
        assert isinstance(node["value"], float) and isinstance(node["gradient"], float)
    for name, paths in data["chains"].items():
        assert len(paths) == 1  # every leaf of the neuron occurs once
        for path in paths:
            assert len(path["factors"]) == len(path["derivatives"]) == len(path["values"])
            assert all(isinstance(v, float) for v in path["values"])
        assert data["gradients"][name] == sum(p["value"] for p in paths)


@pytest.mark.parametrize("name", ["x0", "w0", "x1", "w1", "x2", "w2", "b"])
def test_path_value_is_dvalue_times_factors(data: dict[str, Any], name: str) -> None:
    for path in data["chains"][name]:
        product = data["dvalue"]
        for v in path["values"]:
            product *= v
        assert path["value"] == product
