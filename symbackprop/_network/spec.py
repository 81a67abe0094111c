"""A network's spec: the JSON (or the same dict) read, checked and turned into arrays.

``inputs`` (samples × features), ``layers`` (each ``weights`` n_in × n_out, flat ``biases``, an
``activation``), then either a ``loss`` (``kind`` and ``targets``) or ``dvalues`` (the gradient
arriving at the last layer's output; ones when neither is given), and an optional ``lr`` for one
plain SGD step.  Every failure is a one-line :class:`SpecError` naming the layer and the field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._files import read_text
from .._values import json_minus
from ..errors import InputError, SpecError, non_ascii_digit
from ..limits import DEFAULT
from ..ops import ACTIVATION_NAMES, LOSS_NAMES, activation_name
from ..options import spell


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
        rows, cols = weights.shape
        biases = read.vector(fields["biases"], f"{where} biases")
        if rows != width:  # the book's layout, inputs × neurons, said; and whether the transpose fits
            fits = cols == width and biases.shape[0] == rows  # its biases, one per neuron, too
            turned = f"; its transpose ({cols} × {rows}) would fit" if fits else ""
            raise read.error(
                f"{where} weights",
                f"expected {_count(width, 'row')} ({width_what}), got {rows}: weights are inputs × neurons, "
                f"one row per input and one column per neuron{turned}",
            )
        if biases.shape[0] != weights.shape[1]:
            raise read.error(
                f"{where} biases",
                f"expected {weights.shape[1]} values (one per neuron: the weights' columns), got {biases.shape[0]}",
            )
        activation = fields.get("activation", "linear")
        known = activation_name(activation) if isinstance(activation, str) else None
        if known is None:
            raise read.error(
                f"{where} activation",
                f"unknown activation {_show(activation)} (choose one of {', '.join(ACTIVATION_NAMES)})",
            )
        layers.append(Layer(weights, biases, known))
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
    if not isinstance(kind, str) or kind not in LOSS_NAMES:
        raise read.error("loss kind", f"unknown loss {_show(kind)} (choose one of {', '.join(LOSS_NAMES)})")
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
    return parse_spec(read_json(text, source), source)


#: The most digits of a whole number a spec may write (a float has 17 that mean anything).
MAX_INT_DIGITS = 400


def _whole(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise SpecError(f"a number with {len(text.lstrip('-'))} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise SpecError(f"the key {key[:40]!r} is given twice")
        out[key] = value
    return out


def read_json(text: str, source: str = "the spec") -> object:
    """A spec's JSON: every failure a one-line :class:`SpecError` naming where -- invalid JSON, a key
    given twice (JSON would silently keep the last), a whole number too long to be one."""
    text = json_minus(text)
    try:
        return json.loads(text, parse_int=_whole, object_pairs_hook=_object)
    except json.JSONDecodeError as err:
        c = text[err.pos] if err.pos < len(text) else ""
        what = non_ascii_digit(c) if c.isdigit() and not c.isascii() else f"invalid JSON: {err.msg}"
        raise SpecError(f"{what} (at line {err.lineno}, column {err.colno} of {source})") from None
    except SpecError as err:
        raise SpecError(f"{err} (in {source})") from None
    except RecursionError:
        raise SpecError(f"invalid JSON: nested too deeply (in {source})") from None


# --- naming the network's scalars ------------------------------------------------------

_PARAM = re.compile(
    r"(?:(W)(\d{1,9})\[(\d{1,9}),(\d{1,9})\]|(b)(\d{1,9})\[(\d{1,9})\]|(X)\[(\d{1,9}),(\d{1,9})\])"
)
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
    digit = next((c for c in compact if c.isdigit() and not c.isascii()), None)
    if digit is not None:  # \d and int() would read it: the one message instead
        raise InputError(f"{spell('wrt')} {text!r}: {non_ascii_digit(digit)}")
    m = _PARAM.fullmatch(compact)
    if not m:
        raise InputError(f"{spell('wrt')} {text!r}: expected {PARAM_FORMS}")
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
            f"{spell('wrt')} {compact}: the network has {_count(layers, 'layer')} ({kind}1 to {kind}{layers})"
        )
    rows, cols = spec.layers[layer - 1].weights.shape
    if kind == "W" and not (index[0] < rows and index[1] < cols):
        raise InputError(
            f"{spell('wrt')} {compact}: layer {layer} weights are {rows} × {cols} "
            f"(inputs 0 to {rows - 1}, neurons 0 to {cols - 1})"
        )
    if kind == "b" and not index[0] < cols:
        raise InputError(
            f"{spell('wrt')} {compact}: layer {layer} has {_count(cols, 'neuron')} (0 to {cols - 1})"
        )
    samples, features = spec.inputs.shape
    if kind == "X" and not (index[0] < samples and index[1] < features):
        raise InputError(
            f"{spell('wrt')} {compact}: the inputs are {samples} × {features} "
            f"(samples 0 to {samples - 1}, features 0 to {features - 1})"
        )
    return Param(kind, layer, index)


def split_params(text: str) -> list[str]:
    """``W1[2,0],b1[0]`` -> ``["W1[2,0]", "b1[0]"]``: commas inside brackets stay."""
    return [part.strip() for part in re.split(r",(?![^\[]*\])", text) if part.strip()]
