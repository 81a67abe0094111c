"""Every name a person reads, formatted in one place: leaves and steps (``x0``, ``xw0``, ``alpha``),
a network's indexed quantities (``W1[2,0]``, ``z1[0,2]``, ``L[0]``), and the chapter's variable
names for a derivation's quantities (``drelu_dz``, ``dsum_dxw0``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .graph import Graph

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi",
    "Psi", "Omega",
}  # fmt: skip

_PLAIN = re.compile(r"([A-Za-z]+)(\d*)")
_INDEXED = re.compile(r"([A-Za-z]+)(\d*)\[([\w,]+)\]")


@lru_cache(maxsize=65536)
def latex_name(name: str) -> str:
    r"""A name in LaTeX.

    ``x0`` -> ``x_{0}``, ``w12`` -> ``w_{12}``, ``alpha`` -> ``\alpha``, ``xw0`` -> ``\mathit{xw}_{0}``
    (one name, not a product of letters); a network's indexed names carry their layer as a
    superscript: ``W1[2,0]`` -> ``W^{[1]}_{2,0}``, ``X[0,1]`` -> ``X_{0,1}``, ``l[0,1]`` -> ``\ell_{0,1}``.
    """
    m = _PLAIN.fullmatch(name)
    if m:
        base, digits = m.groups()
        if base in GREEK:
            base = "\\" + base
        elif len(base) > 1:
            base = rf"\mathit{{{base}}}"
        return f"{base}_{{{digits}}}" if digits else base
    m = _INDEXED.fullmatch(name)
    if m:
        base, layer, index = m.groups()
        base = r"\ell" if base == "l" else rf"\mathit{{{base}}}" if len(base) > 1 else base
        top = f"^{{[{layer}]}}" if layer else ""
        return f"{base}{top}_{{{index}}}"
    return name


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_TRAILING = re.compile(r"(?<!\w)([A-Za-z]+)(\d+)(?!\d)")


@lru_cache(maxsize=65536)
def pretty(text: str) -> str:
    """Trailing digits of names as subscripts, as the chapter's figures set them: ``xw0`` -> ``xw₀``."""
    return _TRAILING.sub(lambda m: m.group(1) + m.group(2).translate(_SUBSCRIPT), text)


def _key(name: str) -> str:
    return name.lower().replace("\\", "")


@dataclass(frozen=True)
class ChapterNames:
    """The chapter's variable names for one derivation's quantities, shared by the text and Python formats.

    ``drelu_dz`` is the gradient arriving at node ``z``; ``dsum_dxw0`` is the sum's local
    derivative with respect to ``xw0``; ``drelu_dx0`` is a leaf's gradient.  Where the
    chapter's short form would name two different quantities alike (a leaf used twice), the
    name falls back to the node's own names, so every name is unique.
    """

    grad: dict[int, str]  # node index -> name of dvalue · ∂output/∂node there
    factor: dict[int, str]  # edge index -> name of ∂parent/∂child along it (the local factor)
    total: dict[str, str]  # leaf name -> name of its whole gradient
    share: dict[int, str]  # edge into a step used more than once -> that use's share: dL_dz_a

    @classmethod
    def of(cls, graph: Graph, by_name: bool = False) -> ChapterNames:
        """``by_name``: the author named the steps, so quantities are named by them (dL_da, da_dz), not
        by operation (drelu_dz, dsum_dxw0) as the chapter does."""
        nodes, edges = graph.nodes, graph.edges
        root = nodes[graph.root]
        top = root.var if by_name or root.op is None else _key(root.op.name)
        uses = Counter(n.var for n in nodes)

        def slot(i: int) -> str:
            var = nodes[i].var
            if not var.isidentifier():
                return f"c{i}"
            return var if uses[var] == 1 else f"{var}_{i}"

        below = [i for i, n in enumerate(nodes) if n.uses]
        grad = {i: f"d{top}_d{slot(i)}" for i in below}
        short = {}
        for e, edge in enumerate(edges):
            op = nodes[edge.parent].op
            assert op is not None
            above = nodes[edge.parent].var if by_name else _key(op.name)
            short[e] = f"d{above}_d{slot(edge.child)}"
        total = {name: f"d{top}_d{name}" for name in graph.leaves}
        # The chapter's short name, unless it would name two things (a leaf used twice, or
        # a sum under a sum, where dsum_dv1 is also the gradient at v1): then ∂parent/∂node.
        clash = Counter(short.values())
        clash.update(grad.values())
        clash.update(total.values())
        factor = {
            e: name if clash[name] == 1 else f"d{nodes[edges[e].parent].var}_d{slot(edges[e].child)}"
            for e, name in short.items()
        }
        share = {}
        for i, n in enumerate(nodes):
            if n.op is not None and len(n.uses) > 1:
                for e in n.uses:
                    share[e] = f"{grad[i]}_{use_name(graph, e)}"
        return cls(grad, factor, total, share)


def use_name(graph: Graph, e: int) -> str:
    """Which use of a value edge ``e`` is: its parent's name, and the argument's position where the
    parent uses the value more than once (``a3_1``, ``a3_2`` for ``a3 = a2*a2``)."""
    edge = graph.edges[e]
    parent = graph.nodes[edge.parent]
    if parent.children.count(edge.child) == 1:
        return parent.var
    return f"{parent.var}_{edge.argpos + 1}"


def layer_latex(name: str) -> str:
    """A layer's matrix in LaTeX, its number a bracketed superscript (the deeplearning.ai notation):
    ``W1`` -> ``W^{[1]}``, ``Z2`` -> ``Z^{[2]}``, ``X`` -> ``X``."""
    m = _PLAIN.fullmatch(name)
    if m is None or not m.group(2):
        return name
    return f"{m.group(1)}^{{[{m.group(2)}]}}"
