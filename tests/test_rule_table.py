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
    """Every concrete operation (the abstract bases, Op, Activation and the like, have no name and are not entries)."""
    out: list[type[ops.Op]] = []
    stack = [ops.Op]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in out:
                out.append(sub)
                stack.append(sub)
    return [op for op in out if op.name and not getattr(op, "user_defined", False)]


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
    "Softplus": ([], 1, _any),
    "LeakyReLU": ([], 2, _any),  # z and the slope: both derivatives
    "ELU": ([], 2, _any),  # z and alpha
    "SiLU": ([], 1, _any),
    "GELU": ([], 1, _any),
    "GELUTanh": ([], 1, _any),
    "Log2": ([], 1, _positive),
    "Log10": ([], 1, _positive),
    "Sin": ([], 1, _any),
    "Cos": ([], 1, _any),
    "Erf": ([], 1, _any),
}

# At a kink the derivative is PyTorch's: (operation, its arguments, the local derivative there), each
# by the rule PyTorch's backward applies (relu: grad * (x > 0); leaky_relu: x > 0 ? grad : grad * slope;
# elu: x <= 0 ? grad * alpha * exp(x) : grad; abs: grad * sign(x)).
KINKS = [
    ("ReLU", [0.0], 0.0),
    ("AbsOp", [0.0], 0.0),
    ("LeakyReLU", [0.0], 0.01),
    ("LeakyReLU", [0.0, 0.2], 0.2),
    ("ELU", [0.0], 1.0),
    ("ELU", [0.0, 0.5], 0.5),
]


@pytest.mark.parametrize(("name", "point", "expected"), KINKS)
def test_the_derivative_at_a_kink_is_pytorchs(name: str, point: list[float], expected: float) -> None:
    op = getattr(ops, name)
    names = [f"a{i}" for i in range(len(point))]
    local = op.local([sympy.Symbol(n) for n in names], 0)
    assert value(local, dict(zip(names, point))) == expected


def test_default_parameters_are_pytorchs() -> None:
    assert ops.LeakyReLU.forward(-2.0) == ops.LeakyReLU.forward(-2.0, 0.01) == -0.02
    assert ops.ELU.forward(-1.0) == ops.ELU.forward(-1.0, 1.0) == math.expm1(-1.0)
    # GELU exact and its tanh approximation agree to the approximation's accuracy, and differ
    assert abs(ops.GELU.forward(1.0) - ops.GELUTanh.forward(1.0)) < 1e-3
    assert ops.GELU.forward(1.0) != ops.GELUTanh.forward(1.0)
    assert ops.GELU.forward(1.0) == pytest.approx(0.8413447460685429)  # 1 * Phi(1), the normal CDF
    assert ops.SiLU.forward(-800.0) == -0.0 and ops.Softplus.forward(800.0) == 800.0  # no overflow


TORCH = {  # PyTorch's functional form of each, where it has one
    "Softplus": "softplus",
    "LeakyReLU": "leaky_relu",
    "ELU": "elu",
    "SiLU": "silu",
    "GELU": "gelu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "ReLU": "relu",
}


@pytest.mark.parametrize("name", sorted(TORCH))
def test_against_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    op = getattr(ops, name)
    points = [-2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 3.0]
    z = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    getattr(torch.nn.functional, TORCH[name])(z).sum().backward()
    x = sympy.Symbol("x")
    for k, p in enumerate(points):
        assert op.forward(p) == pytest.approx(
            float(getattr(torch.nn.functional, TORCH[name])(z)[k]), abs=1e-12
        )
        assert value(op.local([x], 0), {"x": p}) == pytest.approx(float(z.grad[k]), abs=1e-12), (name, p)


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
        if op.__name__ in ("LeakyReLU", "ELU") and abs(point[0]) < 1e-3:  # the kink: see KINKS
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
