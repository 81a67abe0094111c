"""The strings renderers share, each printed once however many paths share it: the whole
expression's forms, every node's nested name, and each edge's Leibniz label and local derivative.

Nodes print bottom-up from their children's strings; local derivatives from their templates
(printed once per operation and argument shape, then filled with the arguments' names).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..derivation import Derivation
from ..printing import (
    LATEX,
    PRINTERS,
    TEXT,
    Printer,
    ambiguous_labels,
    expression_height,
    flat,
    label,
    leibniz,
    leibniz_named,
    leibniz_text,
    nested_latex,
    nested_text,
    signed,
    template_pieces,
    template_precedence,
)
from ..steps import Style

if TYPE_CHECKING:
    from ._closed import ClosedForms


class Strings:
    def __init__(self, d: Derivation) -> None:
        self.d = d
        self.graph = d.graph
        self._labels: dict[str, list[str | None]] = {}  # node labels, by syntax and node
        self._leibniz: list[str | None] = [None] * len(d.graph.edges)
        self._leibniz_text: list[str | None] = [None] * len(d.graph.edges)
        self._derivatives: dict[str, list[str | None]] = {}
        self._names: list[str] | None = None
        self._height: int | None = None
        self._forms: dict[str, str] = {}  # the whole expression's forms, each printed once
        self._closed: ClosedForms | None = None
        self._ambiguous: set[type] | None = None  # operations whose labels spell their arguments

    def closed_forms(self) -> ClosedForms:
        """The closed forms over these strings, made once: every chain's "where" line reads them."""
        if self._closed is None:
            from ._closed import ClosedForms  # it reads these strings: imported here, not at the top

            self._closed = ClosedForms(self.d, self)
        return self._closed

    # -- the whole expression ------------------------------------------------
    def expression(self) -> str:
        """``ReLU(sum(mul(x0, w0), ..., b))``."""
        return self.names()[self.graph.root]

    def latex(self) -> str:
        """The flat LaTeX form of the whole expression."""
        return self._form("latex", lambda: flat(self.graph, LATEX))

    def text(self) -> str:
        return self._form("text", lambda: flat(self.graph, TEXT))

    def latex_nested(self) -> str:
        """The nested LaTeX form, sized by height (every chain's bracket holds it)."""
        return self._form("latex_nested", lambda: nested_latex(self.graph))

    def _form(self, key: str, make: Callable[[], str]) -> str:
        text = self._forms.get(key)
        if text is None:
            text = self._forms[key] = make()
        return text

    def height(self) -> int:
        """Levels of operations in the whole expression (0 for a leaf)."""
        if self._height is None:
            self._height = expression_height(self.graph)
        return self._height

    def names(self) -> list[str]:
        """Every node's nested form (an operation's is its subtree's), by node index."""
        if self._names is None:
            self._names = nested_text(self.graph)
        return self._names

    # -- nodes and edges -----------------------------------------------------------
    def node_label(self, i: int, syntax: str = "latex") -> str:
        """``mul(x_{0}, w_{0})`` on leaves, ``sum`` above them (``sum(v_{1}, b)`` where two sums are)."""
        memo = self._labels.get(syntax)
        if memo is None:
            memo = self._labels[syntax] = [None] * len(self.graph.nodes)
        text = memo[i]
        if text is None:
            text = memo[i] = label(self.graph, i, PRINTERS[syntax], self._spells(i))
        return text

    def _spells(self, i: int) -> bool:
        if self._ambiguous is None:
            self._ambiguous = ambiguous_labels(self.graph)
        return self.graph.nodes[i].op in self._ambiguous

    def label_mentions(self, e: int) -> list[int]:
        """The nodes edge ``e``'s label names by their variables: both ends for named steps, else the
        operation arguments of an end whose label spells its arguments."""
        edge = self.graph.edges[e]
        if self.d.style is Style.NAMED:
            return [edge.parent, edge.child]
        nodes = self.graph.nodes
        return [
            c
            for i in (edge.parent, edge.child)
            if nodes[i].op is not None and self._spells(i)
            for c in nodes[i].children
            if nodes[c].op is not None
        ]

    def label(self, e: int) -> str:
        r"""``\frac{\partial\,\operatorname{sum}}{\partial\,\operatorname{mul}(x_{0}, w_{0})}`` for edge ``e``."""
        text = self._leibniz[e]
        if text is None:
            edge = self.graph.edges[e]
            parent = self.graph.nodes[edge.parent]
            assert parent.op is not None
            if self.d.style is Style.NAMED:
                names = [LATEX.symbol(self.graph.nodes[i].var) for i in (edge.parent, edge.child)]
                text = self._leibniz[e] = leibniz_named(parent.op.unary, *names)
            else:
                text = self._leibniz[e] = leibniz(
                    parent.op,
                    self.node_label(edge.parent),
                    self.node_label(edge.child),
                    self.graph.nodes[edge.child].op is not None,
                )
        return text

    def upstream(self, syntax: str = "latex") -> str:
        r"""The factor a chain begins with when an upstream gradient is given: ``\frac{\partial L}{\partial y}``
        (``∂L/∂y`` in text), the gradient arriving at the output from the next layer."""
        root = self.graph.nodes[self.graph.root].var
        text, tex = loss_name(self.d)
        if syntax == "latex":
            return rf"\frac{{\partial {tex}}}{{\partial {LATEX.symbol(root)}}}"
        return f"∂{text}/∂{root}"

    def label_text(self, e: int) -> str:
        """``∂sum/∂mul(x0, w0)``."""
        text = self._leibniz_text[e]
        if text is None:
            edge = self.graph.edges[e]
            op = self.graph.nodes[edge.parent].op
            assert op is not None
            if self.d.style is Style.NAMED:
                above, below = self.graph.nodes[edge.parent].var, self.graph.nodes[edge.child].var
                text = self._leibniz_text[e] = leibniz_named(op.unary, above, below, "text")
            else:
                top, bottom = self.node_label(edge.parent, "text"), self.node_label(edge.child, "text")
                text = self._leibniz_text[e] = leibniz_text(op, top, bottom)
        return text

    def derivative(self, e: int, printer: Printer = LATEX) -> str:
        """Edge ``e``'s local derivative, e.g. ``w_{0}``: its template with the arguments' names filled in."""
        memo = self._derivatives.get(printer.syntax) if not printer.names else None
        if memo is None and not printer.names:
            memo = self._derivatives[printer.syntax] = [None] * len(self.graph.edges)
        text = memo[e] if memo is not None else None
        if text is None:
            text = self._fill(e, printer)
            if memo is not None:
                memo[e] = text
        return text

    def operand(self, e: int, printer: Printer, prec: int) -> str:
        """Edge ``e``'s local derivative as an operand that binds at ``prec``: in parentheses if looser."""
        text = self.derivative(e, printer)
        template = self.d.templates[e]
        assert template is not None
        return printer.parens(text) if template_precedence(template, printer) < prec or signed(text) else text

    def _fill(self, e: int, p: Printer) -> str:
        nodes = self.graph.nodes
        template = self.d.templates[e]
        assert template is not None, "a number has no local derivative"
        pieces = template_pieces(template, p)
        if len(pieces) == 1:
            return str(pieces[0])
        children = nodes[self.graph.edges[e].parent].children
        if len(pieces) == 3 and pieces[0] == pieces[2] == "":  # just one argument's name: share its string
            name = p.symbol(nodes[children[int(pieces[1])]].var)
            if p.fills(name):
                return name
        out = []
        for k, piece in enumerate(pieces):
            if k % 2 == 0:
                out.append(str(piece))
                continue
            name = p.symbol(nodes[children[int(piece)]].var)
            if not p.fills(name):  # a name the printer would treat unlike a plain one
                return p.doprint(self.d.local_derivative(e))
            out.append(name)
        return "".join(out)


def loss_name(d: Derivation) -> tuple[str, str]:
    """What the loss of the next layer is called (text, LaTeX) when an upstream gradient is given: L,
    or ℒ where the derivation has a quantity named L already (``L = (a - t)^2``: not ∂L/∂L)."""
    g = d.graph
    taken = "L" in g.occurrences or any(n.var == "L" for n in g.nodes if n.op is not None)
    return ("ℒ", r"\mathcal{L}") if taken else ("L", "L")
