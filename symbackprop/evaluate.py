"""Numbers: the forward pass, each factor's value, the gradients and the update step."""

from __future__ import annotations

import math
from collections.abc import Mapping

import sympy

from .chain import Graph, symbol_values
from .errors import EvaluationError
from .ops import Op
from .printing import flat_text


def _check(value: float, where: sympy.Basic) -> float:
    if math.isnan(value) or math.isinf(value):
        raise EvaluationError(f"{flat_text(where)} is not finite ({value})")
    return value


def value_of(expr: sympy.Basic, env: Mapping[str, float]) -> float:
    """Evaluate a small tree (a local derivative) with the names in ``env``."""
    if isinstance(expr, Op):
        args = [value_of(a, env) for a in expr.args]
        try:
            return _check(type(expr).forward(*args), expr)
        except OverflowError:
            raise EvaluationError(f"{flat_text(expr)} overflows") from None
    if isinstance(expr, sympy.Symbol):
        return env[expr.name]
    return float(expr)  # a number


def forward(graph: Graph, values: Mapping[str, float]) -> float:
    """Every node's value in forward order; the output's value is returned."""
    missing = [name for name in graph.leaves if name not in values]
    if missing:
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise EvaluationError(f"no value for {', '.join(missing[:10])}{more} (give it with --at NAME=VALUE)")
    nodes = graph.nodes
    for n in nodes:
        if n.op is None:
            n.value = values[n.var] if n.is_variable else float(n.expr)
            continue
        try:
            n.value = n.op.forward(*(nodes[c].value for c in n.children))
        except (EvaluationError, OverflowError, ValueError, ZeroDivisionError) as err:
            reason = str(err) if isinstance(err, EvaluationError) else "overflow"
            raise EvaluationError(f"{reason} in {flat_text(n.expr)}") from None
        _check(n.value, n.expr)
    return nodes[graph.root].value


def backward(graph: Graph, values: Mapping[str, float], dvalue: float) -> dict[str, float]:
    """Each edge's local value, each node's gradient (reverse accumulation), and the leaves' sums."""
    nodes = graph.nodes
    env = symbol_values(graph, values)
    for i, n in enumerate(nodes):
        if n.local is not None:
            try:
                n.local_value = value_of(n.local, env)
            except EvaluationError as err:
                raise EvaluationError(
                    f"{err} in the derivative of {flat_text(graph.parent(i).expr)}"
                ) from None
    root = nodes[graph.root]
    root.gradient = dvalue
    for i in reversed(range(graph.root)):
        n = nodes[i]
        if n.local is None:  # a number
            continue
        n.gradient = graph.parent(i).gradient * n.local_value
        _check(n.gradient, n.expr)
    grads: dict[str, float] = {}
    for name in graph.leaves:
        total = 0.0
        for i in graph.occurrences[name]:
            total += nodes[i].gradient
        grads[name] = total
    return grads


def output_at(graph: Graph, values: Mapping[str, float]) -> float:
    """The output for other values, without disturbing the graph's recorded pass."""
    nodes = graph.nodes
    saved = [n.value for n in nodes]
    try:
        return forward(graph, values)
    finally:
        for n, v in zip(nodes, saved):
            n.value = v
