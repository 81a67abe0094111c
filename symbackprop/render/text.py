"""The walkthrough for a terminal: every quantity the chapter's code cells print, in their order."""

from __future__ import annotations

import sympy

from ..chain import argument_symbol
from ..derivation import Derivation
from ..ops import MUL
from ..printing import Printer, factor_label_text, flat_text, nested_text
from ._names import Names

TEXT = Printer("text")


def num(value: float) -> str:
    return repr(float(value))


#: The widest cell that still sets its column's width.
PAD_LIMIT = 60


def _aligned(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    """Columns padded to a common width, joined by ' = '."""
    if not rows:  # an expression without operations, or without variables
        return []
    # A cell wider than PAD_LIMIT sets no column's width: padding every row to one very wide
    # formula (a sum of thousands of terms) would make the output quadratic in its size.
    widths = [
        max((len(r[c]) for r in rows if c < len(r) and len(r[c]) <= PAD_LIMIT), default=0)
        for c in range(max(map(len, rows)))
    ]
    out = []
    for r in rows:
        cells = [cell.ljust(widths[c]) if c < len(r) - 1 else cell for c, cell in enumerate(r)]
        out.append(indent + " = ".join(cells).rstrip())
    return out


def node_formula(d: Derivation, i: int) -> str:
    """An operation in terms of its arguments' names: ``xw0 + xw1 + xw2 + b``."""
    nodes = d.graph.nodes
    n = nodes[i]
    assert n.op is not None
    return n.op.flat(TEXT, [argument_symbol(nodes[c]) for c in n.children])


def leaf_lists(d: Derivation, values: dict[str, float]) -> list[tuple[str, str]]:
    """``x = [1.0, -2.0, 3.0]`` for the chapter's lists, one line per leaf otherwise."""
    if d.arrays:
        return [
            (
                k,
                num(values[k]) if names == [k] else "[" + ", ".join(num(values[n]) for n in names) + "]",
            )
            for k, names in d.arrays.items()
        ]
    return [(name, num(values[name])) for name in d.graph.leaves if name in values]


def render(d: Derivation) -> str:
    nodes = d.graph.nodes
    names = Names.of(d)
    root = nodes[d.graph.root]
    lines = [f"{root.var} = {flat_text(d.expr)}", f"{root.var} = {nested_text(d.expr)}", ""]

    lines.append("Values")
    lines += _aligned([(k, v) for k, v in leaf_lists(d, d.values)])

    lines += ["", "Forward pass"]
    lines += _aligned(
        [(n.var, node_formula(d, i), num(n.value)) for i, n in enumerate(nodes) if n.op is not None]
    )

    lines += ["", f"Backward pass (dvalue = {num(d.dvalue)}: the gradient from the next layer)"]
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for i in d.graph.backward_steps():
        n = nodes[i]
        parent = d.graph.parent(i)
        assert n.parent is not None
        upstream = "dvalue" if parent.parent is None else names.grad[n.parent]
        assert n.local is not None
        local_text = TEXT.arg(n.local, MUL + 1)
        if parent.parent is None:
            product = f"{upstream} * {local_text}"
        else:
            product = f"{upstream} * {names.local[i]}"
        notes.append("" if parent.parent is None else f"({names.local[i]} = {local_text})")
        rows.append(
            (names.grad[i], product, f"{num(parent.gradient)} * {num(n.local_value)}", num(n.gradient))
        )
    body = _aligned(rows)
    width = max((len(line) for line in body if len(line) <= 3 * PAD_LIMIT), default=0)
    lines += [(line.ljust(width) + "    " + note).rstrip() for line, note in zip(body, notes)]
    for leaf in d.graph.leaves:
        occ = d.graph.occurrences[leaf]
        if len(occ) > 1:
            terms = " + ".join(names.grad[i] for i in occ)
            lines.append(f"  {names.total[leaf]} = {terms} = {num(d.gradients[leaf])}")

    if d.chains:
        lines += ["", "Chain rule"]
        for leaf, paths in d.chains.items():
            for k, path in enumerate(paths):
                lhs = f"∂{root.var}/∂{leaf}" + (f" (path {k + 1} of {len(paths)})" if len(paths) > 1 else "")
                labels = " · ".join(
                    factor_label_text(d.graph.parent(i).expr, nodes[i].expr) for i in path.nodes
                )
                derivs = " · ".join(_factor(nodes[i].local) for i in path.nodes)
                values = [num(nodes[i].local_value) for i in path.nodes]
                if d.dvalue != 1.0:
                    values.insert(0, num(d.dvalue))
                pad = " " * len(lhs)
                lines.append(f"  {lhs} = {labels}")
                lines.append(f"  {pad} = {derivs}")
                lines.append(f"  {pad} = {' · '.join(values)} = {num(path.value)}")
            if len(paths) > 1:
                lines.append(
                    f"  ∂{root.var}/∂{leaf} = {' + '.join(num(p.value) for p in paths)} = {num(d.gradients[leaf])}"
                )

    lines += ["", "Gradients"]
    lines += _aligned([("d" + k, v) for k, v in leaf_lists(d, d.gradients)])

    if d.step is not None:
        s = d.step
        updated = ", ".join(
            f"{k} += -lr * d{k}" for k in ((d.arrays and [k for k in d.arrays if k != "x"]) or s.values)
        )
        lines += ["", f"Update (lr = {num(s.lr)}): {updated}"]
        after = {**d.values, **s.values}
        keep = (
            {k for k, ns in d.arrays.items() if any(n in s.values for n in ns)} if d.arrays else set(s.values)
        )
        before_rows = [(k, v) for k, v in leaf_lists(d, d.values) if k in keep]
        after_rows = [(k, v) for k, v in leaf_lists(d, after) if k in keep]
        lines.append("  before: " + "  ".join(f"{k} = {v}" for k, v in before_rows))
        lines.append("  after:  " + "  ".join(f"{k} = {v}" for k, v in after_rows))
        lines += ["", "Forward pass again", f"  {root.var} = {num(s.output)}  (was {num(d.output)})"]
    return "\n".join(lines) + "\n"


def _factor(e: sympy.Basic | None) -> str:
    text = flat_text(e)
    return f"({text})" if " " in text and not text.startswith("1(") else text
