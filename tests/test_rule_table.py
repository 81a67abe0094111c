"""The rule table, entry by entry: each operation's forward rule against its own local derivative
against central finite differences; each activation's matrix rules against its scalar ones; each
loss's matrix rules against its scalar builder and against finite differences."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy

from symbackprop import ops
from symbackprop.ops import table

H = 1e-6


def value(e: sympy.Basic, env: dict[str, float]) -> float:
    """A tree's value by each operation's forward rule (independent of the evaluator's compiled templates)."""
    if isinstance(e, ops.Op):
        return float(type(e).forward(*(value(a, env) for a in e.args)))
    if isinstance(e, sympy.Symbol):
        return env[e.name]
    return float(e)


def every_operation() -> list[type[ops.Op]]:
    """Every concrete operation (the abstract bases, Op and Activation, are not entries)."""
    out: list[type[ops.Op]] = []
    stack = [ops.Op]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in out:
                out.append(sub)
                stack.append(sub)
    return [op for op in out if op is not ops.Activation]


# How to draw arguments for each operation: (fixed leading numbers, how many variable arguments,
# a sampler for them).  Away from kinks and outside the clip, where a derivative is a limit.
def _any(rng: random.Random) -> float:
    value = rng.uniform(-2.0, 2.0)
    return value if abs(value) > 0.2 else value + 0.5


def _positive(rng: random.Random) -> float:
    return rng.uniform(0.3, 3.0)


def _probability(rng: random.Random) -> float:
    return rng.uniform(0.05, 0.95)


ARGUMENTS: dict[str, tuple[list[float], int, Callable[[random.Random], float]]] = {
    "MulOp": ([], 3, _any),
    "SumOp": ([], 3, _any),
    "SubOp": ([], 2, _any),
    "NegOp": ([], 1, _any),
    "DivOp": ([], 2, _any),
    "PowOp": ([], 2, _positive),
    "StepOp": ([], 1, _any),
    "SignOp": ([], 1, _any),
    "ReLU": ([], 1, _any),
    "Sigmoid": ([], 1, _any),
    "Tanh": ([], 1, _any),
    "Exp": ([], 1, _any),
    "LogOp": ([], 1, _positive),
    "Sqrt": ([], 1, _positive),
    "AbsOp": ([], 1, _any),
    "MaxOp": ([], 3, _any),
    "MinOp": ([], 3, _any),
    "ShareOp": ([1.0, 1.0], 3, _any),  # ∂max/∂a_1 of three arguments: piecewise constant
    "MeanOp": ([], 4, _any),
    "Clip": ([], 1, _probability),
    "Linear": ([], 1, _any),
    "Softmax": ([1.0], 4, _any),  # the second output of a softmax of four
    "SoftmaxCrossEntropy": ([0.0, 1.0, 0.0], 3, _any),  # a one-hot target, three logits
}


def test_every_operation_is_in_the_table_of_arguments():
    assert {op.__name__ for op in every_operation()} == set(ARGUMENTS)
    assert set(ops.ACTIVATIONS.values()) <= set(every_operation())
    assert set(ops.FUNCTIONS.values()) <= set(every_operation())


@pytest.mark.parametrize("op", every_operation(), ids=lambda op: op.__name__)
def test_local_derivative_against_finite_differences(op: type[ops.Op]) -> None:
    fixed, count, draw = ARGUMENTS[op.__name__]
    rng = random.Random(op.__name__)
    names = [f"a{i}" for i in range(count)]
    symbols = [sympy.Integer(int(v)) if float(v).is_integer() else sympy.Float(v) for v in fixed]
    symbols += [sympy.Symbol(n) for n in names]
    for _ in range(20):
        point = [draw(rng) for _ in names]
        if op.__name__ in ("MaxOp", "MinOp", "ShareOp") and len(set(point)) < len(point):
            continue
        env = dict(zip(names, point))
        for k in range(count):
            i = len(fixed) + k
            local = value(op.local(symbols, i), env)

            def f(x: float, k: int = k, point: list[float] = point) -> float:
                args = [*fixed, *point]
                args[len(fixed) + k] = x
                return float(op.forward(*args))

            numeric = (f(point[k] + H) - f(point[k] - H)) / (2 * H)
            assert local == pytest.approx(numeric, rel=1e-5, abs=1e-6), (op.__name__, k, point)


@pytest.mark.parametrize("name", list(ops.ACTIVATIONS))
def test_matrix_rules_are_the_scalar_ones(name: str) -> None:
    act = ops.ACTIVATIONS[name]
    rng = np.random.default_rng(len(name))
    z = rng.uniform(-3, 3, size=(4, 5))
    a = act.np_forward(z)
    x = sympy.Symbol("x")
    if act.rowwise:
        zs = sympy.symbols("z0:5")
        for s in range(4):
            env = {f"z{j}": float(z[s, j]) for j in range(5)}
            for j in range(5):
                assert a[s, j] == pytest.approx(act.forward(j, *z[s]), rel=1e-12)
                for k in range(5):
                    local = value(act.local([sympy.Integer(j), *zs], k + 1), env)
                    assert act.np_jacobians(a)[s, j, k] == pytest.approx(local, rel=1e-9, abs=1e-12)
        return
    derivative = act.np_derivative(z, a)
    for s in range(4):
        for j in range(5):
            assert a[s, j] == pytest.approx(act.forward(float(z[s, j])), rel=1e-12)
            local = value(act.local([x], 0), {"x": float(z[s, j])})
            assert derivative[s, j] == pytest.approx(local, rel=1e-9, abs=1e-12)


class _Numbers:
    """A loss's scalar builder (ops.losses.ScalarLoss), evaluated: its nodes are numbers."""

    def __init__(self, prediction: np.ndarray) -> None:
        self.prediction = prediction

    def output(self, k: int) -> float:
        return float(self.prediction[k])

    def clipped(self, k: int) -> float:
        return ops.Clip.forward(float(self.prediction[k]))

    def helper(self, op: type[ops.Op], *args: Any) -> float:
        return float(op.forward(*args))


def _scalar_loss(rule: ops.LossRule, p: np.ndarray, y: np.ndarray) -> float:
    view = _Numbers(p)
    if rule.per_sample is not None:
        op, *args = rule.per_sample(view, y)
        return float(op.forward(*args))
    assert rule.per_output is not None
    terms = []
    for k in range(len(y)):
        op, *args = rule.per_output(view, k, float(y[k]))
        terms.append(float(op.forward(*args)))
    return math.fsum(terms) / len(terms)


TARGETS = {
    "categorical_crossentropy": np.eye(3)[[0, 2, 1, 1]],
    "binary_crossentropy": np.array([[1, 0, 1], [0, 0, 1], [0.25, 1, 0], [1, 1, 0]], dtype=float),
    "mse": np.array([[0.5, -1, 2], [0, 0, 1], [3, 1, -2], [1, 1, 0]], dtype=float),
}


@pytest.mark.parametrize("name", list(ops.LOSSES))
def test_loss_rules_agree(name: str) -> None:
    rule = ops.LOSSES[name]
    rng = np.random.default_rng(len(name))
    p = rng.uniform(0.1, 0.9, size=(4, 3))
    y = TARGETS[name]
    losses = rule.sample_losses(p, y)
    for s in range(4):  # the matrix rule against the scalar view's builder
        assert losses[s] == pytest.approx(_scalar_loss(rule, p[s], y[s]), rel=1e-12)
    gradient = rule.gradient(p, y)  # against finite differences of the mean loss
    for s in range(4):
        for k in range(3):
            up, down = p.copy(), p.copy()
            up[s, k] += H
            down[s, k] -= H
            numeric = (np.mean(rule.sample_losses(up, y)) - np.mean(rule.sample_losses(down, y))) / (2 * H)
            assert gradient[s, k] == pytest.approx(numeric, rel=1e-5, abs=1e-8), (s, k)


def test_the_light_name_lists_are_the_tables():
    assert tuple(ops.ACTIVATIONS) == ops.ACTIVATION_NAMES
    assert tuple(ops.LOSSES) == ops.LOSS_NAMES
    assert set(ops.NEURON_ACTIVATIONS) <= set(ops.ACTIVATIONS)
    assert table.CLIP_LOW == 1e-7 and table.CLIP_HIGH == 1 - 1e-7


def test_every_activation_has_its_book_class():
    for name, act in ops.ACTIVATIONS.items():
        assert act.book_class.startswith(f"class {act.book_name}:"), name
        compile(act.book_class, name, "exec")
    for name, rule in ops.LOSSES.items():
        assert rule.book_class.startswith(f"class {rule.book_name}(Loss):"), name
        compile(rule.book_class, name, "exec")
