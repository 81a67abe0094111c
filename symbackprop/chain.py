"""The chain stage: every edge's local derivative, each operation's rule, and the paths to the leaves.

Each edge from an argument to its operation carries the operation's symbolic local
derivative with respect to that argument.  The operation is asked once per argument shape
(:class:`LocalTemplate`, with placeholders for the arguments), not once per edge: a sum of
10 000 terms asks ``SumOp.local`` once.  Evaluation compiles each template once and
printing prints each once with holes for the argument names.  The walker knows no operation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, overload

import sympy

from .errors import LimitError
from .graph import Graph, Node
from .ops import MulOp, NegOp, Op
from .options import spell

_PLACEHOLDERS: list[sympy.Symbol] = []


def placeholder(j: int) -> sympy.Symbol:
    """The symbol standing for an operation's j-th argument in a :class:`LocalTemplate`."""
    while len(_PLACEHOLDERS) <= j:
        _PLACEHOLDERS.append(sympy.Symbol(f"_arg{len(_PLACEHOLDERS)}"))
    return _PLACEHOLDERS[j]


def placeholder_index(s: sympy.Basic) -> int | None:
    """j for ``placeholder(j)``, else None."""
    if isinstance(s, sympy.Symbol) and s.name.startswith("_arg"):
        j = int(s.name[4:])
        return j if j < len(_PLACEHOLDERS) and _PLACEHOLDERS[j] is s else None
    return None


class LocalTemplate:
    """One local derivative for every edge alike: the operation's rule applied to placeholders.

    ``expr`` mentions ``placeholder(j)`` for the parent's j-th argument (numbers appear as
    themselves); substituting the arguments' symbols gives exactly what the operation returns
    for them.  Evaluation and printing keep what they derive from it in ``cache``, so each is
    done once per distinct template, not once per edge.
    """

    __slots__ = ("cache", "coefficient", "expr", "factors", "holes", "operations", "size")
    _known: ClassVar[dict[Any, LocalTemplate]] = {}

    def __init__(self, expr: sympy.Basic) -> None:
        self.expr = expr
        self.size = _size(expr)
        self.operations = _operations(expr)  # the operations it mentions, in order of appearance
        # the argument positions it reads (a sum's reads none)
        self.holes = frozenset(j for s in expr.free_symbols if (j := placeholder_index(s)) is not None)
        self.cache: dict[Any, Any] = {}
        # as a numeric coefficient times the other factors, for the gradients' closed forms
        sign, parts = 1, list(expr.args if isinstance(expr, MulOp) else (expr,))
        for k, part in enumerate(parts):
            while isinstance(part, NegOp):  # -(a/b^2): the sign joins the coefficient
                sign, part = -sign, part.args[0]
            parts[k] = part
        numbers = [p for p in parts if isinstance(p, sympy.Number)]
        self.coefficient: sympy.Number = sympy.Mul(sympy.Integer(sign), *numbers)
        self.factors = tuple(p for p in parts if not isinstance(p, sympy.Number))

    @classmethod
    def of(cls, expr: sympy.Basic) -> LocalTemplate:
        """The template for ``expr``, shared by every graph (templates hold no names, only placeholders)."""
        key = _strict(expr)
        t = cls._known.get(key)
        if t is None:
            if len(cls._known) > 4096:
                cls._known.clear()
            t = cls._known[key] = cls(expr)
        return t


def _strict(e: sympy.Basic) -> Any:
    """A key equal only for the same tree with the same types throughout (``Integer(1)`` is not
    ``Float(1.0)`` here, as it is for SymPy's ``==``)."""
    return (type(e), tuple(_strict(a) for a in e.args)) if e.args else (type(e), e)


def _operations(e: sympy.Basic) -> tuple[type[Op], ...]:
    out: list[type[Op]] = []
    stack = [e]
    while stack:
        top = stack.pop()
        if isinstance(top, Op) and type(top) not in out:
            out.append(type(top))
        stack.extend(reversed(top.args))
    return tuple(out)


def _size(e: sympy.Basic) -> int:
    count, stack = 0, [e]
    while stack:
        count += 1
        stack.extend(stack.pop().args)
    return count


class _Placeholders(Sequence[sympy.Basic]):
    """An operation's arguments as a template sees them, made one at a time as the rule reads them
    (a rule that reads none, like a sum's, costs nothing however wide the sum)."""

    def __init__(self, shape: tuple[Any, ...]) -> None:
        self.shape = shape

    def __len__(self) -> int:
        return len(self.shape)

    @overload
    def __getitem__(self, j: int) -> sympy.Basic: ...
    @overload
    def __getitem__(self, j: slice) -> Sequence[sympy.Basic]: ...
    def __getitem__(self, j: int | slice) -> sympy.Basic | Sequence[sympy.Basic]:
        if isinstance(j, slice):
            return [self[k] for k in range(*j.indices(len(self.shape)))]
        s = self.shape[j]
        return s[1] if isinstance(s, tuple) else placeholder(s)

    def __iter__(self) -> Iterator[sympy.Basic]:
        return (self[k] for k in range(len(self.shape)))


def _shape(nodes: list[Node], parent: Node) -> tuple[Any, ...]:
    """The parent's argument shape: each name as the position of its first use (so a name used
    twice is one placeholder, as it is one symbol), each number as ``(type, number)`` -- SymPy
    has ``Integer(1) == 1 == Float(1.0)``, which print differently."""
    first: dict[str, int] = {}
    return tuple(
        (type(nodes[c].number), nodes[c].number) if nodes[c].is_number else first.setdefault(nodes[c].var, k)
        for k, c in enumerate(parent.children)
    )


_BY_SHAPE: dict[tuple[type[Op], tuple[Any, ...]], dict[int, LocalTemplate]] = {}


def local_templates(graph: Graph, max_output: int | None = None) -> list[LocalTemplate | None]:
    """Every edge's local derivative as a template (None where a number is the argument): each
    operation is asked once per argument shape and position.

    ``max_output`` bounds what the derivation will write -- every node's way to the output and
    every local derivative (an n-ary product's are quadratic in its arity) -- and is checked as
    the templates are made, so an oversized derivation fails before the work, not after.
    """
    bound = max_output or 0
    left = None if max_output is None else bound - sum(level + 1 for level in graph.levels)
    if left is not None and left < 0:
        raise _too_large(bound)
    nodes = graph.nodes
    out: list[LocalTemplate | None] = [None] * len(graph.edges)
    if len(_BY_SHAPE) > 4096:
        _BY_SHAPE.clear()
    for parent in nodes:
        if parent.op is None:
            continue
        op, shape = parent.op, _shape(nodes, parent)
        known = _BY_SHAPE.setdefault((op, shape), {})
        for pos, c in enumerate(parent.children):
            if nodes[c].is_number:
                continue
            t = known.get(pos)
            if t is None:
                t = known[pos] = LocalTemplate.of(op.local(_Placeholders(shape), pos))
            out[parent.edge0 + pos] = t
            if left is not None:
                left -= t.size
                if left < 0:
                    raise _too_large(bound)
    return out


def argument_symbol(graph: Graph, i: int) -> sympy.Basic:
    """How node ``i`` appears inside its parents' local derivatives: numbers as themselves, the rest by name."""
    n = graph.nodes[i]
    return n.number if n.number is not None else sympy.Symbol(n.var)


def instantiate(graph: Graph, e: int, template: sympy.Basic) -> sympy.Basic:
    """A template's expression (or a part of it) for edge ``e``: its arguments' names in place of the placeholders."""
    parent = graph.nodes[graph.edges[e].parent]
    mapping = {placeholder(j): argument_symbol(graph, c) for j, c in enumerate(parent.children)}
    return template.xreplace(mapping)


@dataclass(frozen=True)
class Rule:
    """An operation's derivative rule as the chapter states it: f(x, y) = ... -> ∂f/∂x = ..., ∂f/∂y = ..."""

    op: type[Op]
    args: tuple[sympy.Symbol, ...]
    derivatives: tuple[sympy.Basic, ...]


def rules(graph: Graph) -> list[Rule]:
    """The rule of each operation in the graph, in the order the backward pass meets them (output first)."""
    seen: list[type[Op]] = []
    for i in graph.breadth_first():
        op = graph.nodes[i].op
        if op is not None and op.stated and op not in seen:
            seen.append(op)
    out = []
    for op in seen:
        args = (sympy.Symbol("x"),) if op.unary else (sympy.Symbol("x"), sympy.Symbol("y"))
        out.append(Rule(op, args, tuple(op.local(args, k) for k in range(len(args)))))
    return out


def _too_large(bound: int) -> LimitError:
    return LimitError(
        f"the derivation would write more than {bound} terms (raise it with {spell('max_output')})"
    )
