"""A network's matrix view: the book's backward pass, vectorised, with the rules from the rule table.

dinputs = dvalues · Wᵀ, dweights = Xᵀ · dvalues, dbiases = column sums, the activation's
elementwise derivative or its Jacobian per row, and the combined softmax + cross-entropy
gradient (ŷ − y) / N.  Nothing loops over elements in Python.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import sympy

from ..errors import EvaluationError
from ..limits import DEFAULT, Limits
from ..ops import ACTIVATIONS, CLIP_HIGH, CLIP_LOW, LOSSES, Activation, LossRule
from .spec import Layer, Spec, _count

if TYPE_CHECKING:
    from .scalar import ScalarView


class Upstream(enum.Enum):
    """Where the last layer's gradient comes from."""

    LOSS = "loss"  # the spec's loss
    DVALUES = "dvalues"  # given in the spec
    ONES = "ones"  # neither: a gradient of 1, as the chapter's single neuron has


@dataclass
class LayerPass:
    """One layer's forward and backward quantities (all float64 arrays)."""

    number: int  # from 1, as the book's dense1
    layer: Layer
    inputs: np.ndarray  # X for layer 1, the previous layer's output otherwise
    z: np.ndarray
    output: np.ndarray
    doutput: np.ndarray = field(default_factory=lambda: np.zeros(0))  # ∂L/∂output, arriving from above
    derivative: np.ndarray | None = None  # f'(z), elementwise activations
    jacobians: np.ndarray | None = None  # softmax: one n × n matrix per sample
    dz: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dz_separate: np.ndarray | None = None  # softmax + cross-entropy: the separate route's result
    dweights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dbiases: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dinputs: np.ndarray = field(default_factory=lambda: np.zeros(0))

    rule: sympy.Basic | None = (
        None  # f'(Z) in the symbol Z, elementwise activations: what the renderers print
    )

    @property
    def activation(self) -> type[Activation]:
        return ACTIVATIONS[self.layer.activation]


@dataclass(frozen=True)
class NetworkStep:
    """One SGD step, ``p += -lr * dp`` on every weight and bias, and the loss again (when there is one)."""

    lr: float
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    loss: float | None


@dataclass
class NetworkDerivation:
    """Everything the renderers print: the matrix view, the step, and the scalar view when asked for."""

    spec: Spec
    layers: list[LayerPass]
    upstream: Upstream
    loss: float | None = None
    sample_losses: np.ndarray | None = None
    combined: bool = False  # softmax + categorical cross-entropy: (ŷ − y) / N
    step: NetworkStep | None = None
    scalar: ScalarView | None = None
    warnings: list[str] = field(default_factory=list)
    scalar_only: bool = False  # print the scalar view alone (--scalar)
    limits: Limits = DEFAULT

    @property
    def rule(self) -> LossRule | None:
        return None if self.spec.loss is None else LOSSES[self.spec.loss.kind]


def _finite(array: np.ndarray, what: str, columns: str = "neuron") -> None:
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        index = tuple(int(k) for k in bad[0])
        where = f"sample {index[0]}, {columns} {index[1]}" if len(index) > 1 else f"entry {index[0]}"
        raise EvaluationError(f"{what} is not finite at {where} ({array[index]}): the numbers overflow")


def _forward(
    spec: Spec, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    a = spec.inputs
    for k, layer in enumerate(spec.layers, start=1):
        z = a @ weights[k - 1] + biases[k - 1]
        _finite(z, f"layer {k} z")
        a = ACTIVATIONS[layer.activation].np_forward(z)
        _finite(a, f"layer {k} output")
        out.append((z, a))
    return out


def _clip_warning(spec: Spec, prediction: np.ndarray) -> str | None:
    """The book clips predictions to [1e-7, 1 - 1e-7] before a log: say so when it changes one that counts."""
    assert spec.loss is not None
    rule = LOSSES[spec.loss.kind]
    if rule.logs is None:
        return None
    clipped = ((prediction < CLIP_LOW) | (prediction > CLIP_HIGH)) & rule.logs(spec.loss.targets)
    if not clipped.any():
        return None
    s, k = (int(i) for i in np.argwhere(clipped)[0])
    n = int(clipped.sum())
    return (
        f"layer {len(spec.layers)} output: {_count(n, 'prediction')} outside [1e-7, 1 - 1e-7] clipped before the "
        f"log, as the book does (first at sample {s}, output {k}: {float(prediction[s, k])!r})"
    )


def derive_matrix(spec: Spec, limits: Limits = DEFAULT) -> NetworkDerivation:
    """The matrix view of ``spec``'s backward pass and its SGD step."""
    limits.check(
        "the size of the network's matrices, in numbers,",
        _elements(spec),
        limits.max_elements,
        "max_elements",
    )
    with np.errstate(all="ignore"):
        nd = _backward(
            spec, [layer.weights for layer in spec.layers], [layer.biases for layer in spec.layers]
        )
        if spec.lr is not None:
            nd.step = _step(spec, nd)
    nd.limits = limits
    z = sympy.Symbol("Z")
    for lp in nd.layers:  # the rule each elementwise activation's backward step prints
        act = lp.activation
        if not act.identity and not act.rowwise:
            lp.rule = act.local([z], 0)
    return nd


def _elements(spec: Spec) -> int:
    """How many numbers the matrix view holds, counted before any is computed: per layer its weights
    and biases (and their step), six samples × outputs matrices (z, a, their gradients, the
    gradient passed on), and a rowwise activation's Jacobian per sample."""
    n = spec.samples
    total = int(spec.inputs.size)
    for layer in spec.layers:
        inputs, outputs = layer.weights.shape
        total += 2 * (inputs * outputs + outputs) + 6 * n * outputs + n * inputs
        if ACTIVATIONS[layer.activation].rowwise:
            total += 2 * n * outputs * outputs  # the Jacobians, and their product with the gradient
    return total


def _backward(spec: Spec, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> NetworkDerivation:
    passes = _forward(spec, weights, biases)
    layers = []
    previous = spec.inputs
    for k, (layer, (z, a)) in enumerate(zip(spec.layers, passes), start=1):
        layers.append(LayerPass(k, layer, previous, z, a))
        previous = a
    last = layers[-1]
    n = spec.samples
    nd = NetworkDerivation(
        spec,
        layers,
        Upstream.LOSS if spec.loss else Upstream.DVALUES if spec.dvalues is not None else Upstream.ONES,
    )
    if spec.loss is not None:
        rule = LOSSES[spec.loss.kind]
        y = spec.loss.targets
        nd.sample_losses = rule.sample_losses(last.output, y)
        nd.loss = float(np.mean(nd.sample_losses))
        _finite(nd.sample_losses[:, None], "the loss", "column")
        _finite(np.array([nd.loss]), "the mean loss")
        warning = _clip_warning(spec, last.output)
        if warning:
            nd.warnings.append(warning)
        last.doutput = rule.gradient(last.output, y)
        nd.combined = last.activation.rowwise and spec.loss.kind == "categorical_crossentropy"
    elif spec.dvalues is not None:
        last.doutput = spec.dvalues.copy()
    else:
        last.doutput = np.ones_like(last.output)
    for lp in reversed(layers):
        act = lp.activation
        if lp is last and nd.combined:
            assert spec.loss is not None
            lp.dz = (lp.output - spec.loss.targets) / n
            lp.jacobians = act.np_jacobians(lp.output)
            lp.dz_separate = np.einsum("sjk,sk->sj", lp.jacobians, lp.doutput)
        elif act.rowwise:
            lp.jacobians = act.np_jacobians(lp.output)
            lp.dz = np.einsum("sjk,sk->sj", lp.jacobians, lp.doutput)
        else:
            lp.derivative = act.np_derivative(lp.z, lp.output)
            lp.dz = lp.derivative * lp.doutput
        _finite(lp.dz, f"layer {lp.number} dz")
        lp.dweights = lp.inputs.T @ lp.dz
        lp.dbiases = lp.dz.sum(axis=0)
        lp.dinputs = lp.dz @ weights[lp.number - 1].T
        _finite(lp.dweights, f"layer {lp.number} dweights", "neuron")
        _finite(lp.dbiases, f"layer {lp.number} dbiases")
        _finite(lp.dinputs, f"layer {lp.number} dinputs", "input")
        if lp.number > 1:
            layers[lp.number - 2].doutput = lp.dinputs
    return nd


def _step(spec: Spec, nd: NetworkDerivation) -> NetworkStep:
    assert spec.lr is not None
    weights = [lp.layer.weights + -spec.lr * lp.dweights for lp in nd.layers]
    biases = [lp.layer.biases + -spec.lr * lp.dbiases for lp in nd.layers]
    for k, (w, b) in enumerate(zip(weights, biases), start=1):
        _finite(w, f"layer {k} weights after the step", "neuron")
        _finite(b, f"layer {k} biases after the step")
    loss = None
    if spec.loss is not None:
        passes = _forward(spec, weights, biases)
        loss = float(np.mean(LOSSES[spec.loss.kind].sample_losses(passes[-1][1], spec.loss.targets)))
        _finite(np.array([loss]), "the loss after the step")  # a step too long overflows it
    return NetworkStep(spec.lr, weights, biases, loss)
