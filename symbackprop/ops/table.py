"""The rule table's classes: every operation, activation and loss (see the package's docstring)."""

from __future__ import annotations

from .arithmetic import DivOp, MulOp, NegOp, PowOp, SubOp, SumOp
from .base import ADD, ATOM, MUL, NEG, ONE, POW, ZERO, Op
from .functions import (
    AbsOp,
    Activation,
    Exp,
    LogOp,
    MaxOp,
    MinOp,
    ReLU,
    ShareOp,
    Sigmoid,
    SignOp,
    Sqrt,
    StepOp,
    Tanh,
    maximum,
)
from .losses import LOSSES, LossRule
from .network import CLIP_HIGH, CLIP_LOW, Clip, Linear, MeanOp, Softmax, SoftmaxCrossEntropy

__all__ = [
    "ACTIVATIONS",
    "ADD",
    "ATOM",
    "CLIP_HIGH",
    "CLIP_LOW",
    "FUNCTIONS",
    "LOSSES",
    "MUL",
    "NEG",
    "ONE",
    "POW",
    "ZERO",
    "AbsOp",
    "Activation",
    "Clip",
    "DivOp",
    "Exp",
    "Linear",
    "LogOp",
    "LossRule",
    "MaxOp",
    "MeanOp",
    "MinOp",
    "MulOp",
    "NegOp",
    "Op",
    "PowOp",
    "ReLU",
    "ShareOp",
    "Sigmoid",
    "SignOp",
    "Softmax",
    "SoftmaxCrossEntropy",
    "Sqrt",
    "StepOp",
    "SubOp",
    "SumOp",
    "Tanh",
    "maximum",
]

#: Operations a user may call by name in an infix expression (case-insensitive), besides
#: the tool's own nested notation (mul, sum, sub, neg, div, pow), which parses back too.
FUNCTIONS: dict[str, type[Op]] = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "exp": Exp,
    "log": LogOp,
    "ln": LogOp,
    "sqrt": Sqrt,
    "abs": AbsOp,
    "max": MaxOp,
    "min": MinOp,
    "mul": MulOp,
    "sum": SumOp,
    "sub": SubOp,
    "neg": NegOp,
    "div": DivOp,
    "pow": PowOp,
    # the derivatives' own functions, so that a gradient's closed form (in infix) reads back
    "step": StepOp,
    "sign": SignOp,
    "share": ShareOp,
}

#: Activations a layer may have, by the name a spec gives (``linear``: none).
ACTIVATIONS: dict[str, type[Activation]] = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softmax": Softmax,
    "linear": Linear,
}

from . import ACTIVATION_NAMES, LOSS_NAMES, NEURON_ACTIVATIONS  # noqa: E402

# The light name lists (read without SymPy by the command line and the spec reader) are the table's.
if tuple(ACTIVATIONS) != ACTIVATION_NAMES or tuple(LOSSES) != LOSS_NAMES:  # pragma: no cover
    raise ImportError("symbackprop.ops: the name lists disagree with the rule table")
if not set(NEURON_ACTIVATIONS) <= set(ACTIVATIONS):  # pragma: no cover
    raise ImportError("symbackprop.ops: a neuron activation is not in the table")
