"""Silent float64 effects named (issue 14, part 12): an underflow that makes a log fail is called one,
and a value float64 rounded to exactly 0 or ±1 where the exact value is not carries a warning.

The oracle is mpmath at 60 digits: the exact value of each case, compared with float64's.
"""

from __future__ import annotations

import json

import mpmath
import pytest

import symbackprop
from symbackprop import ops
from symbackprop.errors import EvaluationError
from symbackprop.rounding import rounded

mpmath.mp.dps = 60


def test_the_underflow_is_named_as_one(cli):
    assert 1 / (1 + mpmath.exp(800)) > 0  # the exact value: positive, so its log is finite
    status, out, err = cli(["derive", "log(sigmoid(x))", "--at", "x=-800"])
    assert status == 1 and out == "" and err.count("\n") == 1
    assert err.startswith(
        "symbackprop: error: sigmoid(x) is 0.0 in float64 (an underflow: its exact value is not 0): "
        "log of a non-positive number (0.0) in log(sigmoid(x))"
    )


def test_a_log_of_a_true_zero_is_no_underflow():
    with pytest.raises(EvaluationError) as info:
        symbackprop.derive("log(x - y)", at={"x": 1.0, "y": 1.0})
    assert "underflow" not in str(info.value) and "log of a non-positive number (0.0)" in str(info.value)


@pytest.mark.parametrize(
    ("expr", "at", "exact", "shown"),
    [
        ("log(sigmoid(x))", {"x": 40.0}, lambda x: 1 / (1 + mpmath.exp(-x)), "sigmoid(x) = 1.0"),
        ("tanh(x)", {"x": 20.0}, mpmath.tanh, "tanh(x) = 1.0"),
        ("tanh(x)", {"x": -20.0}, mpmath.tanh, "tanh(x) = -1.0"),
        ("exp(x) * 2", {"x": -800.0}, mpmath.exp, "exp(x) = 0.0"),
        ("log(1 + x)", {"x": 1e-20}, lambda x: 1 + x, "1 + x = 1.0"),
    ],
)
def test_a_value_rounded_to_0_or_1_carries_a_warning(cli, expr, at, exact, shown):
    value = float(exact(mpmath.mpf(next(iter(at.values())))))
    assert exact(mpmath.mpf(next(iter(at.values())))) != value  # float64 rounded it
    status, out, err = cli(["derive", expr, "--format", "json", *[f"--at={k}={v!r}" for k, v in at.items()]])
    assert status == 0
    (warning,) = json.loads(out)["warnings"]
    assert warning.startswith(f"float64 rounded {shown} exactly, where the exact value is not")
    assert err == f"symbackprop: warning: {warning}\n"


@pytest.mark.parametrize(
    ("expr", "at"),
    [
        ("relu(x*w + b)", {"x": 1.0, "w": -3.0, "b": 0.0}),  # ReLU's 0 is exact
        ("x*w", {"x": 0.5, "w": 2.0}),  # 1.0 exactly
        ("tanh(x) + sigmoid(x) + exp(x)", {"x": 0.0}),  # 0, 0.5, 1: exact
        ("log(x + y)", {"x": 0.25, "y": 0.75}),  # log(1) = 0 of an exact 1
        ("x / y - 1", {"x": 3.0, "y": 3.0}),
    ],
)
def test_exact_zeros_and_ones_carry_no_warning(expr, at):
    assert symbackprop.derive(expr, at=at).warnings == []


def test_the_rule_is_each_operations_own():
    assert rounded(ops.Sigmoid, [-800.0], 0.0) and rounded(ops.Sigmoid, [40.0], 1.0)
    assert not rounded(ops.Sigmoid, [0.0], 0.5)
    assert rounded(ops.SumOp, [1.0, 1e-20], 1.0) and not rounded(ops.SumOp, [0.5, 0.5], 1.0)
    assert rounded(ops.MulOp, [1e-200, 1e-200], 0.0) and not rounded(ops.MulOp, [0.0, 5.0], 0.0)
    assert rounded(ops.PowOp, [1e-200, 2.0], 0.0) and not rounded(ops.PowOp, [0.0, 2.0], 0.0)
    assert not rounded(ops.DivOp, [1.0, 0.0], 0.0)  # a division by zero fails on its own


def test_many_rounded_values_are_one_warning():
    expr = " + ".join(f"sigmoid(x{i})" for i in range(10))
    r = symbackprop.derive(expr, at={f"x{i}": 50.0 for i in range(10)})
    (warning,) = r.warnings
    assert "sigmoid(x0) = 1.0; sigmoid(x1) = 1.0; sigmoid(x2) = 1.0; and 7 more" in warning
