"""Numbers: the forward pass, each edge's local value, the gradients and the output after a step.

Each edge's local value comes from its :class:`~symbackprop.chain.LocalTemplate`, compiled once
into a function of the parent's argument values: the same arithmetic as each operation's
``forward``.  A failure inside one (a division by zero, a non-finite value) is reported with the
part of the local derivative that failed, printed with the edge's own argument names.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction

import sympy

from . import rounding
from .chain import LocalTemplate, instantiate, placeholder_index
from .errors import EvaluationError
from .graph import Graph
from .ops import Op
from .printing import TEXT, subtree_text

Compiled = Callable[[Sequence[float]], float]

#: With ``--exact``: the most operations an irrational value may have (sigmoid(1/2) has 4), so that a
#: derivation of many transcendental steps is refused rather than printed as a page-long fraction.
EXACT_OPERATIONS = 200
#: With ``--exact``: a float no short decimal writes is the fraction of at most this denominator that
#: rounds to it (1/3 computed in float64 is 1/3), where there is one.
_SIMPLEST = 10**6


class _Failed(Exception):
    """A compiled template failed at ``part`` (a sub-tree of its expression): ``reason`` follows the
    part's text ("overflows"), or ``message`` says it all (the operation's own error)."""

    def __init__(self, part: sympy.Basic, reason: str = "", message: str = "") -> None:
        self.part, self.reason, self.message = part, reason, message


def exact_number(v: object) -> sympy.Expr:
    """A number as the exact value it stands for (``--exact``): an integer, a fraction or a constant
    (π) as itself; a number typed as text (:class:`~symbackprop._values.Written`) as the value its
    text writes; a decimal as the fraction it writes, 0.1 as 1/10 (a float's shortest form, the
    digits that were typed); a float that no decimal of at most 15 digits writes (1/3 computed in
    float64) as the simplest fraction that rounds to it, else its exact binary value."""
    from ._values import Written
    from .numbers import significant

    if isinstance(v, Written) and v.text:  # a number typed on the command line: its text is exact
        f = Fraction(v.text)
        return sympy.Rational(f.numerator, f.denominator)
    if isinstance(v, sympy.Basic) and not isinstance(v, sympy.Float):
        return v  # type: ignore[return-value]
    if isinstance(v, int):
        return sympy.Integer(v)
    if isinstance(v, Fraction):
        return sympy.Rational(v.numerator, v.denominator)
    x = float(v)  # type: ignore[arg-type]
    text = repr(x)
    f = Fraction(text)
    if significant(text) > 15:
        simplest = f.limit_denominator(_SIMPLEST)
        f = simplest if float(simplest) == x else Fraction(x)
    return sympy.Rational(f.numerator, f.denominator)


def exact_apply(op: type[Op], args: Sequence[sympy.Expr]) -> sympy.Expr | float:
    """``op`` on exact values: its float rule first (its domain and its failures are those of a
    derivation without ``--exact``; a non-finite float is returned for the caller to report), then
    its exact value, which must be a finite real of at most :data:`EXACT_OPERATIONS` operations."""
    r = op.forward(*(float(a) for a in args))
    if r - r != 0:
        return r
    value = tidy(op.exact(*args))
    if not isinstance(value, sympy.Rational):
        if value.is_real is not True or value.is_finite is not True:
            raise EvaluationError(f"{op.name} has no finite real exact value here ({value})")
        if (size := sympy.count_ops(value)) > EXACT_OPERATIONS:
            raise EvaluationError(
                f"the exact value of {op.name} here has {size} operations, more than {EXACT_OPERATIONS}: "
                "leave out the exact option"
            )
    return value


def coefficient(v: float | sympy.Expr) -> sympy.Expr:
    """A value (dvalue) as a SymPy coefficient: 1 as SymPy's one, a float as its Float, an exact value
    (``--exact``) as it is."""
    if v == 1:
        return sympy.S.One
    return sympy.Float(v) if isinstance(v, float) else v  # type: ignore[return-value]


def tidy(value: sympy.Expr) -> sympy.Expr:
    """An irrational exact value over one denominator, as a reader would write it: sigmoid'(1/2) is
    ``e^{-1/2}/(1 + e^{-1/2})^2``, not ``(1 - 1/(1 + e^{-1/2}))/(1 + e^{-1/2})`` (a rational is as it is)."""
    return value if isinstance(value, sympy.Rational) else sympy.together(value)


def compile_template(t: LocalTemplate, exact: bool = False) -> Compiled:
    """``t.expr`` as a function of the parent's argument values, built once per template (and per
    kind of number: floats, or exact values)."""
    key = "exact" if exact else "value"
    f: Compiled | None = t.cache.get(key)
    if f is None:
        f = t.cache[key] = _compile(t.expr, exact)
    return f


def _compile(e: sympy.Basic, exact: bool = False) -> Compiled:
    """Each operation's ``forward`` on its compiled arguments, numbers as floats (or its exact value
    on exact numbers)."""
    if isinstance(e, Op):
        op = type(e)
        fwd: Callable[..., float] = (lambda *a: exact_apply(op, a)) if exact else op.forward  # type: ignore[assignment,return-value]
        parts = [_compile(a, exact) for a in e.args]

        def run(v: Sequence[float]) -> float:
            args = [p(v) for p in parts]
            try:
                r = fwd(*args)
            except OverflowError:
                raise _Failed(e, "overflows") from None
            except EvaluationError as err:
                raise _Failed(e, message=str(err)) from None
            if r - r != 0:  # NaN or an infinity
                raise _Failed(e, f"is not finite ({r})")
            return r

        return run
    j = placeholder_index(e)
    if j is not None:
        return operator.itemgetter(j)
    c = exact_number(e) if exact else float(e)  # a number
    return lambda v: c


def _check(graph: Graph, i: int, value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise EvaluationError(f"{subtree_text(graph, i)} is not finite ({value})")
    return value


def forward(graph: Graph, values: Mapping[str, float], exact: bool = False) -> list[float | None]:
    """Every node's value in forward order (the output's is the last); None for a node that depends
    on a leaf without a value.  ``exact``: the values are exact (SymPy's numbers, see
    :func:`exact_number`) and so is every value computed from them."""
    nodes = graph.nodes
    out: list[float | None] = [None] * len(nodes)
    for i, n in enumerate(nodes):
        op = n.op
        if op is None:
            if n.number is None:
                out[i] = values.get(n.var)
            else:
                out[i] = exact_number(n.number) if exact else float(n.number)  # type: ignore[assignment]
            continue
        args = [out[c] for c in n.children]
        if None in args:
            continue
        try:
            value = exact_apply(op, args) if exact else op.forward(*args)  # type: ignore[arg-type]
        except (EvaluationError, OverflowError, ValueError, ZeroDivisionError) as err:
            reason = str(err) if isinstance(err, EvaluationError) else "overflow"
            cause = rounding.underflowed(graph, out, i)  # log(sigmoid(-800)): the 0 is an underflow
            message = f"{reason} in {subtree_text(graph, i)}"
            raise EvaluationError(f"{cause}: {message}" if cause else message) from None
        if value - value != 0:
            _check(graph, i, value)
        out[i] = value
    return out


def local_values(
    graph: Graph,
    node_values: Sequence[float | None],
    templates: Sequence[LocalTemplate | None],
    exact: bool = False,
) -> list[float | None]:
    """Each edge's local derivative at the point (None where a number is the argument, or where the
    local derivative reads an unknown value)."""
    nodes, key = graph.nodes, "exact" if exact else "value"
    out: list[float | None] = [None] * len(graph.edges)
    for p, parent in enumerate(nodes):
        if parent.op is None:
            continue
        args = [node_values[c] for c in parent.children]
        unknown = None in args
        for e in graph.edges_into(p):
            t = templates[e]
            if t is None or (unknown and any(args[j] is None for j in t.holes)):
                continue
            try:
                out[e] = (t.cache.get(key) or compile_template(t, exact))(args)  # type: ignore[arg-type]
            except _Failed as failure:
                raise _failure(graph, e, t, failure) from None
    return out


def _failure(graph: Graph, e: int, t: LocalTemplate, failure: _Failed) -> EvaluationError:
    """What failed in edge ``e``'s local derivative, in its own names: ``division by zero in the
    derivative of sqrt(x)``."""
    what = failure.message or f"{TEXT.doprint(instantiate(graph, e, failure.part))} {failure.reason}"
    return EvaluationError(f"{what} in the derivative of {subtree_text(graph, graph.edges[e].parent)}")


def gradients(
    graph: Graph, local: Sequence[float | None], dvalue: float, exact: bool = False
) -> tuple[list[float | None], dict[str, float | None]]:
    """Reverse accumulation: each node's gradient (dvalue · ∂output/∂node, the sum over its uses) and
    each leaf's, the sum over its occurrences; None where a factor is unknown."""
    nodes, edges = graph.nodes, graph.edges
    grad: list[float | None] = [None] * len(nodes)
    grad[graph.root] = dvalue
    for i in reversed(range(graph.root)):
        n = nodes[i]
        if n.is_number or not n.uses:
            continue
        total: float | None = 0.0
        for k, e in enumerate(n.uses):
            upstream, factor = grad[edges[e].parent], local[e]
            if upstream is None or factor is None:
                total = None
                break
            contribution = upstream * factor
            total = contribution if k == 0 else total + contribution  # type: ignore[operator]
        if total is not None and total - total != 0:
            _check(graph, i, total)
        if exact and total is not None:
            total = tidy(total)  # type: ignore[arg-type]
        grad[i] = total
    leaves: dict[str, float | None] = {}
    for name in graph.leaves:
        whole: float | None = 0  # an int: 0 + -0.0 is 0.0 as before, and 0 + 1/3 stays exact
        for i in graph.occurrences[name]:
            g = grad[i]
            if g is None or whole is None:
                whole = None
                break
            whole += g
        leaves[name] = tidy(whole) if exact and whole is not None else whole  # type: ignore[arg-type]
    return grad, leaves


def path_value(path: Sequence[int], local: Sequence[float | None], dvalue: float) -> float | None:
    """dvalue times the product of a path's local values, from the top (the order reverse accumulation
    multiplies in); None when a factor is unknown."""
    value = dvalue
    for e in path:
        factor = local[e]
        if factor is None:
            return None
        value *= factor
    return value
