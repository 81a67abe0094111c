"""The strings renderers share: each edge's Leibniz label and local derivative in LaTeX, every
node's nested name, the whole expression's forms -- each printed once, however many paths share it.

:class:`Factors` prints from the graph: nodes bottom-up from their children's strings, local
derivatives from their templates (printed once per operation and argument shape, then filled
with the arguments' names), so a graph built directly needs no SymPy tree.
:class:`SympyFactors` prints the same strings from the SymPy tree, one print per string: the
reference the tests hold :class:`Factors` to, byte for byte.
"""

from __future__ import annotations

from ..derivation import Derivation
from ..printing import (
    Printer,
    factor_label,
    flat_latex,
    graph_flat,
    graph_label,
    graph_nested_latex,
    graph_nested_text,
    leibniz,
    nested_latex,
    nested_text,
    substitutable,
    template_latex,
)


class Factors:
    def __init__(self, d: Derivation) -> None:
        self.d = d
        self.graph = d.graph
        size = len(d.graph.nodes)
        self._labels: list[str | None] = [None] * size  # memos by node index
        self._node_labels: list[str | None] = [None] * size
        self._derivatives: list[str | None] = [None] * size
        self._names: list[str] | None = None
        self._latex = Printer("latex")

    # -- the whole expression ------------------------------------------------
    def expression(self) -> str:
        """``ReLU(sum(mul(x0, w0), ..., b))``."""
        return self.names()[self.graph.root]

    def latex(self) -> str:
        """The flat LaTeX form of the whole expression."""
        return graph_flat(self.graph)

    def latex_nested(self) -> str:
        """The nested LaTeX form, sized by height."""
        return graph_nested_latex(self.graph)

    def names(self) -> list[str]:
        """Every node's nested form (an operation's is its subtree's), by node index."""
        if self._names is None:
            self._names = graph_nested_text(self.graph)
        return self._names

    # -- each edge -------------------------------------------------------------
    def label(self, i: int) -> str:
        r"""``\frac{\partial\,sum()}{\partial\,mul(x_{0}, w_{0})}`` for the edge into node ``i``."""
        text = self._labels[i]
        if text is None:
            n = self.graph.nodes[i]
            p = n.parent
            assert p is not None, "the output has no edge above it"
            parent = self.graph.nodes[p]
            assert parent.op is not None
            top = self._node_labels[p] or self._node_label(p)
            bottom = self._node_labels[i] or self._node_label(i)
            text = self._labels[i] = leibniz(parent.op, top, bottom, n.op is not None)
        return text

    def _node_label(self, i: int) -> str:
        text = self._node_labels[i] = graph_label(self.graph, i, "latex", self._latex)
        return text

    def derivative(self, i: int) -> str:
        """The local derivative on the edge into node ``i``, e.g. ``w_{0}``."""
        text = self._derivatives[i]
        if text is None:
            text = self._derivatives[i] = self._fill(i)
        return text

    def _fill(self, i: int) -> str:
        """The edge's template with its arguments' printed names in the holes."""
        nodes = self.graph.nodes
        template = self.graph.templates()[i]
        assert template is not None, "a number has no local derivative"
        pieces = template.cache.get("latex") or template_latex(template)
        if len(pieces) == 1:
            return str(pieces[0])
        p = nodes[i].parent
        assert p is not None
        children = nodes[p].children
        if len(pieces) == 3 and pieces[0] == pieces[2] == "":  # just one argument's name: share its string
            name = self._latex.symbol(nodes[children[int(pieces[1])]].var)
            if substitutable(name):
                return name
        out = []
        for k, piece in enumerate(pieces):
            if k % 2 == 0:
                out.append(str(piece))
                continue
            name = self._latex.symbol(nodes[children[int(piece)]].var)
            if not substitutable(name):  # a name the printer would treat unlike a plain one
                local = nodes[i].local
                assert local is not None
                return flat_latex(local)
            out.append(name)
        return "".join(out)


class SympyFactors(Factors):
    """The same strings, each printed from the SymPy tree (``node.expr``, ``node.local``)."""

    def expression(self) -> str:
        return nested_text(self.d.expr)

    def latex(self) -> str:
        return flat_latex(self.d.expr)

    def latex_nested(self) -> str:
        return nested_latex(self.d.expr)

    def names(self) -> list[str]:
        if self._names is None:
            self._names = [nested_text(n.expr) for n in self.graph.nodes]
        return self._names

    def label(self, i: int) -> str:
        text = self._labels[i]
        if text is None:
            text = self._labels[i] = factor_label(self.graph.parent(i).expr, self.graph.nodes[i].expr)
        return text

    def derivative(self, i: int) -> str:
        text = self._derivatives[i]
        if text is None:
            local = self.graph.nodes[i].local
            assert local is not None, "a number has no local derivative"
            text = self._derivatives[i] = flat_latex(local)
        return text
