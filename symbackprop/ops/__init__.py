"""The rule table: every operation, activation and loss, each defined once.

Every operation is a SymPy ``Function`` subclass (:class:`Op`), so a tree such as
``ReLU(sum(mul(x0, w0), mul(x1, w1), b))`` is an ordinary SymPy expression that prints in the
chapter's notation.  Each class declares its forward rule (``forward``, on floats), its
symbolic local derivative (``local``, itself a tree of these operations), how it prints
(``form`` and its names in each syntax) and, for an activation, its matrix rules and the
book's class.  The tables below are what the parsers, the command line's choices, the
network's spec reader and the docs read; the walker, the evaluator and the printers never
name an operation.
"""

from __future__ import annotations

#: The names the table defines, readable without loading SymPy (the command line's choices, the
#: network spec's words): ``table`` checks on import that they are its own.
ACTIVATION_NAMES: tuple[str, ...] = (
    "relu", "sigmoid", "tanh", "softmax", "linear", "softplus", "leaky_relu", "elu", "gelu", "gelu_tanh", "silu",
)  # fmt: skip
#: The activations a single neuron may have (softmax needs a layer of outputs).
NEURON_ACTIVATIONS: tuple[str, ...] = (
    "relu", "sigmoid", "tanh", "linear", "softplus", "leaky_relu", "elu", "gelu", "gelu_tanh", "silu",
)  # fmt: skip


#: Other names of an activation: swish (with beta = 1) is SiLU, as PyTorch has it.
ACTIVATION_ALIASES = {"swish": "silu"}


def activation_name(word: str) -> str | None:
    """The table's name for an activation written in any case, with or without underscores
    (``LeakyReLU``, ``leaky_relu``, ``GELU_tanh``, ``Swish``), or None."""
    wanted = "".join(c for c in word.lower() if c.isalnum())
    wanted = ACTIVATION_ALIASES.get(wanted, wanted)
    return next((n for n in ACTIVATION_NAMES if n.replace("_", "") == wanted), None)


LOSS_NAMES: tuple[str, ...] = ("categorical_crossentropy", "binary_crossentropy", "mse")

TYPE_CHECKING = False  # not typing's: the command line reads the lists above on its way to --help
if TYPE_CHECKING:
    from typing import Any

    from .table import *  # noqa: F403


def __getattr__(name: str) -> Any:
    """The classes and tables, loaded (with SymPy) on first use."""
    if name.startswith("__") or name == "table":  # the import system's own questions
        raise AttributeError(name)
    from . import table

    try:
        return getattr(table, name)
    except AttributeError:
        raise AttributeError(f"module 'symbackprop.ops' has no attribute {name!r}") from None
