"""The rule table's classes: every operation, activation and loss (see the package's docstring)."""

from __future__ import annotations

from .activations import ELU, GELU, GELUTanh, LeakyReLU, SiLU, Softplus
from .arithmetic import DivOp, MulOp, NegOp, PowOp, SubOp, SumOp
from .base import ADD, ATOM, MUL, NEG, ONE, POW, ZERO, Op
from .functions import (
    AbsOp,
    Activation,
    Cos,
    Erf,
    Exp,
    Log2,
    Log10,
    LogOp,
    MaxOp,
    MinOp,
    ReLU,
    ShareOp,
    Sigmoid,
    SignOp,
    Sin,
    Sqrt,
    StepOp,
    Tanh,
    maximum,
)
from .losses import LOSSES, LossRule
from .network import CLIP_HIGH, CLIP_LOW, Clip, Linear, MeanOp, Softmax, SoftmaxCrossEntropy
from .user import lookup

__all__ = [
    "ACTIVATIONS",
    "ADD",
    "ATOM",
    "CLIP_HIGH",
    "CLIP_LOW",
    "ELU",
    "FUNCTIONS",
    "GELU",
    "LOSSES",
    "MUL",
    "NEG",
    "ONE",
    "POW",
    "ZERO",
    "AbsOp",
    "Activation",
    "Clip",
    "Cos",
    "DivOp",
    "Erf",
    "Exp",
    "GELUTanh",
    "LeakyReLU",
    "Linear",
    "Log2",
    "Log10",
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
    "SiLU",
    "Sigmoid",
    "SignOp",
    "Sin",
    "Softmax",
    "SoftmaxCrossEntropy",
    "Softplus",
    "Sqrt",
    "StepOp",
    "SubOp",
    "SumOp",
    "Tanh",
    "function",
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
    "log2": Log2,
    "log10": Log10,
    "sqrt": Sqrt,
    "abs": AbsOp,
    "max": MaxOp,
    "min": MinOp,
    "sin": Sin,
    "cos": Cos,
    "erf": Erf,
    "softplus": Softplus,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "gelu": GELU,
    "gelu_tanh": GELUTanh,
    "silu": SiLU,
    "swish": SiLU,  # swish with beta = 1, as PyTorch's SiLU
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
    "softplus": Softplus,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "gelu": GELU,
    "gelu_tanh": GELUTanh,
    "silu": SiLU,
}


def key(word: str) -> str:
    r"""How a function's name is looked up: without case, underscores and LaTeX's marks, so that
    ``leaky_relu``, ``LeakyReLU`` and ``\text{Leaky\_ReLU}`` are one name."""
    return "".join(c for c in word.lower() if c.isalnum())


_BY_KEY: dict[str, type[Op]] = {key(name): op for name, op in FUNCTIONS.items()}


def function(word: str) -> type[Op] | None:
    """The operation a user calls by ``word`` (any case, with or without underscores), or None: the
    table's, else one the user defined (``symbackprop.define``, ``--define``)."""
    k = key(word)
    return _BY_KEY.get(k) or lookup(k)


from . import ACTIVATION_NAMES, LOSS_NAMES, NEURON_ACTIVATIONS  # noqa: E402

# The light name lists (read without SymPy by the command line and the spec reader) are the table's.
if tuple(ACTIVATIONS) != ACTIVATION_NAMES or tuple(LOSSES) != LOSS_NAMES:  # pragma: no cover
    raise ImportError("symbackprop.ops: the name lists disagree with the rule table")
if not set(NEURON_ACTIVATIONS) <= set(ACTIVATIONS):  # pragma: no cover
    raise ImportError("symbackprop.ops: a neuron activation is not in the table")
