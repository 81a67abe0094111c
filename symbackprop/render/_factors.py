"""Each edge's Leibniz label and local derivative in LaTeX, printed once however many paths share it."""

from __future__ import annotations

from ..derivation import Derivation
from ..printing import factor_label, flat_latex


class Factors:
    def __init__(self, d: Derivation) -> None:
        self.graph = d.graph
        self._labels: dict[int, str] = {}
        self._derivatives: dict[int, str] = {}

    def label(self, i: int) -> str:
        r"""``\frac{\partial\,sum()}{\partial\,mul(x_{0}, w_{0})}`` for the edge into node ``i``."""
        if i not in self._labels:
            self._labels[i] = factor_label(self.graph.parent(i).expr, self.graph.nodes[i].expr)
        return self._labels[i]

    def derivative(self, i: int) -> str:
        """The local derivative on the edge into node ``i``, e.g. ``w_{0}``."""
        if i not in self._derivatives:
            local = self.graph.nodes[i].local
            assert local is not None, "a number has no local derivative"
            self._derivatives[i] = flat_latex(local)
        return self._derivatives[i]
