"""Graphs the tool builds itself: the chapter's neuron, with the chapter's names for its nodes."""

from __future__ import annotations

from .errors import InputError
from .graph import Graph, GraphBuilder, Namer
from .ops import ACTIVATIONS, NEURON_ACTIVATIONS, MulOp, SumOp


def neuron_graph(n: int, activation: str = "relu", arrays: dict[str, list[str]] | None = None) -> Graph:
    """The neuron ``ReLU(sum(mul(x0, w0), ..., mul(x{n-1}, w{n-1}), b))`` as its graph, built directly
    (no SymPy tree: deriving a 100 000-input neuron does not need one SymPy node per multiplication).

    The products are ``xw0 ...``, the sum ``z`` and the activation ``y``, as in the chapter's code;
    the leaves' names are ``arrays``' (:func:`neuron_arrays`).
    """
    if activation not in NEURON_ACTIVATIONS:
        raise InputError(f"unknown activation {activation!r} (choose one of {', '.join(NEURON_ACTIVATIONS)})")
    if n < 1:
        raise InputError("a neuron needs at least one input")
    arrays = arrays or neuron_arrays(n)
    g = GraphBuilder()
    terms = [g.operation(MulOp, (g.variable(x), g.variable(w))) for x, w in zip(arrays["x"], arrays["w"])]
    z = g.operation(SumOp, [*terms, g.variable(arrays["b"][0])])
    op = ACTIVATIONS[activation]
    if not op.identity:
        g.operation(op, (z,))
    return g.finish(neuron_names(n), authored=True)


def neuron_names(n: int) -> Namer:
    """The chapter's names for the neuron's operations, in forward order: ``xw0 ...``, ``z``, ``y``."""

    def name(k: int, index: int, is_root: bool) -> str:
        return f"xw{k - 1}" if k <= n else "z" if k == n + 1 else "y"

    return name


def neuron_arrays(n: int) -> dict[str, list[str]]:
    """The chapter's lists: ``x``, ``w`` and the scalar ``b``."""
    return {"x": [f"x{i}" for i in range(n)], "w": [f"w{i}" for i in range(n)], "b": ["b"]}
