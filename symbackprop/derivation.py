"""The derivation: one object holding the graph and everything derived from it.

:func:`derive` runs the stages -- the chain stage's local derivatives and rules, the forward
pass, the local values, reverse accumulation, the chains asked for, the step -- and records
their results here.  Renderers read a :class:`Derivation` and nothing else; none of them
computes a derivative.
"""

from __future__ import annotations

import enum
import functools
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sympy

from . import chain, rounding
from .chain import LocalTemplate, Rule
from .errors import EvaluationError, InputError
from .evaluate import exact_number, forward, gradients, local_values, path_value
from .graph import Graph
from .limits import DEFAULT, Limits
from .options import spell
from .steps import Style


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
    value: float | None


@dataclass(frozen=True)
class Step:
    """One plain gradient-descent step: ``p += -lr * dp`` for the updated names, then the output again."""

    lr: float
    values: dict[str, float | None]  # None: the leaf or its gradient is unknown (a symbolic step)
    output: float | None


@dataclass
class Derivation:
    graph: Graph
    values: dict[str, float]  # each leaf's value that was given, in the expression's order
    dvalue: float
    output: float | None  # None where a leaf it depends on has no value (a symbolic derivation)
    gradients: dict[str, float | None]  # every parameter's (not the constants'): the sum over its occurrences
    chains: dict[str, list[Path]]  # the leaves asked for (``wrt``), each path to each occurrence
    node_values: list[float | None]  # per node
    node_gradients: list[float | None]  # per node: dvalue · ∂output/∂node (None for numbers and the unknown)
    local_values: list[float | None]  # per edge: the local derivative's value (None where it is unknown)
    templates: list[LocalTemplate | None]  # per edge: the local derivative, from its operation's rule
    rules: list[Rule]  # each operation's rule, output first
    step: Step | None = None
    warnings: list[str] = field(default_factory=list)
    # Leaves grouped as the chapter's lists, e.g. {"x": ["x0", "x1"], "w": [...]}, for printing.
    arrays: dict[str, list[str]] = field(default_factory=dict)
    kind: Kind = Kind.EXPRESSION
    limits: Limits = DEFAULT
    style: Style = Style.CHAPTER  # how labels and programs name the quantities
    constants: frozenset[str] = frozenset()  # leaves given as data: no gradient, no chain
    marks: dict[str, str] = field(default_factory=dict)  # w -> mathbf: written \mathbf{w}
    # with --simplify: each derived leaf's gradient as SymPy simplified it (our operations, in the leaves)
    simplified: dict[str, sympy.Basic] | None = None
    #: ``--exact``: every value is exact (SymPy's Rationals, or exact constants such as e^{-1/2})
    exact: bool = False

    @property
    def symbolic(self) -> bool:
        """Whether some number is unknown (a leaf without a value)."""
        return self.output is None or any(g is None for g in self.gradients.values())

    def local_derivative(self, e: int) -> sympy.Basic:
        """Edge ``e``'s local derivative, in its arguments' names (for the printers that cannot fill a template)."""
        t = self.templates[e]
        assert t is not None, "a number has no local derivative"
        return chain.instantiate(self.graph, e, t.expr)

    def contribution(self, e: int) -> float | None:
        """What flows down edge ``e``: the parent's gradient times the local value."""
        upstream, local = self.node_gradients[self.graph.edges[e].parent], self.local_values[e]
        return None if upstream is None or local is None else upstream * local

    @functools.cached_property
    def depends(self) -> list[bool]:
        """Per node: whether it depends on a parameter (a leaf that is not data), so that a gradient
        flows into it; numbers, data and what is computed from them alone take none."""
        out: list[bool] = []
        for n in self.graph.nodes:
            if n.op is not None:
                out.append(any(out[c] for c in n.children))
            else:
                out.append(n.is_variable and n.var not in self.constants)
        return out

    def backward_edges(self) -> list[int]:
        """The edges the backward pass goes down, from the output (the graph's order), into the
        nodes that depend on a parameter."""
        depends = self.depends
        return [e for e in self.graph.backward_edges() if depends[self.graph.edges[e].child]]

    def flows(self, e: int) -> bool:
        """Whether a gradient flows along edge ``e``: not into a number, not into data."""
        child = self.graph.child(e)
        if child.op is not None:
            return True
        return child.number is None and child.var not in self.constants


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


def _number(what: str, value: object, exact: bool) -> float:
    """A user's number, checked; with ``exact``, the exact value of it as given (a Fraction, an int or a
    typed ``1/3`` exactly, see :func:`~symbackprop.evaluate.exact_number`)."""
    checked = check_number(what, value)
    return exact_number(value) if exact else checked  # type: ignore[return-value]


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
    style: Style = Style.CHAPTER,
    warnings: Iterable[str] = (),
    const: Iterable[str] = (),
    exact: bool = False,
) -> Derivation:
    """Every stage on ``graph`` at ``values``: local derivatives, forward pass, gradients, chains, step.

    Values are optional: a leaf without one stays a symbol, and every number that depends on it is
    None.  ``const`` names leaves that are data: no gradient, no chain, never updated.
    ``exact`` keeps every value exact: rational inputs as fractions (see :func:`~symbackprop.evaluate.exact_number`).
    ``check_output`` bounds what the derivation will write by ``limits.max_output`` before any of it is
    written (a graph the tool built itself, as the neuron's, is known to be linear and skips it).
    """
    _check_names(values, graph.leaves, spell("at"))
    constants = frozenset(_check_names(const, graph.leaves, spell("const")))
    # in the expression's order, whatever the order the values came in: the output depends on what
    # was asked, not on how the options were arranged
    given = {name: _number(name, values[name], exact) for name in graph.leaves if name in values}
    dvalue = _number(spell("dvalue"), dvalue, exact)
    templates = chain.local_templates(graph, limits.max_output if check_output else None)
    node_values = forward(graph, given, exact)
    local = local_values(graph, node_values, templates, exact)
    node_gradients, leaf_gradients = gradients(graph, local, dvalue, exact)
    parameters = [name for name in graph.leaves if name not in constants]
    if wrt is None:
        chosen = parameters
    else:
        chosen = _check_names(wrt, graph.leaves, spell("wrt"))
        _refuse_constants(chosen, constants, "wrt")
    warnings = [*warnings, *([] if exact else rounding.warnings(graph, node_values))]  # exact: never rounded
    if graph.shared and (count := graph.count_paths(chosen)) > limits.max_paths:
        # listing every path can grow exponentially where values are shared; the gradients come
        # from one reverse pass, and the node-by-node backward pass shows it in as many lines
        warnings.append(
            f"the chains of {', '.join(chosen[:5])}{' ...' if len(chosen) > 5 else ''} have {count} paths, "
            f"more than {spell('max_paths')} allows ({limits.max_paths}): they are not written out; "
            "the node-by-node backward pass gives every gradient"
        )
        chosen = []
    chains = {
        name: [Path(p, path_value(p, local, dvalue)) for p in paths]
        for name, paths in graph.paths(chosen).items()
    }
    step = None
    if lr is not None:
        lr = _number(spell("lr"), lr, exact)
        updated = _check_names(update or [], graph.leaves, spell("update"))
        _refuse_constants(updated, constants, "update")
        new: dict[str, float | None] = {}
        for n in updated:
            old, gradient = given.get(n), leaf_gradients[n]
            new[n] = None if old is None or gradient is None else old + -lr * gradient
            if new[n] is not None and not math.isfinite(new[n]):  # type: ignore[arg-type]
                raise EvaluationError(f"the update step makes {n} not finite ({new[n]}): lower {spell('lr')}")
        after = {**given, **{n: v for n, v in new.items() if v is not None}}
        known = all(v is not None for v in new.values())
        step = Step(lr, new, forward(graph, after, exact)[graph.root] if known else None)
    return Derivation(
        graph=graph,
        values=given,
        dvalue=dvalue,
        output=node_values[graph.root],
        gradients={name: leaf_gradients[name] for name in parameters},
        chains=chains,
        node_values=node_values,
        node_gradients=node_gradients,
        local_values=local,
        templates=templates,
        rules=chain.rules(graph),
        step=step,
        arrays={k: v for k, v in (arrays or {}).items() if all(m in graph.occurrences for m in v)},
        kind=kind,
        limits=limits,
        style=style,
        warnings=warnings,
        constants=constants,
        exact=exact,
    )


def _refuse_constants(names: Iterable[str], constants: frozenset[str], option: str) -> None:
    for name in names:
        if name in constants:
            raise InputError(f"{name} is given as data ({spell('const')}), so {spell(option)} cannot name it")
