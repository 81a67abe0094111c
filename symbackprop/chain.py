"""The chain-rule walker: a tree becomes a graph of nodes whose edges carry local derivatives.

The graph is the tree's evaluation trace: every occurrence of an operation or a leaf is
one node, listed in forward (post-) order, so a leaf used twice has two paths to the
output.  Each edge from a node to its parent carries the parent's symbolic local
derivative with respect to that argument, asked of the parent's operation; the walker
itself knows no operation.  Building it costs one pass over the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import sympy

from .errors import LimitError
from .ops import Op


@dataclass
class Node:
    """One occurrence of an operation, variable or number in the tree."""

    expr: sympy.Basic
    op: type[Op] | None  # None for a leaf (variable or number)
    children: tuple[int, ...]
    var: str  # its short name: "xw0", "z", "y" for operations; the name or number for leaves
    parent: int | None = None
    argpos: int = 0  # position among the parent's arguments
    depth: int = 0  # edges from the output
    local: sympy.Basic | None = None  # ∂parent/∂this, in terms of the parent's argument names
    value: float = float("nan")
    gradient: float = float("nan")  # dvalue · ∂output/∂this
    local_value: float = float("nan")

    @property
    def is_variable(self) -> bool:
        return isinstance(self.expr, sympy.Symbol)


@dataclass
class Graph:
    """The nodes of one expression in forward order; the output is the last."""

    nodes: list[Node]
    leaves: list[str]  # variable names in order of first appearance
    occurrences: dict[str, list[int]] = field(default_factory=dict)

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
        return [i for i in self.breadth_first() if self.nodes[i].local is not None]

    def breadth_first(self) -> list[int]:
        """Nodes by distance from the output, left to right: the chapter's order of printing."""
        out = [self.root]
        for i in out:
            out.extend(self.nodes[i].children)
        return out


def default_names(taken: Iterable[str]) -> Callable[[int, int, bool], str]:
    """Names for operation nodes in a general expression: v1, v2, ... in forward order, y for the output."""
    used = set(taken)
    prefix = next(p for p in ("v", "u", "t", "q", "h") if not any(n.startswith(p) for n in used))

    def name(k: int, index: int, is_root: bool) -> str:
        return "y" if is_root and "y" not in used else f"{prefix}{k}"

    return name


def build_graph(
    expr: sympy.Basic, names: Callable[[int, int, bool], str] | None = None, max_output: int | None = None
) -> Graph:
    """Flatten ``expr`` into its nodes (iteratively, so depth costs no recursion).

    ``max_output`` bounds what the derivation will write -- every node's path to the output and
    every local derivative (an n-ary product's are quadratic in its arity) -- and is checked
    as the graph grows, so an oversized one fails before the work, not after.
    """
    nodes: list[Node] = []
    leaves: list[str] = []
    seen: set[str] = set()
    occurrences: dict[str, list[int]] = {}
    # Post-order without recursion: (expr, child indices collected so far)
    stack: list[tuple[sympy.Basic, list[int]]] = [(expr, [])]
    pending_names: list[int] = []
    while stack:
        e, done = stack[-1]
        if isinstance(e, Op) and len(done) < len(e.args):
            stack.append((e.args[len(done)], []))
            continue
        stack.pop()
        index = len(nodes)
        if isinstance(e, Op):
            nodes.append(Node(e, type(e), tuple(done), var=""))
            pending_names.append(index)
            for pos, c in enumerate(done):
                nodes[c].parent = index
                nodes[c].argpos = pos
        elif isinstance(e, sympy.Symbol):
            nodes.append(Node(e, None, (), var=e.name))
            occurrences.setdefault(e.name, []).append(index)
            if e.name not in seen:
                seen.add(e.name)
                leaves.append(e.name)
        elif isinstance(e, sympy.Number):
            nodes.append(Node(e, None, (), var=str(e)))
        else:
            raise TypeError(f"not a node of an expression tree: {type(e).__name__}")
        if stack:
            stack[-1][1].append(index)
    graph = Graph(nodes, leaves, occurrences)
    name = names or default_names(leaves)
    for k, index in enumerate(pending_names, start=1):
        nodes[index].var = name(k, index, index == graph.root)
    for index in reversed(range(len(nodes))):  # depths, from the output down
        n = nodes[index]
        if n.parent is not None:
            n.depth = graph.parent(index).depth + 1
    written = sum(n.depth + 1 for n in nodes)
    if max_output is not None and written > max_output:
        raise _too_large(max_output)
    _attach_local_derivatives(graph, None if max_output is None else (max_output - written, max_output))
    return graph


def _too_large(bound: int) -> LimitError:
    return LimitError(f"the derivation would write more than {bound} terms (raise it with --max-output)")


def _size(e: sympy.Basic) -> int:
    count, stack = 0, [e]
    while stack:
        count += 1
        stack.extend(stack.pop().args)
    return count


def argument_symbol(node: Node) -> sympy.Basic:
    """How a node appears inside its parent's local derivative: leaves as themselves, operations by name."""
    return node.expr if node.op is None else sympy.Symbol(node.var)


def _attach_local_derivatives(graph: Graph, budget: tuple[int, int] | None = None) -> None:
    """Each node's local derivative; ``budget`` is (terms left, the bound) when the size is limited."""
    left = None if budget is None else budget[0]
    nodes = graph.nodes
    for n in nodes:
        if n.op is None:
            continue
        args = [argument_symbol(nodes[c]) for c in n.children]
        for pos, c in enumerate(n.children):
            if nodes[c].op is not None or nodes[c].is_variable:  # a number has no derivative to take
                local = nodes[c].local = n.op.local(args, pos)
                if left is not None and budget is not None:
                    left -= _size(local)
                    if left < 0:
                        raise _too_large(budget[1])


def symbol_values(graph: Graph, values: Mapping[str, float]) -> dict[str, float]:
    """Every name a local derivative can mention: the leaves and the operation nodes' names."""
    env = dict(values)
    for n in graph.nodes:
        if n.op is not None:
            env[n.var] = n.value
    return env
