"""Networks of dense layers: the spec, its matrix view (NumPy) and its scalar view (the chain rule).

A spec is the issue's JSON (or the same dict): ``inputs`` (samples × features), ``layers``
(each ``weights`` n_in × n_out, flat ``biases``, an ``activation``), then either a ``loss``
(``kind`` and ``targets``) or ``dvalues`` (the gradient arriving at the last layer's output;
ones when neither is given), and an optional ``lr`` for one plain SGD step.

* The matrix view is the book's backward pass, vectorised: dinputs = dvalues · Wᵀ,
  dweights = Xᵀ · dvalues, dbiases = column sums, the ReLU mask, the softmax Jacobian and the
  combined softmax + cross-entropy gradient (ŷ − y) / N.  Nothing loops over elements in Python.
* The scalar view writes, for named parameters (``W1[2,0]``, ``b1[0]``, ``X[0,1]``), the loss as
  a tree of the operations in :mod:`symbackprop.ops`, restricted to what those parameters touch,
  and walks it with the same chain-rule walker as a neuron: one path per sample and neuron,
  whose values add up to the matrix view's entry.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ._files import read_text
from ._rendered import FIGURES, Rendered
from .errors import EvaluationError, InputError, LimitError, SpecError
from .limits import DEFAULT, Limits

if TYPE_CHECKING:  # the scalar view loads SymPy and the operations only when it is asked for
    import sympy

    from .derivation import Derivation
    from .ops import Op


#: The scalar view writes at most this many chain-rule paths unless told otherwise (``--max-paths``).
MAX_PATHS = 10_000
#: ... and builds trees of at most this many nodes per allowed path (a bound on the time it takes).
NODES_PER_PATH = 40
#: A neuron with more inputs than this shows only the terms that involve the named parameters;
#: the others are one leaf, ``r1[s,j]``, their sum.
FOLD = 8
#: The book's clip for predictions inside a log (the bounds of :class:`symbackprop.ops.Clip`).
CLIP_LOW = 1e-7
CLIP_HIGH = 1 - 1e-7


# --- the spec -------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    weights: np.ndarray  # n_in × n_out
    biases: np.ndarray  # n_out
    activation: str


@dataclass(frozen=True)
class Loss:
    kind: str
    targets: np.ndarray  # samples × outputs: one-hot rows for class indices
    classes: np.ndarray | None = None  # the class indices, when the targets were given so


@dataclass(frozen=True)
class Spec:
    inputs: np.ndarray  # samples × features
    layers: tuple[Layer, ...]
    loss: Loss | None = None
    dvalues: np.ndarray | None = None
    lr: float | None = None
    source: str = "the spec"  # where errors point: the file's name

    @property
    def samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def outputs(self) -> int:
        return int(self.layers[-1].weights.shape[1])


FIELDS = ("inputs", "layers", "loss", "dvalues", "lr")
LAYER_FIELDS = ("weights", "biases", "activation")
LOSS_FIELDS = ("kind", "targets")


class _Reader:
    """Reads one spec, raising :class:`SpecError` that names the layer, the field and the source."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, where: str, what: str) -> SpecError:
        return SpecError(f"{where}: {what} (in {self.source})")

    def fields(self, value: object, where: str, allowed: Sequence[str], required: Sequence[str]) -> dict:
        if not isinstance(value, dict):
            raise self.error(where, f"expected an object with {_listing(allowed)}, got {_show(value)}")
        unknown = [k for k in value if k not in allowed]
        if unknown:
            raise self.error(
                where, f"unknown field {_show(unknown[0])} (the fields are {', '.join(allowed)})"
            )
        for name in required:
            if name not in value:
                raise self.error(where, f"missing field {_show(name)}")
        return value

    def number(self, value: object, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(where, f"expected a number, got {_show(value)}")
        try:
            number = float(value)
        except OverflowError:
            raise self.error(where, f"{_show(value)} is too large") from None
        if not math.isfinite(number):
            raise self.error(where, f"must be finite, not {number}")
        return number

    def matrix(self, value: object, where: str) -> np.ndarray:
        """A non-empty list of equally long, non-empty lists of finite numbers."""
        if not isinstance(value, list) or not value:
            what = "an empty list" if value == [] else _show(value)
            raise self.error(where, f"expected a list of rows (a matrix), got {what}")
        for r, row in enumerate(value):
            if not isinstance(row, list):
                raise self.error(f"{where} row {r}", f"expected a list of numbers, got {_show(row)}")
        width = len(value[0])
        if width == 0:
            raise self.error(f"{where} row 0", "expected a list of numbers, got an empty list")
        for r, row in enumerate(value):
            if len(row) != width:
                raise self.error(
                    where,
                    f"row {r} has {_count(len(row), 'value')} where row 0 has {width} "
                    "(the rows of a matrix have one length)",
                )
        return self._array(value, where, lambda r, c: f"{where} row {r}, column {c}")

    def vector(self, value: object, where: str) -> np.ndarray:
        """A non-empty flat list of finite numbers (a one-row matrix, as the book prints biases, too)."""
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
            value = value[0]
        if not isinstance(value, list) or not value or any(isinstance(v, list) for v in value):
            what = "an empty list" if value == [] else _show(value)
            raise self.error(where, f"expected a flat list of numbers, got {what}")
        return self._array([value], where, lambda r, c: f"{where}[{c}]")[0]

    def _array(self, rows: list[list[Any]], where: str, at: Callable[[int, int], str]) -> np.ndarray:
        for r, row in enumerate(rows):
            if not _NUMBER_TYPES.issuperset(map(type, row)):  # no bool, str, None ...; in C, per row
                c, v = next((c, v) for c, v in enumerate(row) if not _is_number(v))
                raise self.error(at(r, c), f"expected a number, got {_show(v)}")
        try:
            array = np.array(rows, dtype=np.float64)
        except OverflowError:
            r, c = next((r, c) for r, row in enumerate(rows) for c, v in enumerate(row) if abs(v) > 1e308)
            raise self.error(at(r, c), "the number is too large for a float") from None
        bad = np.argwhere(~np.isfinite(array))
        if len(bad):
            r, c = (int(k) for k in bad[0])
            raise self.error(at(r, c), f"must be finite, not {array[r, c]}")
        return array

    def shape(
        self,
        array: np.ndarray,
        where: str,
        rows: int | None,
        rows_what: str,
        cols: int | None,
        cols_what: str,
    ) -> None:
        if rows is not None and array.shape[0] != rows:
            raise self.error(where, f"expected {_count(rows, 'row')} ({rows_what}), got {array.shape[0]}")
        if cols is not None and array.shape[1] != cols:
            raise self.error(where, f"expected {_count(cols, 'column')} ({cols_what}), got {array.shape[1]}")


_NUMBER_TYPES = frozenset({float, int})


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _show(value: object) -> str:
    """A value as JSON, shortened: how the user wrote it."""
    if isinstance(value, dict):
        return "an object"
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    except RecursionError:  # a list nested thousands deep, from Python rather than JSON
        return "a list nested too deeply"
    if isinstance(value, list):
        return "a list" if len(text) > 40 else text
    return text if len(text) <= 40 else text[:37] + "..."


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def parse_spec(data: object, source: str = "the spec") -> Spec:
    """Check a spec (the parsed JSON, or the same dict) and turn it into arrays."""
    read = _Reader(source)
    spec = read.fields(data, "spec", FIELDS, ("inputs", "layers"))
    inputs = read.matrix(spec["inputs"], "inputs")
    samples = inputs.shape[0]
    raw_layers = spec["layers"]
    if not isinstance(raw_layers, list) or not raw_layers:
        what = "an empty list" if raw_layers == [] else _show(raw_layers)
        raise read.error("layers", f"expected a list of layers, got {what}")
    layers = []
    width, width_what = inputs.shape[1], "the inputs' features"
    for number, raw in enumerate(raw_layers, start=1):
        where = f"layer {number}"
        fields = read.fields(raw, where, LAYER_FIELDS, ("weights", "biases"))
        weights = read.matrix(fields["weights"], f"{where} weights")
        read.shape(weights, f"{where} weights", width, width_what, None, "")
        biases = read.vector(fields["biases"], f"{where} biases")
        if biases.shape[0] != weights.shape[1]:
            raise read.error(
                f"{where} biases",
                f"expected {weights.shape[1]} values (one per neuron: the weights' columns), got {biases.shape[0]}",
            )
        activation = fields.get("activation", "linear")
        if not isinstance(activation, str) or activation.lower() not in ACTIVATIONS:
            raise read.error(
                f"{where} activation",
                f"unknown activation {_show(activation)} (choose one of {', '.join(ACTIVATIONS)})",
            )
        layers.append(Layer(weights, biases, activation.lower()))
        width, width_what = weights.shape[1], "the previous layer's outputs"
    if "loss" in spec and "dvalues" in spec:
        raise read.error(
            "loss and dvalues", "give one of them, not both (dvalues is the gradient a loss would give)"
        )
    loss = _read_loss(read, spec["loss"], samples, width) if "loss" in spec else None
    dvalues = None
    if "dvalues" in spec:
        dvalues = read.matrix(spec["dvalues"], "dvalues")
        read.shape(dvalues, "dvalues", samples, "one per sample", width, "the last layer's outputs")
    lr = read.number(spec["lr"], "lr") if "lr" in spec else None
    return Spec(inputs, tuple(layers), loss, dvalues, lr, source)


def _read_loss(read: _Reader, raw: object, samples: int, outputs: int) -> Loss:
    fields = read.fields(raw, "loss", LOSS_FIELDS, LOSS_FIELDS)
    kind = fields["kind"]
    if not isinstance(kind, str) or kind not in LOSSES:
        raise read.error("loss kind", f"unknown loss {_show(kind)} (choose one of {', '.join(LOSSES)})")
    targets = fields["targets"]
    where = "loss targets"
    flat = isinstance(targets, list) and bool(targets) and not any(isinstance(t, list) for t in targets)
    if kind == "categorical_crossentropy" and flat:
        assert isinstance(targets, list)
        if len(targets) != samples:
            raise read.error(where, f"expected {samples} class indices (one per sample), got {len(targets)}")
        classes = []
        for s, t in enumerate(targets):
            if not _is_number(t) or not float(t).is_integer():
                raise read.error(f"{where}[{s}]", f"expected a class index (a whole number), got {_show(t)}")
            if not 0 <= t < outputs:
                raise read.error(
                    f"{where}[{s}]",
                    f"class {int(t)} is out of range (the last layer has {outputs} outputs: classes 0 to {outputs - 1})",
                )
            classes.append(int(t))
        index = np.array(classes, dtype=np.intp)
        return Loss(kind, np.eye(outputs)[index], index)
    if flat and outputs == 1:
        matrix = read.vector(targets, where)[:, None]
    else:
        matrix = read.matrix(targets, where)
    read.shape(matrix, where, samples, "one per sample", outputs, "the last layer's outputs")
    if kind != "mse":
        outside = np.argwhere((matrix < 0) | (matrix > 1))
        if len(outside):
            r, c = (int(k) for k in outside[0])
            raise read.error(
                f"{where} row {r}, column {c}",
                f"{float(matrix[r, c])!r} is not a probability (between 0 and 1)",
            )
    if kind == "categorical_crossentropy":
        sums = matrix.sum(axis=1)
        wrong = np.flatnonzero(np.abs(sums - 1) > 1e-9)
        if len(wrong):
            r = int(wrong[0])
            raise read.error(
                f"{where} row {r}",
                f"expected a one-hot row (or probabilities summing to 1), the row sums to {float(sums[r])!r}",
            )
    return Loss(kind, matrix)


def load_spec(path: str, max_length: int = DEFAULT.max_spec_length) -> Spec:
    """Read and check a spec file (``-``: standard input); every failure is a one-line :class:`SpecError`
    (a :class:`LimitError` past ``max_length`` characters)."""
    source = "standard input" if path == "-" else path
    text = read_text(path, max_length, "the network spec", "--max-spec-length", SpecError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise SpecError(
            f"invalid JSON: {err.msg} (at line {err.lineno}, column {err.colno} of {source})"
        ) from None
    except RecursionError:
        raise SpecError(f"invalid JSON: nested too deeply (in {source})") from None
    return parse_spec(data, source)


# --- activations and losses: the matrix rules --------------------------------------


@dataclass(frozen=True)
class Activation:
    """One activation: its NumPy forward rule and either an elementwise derivative or a Jacobian per row.

    ``op`` is the scalar view's operation (None for ``linear``, which has no node); LaTeX and text
    for the matrix view are printed from it, so each rule is written once.
    """

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray] | None  # f'(z) from z and f(z)
    op_name: str = ""  # the class in :mod:`symbackprop.ops`; "" for linear
    rowwise: bool = False  # softmax: each output depends on its whole row
    # The Jacobian of one row ``{a}`` (``{aT}``: its transpose), for rowwise activations: LaTeX and text.
    jacobian_latex: str = ""
    jacobian_text: str = ""

    @property
    def op(self) -> type[Op] | None:
        """The scalar view's operation (loading SymPy)."""
        if not self.op_name:
            return None
        from . import ops

        op: type[Op] = getattr(ops, self.op_name)
        return op

    def jacobians(self, output: np.ndarray) -> np.ndarray:
        """diag(S) − S·Sᵀ for every row S (samples × n × n)."""
        return (
            np.einsum("sj,jk->sjk", output, np.eye(output.shape[1])) - output[:, :, None] * output[:, None, :]
        )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(np.float64), "ReLU"),
    "sigmoid": Activation("sigmoid", _sigmoid, lambda z, a: a * (1 - a), "Sigmoid"),
    "tanh": Activation("tanh", np.tanh, lambda z, a: 1 - a**2, "Tanh"),
    "softmax": Activation(
        "softmax",
        _softmax,
        None,
        "Softmax",
        rowwise=True,
        jacobian_latex=r"\operatorname{{diag}}\left({a}\right) - {a} {aT}",
        jacobian_text="diag({a}) - {a}·{a}ᵀ",
    ),
    "linear": Activation("linear", lambda z: z.copy(), lambda z, a: np.ones_like(z)),
}


def _clip(p: np.ndarray) -> np.ndarray:
    return np.clip(p, CLIP_LOW, CLIP_HIGH)


@dataclass(frozen=True)
class LossRule:
    """A loss as the book defines it: per-sample losses, the gradient on the predictions (mean over
    samples included), which entries go through a clipped log, and its formulas in LaTeX and text."""

    name: str
    title: str
    sample_losses: Callable[[np.ndarray, np.ndarray], np.ndarray]
    gradient: Callable[[np.ndarray, np.ndarray], np.ndarray]
    logs: Callable[[np.ndarray], np.ndarray] | None  # mask of the entries whose log counts, from the targets
    latex: str  # L_s in terms of Y and \hat{Y}
    latex_gradient: str  # ∂L/∂Ŷ (the right-hand side)
    text: str
    text_gradient: str


def _cce_losses(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(np.where(y != 0, y * np.log(_clip(p)), 0.0), axis=1)


def _bce_losses(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    c = _clip(p)
    return np.mean(-(y * np.log(c) + (1 - y) * np.log(1 - c)), axis=-1)


def _bce_gradient(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    c = _clip(p)
    return -(y / c - (1 - y) / (1 - c)) / p.shape[1] / p.shape[0]


LOSSES: dict[str, LossRule] = {
    "categorical_crossentropy": LossRule(
        "categorical_crossentropy",
        "categorical cross-entropy",
        _cce_losses,
        lambda p, y: -y / _clip(p) / p.shape[0] + 0.0,  # + 0.0: no -0.0 where y is 0
        lambda y: y != 0,
        r"L_{s} = -\sum_{k} Y_{s,k} \log \hat{Y}_{s,k}",
        r"-\frac{1}{N}\, Y \oslash \hat{Y}",
        "L[s] = -Σ_k Y[s,k] · log(Ŷ[s,k])",
        "-Y / Ŷ / N",
    ),
    "binary_crossentropy": LossRule(
        "binary_crossentropy",
        "binary cross-entropy",
        _bce_losses,
        _bce_gradient,
        lambda y: np.ones(y.shape, dtype=bool),
        r"L_{s} = -\frac{1}{C} \sum_{k} \left(Y_{s,k} \log \hat{Y}_{s,k} + (1 - Y_{s,k}) \log(1 - \hat{Y}_{s,k})\right)",
        r"-\frac{1}{N C} \left(Y \oslash \hat{Y} - (1 - Y) \oslash (1 - \hat{Y})\right)",
        "L[s] = -1/C · Σ_k (Y[s,k] · log(Ŷ[s,k]) + (1 - Y[s,k]) · log(1 - Ŷ[s,k]))",
        "-(Y / Ŷ - (1 - Y) / (1 - Ŷ)) / C / N",
    ),
    "mse": LossRule(
        "mse",
        "mean squared error",
        lambda p, y: np.mean((y - p) ** 2, axis=-1),
        lambda p, y: -2 * (y - p) / p.shape[1] / p.shape[0],
        None,
        r"L_{s} = \frac{1}{C} \sum_{k} \left(Y_{s,k} - \hat{Y}_{s,k}\right)^{2}",
        r"-\frac{2}{N C} \left(Y - \hat{Y}\right)",
        "L[s] = 1/C · Σ_k (Y[s,k] - Ŷ[s,k])²",
        "-2 (Y - Ŷ) / C / N",
    ),
}


# --- the matrix view -----------------------------------------------------------------


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

    @property
    def activation(self) -> Activation:
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
    upstream: str  # "loss", "dvalues" or "ones": where the last layer's gradient comes from
    loss: float | None = None
    sample_losses: np.ndarray | None = None
    combined: bool = False  # softmax + categorical cross-entropy: (ŷ − y) / N
    step: NetworkStep | None = None
    scalar: ScalarView | None = None
    warnings: list[str] = field(default_factory=list)
    scalar_only: bool = False  # print the scalar view alone (--scalar)

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
        a = ACTIVATIONS[layer.activation].forward(z)
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


def derive_network(
    spec: Spec,
    wrt: Iterable[str] | None = None,
    max_paths: int = MAX_PATHS,
    scalar_only: bool = False,
) -> NetworkDerivation:
    """The matrix view of ``spec``'s backward pass, its SGD step, and the scalar view of ``wrt``."""
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1:
        raise InputError(f"--max-paths must be at least 1, not {max_paths!r}")
    params = [parse_param(text, spec) for item in (wrt or []) for text in split_params(str(item))]
    params = list(dict.fromkeys(params))
    if scalar_only and not params:
        raise InputError("--scalar needs --wrt PARAM: the parameters whose chains to write out, e.g. W1[0,0]")
    with np.errstate(all="ignore"):
        nd = _backward(
            spec, [layer.weights for layer in spec.layers], [layer.biases for layer in spec.layers]
        )
        if spec.lr is not None:
            nd.step = _step(spec, nd)
    nd.scalar_only = scalar_only
    if params:
        nd.scalar = scalar_view(nd, params, max_paths)
    return nd


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
        spec, layers, "loss" if spec.loss else "dvalues" if spec.dvalues is not None else "ones"
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
            lp.jacobians = act.jacobians(lp.output)
            lp.dz_separate = np.einsum("sjk,sk->sj", lp.jacobians, lp.doutput)
        elif act.rowwise:
            lp.jacobians = act.jacobians(lp.output)
            lp.dz = np.einsum("sjk,sk->sj", lp.jacobians, lp.doutput)
        else:
            assert act.derivative is not None
            lp.derivative = act.derivative(lp.z, lp.output)
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


# --- the scalar view ----------------------------------------------------------------------

_PARAM = re.compile(r"(?:(W)(\d+)\[(\d+),(\d+)\]|(b)(\d+)\[(\d+)\]|(X)\[(\d+),(\d+)\])")
PARAM_FORMS = "W<layer>[input,neuron], b<layer>[neuron] or X[sample,feature], e.g. W1[2,0]"


@dataclass(frozen=True)
class Param:
    """A named scalar of the network: ``W1[2,0]`` (layer 1, input 2, neuron 0), ``b1[0]``, ``X[0,1]``."""

    kind: str  # "W", "b" or "X"
    layer: int  # from 1; 1 for X, the first layer's input
    index: tuple[int, ...]

    @property
    def name(self) -> str:
        inner = ",".join(map(str, self.index))
        return f"X[{inner}]" if self.kind == "X" else f"{self.kind}{self.layer}[{inner}]"


def parse_param(text: str, spec: Spec) -> Param:
    """``W1[2,0]`` and friends, checked against the network's shapes."""
    compact = re.sub(r"\s+", "", str(text))
    m = _PARAM.fullmatch(compact)
    if not m:
        raise InputError(f"--wrt {text!r}: expected {PARAM_FORMS}")
    g = m.groups()
    layers = len(spec.layers)
    if g[0]:
        kind, layer, index = "W", int(g[1]), tuple(int(v) for v in g[2:4])
    elif g[4]:
        kind, layer, index = "b", int(g[5]), tuple(int(v) for v in g[6:7])
    else:
        kind, layer, index = "X", 1, tuple(int(v) for v in g[8:10])
    if not 1 <= layer <= layers:
        raise InputError(
            f"--wrt {compact}: the network has {_count(layers, 'layer')} ({kind}1 to {kind}{layers})"
        )
    rows, cols = spec.layers[layer - 1].weights.shape
    if kind == "W" and not (index[0] < rows and index[1] < cols):
        raise InputError(
            f"--wrt {compact}: layer {layer} weights are {rows} × {cols} "
            f"(inputs 0 to {rows - 1}, neurons 0 to {cols - 1})"
        )
    if kind == "b" and not index[0] < cols:
        raise InputError(f"--wrt {compact}: layer {layer} has {_count(cols, 'neuron')} (0 to {cols - 1})")
    samples, features = spec.inputs.shape
    if kind == "X" and not (index[0] < samples and index[1] < features):
        raise InputError(
            f"--wrt {compact}: the inputs are {samples} × {features} "
            f"(samples 0 to {samples - 1}, features 0 to {features - 1})"
        )
    return Param(kind, layer, index)


@dataclass(frozen=True)
class _Leaf:
    name: str
    value: float


@dataclass(eq=False)
class _Node:
    """One quantity of the restricted computation, before it becomes a SymPy tree.

    Named quantities (``z1[0,2]``, ``a1[0,2]``, ``L[0]``, ``L``) print by their names; the
    operations between them (a product, a log) have names starting with ``_`` and print as
    what they compute.
    """

    name: str
    op: type[Op]
    args: tuple[_Node | _Leaf | float, ...]


_Arg = _Node | _Leaf | float


@dataclass
class ScalarView:
    """The chain rule for the named parameters: a derivation over the restricted tree."""

    params: list[Param]
    derivation: Derivation | None  # None when no named parameter reaches the loss
    latex_names: dict[str, str]  # every symbol and node name -> LaTeX
    text_names: dict[str, str]  # ... -> plain text
    matrix: dict[str, float]  # each parameter's gradient in the matrix view
    folded: bool  # whether some neuron's other terms were folded into one leaf r…

    def paths(self, name: str) -> list[Any]:
        d = self.derivation
        return [] if d is None or name not in d.chains else list(d.chains[name])

    def total(self, name: str) -> float:
        return math.fsum(p.value for p in self.paths(name))


def _matrix_gradient(nd: NetworkDerivation, p: Param) -> float:
    if p.kind == "X":
        return float(nd.layers[0].dinputs[p.index])
    lp = nd.layers[p.layer - 1]
    return float(lp.dweights[p.index] if p.kind == "W" else lp.dbiases[p.index[0]])


def _output_name(layer: Layer, number: int) -> str:
    """A linear layer's output is its z: no node of its own."""
    return "z" if layer.activation == "linear" else "a"


class _Builder:
    """Builds the loss as a tree of our operations, expanding only what the named parameters touch."""

    def __init__(self, nd: NetworkDerivation, params: list[Param]) -> None:
        self.nd = nd
        self.spec = nd.spec
        self.params = params
        self.leaves: dict[str, float] = {}
        self.memo: dict[tuple, _Arg] = {}
        self.helpers = 0
        self.folded = False
        n = self.spec.samples
        self.named_w = {(p.layer, p.index) for p in params if p.kind == "W"}
        self.named_b = {(p.layer, p.index[0]) for p in params if p.kind == "b"}
        self.named_x = {p.index for p in params if p.kind == "X"}
        # Which z and outputs depend on a named parameter, per layer (samples × neurons).
        self.dep_z: list[np.ndarray] = []
        self.dep_a: list[np.ndarray] = []
        for k, layer in enumerate(self.spec.layers, start=1):
            dz = np.zeros((n, layer.weights.shape[1]), dtype=bool)
            for p in params:
                if p.kind == "X" and k == 1:
                    dz[p.index[0], :] = True
                elif p.kind == "W" and p.layer == k:
                    dz[:, p.index[1]] = True
                elif p.kind == "b" and p.layer == k:
                    dz[:, p.index[0]] = True
            if k > 1:
                dz |= self.dep_a[-1].any(axis=1, keepdims=True)
            self.dep_z.append(dz)
            rowwise = ACTIVATIONS[layer.activation].rowwise
            self.dep_a.append(
                np.repeat(dz.any(axis=1, keepdims=True), dz.shape[1], axis=1) if rowwise else dz
            )

    # -- leaves and helpers ------------------------------------------------------
    def leaf(self, name: str, value: float) -> _Leaf:
        self.leaves[name] = float(value)
        return _Leaf(name, float(value))

    def helper(self, op: type[Op], *args: _Arg) -> _Node:
        self.helpers += 1
        return _Node(f"_{self.helpers}", op, args)

    # -- the network ---------------------------------------------------------------
    def output(self, k: int, s: int, j: int) -> _Arg:
        """Layer k's output for sample s, neuron j (k = 0: the input feature j)."""
        if k == 0:
            return self.leaf(f"X[{s},{j}]", self.spec.inputs[s, j])
        layer = self.spec.layers[k - 1]
        lp = self.nd.layers[k - 1]
        if not self.dep_a[k - 1][s, j]:
            return self.leaf(f"{_output_name(layer, k)}{k}[{s},{j}]", lp.output[s, j])
        key = ("a", k, s, j)
        if key not in self.memo:
            act = ACTIVATIONS[layer.activation]
            if act.op is None:
                self.memo[key] = self.z(k, s, j)
            elif act.rowwise:
                zs = [self.z(k, s, m) for m in range(layer.weights.shape[1])]
                self.memo[key] = _Node(f"a{k}[{s},{j}]", act.op, (float(j), *zs))
            else:
                self.memo[key] = _Node(f"a{k}[{s},{j}]", act.op, (self.z(k, s, j),))
        return self.memo[key]

    def depends_in(self, k: int, s: int, i: int) -> bool:
        """Whether layer k's input i of sample s depends on a named parameter."""
        return (s, i) in self.named_x if k == 1 else bool(self.dep_a[k - 2][s, i])

    def z(self, k: int, s: int, j: int) -> _Arg:
        """z_k[s,j] = Σ_i in_i · W_k[i,j] + b_k[j], a node when it depends on a named parameter."""
        lp = self.nd.layers[k - 1]
        if not self.dep_z[k - 1][s, j]:
            return self.leaf(f"z{k}[{s},{j}]", lp.z[s, j])
        key = ("z", k, s, j)
        if key in self.memo:
            return self.memo[key]
        from .ops import MulOp, SumOp

        weights = lp.layer.weights
        n_in = weights.shape[0]
        involved = [i for i in range(n_in) if self.depends_in(k, s, i) or (k, (i, j)) in self.named_w]
        shown = involved if n_in > FOLD else list(range(n_in))
        terms: list[_Arg] = []
        for i in shown:
            w = self.leaf(f"W{k}[{i},{j}]", weights[i, j])
            terms.append(_Node(f"_xw{k}[{s},{i},{j}]", MulOp, (self.output(k - 1, s, i), w)))
        rest = [i for i in range(n_in) if i not in set(shown)]
        if rest:
            self.folded = True
            value = math.fsum(float(lp.inputs[s, i] * weights[i, j]) for i in rest)
            terms.append(self.leaf(f"r{k}[{s},{j}]", value))
        terms.append(self.leaf(f"b{k}[{j}]", lp.layer.biases[j]))
        node = _Node(f"z{k}[{s},{j}]", SumOp, tuple(terms))
        self.memo[key] = node
        return node

    # -- the loss ---------------------------------------------------------------------
    def root(self) -> _Node:
        from .ops import MeanOp, SumOp

        spec, nd = self.spec, self.nd
        last = len(spec.layers)
        n_out = spec.outputs
        samples: list[_Arg] = []
        for s in range(spec.samples):
            if nd.combined:
                depends = bool(self.dep_z[-1][s].any())
            else:
                depends = bool((self.dep_a[-1][s] & self.terms_mask()[s]).any())
            if not depends:
                value = nd.sample_losses[s] if nd.sample_losses is not None else self.upstream_value(s)
                samples.append(self.leaf(f"L[{s}]", value))
                continue
            samples.append(self.sample(s, last, n_out))
        if nd.upstream == "loss":
            if len(samples) == 1:
                return _rename(samples[0], "L")
            return _Node("L", MeanOp, tuple(samples))
        if len(samples) == 1:
            return _rename(samples[0], "L")
        return _Node("L", SumOp, tuple(samples))

    def terms_mask(self) -> np.ndarray:
        """Which outputs enter the loss: the target classes for cross-entropy, every output otherwise."""
        spec = self.spec
        if spec.loss is not None and spec.loss.kind == "categorical_crossentropy":
            return spec.loss.targets != 0
        return np.ones((spec.samples, spec.outputs), dtype=bool)

    def upstream_value(self, s: int) -> float:
        last = self.nd.layers[-1]
        return float(np.sum(last.doutput[s] * last.output[s]))

    def sample(self, s: int, last: int, n_out: int) -> _Node:
        from .ops import LogOp, MeanOp, MulOp, NegOp, PowOp, SoftmaxCrossEntropy, SubOp, SumOp

        spec, nd = self.spec, self.nd
        if nd.combined:
            assert spec.loss is not None
            y = [float(v) for v in spec.loss.targets[s]]
            zs = [self.z(last, s, k) for k in range(n_out)]
            return _Node(f"L[{s}]", SoftmaxCrossEntropy, (*y, *zs))
        if spec.loss is None:
            if nd.upstream == "ones":  # the chapter's gradient of 1: no factor to show
                terms = [self.output(last, s, k) for k in range(n_out)]
            else:
                dv = nd.layers[-1].doutput[s]
                terms = [
                    self.helper(MulOp, self.leaf(f"dvalues[{s},{k}]", dv[k]), self.output(last, s, k))
                    for k in range(n_out)
                ]
            return _Node(f"L[{s}]", SumOp, tuple(terms))
        y = spec.loss.targets[s]
        prediction = nd.layers[-1].output[s]
        kind = spec.loss.kind
        if kind == "categorical_crossentropy":
            logs: list[_Arg] = []
            for c in (int(k) for k in np.flatnonzero(y != 0)):
                log = self.helper(LogOp, self.clipped(last, s, c, prediction[c]))
                logs.append(log if y[c] == 1 else self.helper(MulOp, float(y[c]), log))
            inner = logs[0] if len(logs) == 1 else self.helper(SumOp, *logs)
            return _Node(f"L[{s}]", NegOp, (inner,))
        outputs: list[_Arg] = []
        for k in range(n_out):
            if not self.dep_a[-1][s, k]:
                value = LOSSES[kind].sample_losses(prediction[k : k + 1][None, :], y[k : k + 1][None, :])[0]
                outputs.append(self.leaf(f"l[{s},{k}]", value))
            elif kind == "mse":
                a = self.output(last, s, k)
                diff = a if y[k] == 0 else self.helper(SubOp, a, float(y[k]))
                outputs.append(_Node(f"l[{s},{k}]", PowOp, (diff, 2.0)))
            else:
                p = self.clipped(last, s, k, prediction[k])
                parts: list[_Arg] = []
                if y[k] != 0:
                    log = self.helper(LogOp, p)
                    parts.append(log if y[k] == 1 else self.helper(MulOp, float(y[k]), log))
                if y[k] != 1:
                    log = self.helper(LogOp, self.helper(SubOp, 1.0, p))
                    parts.append(log if y[k] == 0 else self.helper(MulOp, float(1 - y[k]), log))
                inner = parts[0] if len(parts) == 1 else self.helper(SumOp, *parts)
                outputs.append(_Node(f"l[{s},{k}]", NegOp, (inner,)))
        if len(outputs) == 1:
            return _rename(outputs[0], f"L[{s}]")
        return _Node(f"L[{s}]", MeanOp, tuple(outputs))

    def clipped(self, last: int, s: int, k: int, value: float) -> _Arg:
        """The prediction inside a log, through the book's clip when the clip changes it."""
        from .ops import Clip

        a = self.output(last, s, k)
        return self.helper(Clip, a) if not CLIP_LOW <= value <= CLIP_HIGH else a


def _rename(arg: _Arg, name: str) -> _Node:
    assert isinstance(arg, _Node)
    return _Node(name, arg.op, arg.args)


def _count_paths(nd: NetworkDerivation, p: Param, terms: np.ndarray) -> float:
    """How many chain-rule paths lead from the loss to ``p`` (counted before anything is built)."""
    n = nd.spec.samples
    count = None
    for lp in nd.layers:
        width = lp.layer.weights.shape[1]
        if lp.number < p.layer:
            continue
        if lp.number == p.layer:
            cz = np.zeros((n, width))
            if p.kind == "X":
                cz[p.index[0], :] = 1
            else:
                cz[:, p.index[-1]] = 1
        else:
            assert count is not None
            cz = np.repeat(count.sum(axis=1, keepdims=True), width, axis=1)
        if nd.combined and lp.number == len(nd.layers):
            return float(cz.sum())
        count = np.repeat(cz.sum(axis=1, keepdims=True), width, axis=1) if lp.activation.rowwise else cz
    assert count is not None
    return float((count * terms).sum())


def _size(root: _Node) -> int:
    """Nodes of the tree ``root`` expands to (a shared quantity counts at every use)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[_Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        children = [a for a in node.args if isinstance(a, _Node)]
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        sizes[id(node)] = 1 + sum(sizes[id(a)] if isinstance(a, _Node) else 1 for a in node.args)
    return sizes[id(root)]


def _sympy_number(value: float) -> sympy.Number:
    import sympy

    return (
        sympy.Integer(int(value)) if float(value).is_integer() and abs(value) < 2**53 else sympy.Float(value)
    )


def _to_sympy(root: _Node) -> tuple[sympy.Basic, dict[sympy.Basic, str], dict[str, _Node]]:
    """The SymPy tree of ``root`` (shared quantities built once) and each operation's name."""
    import sympy

    built: dict[int, sympy.Basic] = {}
    names: dict[sympy.Basic, str] = {}
    nodes: dict[str, _Node] = {}
    stack: list[tuple[_Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in built:
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if isinstance(a, _Node) and id(a) not in built)
            continue
        args = [
            built[id(a)]
            if isinstance(a, _Node)
            else sympy.Symbol(a.name)
            if isinstance(a, _Leaf)
            else _sympy_number(a)
            for a in node.args
        ]
        expr = node.op(*args)
        built[id(node)] = expr
        names.setdefault(expr, node.name)
        nodes[node.name] = node
    return built[id(root)], names, nodes


def _post_order_names(expr: sympy.Basic, names: Mapping[sympy.Basic, str]) -> list[str]:
    """Operation names in the order :func:`symbackprop.chain.build_graph` meets them (post-order)."""
    from .ops import Op

    out: list[str] = []
    stack: list[tuple[sympy.Basic, int]] = [(expr, 0)]
    while stack:
        e, i = stack[-1]
        if isinstance(e, Op) and i < len(e.args):
            stack[-1] = (e, i + 1)
            stack.append((e.args[i], 0))
            continue
        stack.pop()
        if isinstance(e, Op):
            out.append(names[e])
    return out


_NAME = re.compile(r"([A-Za-z]+)(\d*)(?:\[([\w,]+)\])?")


def latex_name(name: str) -> str:
    """``W1[2,0]`` -> ``W^{[1]}_{2,0}``, ``X[0,1]`` -> ``X_{0,1}``, ``L[0]`` -> ``L_{0}``, ``l[0,1]`` -> ``\\ell_{0,1}``."""
    m = _NAME.fullmatch(name)
    if not m:
        return name
    base, layer, index = m.groups()
    base = r"\ell" if base == "l" else rf"\mathit{{{base}}}" if len(base) > 1 else base
    top = f"^{{[{layer}]}}" if layer else ""
    return f"{base}{top}_{{{index}}}" if index else f"{base}{top}"


def scalar_view(nd: NetworkDerivation, params: list[Param], max_paths: int = MAX_PATHS) -> ScalarView:
    """Build the restricted tree for ``params`` and walk it: one chain per path from the loss."""
    builder = _Builder(nd, params)
    terms = builder.terms_mask()
    counts = {p.name: _count_paths(nd, p, terms) for p in params}
    total = sum(counts.values())
    if total > max_paths:
        raise LimitError(
            f"the scalar view of {', '.join(counts)} has {int(total)} chain-rule paths, more than the limit of "
            f"{max_paths} (raise it with --max-paths, or ask for fewer samples or a later layer)"
        )
    matrix = {p.name: _matrix_gradient(nd, p) for p in params}
    reached = [p.name for p in params if counts[p.name] > 0]
    if not reached:
        return ScalarView(params, None, {}, {}, matrix, False)
    root = builder.root()
    size = _size(root)
    if size > NODES_PER_PATH * max(max_paths, 1):
        raise LimitError(
            f"the scalar view of {', '.join(counts)} needs a tree of {size} nodes, more than the limit of "
            f"{NODES_PER_PATH * max_paths} (raise --max-paths, or ask for fewer samples)"
        )
    expr, names, nodes = _to_sympy(root)
    order = _post_order_names(expr, names)

    def name(k: int, index: int, is_root: bool) -> str:
        return order[k - 1]

    from .derivation import derive_tree

    d = derive_tree(expr, builder.leaves, wrt=reached, names=name, kind="network")
    latex_names = {leaf: latex_name(leaf) for leaf in builder.leaves}
    text_names = {leaf: leaf for leaf in builder.leaves}
    _helper_names(nodes, latex_names, text_names)
    return ScalarView(params, d, latex_names, text_names, matrix, builder.folded)


def _helper_names(nodes: Mapping[str, _Node], latex: dict[str, str], text: dict[str, str]) -> None:
    """Named quantities print by name; an operation between them prints as what it computes."""
    import sympy

    from .printing import ATOM, Printer

    pending = list(nodes.values())
    for node in pending:
        if not node.name.startswith("_"):
            latex[node.name] = latex_name(node.name)
            text[node.name] = node.name
    done = {n.name for n in pending if not n.name.startswith("_")}
    helpers = [n for n in pending if n.name.startswith("_")]
    while helpers:
        rest = []
        for node in helpers:
            children = [a for a in node.args if isinstance(a, _Node)]
            if any(c.name not in done for c in children):
                rest.append(node)
                continue
            args = [
                sympy.Symbol(a.name) if isinstance(a, (_Node, _Leaf)) else _sympy_number(a) for a in node.args
            ]
            for printer, table in ((Printer("latex", latex), latex), (Printer("text", text), text)):
                printed = node.op.flat(printer, args)
                table[node.name] = printed if node.op.prec >= ATOM else printer.parens(printed)
            done.add(node.name)
        if len(rest) == len(helpers):
            break
        helpers = rest


# --- the result ------------------------------------------------------------------------------


class NetworkResult(Rendered):
    """A network's derivation and its renderings; ``to_dict()`` is the JSON."""

    renderers: ClassVar[dict[str, tuple[str, str]]] = {
        "to_dict": ("network", "to_dict"),
        "json": ("network", "to_json"),
        "latex": ("network", "latex"),
        "equations": ("network", "equations"),
        "markdown": ("network", "markdown"),
        "text": ("network", "text"),
        "python": ("network", "python"),
        **FIGURES,
    }

    def __init__(self, derivation: NetworkDerivation) -> None:
        self.derivation = derivation

    @property
    def loss(self) -> float | None:
        return self.derivation.loss

    @property
    def warnings(self) -> list[str]:
        return list(self.derivation.warnings)

    def __repr__(self) -> str:
        d = self.derivation
        shape = " → ".join(
            [str(d.spec.inputs.shape[1])] + [str(lp.layer.weights.shape[1]) for lp in d.layers]
        )
        loss = "" if d.loss is None else f"; loss {d.loss!r}"
        return f"<symbackprop.NetworkResult {shape}, {d.spec.samples} samples{loss}>"


def network(
    spec: Mapping[str, Any] | str,
    wrt: Iterable[str] | None = None,
    scalar: bool = False,
    max_paths: int = MAX_PATHS,
    limits: Limits = DEFAULT,
) -> NetworkResult:
    """Backpropagate through a network spec (a dict, or the path of a JSON file).

    ``wrt`` names parameters (``W1[2,0]``, ``b2[1]``, ``X[0,3]``) whose chain-rule paths the
    scalar view writes out; ``scalar`` prints that view alone in text, LaTeX and Markdown.
    ``limits`` bounds a spec file's length (``max_spec_length``).
    """
    if not isinstance(limits, Limits):
        raise InputError(f"limits must be a Limits (DEFAULT.merge(...)), not {type(limits).__name__}")
    if isinstance(spec, str):
        parsed = load_spec(spec, limits.max_spec_length)
    elif isinstance(spec, Mapping):
        parsed = parse_spec(dict(spec))
    else:
        raise InputError(f"the spec must be a dict or a file name, not {type(spec).__name__}")
    if isinstance(wrt, str):
        wrt = [wrt]
    elif wrt is not None and not isinstance(wrt, Iterable):
        raise InputError(f"wrt must be a list of parameters such as 'W1[0,0]', not {wrt!r}")
    return NetworkResult(derive_network(parsed, wrt, max_paths, scalar))


def split_params(text: str) -> list[str]:
    """``W1[2,0],b1[0]`` -> ``["W1[2,0]", "b1[0]"]``: commas inside brackets stay."""
    return [part.strip() for part in re.split(r",(?![^\[]*\])", text) if part.strip()]
