"""The walkthrough for a terminal: every quantity the chapter's code cells print, in their order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import numbers
from ..derivation import Derivation
from ..names import ChapterNames
from ..ops import MUL
from ..printing import TEXT, Piece, is_indicator, node_piece, signed
from ..steps import Style
from ._closed import ClosedForms
from ._kinks import kinks
from ._strings import Strings, loss_name
from .blocks import Block, Heading, Lines, text, to_text

num = numbers.value


def factor(v: float) -> str:
    """A number in a product: negatives in parentheses."""
    return numbers.factor(v, "text")


#: The widest cell that still sets its column's width.
PAD_LIMIT = 60


def _aligned(rows: Sequence[tuple[str, ...]], indent: str = "  ") -> list[str]:
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
    args = [
        TEXT.num(nodes[c].number) if nodes[c].number is not None else TEXT.leaf(nodes[c].var)
        for c in n.children
    ]
    return TEXT.apply(n.op, args).text


def leaf_lists(d: Derivation, values: Mapping[str, float | None]) -> list[tuple[str, str]]:
    """``x = [1.0, -2.0, 3.0]`` for the chapter's lists, one line per leaf otherwise (the known ones)."""
    arrays = {k: names for k, names in d.arrays.items() if all(values.get(n) is not None for n in names)}
    listed = {n for names in arrays.values() for n in names}
    out = [
        (k, num(values[k]) if names == [k] else "[" + ", ".join(num(values[n]) for n in names) + "]")  # type: ignore[arg-type]
        for k, names in arrays.items()
    ]
    if not arrays or len(listed) < sum(1 for n in d.graph.leaves if values.get(n) is not None):
        out += [
            (name, num(v))
            for name in d.graph.leaves
            if name not in listed and (v := values.get(name)) is not None
        ]
    return out


def _known(*cells: float | None) -> bool:
    return all(c is not None for c in cells)


def rule_lines(d: Derivation) -> list[str]:
    """Each operation's derivative rule as the Markdown states it, output first:
    ``ReLU: f(x) = max(x, 0)  ->  d/dx f(x) = 1(x > 0)``."""
    out: list[str] = []
    width = max(len(r.op.name) for r in d.rules) + 1
    for r in d.rules:
        names = ", ".join(a.name for a in r.args)
        body = r.op.text_definition or TEXT.apply(r.op, [Piece(a.name) for a in r.args]).text
        head = f"  {(r.op.name + ':').ljust(width)} f({names}) = {body}  ->  "
        if r.op.unary:
            out.append(f"{head}d/dx f(x) = {TEXT.doprint(r.derivatives[0])}")
            continue
        for k, a in enumerate(r.args):
            lead = head if k == 0 else " " * len(head)
            out.append(f"{lead}∂/∂{a.name} f({names}) = {TEXT.doprint(r.derivatives[k])}")
    return out


def walkthrough(d: Derivation) -> list[Block]:
    g = d.graph
    nodes = g.nodes
    names = ChapterNames.of(g, d.style is Style.NAMED)
    printed = Strings(d)
    root = nodes[g.root]
    out: list[Block] = [Lines((f"{root.var} = {printed.text()}", f"{root.var} = {printed.expression()}"))]

    given = _aligned(list(leaf_lists(d, d.values)))
    none = "  none given: every leaf is a symbol" if g.leaves else "  none: the expression has no leaves"
    out += [Heading(1, text("Values")), Lines(tuple(given or [none]))]
    forward = []
    for i, n in enumerate(nodes):
        if n.op is not None:
            value = d.node_values[i]
            forward.append((n.var, node_formula(d, i)) + (() if value is None else (num(value),)))
    out += [Heading(1, text("Forward pass")), Lines(tuple(_aligned(forward)))]

    if d.rules:
        out += [Heading(1, text("Rules")), Lines(tuple(rule_lines(d)))]
    out.append(
        Heading(1, text(f"Backward pass (dvalue = {num(d.dvalue)}: the gradient from the next layer)"))
    )
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    shares = names.share
    for e in d.backward_edges():
        edge = g.edges[e]
        at_top = edge.parent == g.root
        upstream = "dvalue" if at_top else names.grad[edge.parent]
        local_text = printed.operand(e, TEXT, MUL + 1)
        product = f"{upstream} * {local_text}" if at_top else f"{upstream} * {names.factor[e]}"
        notes.append("" if at_top else f"({names.factor[e]} = {printed.derivative(e, TEXT)})")
        up, local, contribution = d.node_gradients[edge.parent], d.local_values[e], d.contribution(e)
        row: tuple[str, ...] = (shares.get(e, names.grad[edge.child]), product)
        if up is not None and local is not None and contribution is not None:
            row += (f"{factor(up)} * {factor(local)}", num(contribution))
        rows.append(row)
        child = nodes[edge.child]
        if child.op is not None and len(child.uses) > 1 and e == child.uses[-1]:  # every use's share is in
            total = d.node_gradients[edge.child]
            rows.append(
                (names.grad[edge.child], " + ".join(shares[u] for u in child.uses))
                + (() if total is None else (num(total),))
            )
            notes.append("")
    body = _aligned(rows)
    width = max((len(line) for line in body if len(line) <= 3 * PAD_LIMIT), default=0)
    lines = [(line.ljust(width) + "    " + note).rstrip() for line, note in zip(body, notes)]
    for leaf in g.leaves:
        occ = g.occurrences[leaf]
        if len(occ) > 1 and leaf in d.gradients:
            whole = d.gradients[leaf]
            tail = "" if whole is None else f" = {num(whole)}"
            lines.append(f"  {names.total[leaf]} = {' + '.join(names.grad[i] for i in occ)}{tail}")
    lines += [f"  Note: {k.text(d, lambda c: node_piece(g, c, TEXT).text)}." for k in kinks(d)]
    out.append(Lines(tuple(lines)))

    if d.chains:
        out += [Heading(1, text("Chain rule")), Lines(tuple(_chains(d, printed)))]

    if any(v is None for v in d.gradients.values()):
        closed = ClosedForms(d, printed)
        gradients = [  # each closed form, and its number where it is known (as the LaTeX has it)
            (f"∂{root.var}/∂{leaf}", closed.gradient(leaf, TEXT), *([] if v is None else [num(v)]))
            for leaf in d.chains
            for v in [d.gradients.get(leaf)]
        ]
        out += [Heading(1, text("Gradients, in closed form")), Lines(tuple(_aligned(gradients)))]
    else:
        out += [
            Heading(1, text("Gradients")),
            Lines(tuple(_aligned([("d" + k, v) for k, v in leaf_lists(d, d.gradients)]))),
        ]

    if d.step is not None:
        out += _step(d)
    return out


def _step(d: Derivation) -> list[Block]:
    s = d.step
    assert s is not None
    root = d.graph.nodes[d.graph.root]
    updated = ", ".join(
        f"{k} += -lr * d{k}" for k in ((d.arrays and [k for k in d.arrays if k != "x"]) or s.values)
    )
    after = {**d.values, **s.values}
    keep = {k for k, ns in d.arrays.items() if any(n in s.values for n in ns)} if d.arrays else set(s.values)
    unknown = [name for name, value in s.values.items() if value is None]  # the step itself, symbolically
    before_rows = [(k, v) for k, v in leaf_lists(d, d.values) if k in keep and k not in unknown]
    after_rows = [(k, v) for k, v in leaf_lists(d, after) if k in keep]
    for name in unknown:
        was = d.values.get(name)
        before_rows.append((name, name if was is None else num(was)))
        after_rows.append((name, f"{before_rows[-1][1]} - {num(s.lr)} * ∂{root.var}/∂{name}"))
    out: list[Block] = [Heading(1, text(f"Update (lr = {num(s.lr)}): {updated}"))]
    out.append(Lines((
        "  before: " + "  ".join(f"{k} = {v}" for k, v in before_rows),
        "  after:  " + "  ".join(f"{k} = {v}" for k, v in after_rows),
    )))  # fmt: skip
    if s.output is not None and d.output is not None:
        out += [
            Heading(1, text("Forward pass again")),
            Lines((f"  {root.var} = {num(s.output)}  (was {num(d.output)})",)),
        ]
    return out


def _chains(d: Derivation, printed: Strings) -> list[str]:
    g = d.graph
    root = g.nodes[g.root]
    scaled = d.dvalue != 1  # the upstream gradient is the first factor of every line
    top = loss_name(d)[0] if scaled else root.var
    lines = []
    for leaf, paths in d.chains.items():
        for k, path in enumerate(paths):
            lhs = f"∂{top}/∂{leaf}" + (f" (path {k + 1} of {len(paths)})" if len(paths) > 1 else "")
            labels = " · ".join(
                [printed.upstream("text")] * scaled + [printed.label_text(e) for e in path.edges]
            )
            derivs = " · ".join(
                [factor(d.dvalue)] * scaled + [_factor(printed.derivative(e, TEXT)) for e in path.edges]
            )
            pad = " " * len(lhs)
            lines.append(f"  {lhs} = {labels}")
            lines.append(f"  {pad} = {derivs}")
            factors = [d.local_values[e] for e in path.edges]
            if path.value is not None:
                values = [factor(v) for v in factors if v is not None]
                if d.dvalue != 1:
                    values.insert(0, factor(d.dvalue))
                product = f"{' · '.join(values)} = " if len(values) > 1 else ""
                lines.append(f"  {pad} = {product}{num(path.value)}")
        whole = d.gradients[leaf]
        if len(paths) > 1 and whole is not None:
            lines.append(
                f"  ∂{top}/∂{leaf} = {' + '.join(num(p.value) for p in paths if p.value is not None)} = {num(whole)}"
            )
    return lines


def _factor(text: str) -> str:
    return f"({text})" if (" " in text and not is_indicator(text)) or signed(text) else text


def render(d: Derivation) -> str:
    return to_text(walkthrough(d))
