"""Each leaf's gradient as one closed form: the product of its chain's local derivatives, summed over
its paths, with each generated name replaced by what it stands for.

Nothing is differentiated here: the factors are the local derivatives the chain stage recorded,
printed with their arguments' expressions in place; factors of 1 are dropped and numeric factors
collected into one coefficient, and nothing else is rewritten.  Two forms: for reading, the
author's step names stay (``\\sigma(z)(1 - \\sigma(z)) x``); in the leaves alone, for the JSON and
an oracle, every name is replaced -- unless that would write more than the derivation's
``max_output`` terms, when the step names stay and the JSON defines them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from ..chain import placeholder
from ..derivation import Derivation
from ..evaluate import coefficient as coefficient_of
from ..ops import ADD, MUL, DivOp, MulOp, NegOp, SubOp, SumOp
from ..printing import INFIX, LATEX, Piece, Printer, template_precedence
from ._strings import Strings


class ClosedForms:
    def __init__(self, d: Derivation, strings: Strings | None = None) -> None:
        self.d = d
        self.graph = d.graph
        self.strings = strings or Strings(d)
        g = self.graph
        self.authored = {i for i, n in enumerate(g.nodes) if n.op is not None and g.named[i]}
        self._pieces: dict[tuple[str, bool], list[Piece | None]] = {}
        self._factors: dict[tuple[int, str, bool], tuple[sympy.Number, list[Piece]]] = {}
        self._in_leaves: bool | None = None
        self._as_printed_memo: dict[int, bool | str] = {}

    # -- which form ---------------------------------------------------------------
    def in_leaves(self) -> bool:
        """Whether every gradient fits in the leaves alone within the derivation's output bound."""
        if self._in_leaves is None:
            self._in_leaves = self._size_in_leaves() <= self.d.limits.max_output
        return self._in_leaves

    def _size_in_leaves(self) -> int:
        g, d = self.graph, self.d
        bound = d.limits.max_output + 1
        size = [1] * len(g.nodes)  # each node's expression in the leaves, capped
        for i, n in enumerate(g.nodes):
            if n.op is not None:
                size[i] = min(bound, 1 + sum(size[c] for c in n.children))
        factor: dict[int, int] = {}
        total = 0
        for paths in d.chains.values():
            for path in paths:
                for e in path.edges:
                    if e not in factor:
                        t = d.templates[e]
                        assert t is not None
                        parent = g.nodes[g.edges[e].parent]
                        factor[e] = t.size + sum(size[c] for c in parent.children)
                    total += factor[e]
                    if total >= bound:
                        return total
        return total

    # -- the pieces ---------------------------------------------------------------------
    def node(self, i: int, p: Printer, leaves: bool) -> Piece:
        """Node ``i``'s expression: by its name where it is kept (a leaf, or an author's step when not
        ``leaves``), else its operation on its arguments' expressions."""
        key = (p.syntax, leaves)
        memo = self._pieces.get(key)
        if memo is None:
            memo = self._pieces[key] = [None] * len(self.graph.nodes)
        got = memo[i]
        if got is not None:
            return got
        nodes = self.graph.nodes
        for k in self._below(i):  # children first, each once
            if memo[k] is not None:
                continue
            n = nodes[k]
            if n.op is None:
                memo[k] = p.num(n.number) if n.number is not None else p.leaf(n.var)
            elif not leaves and k in self.authored:
                memo[k] = p.leaf(n.var)
            else:
                memo[k] = p.apply(n.op, [memo[c] for c in n.children])  # type: ignore[misc]
        got = memo[i]
        assert got is not None
        return got

    def _below(self, i: int) -> list[int]:
        seen, stack = {i}, [i]
        while stack:
            for c in self.graph.nodes[stack.pop()].children:
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return sorted(seen)

    def factor(self, e: int, p: Printer, leaves: bool) -> tuple[sympy.Number, list[Piece]]:
        """Edge ``e``'s local derivative as a numeric coefficient and the other factors' pieces."""
        got = self._factors.get((e, p.syntax, leaves))
        if got is None:
            got = self._factors[(e, p.syntax, leaves)] = self._factor(e, p, leaves)
        return got

    def _factor(self, e: int, p: Printer, leaves: bool) -> tuple[sympy.Number, list[Piece]]:
        g = self.graph
        t = self.d.templates[e]
        assert t is not None
        parent = g.nodes[g.edges[e].parent]
        children = parent.children  # only the arguments the template reads (a sum's reads none)
        if not leaves and self._as_printed(e):  # the edge's local derivative as the chain prints it
            return t.coefficient, [Piece(self.strings.derivative(e, p), template_precedence(t, p))]
        known = {placeholder(j).name: self.node(children[j], p, leaves) for j in t.holes}
        numbers = {placeholder(j).name: n.number for j in t.holes if (n := g.nodes[children[j]]).is_number}
        coefficient, pieces = t.coefficient, []
        for part in t.factors:
            folded = _fold(part, numbers)  # the 1/2 of a halved square: a number
            if folded is not None:
                coefficient *= folded
            else:
                pieces.append(p.pieces(part, known))
        return coefficient, pieces

    def _as_printed(self, e: int) -> bool:
        """Whether edge ``e``'s factor is its local derivative as printed in its arguments' names: no
        coefficient to collect, and every argument it reads kept by name (a leaf, an author's step)."""
        t = self.d.templates[e]
        assert t is not None
        nodes, children = self.graph.nodes, self.graph.nodes[self.graph.edges[e].parent].children
        return (
            bool(t.factors)
            and t.coefficient is sympy.S.One
            and all(nodes[c].is_variable or c in self.authored for c in (children[j] for j in t.holes))
        )

    def _printed_product(self, edges: Sequence[int], p: Printer) -> str | None:
        """A path's product in the arguments' names when every factor is as printed (or a bare 1),
        joined directly: the large derivation's common case, without building pieces."""
        memo = self._as_printed_memo
        texts = []
        for e in edges:
            ok = memo.get(e)
            if ok is None:
                t = self.d.templates[e]
                assert t is not None
                ok = memo[e] = (
                    "one" if not t.factors and t.coefficient is sympy.S.One else self._as_printed(e)
                )
            if ok == "one":
                continue
            if not ok:
                return None
            texts.append(self.strings.operand(e, p, MUL))
        return p.product_text(texts) if texts else "1"

    def product(self, edges: Sequence[int], p: Printer, leaves: bool) -> tuple[sympy.Number, list[Piece]]:
        """One path's product: its coefficient (dvalue times the numbers) and the other factors."""
        one = sympy.S.One  # a singleton: "is" tells a factor of 1 without SymPy's arithmetic
        coefficient: sympy.Number = coefficient_of(self.d.dvalue)  # type: ignore[assignment]
        pieces: list[Piece] = []
        for e in edges:
            number, factors = self.factor(e, p, leaves)
            if number is not one:
                coefficient = number if coefficient is one else coefficient * number
            pieces += factors
        return coefficient, pieces

    def gradient(self, leaf: str, p: Printer, leaves: bool = False) -> str:
        """``leaf``'s gradient as one closed form in ``p``'s syntax: the paths' products summed, each
        its coefficient first (``-1.5 \\cdot w``), a later negative one subtracted (or, with
        ``--simplify``, as SymPy simplified it)."""
        if self.d.simplified is not None and leaf in self.d.simplified:
            return p.doprint(self.d.simplified[leaf])
        paths = self.d.chains[leaf]
        if not leaves and len(paths) == 1 and self.d.dvalue == 1:
            text = self._printed_product(paths[0].edges, p)
            if text is not None:
                return text
        total: list[Piece] = []
        for path in self.d.chains[leaf]:
            coefficient, pieces = self.product(path.edges, p, leaves)
            if coefficient is sympy.S.One and pieces:  # the common case, without SymPy's comparisons
                total.append(pieces[0] if len(pieces) == 1 else p.apply(MulOp, pieces))
                continue
            if coefficient == 0:
                continue
            negative = bool(coefficient < 0)
            size = -coefficient if negative else coefficient
            factors = pieces if size == 1 and pieces else [p.num(size), *pieces]
            term = factors[0] if len(factors) == 1 else p.apply(MulOp, factors)
            if negative and not total:  # the first term: its sign written before it
                term = Piece("-" + p.arg(term, MUL), ADD)
            elif negative:
                left = total[0] if len(total) == 1 else p.apply(SumOp, total)
                total = [p.apply(SubOp, [left, term])]
                continue
            total.append(term)
        if not total:
            return p.num(sympy.Integer(0)).text
        return (total[0] if len(total) == 1 else p.apply(SumOp, total)).text

    def node_definition(self, i: int, p: Printer) -> str:
        """What a generated name stands for, in the author's names: ``v_{1} = x w + b``'s right side."""
        n = self.graph.nodes[i]
        assert n.op is not None
        return p.apply(n.op, [self.node(c, p, False) for c in n.children]).text

    # -- the JSON's two forms ---------------------------------------------------------------
    def json(self) -> dict[str, dict[str, str]]:
        """``gradient_latex`` and ``gradient_infix`` of every derived leaf; in the leaves when they fit,
        else with the author's steps, which ``gradient_steps`` then defines (in infix)."""
        simplified = self.d.simplified
        leaves = (simplified is not None and set(simplified) == set(self.d.chains)) or self.in_leaves()
        out = {
            "gradient_latex": {leaf: self.gradient(leaf, LATEX, leaves) for leaf in self.d.chains},
            "gradient_infix": {leaf: self.gradient(leaf, INFIX, leaves) for leaf in self.d.chains},
        }
        if not leaves:
            nodes = self.graph.nodes
            out["gradient_steps"] = {
                nodes[i].var: self.node_definition(i, INFIX) for i in sorted(self.authored)
            }
        return out


_ARITHMETIC = (SumOp, SubOp, MulOp, DivOp, NegOp)


def _fold(e: sympy.Basic, numbers: dict[str, sympy.Basic]) -> sympy.Number | None:
    """A factor of numbers only, as one exact number by the operations' own forward rules (SymPy's
    numbers keep 1/2 a rational); None when it is not arithmetic on numbers."""
    if isinstance(e, sympy.Number):
        return e
    if isinstance(e, sympy.Symbol):
        n = numbers.get(e.name)
        return n if isinstance(n, sympy.Number) else None
    if not isinstance(e, _ARITHMETIC):
        return None
    args = [_fold(a, numbers) for a in e.args]
    if any(a is None for a in args) or (isinstance(e, DivOp) and args[1] == 0):
        return None
    out = type(e).forward(*args)  # type: ignore[arg-type]
    return out if isinstance(out, sympy.Number) and out.is_finite else None
