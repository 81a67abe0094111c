"""The SymPy route: the oracle the graph route is held to, byte for byte.

From a derivation's graph (a tree) this builds the whole SymPy tree, asks each parent's
operation for its local derivative with the real argument symbols (``op.local``), evaluates
every local derivative and every node with the operations' ``forward`` by walking the SymPy
trees, and prints every string from the SymPy tree -- nothing from the graph's templates,
fills or bottom-up printing.  Imported by the tests (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

import json
import math
from typing import Any

import sympy

from symbackprop.derivation import Derivation
from symbackprop.names import latex_name
from symbackprop.ops import Op
from symbackprop.printing import LATEX, SIZES, TEXT

LABEL_ARGS = 8


def tree_of(d: Derivation) -> tuple[sympy.Basic, list[sympy.Basic]]:
    """The whole expression as a SymPy tree, and each node's subtree."""
    g = d.graph
    exprs: list[sympy.Basic] = []
    for n in g.nodes:
        if n.op is not None:
            exprs.append(n.op(*(exprs[c] for c in n.children)))
        elif n.number is not None:
            exprs.append(n.number)
        else:
            exprs.append(sympy.Symbol(n.var))
    return exprs[g.root], exprs


def value_of(e: sympy.Basic, env: dict[str, float]) -> float:
    """A tree's value from the operations' forward rules (NaN when a rule fails)."""
    if isinstance(e, Op):
        try:
            return float(type(e).forward(*(value_of(a, env) for a in e.args)))
        except Exception:
            return math.nan
    if isinstance(e, sympy.Symbol):
        return env[e.name]
    return float(e)


def nested_latex(e: sympy.Basic, skip: int | None = None) -> str:
    """Sized by height; past the sizes, the innermost levels plain (every bracket larger than those it holds)."""
    if not isinstance(e, Op):
        return LATEX.doprint(e)
    if skip is None:
        skip = max(0, height(e) - (len(SIZES) - 1))
    size = SIZES[max(0, height(e) - 1 - skip)]
    return type(e).nested_latex([nested_latex(a, skip) for a in e.args], size)


def height(e: sympy.Basic) -> int:
    return 1 + max(height(a) for a in e.args) if isinstance(e, Op) else 0


def _bare(e: sympy.Basic) -> bool:
    """A label of the operation's name alone: above the leaves, or wide."""
    return isinstance(e, Op) and (len(e.args) > LABEL_ARGS or any(isinstance(a, Op) for a in e.args))


class Labels:
    """Leibniz labels from the tree: an operation on a few leaves with its arguments; above them its
    name, or, where another node's label would be the same name, its arguments by their variables."""

    def __init__(self, exprs: list[sympy.Basic], children_vars: list[list[str]]) -> None:
        self.exprs, self.children_vars = exprs, children_vars
        ops = [type(x) for x in exprs if _bare(x)]
        self.ambiguous = {op for op in ops if ops.count(op) > 1}

    def label(self, i: int) -> str:
        e = self.exprs[i]
        if not isinstance(e, Op):
            return LATEX.doprint(e)
        if not _bare(e):
            return f"{e.latex_name}({', '.join(LATEX.doprint(a) for a in e.args)})"
        if type(e) not in self.ambiguous:
            return e.latex_name
        args = [
            latex_name(var) if isinstance(a, Op) else LATEX.doprint(a)
            for a, var in zip(e.args, self.children_vars[i])
        ]
        if len(args) > LABEL_ARGS:
            args = [args[0], r"\ldots", args[-1]]
        return f"{e.latex_name}({', '.join(args)})"

    def leibniz(self, parent: int, child: int) -> str:
        op = type(self.exprs[parent])
        top = op.latex_name if op.unary else self.label(parent)
        d = "d" if op.unary else r"\partial"
        sep = r"\," if isinstance(self.exprs[child], Op) else " "
        return rf"\frac{{{d}\,{top}}}{{{d}{sep}{self.label(child)}}}"


def reference_dict(d: Derivation) -> dict[str, Any]:
    """The JSON layout, every string and every local value from the SymPy route."""
    g = d.graph
    tree, exprs = tree_of(d)
    labels = Labels(exprs, [[g.nodes[c].var for c in n.children] for n in g.nodes])
    env = dict(d.values)
    values = [value_of(x, env) for x in exprs]
    for n, v in zip(g.nodes, values):
        if n.op is not None:
            env[n.var] = v

    def symbol(i: int) -> sympy.Basic:
        n = g.nodes[i]
        return n.number if n.number is not None else sympy.Symbol(n.var)

    locals_: dict[int, sympy.Basic] = {}
    for e, edge in enumerate(g.edges):
        if g.nodes[edge.child].is_number:
            continue
        parent = g.nodes[edge.parent]
        assert parent.op is not None
        locals_[e] = parent.op.local([symbol(c) for c in parent.children], edge.argpos)

    # the contract: with an upstream gradient, each chain's lists begin with its factor
    scaled = d.dvalue != 1.0
    up = [rf"\frac{{\partial L}}{{\partial {latex_name(g.nodes[g.root].var)}}}"] if scaled else []
    up_derivative = [LATEX.doprint(sympy.Float(d.dvalue))] if scaled else []
    up_value = [d.dvalue] if scaled else []

    def path_value(edges: tuple[int, ...]) -> float:
        v = d.dvalue
        for e in edges:
            v *= value_of(locals_[e], env)
        return v

    return {
        "schema": 1,
        "expression": str(tree) if isinstance(tree, Op) else TEXT.doprint(tree),
        "latex": LATEX.doprint(tree),
        "latex_nested": nested_latex(tree),
        "values": dict(d.values),
        "nodes": [
            {"name": str(exprs[i]), "var": n.var, "value": values[i], "gradient": d.node_gradients[i]}
            for i, n in enumerate(g.nodes)
            if n.op is not None
        ],
        "output": values[g.root],
        "dvalue": d.dvalue,
        "gradients": dict(d.gradients),
        "chains": {
            name: [
                {
                    "factors": [
                        *up,
                        *(labels.leibniz(g.edges[e].parent, g.edges[e].child) for e in p.edges),
                    ],
                    "derivatives": [*up_derivative, *(LATEX.doprint(locals_[e]) for e in p.edges)],
                    "values": [*up_value, *(value_of(locals_[e], env) for e in p.edges)],
                    "value": path_value(p.edges),
                }
                for p in paths
            ]
            for name, paths in d.chains.items()
        },
        **(
            {"step": {"lr": d.step.lr, "values": dict(d.step.values), "output": d.step.output}}
            if d.step
            else {}
        ),
        "warnings": list(d.warnings),
    }


def reference_json(d: Derivation) -> str:
    return json.dumps(reference_dict(d), indent=2, ensure_ascii=False)


__all__ = ["reference_dict", "reference_json", "tree_of", "value_of"]
