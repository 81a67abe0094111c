"""Where float64 rounded a value to exactly 0 or ±1 and the exact value is not: a saturated sigmoid or
tanh, an exponential that underflowed, ``1 + 1e-20``.  Such a value is silent in float64 (a log of it
fails, a gradient through it is 0); these are the words that say so (see docs/conventions.md).

An operation that never takes some values exactly for a finite argument declares them
(``never_exactly``: sigmoid never 0 or 1, tanh never ±1, exp never 0); the rational operations are
checked in exact arithmetic on their float arguments.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction

from .graph import Graph
from .ops import DivOp, MulOp, NegOp, Op, PowOp, SubOp, SumOp
from .printing import subtree_text

_ROUND = (0.0, 1.0, -1.0)
#: The exact value of each rational operation on its (float) arguments.
_EXACT: dict[type[Op], Callable[[Sequence[Fraction]], Fraction]] = {
    SumOp: sum,  # type: ignore[dict-item]
    SubOp: lambda a: a[0] - a[1],
    NegOp: lambda a: -a[0],
    MulOp: math.prod,  # type: ignore[dict-item]
    DivOp: lambda a: a[0] / a[1],
}
#: Beyond this many arguments a product's exact value is not computed (its fractions grow with each).
_MOST_EXACT = 64
#: The most nodes a derivation's warning names one by one.
_MOST_NAMED = 3


def rounded(op: type[Op], args: Sequence[float], value: float) -> bool:
    """Whether float64 rounded ``op(*args)`` to ``value`` (0 or ±1) where the exact value is not."""
    if value not in _ROUND or any(not math.isfinite(a) for a in args):
        return False
    if value in op.never_exactly:
        return True
    exact = _EXACT.get(op)
    if exact is not None and len(args) <= _MOST_EXACT:
        if op is DivOp and args[1] == 0:
            return False
        return exact([Fraction(a) for a in args]) != value
    if op is PowOp and value == 0.0:  # x^k is 0 only for x = 0 (a negative k fails before)
        return args[0] != 0.0
    return False


def underflowed(graph: Graph, values: Sequence[float | None], i: int) -> str | None:
    """``sigmoid(-800) is 0.0 in float64 (an underflow: its exact value is not 0)`` for an argument of
    node ``i`` that rounding made 0 or ±1, to say what a failure of node ``i`` really is; else None."""
    for c in graph.nodes[i].children:
        n, v = graph.nodes[c], values[c]
        if n.op is None or v is None:
            continue
        args = [values[a] for a in n.children]
        if None not in args and rounded(n.op, args, v):  # type: ignore[arg-type]
            kind = "an underflow" if v == 0.0 else "rounded"
            return f"{subtree_text(graph, c)} is {v} in float64 ({kind}: its exact value is not {v:g})"
    return None


def warnings(graph: Graph, values: Sequence[float | None]) -> list[str]:
    """One warning for the nodes whose value float64 rounded to 0 or ±1, naming the first few."""
    found = []
    for i, n in enumerate(graph.nodes):
        v = values[i]
        if n.op is None or v is None or v not in _ROUND:
            continue
        args = [values[c] for c in n.children]
        if None not in args and rounded(n.op, args, v):  # type: ignore[arg-type]
            found.append(f"{subtree_text(graph, i)} = {v}")
    if not found:
        return []
    shown = "; ".join(found[:_MOST_NAMED]) + (
        f"; and {len(found) - _MOST_NAMED} more" if len(found) > _MOST_NAMED else ""
    )
    return [
        f"float64 rounded {shown} exactly, where the exact value is not (saturated, underflowed or "
        "rounded): what depends on it, a log or a gradient, may be exactly 0 in float64"
    ]
