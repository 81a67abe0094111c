"""The chapter's variable names for a derivation's quantities, shared by the text and Python renderers.

``drelu_dz`` is the gradient arriving at node ``z``; ``dsum_dxw0`` is the sum's local
derivative with respect to ``xw0``; ``drelu_dx0`` is a leaf's gradient.  Where the
chapter's short form would name two different quantities alike (a leaf used twice), the
name falls back to the node's own names, so every name is unique.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..derivation import Derivation


def _key(name: str) -> str:
    return name.lower().replace("\\", "")


@dataclass(frozen=True)
class Names:
    grad: dict[int, str]  # node index -> name of dvalue · ∂output/∂node at that node
    local: dict[int, str]  # node index -> name of ∂parent/∂node
    total: dict[str, str]  # leaf name -> name of its whole gradient

    @classmethod
    def of(cls, d: Derivation) -> Names:
        nodes = d.graph.nodes
        root = nodes[d.graph.root]
        top = _key(root.op.name) if root.op is not None else root.var
        uses = Counter(n.var for n in nodes)

        def slot(i: int) -> str:
            var = nodes[i].var
            if not var.isidentifier():
                return f"c{i}"
            return var if uses[var] == 1 else f"{var}_{i}"

        edges = [i for i, n in enumerate(nodes) if n.parent is not None]
        grad = {i: f"d{top}_d{slot(i)}" for i in edges}
        short = {}
        for i in edges:
            op = d.graph.parent(i).op
            assert op is not None
            short[i] = f"d{_key(op.name)}_d{slot(i)}"
        total = {name: f"d{top}_d{name}" for name in d.graph.leaves}
        # The chapter's short name, unless it would name two things (a leaf used twice, or
        # a sum under a sum, where dsum_dv1 is also the gradient at v1): then ∂parent/∂node.
        clash = Counter(short.values()) + Counter(grad.values()) + Counter(total.values())
        local = {
            i: name if clash[name] == 1 else f"d{d.graph.parent(i).var}_d{slot(i)}"
            for i, name in short.items()
        }
        return cls(grad, local, total)
