"""Trees the tool builds itself: the chapter's neuron, with the chapter's names for its nodes."""

from __future__ import annotations

from collections.abc import Callable

import sympy

from .errors import InputError
from .ops import ACTIVATIONS, MulOp, SumOp


def neuron_tree(n: int, activation: str = "relu") -> tuple[sympy.Basic, Callable[[int, int, bool], str]]:
    """``ReLU(sum(mul(x0, w0), ..., mul(x{n-1}, w{n-1}), b))`` and the chapter's node names.

    The products are ``xw0 ...``, the sum ``z`` and the activation ``y``, as in the chapter's code.
    """
    if activation not in ACTIVATIONS:
        raise InputError(f"unknown activation {activation!r} (choose one of {', '.join(ACTIVATIONS)})")
    if n < 1:
        raise InputError("a neuron needs at least one input")
    x = sympy.symbols(f"x0:{n}")
    w = sympy.symbols(f"w0:{n}")
    z = SumOp(*(MulOp(xi, wi) for xi, wi in zip(x, w)), sympy.Symbol("b"))
    op = ACTIVATIONS[activation]
    tree = z if op is None else op(z)

    def name(k: int, index: int, is_root: bool) -> str:
        return f"xw{k - 1}" if k <= n else "z" if k == n + 1 else "y"

    return tree, name


def neuron_arrays(n: int) -> dict[str, list[str]]:
    """The chapter's lists: ``x``, ``w`` and the scalar ``b``."""
    return {"x": [f"x{i}" for i in range(n)], "w": [f"w{i}" for i in range(n)], "b": ["b"]}
