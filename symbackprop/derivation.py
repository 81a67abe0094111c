"""The derivation: one object holding the tree, its graph, every number and every chain.

Renderers read a :class:`Derivation` and nothing else; none of them computes a derivative.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import sympy

from .chain import Graph, build_graph
from .errors import EvaluationError, InputError
from .evaluate import backward, forward, output_at
from .options import spell


@dataclass(frozen=True, slots=True)
class Path:
    """One path from the output down to one occurrence of a leaf.

    ``nodes`` lists the nodes below the output, top first; the factor of each is the local
    derivative of its parent with respect to it (``graph.nodes[i].local``).
    """

    nodes: tuple[int, ...]
    value: float  # dvalue times the product of the factors' values


@dataclass(frozen=True)
class Step:
    """One plain gradient-descent step: ``p += -lr * dp`` for the updated names, then the output again."""

    lr: float
    values: dict[str, float]
    output: float


@dataclass
class Derivation:
    graph: Graph
    values: dict[str, float]
    dvalue: float
    output: float
    gradients: dict[str, float]
    chains: dict[str, list[Path]]
    step: Step | None = None
    warnings: list[str] = field(default_factory=list)
    # Leaves grouped as the chapter's lists, e.g. {"x": ["x0", "x1"], "w": [...]}, for printing.
    arrays: dict[str, list[str]] = field(default_factory=dict)
    kind: str = "expression"  # or "neuron"

    @property
    def expr(self) -> sympy.Basic:
        """The whole expression's SymPy tree (built on first use for a graph built directly)."""
        return self.graph.nodes[self.graph.root].expr

    @property
    def root(self) -> sympy.Basic:
        return self.expr


def check_number(what: str, value: object) -> float:
    """A user's number: a finite real (NaN and infinities are refused, exit 2)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy's scalars are Real too
        shown = repr(value)
        raise InputError(f"{what} must be a number, not {shown if len(shown) <= 40 else shown[:40] + '...'}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        raise InputError(f"{what} must be a finite float, not an integer too large for one") from None
    if not math.isfinite(number):
        raise InputError(f"{what} must be finite, not {value!r}")
    return number


def _check_names(names: Iterable[str], leaves: list[str], option: str) -> list[str]:
    names = list(names)
    known = set(leaves)
    unknown = [n for n in names if n not in known]
    if unknown:
        have = ", ".join(leaves[:10]) + (f" and {len(leaves) - 10} more" if len(leaves) > 10 else "")
        have = have or "no variables"
        raise InputError(f"unknown name {unknown[0]!r} in {option} (the expression has {have})")
    return names


def derive_tree(
    expr: sympy.Basic,
    values: Mapping[str, object],
    *,
    dvalue: float = 1.0,
    wrt: Iterable[str] | None = None,
    lr: float | None = None,
    update: Iterable[str] | None = None,
    names: Callable[[int, int, bool], str] | None = None,
    arrays: dict[str, list[str]] | None = None,
    kind: str = "expression",
    max_output: int | None = None,
) -> Derivation:
    """Walk the tree once for the local factors, evaluate, accumulate, and collect the chains asked for."""
    graph = build_graph(expr, names, max_output)
    return derive_graph(graph, values, dvalue=dvalue, wrt=wrt, lr=lr, update=update, arrays=arrays, kind=kind)


def derive_graph(
    graph: Graph,
    values: Mapping[str, object],
    *,
    dvalue: float = 1.0,
    wrt: Iterable[str] | None = None,
    lr: float | None = None,
    update: Iterable[str] | None = None,
    arrays: dict[str, list[str]] | None = None,
    kind: str = "expression",
) -> Derivation:
    """:func:`derive_tree` for a graph already built (by :func:`build_graph` or a :class:`GraphBuilder`)."""
    _check_names(values, graph.leaves, spell("at"))
    # in the expression's order, whatever the order the values came in: the output depends on what
    # was asked, not on how the options were arranged
    numbers = {name: check_number(name, values[name]) for name in graph.leaves if name in values}
    dvalue = check_number(spell("dvalue"), dvalue)
    output = forward(graph, numbers)
    gradients = backward(graph, numbers, dvalue)
    chosen = graph.leaves if wrt is None else _check_names(wrt, graph.leaves, spell("wrt"))
    chains = {
        name: [Path(tuple(graph.path(i)), graph.nodes[i].gradient) for i in graph.occurrences[name]]
        for name in chosen
    }
    step = None
    if lr is not None:
        lr = check_number(spell("lr"), lr)
        updated = _check_names(update or [], graph.leaves, spell("update"))
        new = {n: numbers[n] + -lr * gradients[n] for n in updated}
        for n, v in new.items():
            if not math.isfinite(v):
                raise EvaluationError(f"the update step makes {n} not finite ({v}): lower {spell('lr')}")
        step = Step(lr, new, output_at(graph, {**numbers, **new}))
    return Derivation(
        graph=graph,
        values=numbers,
        dvalue=dvalue,
        output=output,
        gradients=gradients,
        chains=chains,
        step=step,
        arrays=arrays or {},
        kind=kind,
    )
