"""The derivation: one object holding the graph and everything derived from it.

:func:`derive` runs the stages -- the chain stage's local derivatives and rules, the forward
pass, the local values, reverse accumulation, the chains asked for, the step -- and records
their results here.  Renderers read a :class:`Derivation` and nothing else; none of them
computes a derivative.
"""

from __future__ import annotations

import enum
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sympy

from . import chain
from .chain import LocalTemplate, Rule
from .errors import EvaluationError, InputError, LimitError
from .evaluate import forward, gradients, local_values, path_value
from .graph import Graph
from .limits import DEFAULT, Limits
from .options import spell


class Kind(enum.Enum):
    """What a derivation is of: it changes how it is introduced, never how it is derived."""

    EXPRESSION = "expression"
    NEURON = "neuron"  # the chapter's neuron: printed with its lists x, w, b and its loose form
    NETWORK = "network"  # a network's scalar view


@dataclass(frozen=True, slots=True)
class Path:
    """One path from the output down to one occurrence of a leaf: its edges from the top, and
    dvalue times the product of their local values."""

    edges: tuple[int, ...]
    value: float


@dataclass(frozen=True)
class Step:
    """One plain gradient-descent step: ``p += -lr * dp`` for the updated names, then the output again."""

    lr: float
    values: dict[str, float]
    output: float


@dataclass
class Derivation:
    graph: Graph
    values: dict[str, float]  # each leaf's value, in the expression's order
    dvalue: float
    output: float
    gradients: dict[str, float]  # every leaf's: the sum over its occurrences
    chains: dict[str, list[Path]]  # the leaves asked for (``wrt``), each path to each occurrence
    node_values: list[float]  # per node
    node_gradients: list[float]  # per node: dvalue · ∂output/∂node (NaN for numbers)
    local_values: list[float]  # per edge: the local derivative's value (NaN where a number is the argument)
    templates: list[LocalTemplate | None]  # per edge: the local derivative, from its operation's rule
    rules: list[Rule]  # each operation's rule, output first
    step: Step | None = None
    warnings: list[str] = field(default_factory=list)
    # Leaves grouped as the chapter's lists, e.g. {"x": ["x0", "x1"], "w": [...]}, for printing.
    arrays: dict[str, list[str]] = field(default_factory=dict)
    kind: Kind = Kind.EXPRESSION
    limits: Limits = DEFAULT

    def local_derivative(self, e: int) -> sympy.Basic:
        """Edge ``e``'s local derivative, in its arguments' names (for the printers that cannot fill a template)."""
        t = self.templates[e]
        assert t is not None, "a number has no local derivative"
        return chain.instantiate(self.graph, e, t.expr)

    def contribution(self, e: int) -> float:
        """What flows down edge ``e``: the parent's gradient times the local value."""
        return self.node_gradients[self.graph.edges[e].parent] * self.local_values[e]


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


def derive(
    graph: Graph,
    values: Mapping[str, object],
    *,
    dvalue: float = 1.0,
    wrt: Iterable[str] | None = None,
    lr: float | None = None,
    update: Iterable[str] | None = None,
    arrays: dict[str, list[str]] | None = None,
    kind: Kind = Kind.EXPRESSION,
    limits: Limits = DEFAULT,
    check_output: bool = True,
) -> Derivation:
    """Every stage on ``graph`` at ``values``: local derivatives, forward pass, gradients, chains, step.

    ``check_output`` bounds what the derivation will write by ``limits.max_output`` before any of it is
    written (a graph the tool built itself, as the neuron's, is known to be linear and skips it).
    """
    _check_names(values, graph.leaves, spell("at"))
    # in the expression's order, whatever the order the values came in: the output depends on what
    # was asked, not on how the options were arranged
    given = {name: check_number(name, values[name]) for name in graph.leaves if name in values}
    dvalue = check_number(spell("dvalue"), dvalue)
    templates = chain.local_templates(graph, limits.max_output if check_output else None)
    node_values = forward(graph, given)
    local = local_values(graph, node_values, templates)
    node_gradients, leaf_gradients = gradients(graph, local, dvalue)
    chosen = graph.leaves if wrt is None else _check_names(wrt, graph.leaves, spell("wrt"))
    if graph.shared:
        count = graph.count_paths(chosen)
        if count > limits.max_paths:
            raise LimitError(
                f"the chains of {', '.join(chosen[:5])} have {count} paths, more than the limit of "
                f"{limits.max_paths} (raise it with {spell('max_paths')}; the node-by-node backward pass is always short)"
            )
    chains = {
        name: [Path(p, path_value(p, local, dvalue)) for p in paths]
        for name, paths in graph.paths(chosen).items()
    }
    step = None
    output = node_values[graph.root]
    if lr is not None:
        lr = check_number(spell("lr"), lr)
        updated = _check_names(update or [], graph.leaves, spell("update"))
        new = {n: given[n] + -lr * leaf_gradients[n] for n in updated}
        for n, v in new.items():
            if not math.isfinite(v):
                raise EvaluationError(f"the update step makes {n} not finite ({v}): lower {spell('lr')}")
        step = Step(lr, new, forward(graph, {**given, **new})[graph.root])
    return Derivation(
        graph=graph,
        values=given,
        dvalue=dvalue,
        output=output,
        gradients=leaf_gradients,
        chains=chains,
        node_values=node_values,
        node_gradients=node_gradients,
        local_values=local,
        templates=templates,
        rules=chain.rules(graph),
        step=step,
        arrays=arrays or {},
        kind=kind,
        limits=limits,
    )
