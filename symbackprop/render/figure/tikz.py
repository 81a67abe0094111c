"""Figures as TikZ, laid out here (no binary needed)."""

from __future__ import annotations

from dataclasses import dataclass

from ._drawing import Drawing, Frame, Item
from .dot import GRADIENT_COLOR

TIKZ_PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{tikz}
\pagestyle{empty}
\begin{document}
"""


@dataclass(frozen=True)
class Layout:
    x: list[float]  # per item, in cm
    y: list[float]
    out: tuple[float, float]
    bend: list[float]  # per link: where it leaves its row for its parent


def _half(item: Item) -> float:
    """Half an operation's width beyond a small node's (a loss's long name), in cm."""
    return 0.085 * max(0, len(item.name) - 5) if item.op else 0.0


def layout(g: Drawing) -> Layout:
    """The chapter's neuron: leaves in one column in the tree's order, each operation level with the
    middle of its arguments.  A network: its layers on one line, weights and biases below it."""
    items, row = g.items, 0.95
    y = [0.0] * len(items)
    k = 0
    for i, item in enumerate(items):  # forward order: arguments before their operation
        if not g.chain:
            if item.op and item.children:
                y[i] = sum(y[c] for c in item.children) / len(item.children)
            else:
                y[i] = -row * k
                k += 1
        elif item.op:
            first = item.children[0] if item.children else None
            y[i] = base = y[first] if first is not None and items[first].op else 0.0
            for pos, c in enumerate(item.children):
                if not items[c].op and pos:
                    y[c] = base - 0.45 - 0.8 * pos  # clear of the operation's subtitle
                elif not items[c].op:
                    y[c] = base
    # Each column as wide as the labels on the links leaving it and the names on either side need.
    columns = max(g.column) + 2
    label, half = [1.1] * columns, [0.0] * columns
    for link in g.links:
        c = g.column[link.child]
        label[c] = max(label[c], 0.19 * max(len(link.value), len(link.gradient or "")))
    for i, item in enumerate(items):
        half[g.column[i]] = max(half[g.column[i]], _half(item))
    gap = [max(2.6, 1.5 + label[c]) + half[c] + half[c + 1] for c in range(columns - 1)]
    at = [0.0]
    for c in range(columns - 1):
        at.append(at[-1] + gap[c])
    xs = [at[c] for c in g.column]
    bend = []
    for link in g.links:
        if link.parent is None:
            bend.append(xs[link.child])
            continue
        p = link.parent
        left = at[g.column[p] - 1]
        bend.append(xs[p] - _half(items[p]) - (0.3 if g.chain else 0.45) * (xs[p] - left - _half(items[p])))
    return Layout(xs, y, (at[g.column[g.root] + 1], y[g.root]), bend)


def tikz_source(g: Drawing, f: Frame, lay: Layout | None = None, standalone: bool = False) -> str:
    lay = lay or layout(g)
    shape = (
        "rectangle, rounded corners=3pt, inner sep=3pt, minimum height=7mm"
        if g.chain
        else "circle, inner sep=1.5pt, minimum size=8mm"
    )
    lines = [
        r"\begin{tikzpicture}[font=\small, >=latex,",
        r"  leaf/.style={inner sep=2pt},",
        rf"  op/.style={{{shape}, draw}},",
        r"  pending/.style={op, draw=gray!50, text=gray!50},",
        r"  sub/.style={font=\scriptsize, text=gray},",
        r"  value/.style={above, inner sep=1.5pt},",
        rf"  gradient/.style={{below, inner sep=1.5pt, text={GRADIENT_COLOR}}},",
        r"  new/.style={font=\small\boldmath}]",
    ]
    for i, item in enumerate(g.items):
        at = f"({lay.x[i]:.3f},{lay.y[i]:.3f})"
        name = item.name_tex
        if not item.op:
            style = "leaf, text=gray" if item.data else "leaf"  # given data: no gradient flows into it
            lines.append(rf"\node[{style}] (n{i}) at {at} {{${name}$}};")
        else:
            style = "op" if i in f.values else "pending"
            side = "above" if g.chain else "below"  # a network's weights come in from below
            sub = rf", label={{[sub]{side}:${item.sub_tex}$}}" if item.sub_tex else ""
            lines.append(rf"\node[{style}{sub}] (n{i}) at {at} {{${name}$}};")
    ox, oy = lay.out
    lines.append(rf"\node[leaf] (out) at ({ox:.3f},{oy:.3f}) {{${g.output[1]}$}};")
    for k, link in enumerate(g.links):
        i, p = link.child, link.parent
        straight = p is None or (abs(lay.y[p] - lay.y[i]) < 1e-9 and g.column[p] == g.column[i] + 1)
        from_below = g.chain and not straight  # a weight or bias: along its row, then up into its layer
        at = "pos=0.3, " if from_below else ""  # on the horizontal part of a -| path
        labels = ""
        if i in f.values:
            style = "value, new" if f.new_item == i else "value"
            labels += rf" node[{at}{style}] {{${link.value_tex}$}}"
        if k in f.gradients and link.gradient is not None:
            style = "gradient, new" if f.new_link == k else "gradient"
            labels += rf" node[{at}{style}] {{${link.gradient_tex}$}}"
        draw = "->" if i in f.values else "->, draw=gray!50"
        if p is None:
            lines.append(rf"\draw[{draw}] (n{i}) --{labels} (out);")
        elif straight:
            lines.append(rf"\draw[{draw}] (n{i}) --{labels} (n{p});")
        elif from_below:
            siblings = [c for c in g.items[p].children[1:] if not g.items[c].op]
            shift = 3 * (siblings.index(i) - (len(siblings) - 1) / 2) if i in siblings else 0.0
            lines.append(rf"\draw[{draw}] (n{i}) -|{labels} ([xshift={shift:.1f}mm]n{p}.south);")
        else:  # along its own row to just before the parent's column, then into the parent
            lines.append(rf"\draw[{draw}] (n{i}) --{labels} ({lay.bend[k]:.3f},{lay.y[i]:.3f}) -- (n{p});")
    if f.caption is not None:
        bottom = min(lay.y) - 0.9
        width = max(lay.out[0] + 1.0, 8.0)
        lines.append(
            rf"\node[anchor=north west, align=left, text width={width:.1f}cm] at (-0.4,{bottom:.3f})"
            rf" {{$\displaystyle {f.caption[1]}$}};"
        )
    lines.append(r"\end{tikzpicture}")
    body = "\n".join(lines) + "\n"
    return TIKZ_PREAMBLE + body + "\\end{document}\n" if standalone else body
