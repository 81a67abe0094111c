"""The chain-rule walker: a tree becomes a graph of nodes whose edges carry local derivatives.

The graph is the tree's evaluation trace: every occurrence of an operation or a leaf is
one node, listed in forward (post-) order, so a leaf used twice has two paths to the
output.  Each edge from a node to its parent carries the parent's symbolic local
derivative with respect to that argument, asked of the parent's operation; the walker
itself knows no operation.  Building it costs one pass over the tree.

The SymPy tree is the truth, but a large one is slow to build: a graph can also be built
directly (:class:`GraphBuilder`, as the neuron is), and then each node's ``expr`` -- and
every node's ``local`` -- is built from the operations only when something asks for it.
What evaluation and the printed chains need instead is each edge's :class:`LocalTemplate`:
the parent's operation asked once, for all edges alike, for its local derivative with
placeholders standing for the arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, overload

import sympy

from .errors import LimitError
from .ops import Op
from .options import spell

_UNSET: Any = object()
_NAN = float("nan")  # one object for every node not evaluated yet


class Node:
    """One occurrence of an operation, variable or number in the tree."""

    __slots__ = (
        "_expr",
        "_graph",
        "_local",
        "argpos",
        "children",
        "depth",
        "gradient",
        "is_number",
        "local_value",
        "op",
        "parent",
        "value",
        "var",
    )

    def __init__(
        self,
        expr: sympy.Basic | None,
        op: type[Op] | None,
        children: tuple[int, ...],
        var: str,
        graph: Graph | None = None,
    ) -> None:
        self._expr = expr  # built on first use when None (never None for a number)
        self.op = op  # None for a leaf (variable or number)
        self.children = children
        self.var = var  # its short name: "xw0", "z", "y" for operations; the name or number for leaves
        self.is_number = isinstance(expr, sympy.Number)
        self.parent: int | None = None
        self.argpos = 0  # position among the parent's arguments
        self.depth = 0  # edges from the output
        self.value = _NAN
        self.gradient = _NAN  # dvalue · ∂output/∂this
        self.local_value = _NAN
        self._local: sympy.Basic | None = _UNSET
        self._graph = graph

    @property
    def expr(self) -> sympy.Basic:
        """The SymPy subtree this node stands for (built from the operations on first use)."""
        if self._expr is None:
            assert self._graph is not None, "a node built without its graph"
            self._graph.materialize(self)
        assert self._expr is not None
        return self._expr

    @property
    def local(self) -> sympy.Basic | None:
        """∂parent/∂this, in terms of the parent's argument names, as the parent's operation gives it.

        None for the output and for numbers (a number has no derivative to take).
        """
        if self._local is _UNSET:
            self._local = None
            if self.has_local:
                assert self._graph is not None and self.parent is not None
                parent = self._graph.nodes[self.parent]
                assert parent.op is not None
                self._local = parent.op.local(self._graph.argument_symbols(self.parent), self.argpos)
        return self._local

    @property
    def has_local(self) -> bool:
        """Whether a gradient flows into this node: it has a parent and is not a number."""
        return self.parent is not None and not self.is_number

    @property
    def is_variable(self) -> bool:
        return self.op is None and not self.is_number

    def __repr__(self) -> str:
        return f"Node({self.var!r}, op={self.op and self.op.name}, children={self.children})"


@dataclass
class Graph:
    """The nodes of one expression in forward order; the output is the last."""

    nodes: list[Node]
    leaves: list[str]  # variable names in order of first appearance
    occurrences: dict[str, list[int]] = field(default_factory=dict)
    # Built on demand: each parent's argument symbols, the templates by operation and argument shape.
    _symbols: dict[int, list[sympy.Basic]] = field(default_factory=dict, repr=False)
    _by_shape: dict[tuple[type[Op], tuple[Any, ...]], dict[int, LocalTemplate]] = field(
        default_factory=dict, repr=False
    )
    _templates: list[LocalTemplate | None] | None = field(default=None, repr=False)

    @property
    def height(self) -> int:
        """Edges from the output to the deepest leaf."""
        return max(n.depth for n in self.nodes)

    @property
    def root(self) -> int:
        return len(self.nodes) - 1

    def parent(self, i: int) -> Node:
        """The node whose argument node ``i`` is (not for the output)."""
        p = self.nodes[i].parent
        assert p is not None, "the output has no parent"
        return self.nodes[p]

    def path(self, i: int) -> list[int]:
        """Nodes from just below the output down to node ``i``: one factor per node."""
        out = []
        step: int | None = i
        while step is not None and self.nodes[step].parent is not None:
            out.append(step)
            step = self.nodes[step].parent
        out.reverse()
        return out

    def backward_steps(self) -> list[int]:
        """The nodes a gradient flows into, output first (numbers take none)."""
        return [i for i in self.breadth_first() if self.nodes[i].has_local]

    def breadth_first(self) -> list[int]:
        """Nodes by distance from the output, left to right: the chapter's order of printing."""
        out = [self.root]
        for i in out:
            out.extend(self.nodes[i].children)
        return out

    # -- the SymPy tree, on demand -------------------------------------------
    def materialize(self, target: Node) -> None:
        """Build ``target.expr`` and every missing one below it (iteratively: depth costs no recursion)."""
        nodes = self.nodes
        stack = [target]
        while stack:
            n = stack[-1]
            missing = [nodes[c] for c in n.children if nodes[c]._expr is None]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            if n._expr is None:
                n._expr = n.op(*(nodes[c]._expr for c in n.children)) if n.op else sympy.Symbol(n.var)

    def argument_symbols(self, p: int) -> list[sympy.Basic]:
        """How node ``p``'s arguments appear in its local derivatives: leaves as themselves, operations by name."""
        if p not in self._symbols:
            self._symbols[p] = [argument_symbol(self.nodes[c]) for c in self.nodes[p].children]
        return self._symbols[p]

    # -- local derivatives as templates --------------------------------------
    def template(self, i: int) -> LocalTemplate | None:
        """The local derivative on the edge into node ``i``, with placeholders for the parent's arguments."""
        return self.templates()[i]

    def templates(self) -> list[LocalTemplate | None]:
        """:meth:`template` of every node, in one pass (None for the output and for numbers)."""
        if self._templates is None:
            out: list[LocalTemplate | None] = [None] * len(self.nodes)
            for c, t in self._edges():
                out[c] = t
            self._templates = out
        return self._templates

    def _edges(self) -> Iterator[tuple[int, LocalTemplate]]:
        """(child, template) for every edge, parent by parent: each parent's shape is taken once."""
        nodes = self.nodes
        for parent in nodes:
            if parent.op is None:
                continue
            op, shape = parent.op, self._shape(parent)
            known = self._by_shape.setdefault((op, shape), {})
            for pos, c in enumerate(parent.children):
                if nodes[c].is_number:
                    continue
                t = known.get(pos)
                if t is None:
                    t = known[pos] = LocalTemplate.of(op.local(_Placeholders(shape), pos))
                yield c, t

    def _shape(self, parent: Node) -> tuple[Any, ...]:
        """The parent's argument shape: each name as the position of its first use (so a name used
        twice is one placeholder, as it is one symbol), each number as ``(type, number)`` -- SymPy
        has ``Integer(1) == 1 == Float(1.0)``, which print differently."""
        nodes = self.nodes
        first: dict[str, int] = {}
        return tuple(
            (type(nodes[c]._expr), nodes[c]._expr)
            if nodes[c].is_number
            else first.setdefault(nodes[c].var, k)
            for k, c in enumerate(parent.children)
        )

    def check_output(self, bound: int) -> None:
        """Refuse a derivation that would write more than ``bound`` terms: every node's path to the
        output and every local derivative (an n-ary product's are quadratic in its arity)."""
        left = bound - sum(n.depth + 1 for n in self.nodes)
        if left < 0:
            raise _too_large(bound)
        for _, t in self._edges():  # stops at the first template past the bound
            left -= t.size
            if left < 0:
                raise _too_large(bound)


class LocalTemplate:
    """One local derivative for every edge alike: the operation's rule applied to placeholders.

    ``expr`` mentions ``placeholder(j)`` for the parent's j-th argument (numbers appear as
    themselves); substituting the arguments' symbols gives exactly what the operation returns
    for them.  Evaluation and printing keep what they derive from it in ``cache``, so each
    is done once per distinct template, not once per edge.
    """

    __slots__ = ("cache", "expr", "size")
    _known: ClassVar[dict[Any, LocalTemplate]] = {}

    def __init__(self, expr: sympy.Basic) -> None:
        self.expr = expr
        self.size = _size(expr)
        self.cache: dict[str, Any] = {}

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


def default_names(taken: Iterable[str]) -> Callable[[int, int, bool], str]:
    """Names for operation nodes in a general expression: v1, v2, ... in forward order, y for the output."""
    used = set(taken)
    prefix = next(p for p in ("v", "u", "t", "q", "h") if not any(n.startswith(p) for n in used))

    def name(k: int, index: int, is_root: bool) -> str:
        return "y" if is_root and "y" not in used else f"{prefix}{k}"

    return name


class GraphBuilder:
    """Nodes in forward order, each child before its parent; :meth:`finish` names them and sets depths.

    ``expr`` may be left out for variables and operations: it is built when first asked for.
    """

    def __init__(self) -> None:
        self.graph = Graph([], [], {})
        self._seen: set[str] = set()
        self._operations: list[int] = []

    def variable(self, name: str, expr: sympy.Symbol | None = None) -> int:
        g = self.graph
        index = len(g.nodes)
        g.nodes.append(Node(expr, None, (), name, g))
        g.occurrences.setdefault(name, []).append(index)
        if name not in self._seen:
            self._seen.add(name)
            g.leaves.append(name)
        return index

    def number(self, value: sympy.Number) -> int:
        g = self.graph
        g.nodes.append(Node(value, None, (), str(value), g))
        return len(g.nodes) - 1

    def operation(self, op: type[Op], children: Sequence[int], expr: sympy.Basic | None = None) -> int:
        g = self.graph
        nodes = g.nodes
        index = len(nodes)
        nodes.append(Node(expr, op, tuple(children), "", g))
        self._operations.append(index)
        for pos, c in enumerate(children):
            child = nodes[c]
            child.parent = index
            child.argpos = pos
        return index

    def finish(self, names: Callable[[int, int, bool], str] | None = None) -> Graph:
        g = self.graph
        nodes = g.nodes
        name = names or default_names(g.leaves)
        root = g.root
        for k, index in enumerate(self._operations, start=1):
            nodes[index].var = name(k, index, index == root)
        for index in reversed(range(len(nodes))):  # depths, from the output down
            n = nodes[index]
            if n.parent is not None:
                n.depth = nodes[n.parent].depth + 1
        return g


def build_graph(
    expr: sympy.Basic, names: Callable[[int, int, bool], str] | None = None, max_output: int | None = None
) -> Graph:
    """Flatten ``expr`` into its nodes (iteratively, so depth costs no recursion).

    ``max_output`` bounds what the derivation will write -- every node's path to the output and
    every local derivative (an n-ary product's are quadratic in its arity) -- and is checked
    before any of it is written, so an oversized one fails before the work, not after.
    """
    builder = GraphBuilder()
    # Post-order without recursion: (expr, child indices collected so far)
    stack: list[tuple[sympy.Basic, list[int]]] = [(expr, [])]
    while stack:
        e, done = stack[-1]
        if isinstance(e, Op) and len(done) < len(e.args):
            stack.append((e.args[len(done)], []))
            continue
        stack.pop()
        if isinstance(e, Op):
            index = builder.operation(type(e), done, e)
        elif isinstance(e, sympy.Symbol):
            index = builder.variable(e.name, e)
        elif isinstance(e, sympy.Number):
            index = builder.number(e)
        else:
            raise TypeError(f"not a node of an expression tree: {type(e).__name__}")
        if stack:
            stack[-1][1].append(index)
    graph = builder.finish(names)
    if max_output is not None:
        graph.check_output(max_output)
    return graph


def _too_large(bound: int) -> LimitError:
    return LimitError(
        f"the derivation would write more than {bound} terms (raise it with {spell('max_output')})"
    )


def _size(e: sympy.Basic) -> int:
    count, stack = 0, [e]
    while stack:
        count += 1
        stack.extend(stack.pop().args)
    return count


def argument_symbol(node: Node) -> sympy.Basic:
    """How a node appears inside its parent's local derivative: leaves as themselves, operations by name."""
    return node.expr if node.op is None else sympy.Symbol(node.var)


def symbol_values(graph: Graph, values: Mapping[str, float]) -> dict[str, float]:
    """Every name a local derivative can mention: the leaves and the operation nodes' names."""
    env = dict(values)
    for n in graph.nodes:
        if n.op is not None:
            env[n.var] = n.value
    return env
