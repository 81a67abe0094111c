"""Where a derivation sits exactly on a kink (a ReLU or abs at 0, a tie in a max or min): a note
for each, in every format a person reads, saying which derivative was taken there by convention.

Each operation declares its own kinks (``Op.kink``); this module only finds the nodes whose
arguments' values are known and asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..derivation import Derivation


@dataclass(frozen=True)
class Kink:
    """Node ``node`` is at a kink: its arguments at positions ``args`` meet there (``z = 0``, ``a = b``)."""

    node: int
    args: tuple[int, ...]
    convention: str  # the sentence after the condition: "is ReLU's kink, where ..."

    def condition(self, d: Derivation, name: Callable[[int], str]) -> str:
        """``z = 0`` or ``a = b``, each argument named by ``name`` (a node index to its printed name)."""
        children = d.graph.nodes[self.node].children
        names = [name(children[k]) for k in self.args]
        return " = ".join(names + (["0"] if len(names) == 1 else []))

    def text(self, d: Derivation, name: Callable[[int], str]) -> str:
        return f"{self.condition(d, name)} {self.convention}"


def kinks(d: Derivation) -> list[Kink]:
    """Every node at one of its operation's kinks, in forward order (none where a value is unknown)."""
    out = []
    values = d.node_values
    for i, n in enumerate(d.graph.nodes):
        if n.op is None or not n.op.has_kinks:
            continue
        args = [values[c] for c in n.children]
        if any(v is None for v in args):
            continue
        found = n.op.kink([float(v) for v in args if v is not None])
        if found is not None:
            out.append(Kink(i, *found))
    return out
