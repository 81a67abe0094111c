"""Numbers: the forward pass, each factor's value, the gradients and the update step.

Each edge's local value comes from its :class:`~symbackprop.chain.LocalTemplate`, compiled
once into a function of the parent's argument values.  Where that meets an error or a
non-finite value, the edge is evaluated again the SymPy way (``value_of`` on ``node.local``),
which says exactly what failed and where.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence

import sympy

from .chain import Graph, LocalTemplate, placeholder_index, symbol_values
from .errors import EvaluationError
from .ops import Op
from .options import spell
from .printing import flat_text

Compiled = Callable[[Sequence[float]], float]


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


class _Unsafe(Exception):
    """A compiled template met a non-finite value: the SymPy route reports it."""


def compile_template(t: LocalTemplate) -> Compiled:
    """``t.expr`` as a function of the parent's argument values, built once per template."""
    f: Compiled | None = t.cache.get("value")
    if f is None:
        f = t.cache["value"] = _compile(t.expr)
    return f


def _compile(e: sympy.Basic) -> Compiled:
    """The same arithmetic as :func:`value_of`: each operation's ``forward``, numbers as floats."""
    if isinstance(e, Op):
        fwd = type(e).forward
        parts = [_compile(a) for a in e.args]

        def run(v: Sequence[float]) -> float:
            r = fwd(*[p(v) for p in parts])
            if r - r != 0:  # NaN or an infinity
                raise _Unsafe
            return r

        return run
    j = placeholder_index(e)
    if j is not None:
        return operator.itemgetter(j)
    c = float(e)  # a number
    return lambda v: c


def forward(graph: Graph, values: Mapping[str, float]) -> float:
    """Every node's value in forward order; the output's value is returned."""
    missing = [name for name in graph.leaves if name not in values]
    if missing:
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise EvaluationError(
            f"no value for {', '.join(missing[:10])}{more} (give it with {spell('at', value=True)})"
        )
    nodes = graph.nodes
    for n in nodes:
        op = n.op
        if op is None:
            n.value = float(n.expr) if n.is_number else values[n.var]
            continue
        try:
            value = op.forward(*[nodes[c].value for c in n.children])
        except (EvaluationError, OverflowError, ValueError, ZeroDivisionError) as err:
            reason = str(err) if isinstance(err, EvaluationError) else "overflow"
            raise EvaluationError(f"{reason} in {flat_text(n.expr)}") from None
        if value - value != 0:
            _check(value, n.expr)
        n.value = value
    return nodes[graph.root].value


def backward(graph: Graph, values: Mapping[str, float], dvalue: float) -> dict[str, float]:
    """Each edge's local value, each node's gradient (reverse accumulation), and the leaves' sums."""
    nodes = graph.nodes
    templates = graph.templates()
    env: dict[str, float] | None = None
    for parent in nodes:
        if parent.op is None:
            continue
        args = [nodes[c].value for c in parent.children]
        for c in parent.children:
            t = templates[c]
            if t is None:  # a number
                continue
            try:
                nodes[c].local_value = (t.cache.get("value") or compile_template(t))(args)
            except Exception:  # an error or a non-finite value: let the SymPy route say which
                env = env if env is not None else symbol_values(graph, values)
                nodes[c].local_value = _local_value(graph, c, env)
    root = nodes[graph.root]
    root.gradient = dvalue
    for i in reversed(range(graph.root)):
        n = nodes[i]
        p = n.parent
        if p is None or n.is_number:
            continue
        gradient = nodes[p].gradient * n.local_value
        if gradient - gradient != 0:
            _check(gradient, n.expr)
        n.gradient = gradient
    grads: dict[str, float] = {}
    for name in graph.leaves:
        total = 0.0
        for i in graph.occurrences[name]:
            total += nodes[i].gradient
        grads[name] = total
    return grads


def _local_value(graph: Graph, i: int, env: Mapping[str, float]) -> float:
    """Node ``i``'s local value from its SymPy local derivative (the reference the templates follow)."""
    local = graph.nodes[i].local
    assert local is not None
    try:
        return value_of(local, env)
    except EvaluationError as err:
        raise EvaluationError(f"{err} in the derivative of {flat_text(graph.parent(i).expr)}") from None


def output_at(graph: Graph, values: Mapping[str, float]) -> float:
    """The output for other values, without disturbing the graph's recorded pass."""
    nodes = graph.nodes
    saved = [n.value for n in nodes]
    try:
        return forward(graph, values)
    finally:
        for n, v in zip(nodes, saved):
            n.value = v
