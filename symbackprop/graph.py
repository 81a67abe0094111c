"""The derivation's graph: the structure every stage after parsing reads.

Nodes are listed in forward order (every argument before its operation; the output last).
An operation's arguments are edges, each from the argument (``child``) to the operation
(``parent``) at one position (``argpos``); a node with several uses has several edges
upward, and its gradient is the sum over them.  Trees from the parsers have one use per
node (a leaf written twice is two nodes, one per occurrence); a named step used twice, and
a network's shared quantities, are one node with several uses.

The graph holds structure only: values, gradients and local derivatives belong to the
:class:`~symbackprop.derivation.Derivation`.  SymPy is the input: :func:`build_graph` turns a
parsed tree into a graph, and :class:`GraphBuilder` builds one directly (the neuron does).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sympy

from .ops import Op

#: ``names(k, index, is_root)``: the name of the k-th unnamed operation (from 1), node ``index``.
Namer = Callable[[int, int, bool], str]


class Node:
    """One operation, variable (one occurrence of a leaf) or number."""

    __slots__ = ("children", "edge0", "meta", "number", "op", "uses", "var")

    def __init__(
        self,
        op: type[Op] | None,
        children: tuple[int, ...],
        var: str,
        number: sympy.Number | None = None,
        meta: Any = None,
    ) -> None:
        self.op = op  # None for a leaf (variable or number)
        self.children = children  # argument nodes, in order
        self.var = var  # its name: "xw0", "z", "y" for operations; the variable's name; the number's text
        self.number = number  # the value of a number node, as parsed
        self.meta = meta  # what a builder knows of it (a network's layer, sample and index), or None
        self.uses: list[int] = []  # edges upward, in the order they were made
        self.edge0 = 0  # an operation's edges are edge0, edge0 + 1 ... by argument position

    @property
    def is_number(self) -> bool:
        return self.number is not None

    @property
    def is_variable(self) -> bool:
        return self.op is None and self.number is None

    def __repr__(self) -> str:
        return f"Node({self.var!r}, op={self.op and self.op.name}, children={self.children})"


class Edge:
    """Argument ``argpos`` of node ``parent`` is node ``child``."""

    __slots__ = ("argpos", "child", "parent")

    def __init__(self, child: int, parent: int, argpos: int) -> None:
        self.child, self.parent, self.argpos = child, parent, argpos

    def __repr__(self) -> str:
        return f"Edge({self.child} -> {self.parent}[{self.argpos}])"


#: The most terms an inlined form of a graph with shared values writes before its shared steps are
#: written by name (see ``Graph.by_name``).
INLINE_LIMIT = 2000


class Graph:
    """The nodes of one expression in forward order and the edges between them; the output is the last node."""

    def __init__(
        self,
        nodes: list[Node],
        edges: list[Edge],
        leaves: list[str],
        occurrences: dict[str, list[int]],
        named: list[bool] | None = None,
    ):
        self.nodes = nodes
        self.edges = edges
        self.leaves = leaves  # variable names in order of first appearance
        self.occurrences = occurrences  # variable name -> its nodes, in forward order
        # per node: an operation its author named (a step of a program, the chapter's xw0, z, y), as
        # opposed to a generated name (v1, v2 ...) for an unnamed sub-expression
        self.named = named or [False] * len(nodes)
        self.root = len(nodes) - 1
        self.levels = self._levels()  # per node: edges on the longest way up to the output
        self.shared = any(len(n.uses) > 1 for n in nodes)  # not a tree
        # The nodes the inlined forms (the flat expression, the nested one, each node's name) print by
        # name: none in a tree or a small graph; where values are shared and writing each use out
        # would pass INLINE_LIMIT terms (it doubles with every level of a_k = a_(k-1) * a_(k-1)),
        # every step used more than once, so each is written once.
        self.by_name: frozenset[int] = frozenset()
        if self.shared and self._inlined_size() > INLINE_LIMIT:
            self.by_name = frozenset(i for i, n in enumerate(nodes) if n.op is not None and len(n.uses) > 1)

    def _inlined_size(self) -> int:
        """Terms of the output's expression with every shared value written out at each use (capped)."""
        size = [1] * len(self.nodes)
        for i, n in enumerate(self.nodes):
            if n.op is not None:
                size[i] = min(INLINE_LIMIT + 1, 1 + sum(size[c] for c in n.children))
        return size[self.root]

    def _levels(self) -> list[int]:
        nodes, edges = self.nodes, self.edges
        levels = [0] * len(nodes)
        for i in reversed(range(len(nodes))):  # parents come after their children
            for e in nodes[i].uses:
                levels[i] = max(levels[i], levels[edges[e].parent] + 1)
        return levels

    @property
    def height(self) -> int:
        """Edges from the output to the deepest leaf."""
        return max(self.levels)

    def flows(self, e: int) -> bool:
        """Whether a gradient flows along edge ``e``: numbers take none."""
        return not self.nodes[self.edges[e].child].is_number

    def breadth_first(self) -> list[int]:
        """Nodes by distance from the output, left to right (each once): the chapter's order of printing."""
        out, seen = [self.root], {self.root}
        for i in out:
            for c in self.nodes[i].children:
                if c not in seen:
                    seen.add(c)
                    out.append(c)
        return out

    def backward_order(self) -> list[int]:
        """Nodes a gradient flows into, output first, each after every use of it: breadth first,
        grouped by level (in a tree, the level is the distance from the output)."""
        levels = self.levels
        order = [i for i in self.breadth_first() if i != self.root and not self.nodes[i].is_number]
        return sorted(order, key=levels.__getitem__)

    def backward_edges(self) -> list[int]:
        """The edges a gradient flows along, in :meth:`backward_order` of their lower ends."""
        return [e for i in self.backward_order() for e in self.nodes[i].uses]

    def edges_in(self, path: Sequence[int]) -> list[int]:
        """The lower nodes of a path's edges."""
        return [self.edges[e].child for e in path]

    def edges_into(self, p: int) -> range:
        """The edges of node ``p``'s arguments, by position."""
        n = self.nodes[p]
        return range(n.edge0, n.edge0 + len(n.children))

    def parent(self, e: int) -> Node:
        return self.nodes[self.edges[e].parent]

    def child(self, e: int) -> Node:
        return self.nodes[self.edges[e].child]

    def argument_names(self, p: int) -> list[str]:
        """How node ``p``'s arguments are named inside its local derivatives: operations by their
        names, variables by theirs, numbers as their text."""
        return [self.nodes[c].var for c in self.nodes[p].children]

    def count_paths(self, names: Iterable[str]) -> int:
        """How many paths lead from the output to the occurrences of ``names`` (counted, not listed)."""
        count = [0] * len(self.nodes)
        count[self.root] = 1
        for i in reversed(range(len(self.nodes))):
            for e in self.nodes[i].uses:
                count[i] += count[self.edges[e].parent]
        return sum(count[i] for name in names for i in self.occurrences[name])

    def paths(self, names: Iterable[str]) -> dict[str, list[tuple[int, ...]]]:
        """Every path from the output down to each occurrence of ``names``, as edges from the top,
        in depth-first order (in a tree: one path per occurrence, in forward order)."""
        out: dict[str, list[tuple[int, ...]]] = {name: [] for name in names}
        if not self.shared:  # a tree: each occurrence's one path, upward
            for name, paths in out.items():
                paths.extend(self.path_up(i) for i in self.occurrences[name])
            return out
        wanted = set(names)
        nodes, edges = self.nodes, self.edges
        reaches = [False] * len(nodes)  # whether a wanted occurrence is at or below the node
        for i, n in enumerate(nodes):
            reaches[i] = (n.is_variable and n.var in wanted) or any(reaches[c] for c in n.children)
        if not reaches[self.root]:
            return out
        stack: list[tuple[int, tuple[int, ...]]] = [(self.root, ())]
        while stack:
            i, path = stack.pop()
            n = nodes[i]
            if n.is_variable:
                out[n.var].append(path)
                continue
            for e in reversed(self.edges_into(i)):
                if reaches[edges[e].child]:
                    stack.append((edges[e].child, (*path, e)))
        return out

    def path_up(self, i: int) -> tuple[int, ...]:
        """The one path from the output down to node ``i`` in a tree, as edges from the top."""
        nodes, edges = self.nodes, self.edges
        out = []
        uses = nodes[i].uses
        while uses:
            e = uses[0]
            out.append(e)
            uses = nodes[edges[e].parent].uses
        out.reverse()
        return tuple(out)


def default_names(taken: Iterable[str]) -> Namer:
    """Names for operation nodes in a general expression: v1, v2, ... in forward order, y for the output."""
    used = set(taken)
    candidates = itertools.chain(("v", "u", "t", "q", "h"), ("v" * k for k in itertools.count(2)))
    prefix = next(p for p in candidates if not any(n.startswith(p) for n in used))  # vv where all are taken

    def name(k: int, index: int, is_root: bool) -> str:
        return "y" if is_root and "y" not in used else f"{prefix}{k}"

    return name


class GraphBuilder:
    """Nodes in forward order, each argument before its operation; :meth:`finish` names the operations."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.leaves: list[str] = []
        self.occurrences: dict[str, list[int]] = {}
        self._named: list[bool] = []  # per node: an operation named by its builder

    def variable(self, name: str, meta: Any = None) -> int:
        index = len(self.nodes)
        self.nodes.append(Node(None, (), name, meta=meta))
        self._named.append(True)
        occurrences = self.occurrences.get(name)
        if occurrences is None:
            self.occurrences[name] = [index]
            self.leaves.append(name)
        else:
            occurrences.append(index)
        return index

    def number(self, value: sympy.Basic) -> int:
        self.nodes.append(Node(None, (), str(value), number=value))
        self._named.append(True)
        return len(self.nodes) - 1

    def operation(self, op: type[Op], children: Sequence[int], name: str = "", meta: Any = None) -> int:
        """An operation on nodes already built; ``name`` (if given) is the author's name for it."""
        nodes, edges = self.nodes, self.edges
        index = len(nodes)
        node = Node(op, tuple(children), name, meta=meta)
        node.edge0 = len(edges)
        nodes.append(node)
        self._named.append(bool(name))
        for pos, c in enumerate(children):
            nodes[c].uses.append(len(edges))
            edges.append(Edge(c, index, pos))
        return index

    def tree(self, expr: sympy.Basic, name: str = "", steps: Mapping[str, int] | None = None) -> int:
        """Add a parsed tree (post-order, without recursion, so depth costs no stack); its top
        operation takes ``name``, and a symbol naming an earlier step in ``steps`` is that step's
        node.  Returns the top node's index."""
        steps = steps or {}
        stack: list[tuple[sympy.Basic, list[int]]] = [(expr, [])]
        top = -1
        while stack:
            e, done = stack[-1]
            if isinstance(e, Op) and len(done) < len(e.args):
                stack.append((e.args[len(done)], []))
                continue
            stack.pop()
            if isinstance(e, Op):
                index = self.operation(type(e), done, "" if stack else name)
            elif isinstance(e, sympy.Symbol):
                index = steps[e.name] if e.name in steps else self.variable(e.name)
            elif isinstance(e, (sympy.Number, sympy.NumberSymbol)):  # π and e are numbers, never leaves
                index = self.number(e)
            else:
                raise TypeError(f"not a node of an expression tree: {type(e).__name__}")
            if stack:
                stack[-1][1].append(index)
            else:
                top = index
        return top

    def finish(self, names: Namer | None = None, authored: bool = False) -> Graph:
        """The graph, its unnamed operations named by ``names`` (by default v1, v2 ..., y for the output);
        ``authored``: those names are the author's (the chapter's xw0, z, y), not generated ones."""
        namer = names or default_names(self.leaves)
        root = len(self.nodes) - 1
        k = 0  # counts the operations the builder did not name
        named = [False] * len(self.nodes)
        for index, n in enumerate(self.nodes):
            if n.op is None:
                continue
            named[index] = self._named[index] or authored
            if not self._named[index]:
                k += 1
                n.var = namer(k, index, index == root)
        return Graph(self.nodes, self.edges, self.leaves, self.occurrences, named)


def build_graph(expr: sympy.Basic, names: Namer | None = None) -> Graph:
    """Flatten a parsed tree into its graph: one node per occurrence of each operation, variable
    and number."""
    builder = GraphBuilder()
    builder.tree(expr)
    return builder.finish(names)
