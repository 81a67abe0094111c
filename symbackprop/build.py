"""Trees the tool builds itself: the chapter's neuron, with the chapter's names for its nodes."""

from __future__ import annotations

from collections.abc import Callable

import sympy

from .chain import Graph, GraphBuilder
from .errors import InputError
from .ops import ACTIVATIONS, MulOp, SumOp


def neuron_graph(n: int, activation: str = "relu", arrays: dict[str, list[str]] | None = None) -> Graph:
    """The neuron ``ReLU(sum(mul(x0, w0), ..., mul(x{n-1}, w{n-1}), b))`` as its graph, built directly.

    Its SymPy tree (:func:`neuron_tree`) is built from the same operations only when asked
    for: deriving a 100 000-input neuron does not need one SymPy node per multiplication.
    The products are ``xw0 ...``, the sum ``z`` and the activation ``y``, as in the chapter's code;
    the leaves' names are ``arrays``' (:func:`neuron_arrays`), the same strings.
    """
    if activation not in ACTIVATIONS:
        raise InputError(f"unknown activation {activation!r} (choose one of {', '.join(ACTIVATIONS)})")
    if n < 1:
        raise InputError("a neuron needs at least one input")
    arrays = arrays or neuron_arrays(n)
    g = GraphBuilder()
    terms = [g.operation(MulOp, (g.variable(x), g.variable(w))) for x, w in zip(arrays["x"], arrays["w"])]
    z = g.operation(SumOp, [*terms, g.variable(arrays["b"][0])])
    op = ACTIVATIONS[activation]
    if op is not None:
        g.operation(op, (z,))
    return g.finish(neuron_names(n))


def neuron_names(n: int) -> Callable[[int, int, bool], str]:
    """The chapter's names for the neuron's operations, in forward order: ``xw0 ...``, ``z``, ``y``."""

    def name(k: int, index: int, is_root: bool) -> str:
        return f"xw{k - 1}" if k <= n else "z" if k == n + 1 else "y"

    return name


def neuron_tree(n: int, activation: str = "relu") -> tuple[sympy.Basic, Callable[[int, int, bool], str]]:
    """The neuron's SymPy tree, ``ReLU(sum(mul(x0, w0), ..., b))``, and the chapter's node names."""
    graph = neuron_graph(n, activation)
    return graph.nodes[graph.root].expr, neuron_names(n)


def neuron_arrays(n: int) -> dict[str, list[str]]:
    """The chapter's lists: ``x``, ``w`` and the scalar ``b``."""
    return {"x": [f"x{i}" for i in range(n)], "w": [f"w{i}" for i in range(n)], "b": ["b"]}
