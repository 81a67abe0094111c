"""The losses a network may end in, each defined once: its matrix rules (per-sample losses and the
gradient on the predictions), its formulas in LaTeX and text, the book's class, and how its
scalar view builds one sample's loss from the operations.

The scalar builders receive a ``ScalarLoss`` -- the network's scalar view, seen through the few
methods a loss needs -- so a loss names operations and nothing of the view's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .arithmetic import MulOp, NegOp, PowOp, SubOp, SumOp
from .functions import LogOp
from .network import Clip

if TYPE_CHECKING:
    import numpy as np

    from .base import Op


class ScalarLoss(Protocol):
    """What a loss's scalar builder may ask of the network's scalar view, for one sample."""

    def output(self, k: int) -> Any:
        """The node of the k-th prediction."""

    def clipped(self, k: int) -> Any:
        """The k-th prediction inside a log: through the book's clip when the clip changes it."""

    def helper(self, op: type[Op], *args: Any) -> Any:
        """An unnamed operation between named quantities."""


Array = Any  # numpy arrays; numpy is imported only when a rule runs


@dataclass(frozen=True)
class LossRule:
    """A loss as the book defines it."""

    name: str
    title: str
    sample_losses: Callable[[Array, Array], Array]  # (predictions, targets) -> one loss per sample
    gradient: Callable[[Array, Array], Array]  # ∂L/∂Ŷ, the mean over samples included
    logs: Callable[[Array], Array] | None  # mask of the entries whose (clipped) log counts, from the targets
    latex: str  # L_s in terms of Y and \hat{Y}
    latex_gradient: str  # ∂L/∂Ŷ (the right-hand side)
    text: str
    text_gradient: str
    book_name: str
    book_class: str
    # The scalar view: one sample's loss from its predictions (per_sample), or one output's term,
    # averaged over the outputs that depend on the named parameters (per_output).
    per_sample: Callable[[ScalarLoss, Array], Any] | None = None
    per_output: Callable[[ScalarLoss, int, float], Any] | None = None


def _clip(p: np.ndarray) -> np.ndarray:
    return Clip.np_clip(p)


def _cce_losses(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(np.where(y != 0, y * np.log(_clip(p)), 0.0), axis=1)


def _cce_sample(b: ScalarLoss, y: np.ndarray) -> Any:
    """-Σ_c y_c log(ŷ_c) over the classes with y_c ≠ 0."""
    logs = []
    for c in (int(k) for k in range(len(y)) if y[k] != 0):
        log = b.helper(LogOp, b.clipped(c))
        logs.append(log if y[c] == 1 else b.helper(MulOp, float(y[c]), log))
    inner = logs[0] if len(logs) == 1 else b.helper(SumOp, *logs)
    return (NegOp, inner)


def _bce_losses(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    c = _clip(p)
    return np.mean(-(y * np.log(c) + (1 - y) * np.log(1 - c)), axis=-1)


def _bce_gradient(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    c = _clip(p)
    return -(y / c - (1 - y) / (1 - c)) / p.shape[1] / p.shape[0]


def _bce_output(b: ScalarLoss, k: int, y: float) -> Any:
    """-(y log ŷ + (1 - y) log(1 - ŷ)), leaving out a term whose weight is 0."""
    p = b.clipped(k)
    parts = []
    if y != 0:
        log = b.helper(LogOp, p)
        parts.append(log if y == 1 else b.helper(MulOp, float(y), log))
    if y != 1:
        log = b.helper(LogOp, b.helper(SubOp, 1.0, p))
        parts.append(log if y == 0 else b.helper(MulOp, float(1 - y), log))
    inner = parts[0] if len(parts) == 1 else b.helper(SumOp, *parts)
    return (NegOp, inner)


def _mse_output(b: ScalarLoss, k: int, y: float) -> Any:
    """(ŷ - y)²."""
    a = b.output(k)
    diff = a if y == 0 else b.helper(SubOp, a, float(y))
    return (PowOp, diff, 2.0)


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
        "Loss_CategoricalCrossentropy",
        """class Loss_CategoricalCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        samples = len(y_pred)
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:  # class indices
            return -np.log(y_pred_clipped[range(samples), y_true])
        return -np.sum(y_true * np.log(y_pred_clipped), axis=1)  # -sum(y log y_hat), one-hot or probabilities

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        labels = len(dvalues[0])
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        # Clipped as in the forward pass, so that no prediction of 0 divides
        dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -y_true / dvalues
        self.dinputs = self.dinputs / samples
""",
        per_sample=_cce_sample,
    ),
    "binary_crossentropy": LossRule(
        "binary_crossentropy",
        "binary cross-entropy",
        _bce_losses,
        _bce_gradient,
        lambda y: y == y,  # every entry: both logs count
        r"L_{s} = -\frac{1}{C} \sum_{k} \left(Y_{s,k} \log \hat{Y}_{s,k} + (1 - Y_{s,k}) \log(1 - \hat{Y}_{s,k})\right)",
        r"-\frac{1}{N C} \left(Y \oslash \hat{Y} - (1 - Y) \oslash (1 - \hat{Y})\right)",
        "L[s] = -1/C · Σ_k (Y[s,k] · log(Ŷ[s,k]) + (1 - Y[s,k]) · log(1 - Ŷ[s,k]))",
        "-(Y / Ŷ - (1 - Y) / (1 - Ŷ)) / C / N",
        "Loss_BinaryCrossentropy",
        """class Loss_BinaryCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        sample_losses = -(y_true * np.log(y_pred_clipped) + (1 - y_true) * np.log(1 - y_pred_clipped))
        return np.mean(sample_losses, axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        clipped_dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / clipped_dvalues - (1 - y_true) / (1 - clipped_dvalues)) / outputs
        self.dinputs = self.dinputs / samples
""",
        per_output=_bce_output,
    ),
    "mse": LossRule(
        "mse",
        "mean squared error",
        lambda p, y: ((y - p) ** 2).mean(axis=-1),
        lambda p, y: -2 * (y - p) / p.shape[1] / p.shape[0],
        None,
        r"L_{s} = \frac{1}{C} \sum_{k} \left(Y_{s,k} - \hat{Y}_{s,k}\right)^{2}",
        r"-\frac{2}{N C} \left(Y - \hat{Y}\right)",
        "L[s] = 1/C · Σ_k (Y[s,k] - Ŷ[s,k])²",
        "-2 (Y - Ŷ) / C / N",
        "Loss_MeanSquaredError",
        """class Loss_MeanSquaredError(Loss):
    def forward(self, y_pred, y_true):
        return np.mean((y_true - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = -2 * (y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples
""",
        per_output=_mse_output,
    ),
}
