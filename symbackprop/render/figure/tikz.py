"""Figures as TikZ, laid out here (no binary needed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ._drawing import Drawing, Frame, Item
from .dot import GRADIENT_COLOR

#: A document whose page is the picture: the picture is set in a box, and the box shipped out as a page
#: of its size with a 1 pt border, as a line's width falls outside TikZ's bounding box (TeX Live's base
#: packages only: no ``standalone`` class or ``preview`` package needed).
TIKZ_PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{bm}
\usepackage{tikz}
\newsavebox{\symbackpropfigure}
\begin{document}
\begin{lrbox}{\symbackpropfigure}
"""
TIKZ_END = r"""\end{lrbox}
\ifdefined\pdfpagewidth\else\let\pdfpagewidth\pagewidth\let\pdfpageheight\pageheight\fi
\pdfpagewidth=\dimexpr\wd\symbackpropfigure+2pt\relax
\pdfpageheight=\dimexpr\ht\symbackpropfigure+\dp\symbackpropfigure+2pt\relax
\hoffset=\dimexpr1pt-1in\relax \voffset=\dimexpr1pt-1in\relax
\shipout\box\symbackpropfigure
\end{document}
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
    items, row = g.items, 1.25 if any(link.role for link in g.links) else 0.95  # a role is a third line
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


#: What a fragment needs from the document it is ``\input`` into.
NEEDS = r"% symbackprop figure: needs \usepackage{tikz} and \usepackage{amsmath} in the preamble"


def tikz_source(
    g: Drawing,
    f: Frame,
    lay: Layout | None = None,
    standalone: bool = False,
    legend: bool = True,
    direction: str = "LR",
) -> str:
    r"""One frame as a ``tikzpicture`` (a fragment to ``\input``), or as a document of the picture's size
    (``standalone``).  ``direction`` ``TB`` turns the layout a quarter: the output at the bottom, labels
    beside the edges."""
    return (
        (TIKZ_PREAMBLE + picture(g, f, lay, legend, direction) + TIKZ_END)
        if standalone
        else (NEEDS + "\n" + picture(g, f, lay, legend, direction))
    )


def _turn(g: Drawing, direction: str) -> Callable[[float, float], tuple[float, float]]:
    """A layout's point as drawn: as it is (LR), or a quarter turned (TB: columns run down, rows across,
    wider apart, each label standing beside its edge)."""
    if direction == "LR":
        return lambda x, y: (x, y)
    pitch = max(1.9, 0.2 * max([len(k.value) + len(k.gradient or "") for k in g.links] or [0])) / 0.95
    return lambda x, y: (-y * pitch, -0.62 * x)


def bounding_box(g: Drawing, lay: Layout, legend: bool, direction: str) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) in cm around every node, the labels beside them and the legend."""
    xy = _turn(g, direction)
    corners = [xy(x, y) for x, y in zip([*lay.x, lay.out[0]], [*lay.y, lay.out[1]])]
    us, vs = [u for u, _ in corners], [v for _, v in corners]
    right = max(max(us) + 1.2, 10.8 if legend else 0.0)  # the legend's words
    return min(us) - 1.0, min(vs) - (2.0 if legend else 1.0), right, max(vs) + 1.0


def picture(
    g: Drawing,
    f: Frame,
    lay: Layout | None = None,
    legend: bool = True,
    direction: str = "LR",
    caption: bool = True,
    box: bool = False,
) -> str:
    """The ``tikzpicture`` of one frame; without its ``caption`` (a slide sets it apart), and with ``box``
    a bounding box that is the same in every frame of a sequence, so that overlays never move."""
    lay = lay or layout(g)
    across = direction == "LR"
    xy = _turn(g, direction)

    def at(x: float, y: float) -> str:
        u, v = xy(x, y)
        return f"({u:.3f},{v:.3f})"

    shape = (
        "rectangle, rounded corners=3pt, inner sep=3pt, minimum height=7mm"
        if g.chain
        else "circle, inner sep=1.5pt, minimum size=8mm"
    )
    sides = ("above", "below") if across else ("left", "right")
    lines = [
        r"\begin{tikzpicture}[font=\small, >=latex,",
        r"  leaf/.style={inner sep=2pt},",
        rf"  op/.style={{{shape}, draw}},",
        r"  pending/.style={op, draw=gray!50, text=gray!50},",
        r"  sub/.style={font=\scriptsize, text=gray},",
        rf"  value/.style={{{sides[0]}, inner sep=1.5pt, align=center}},",
        rf"  gradient/.style={{{sides[1]}, inner sep=1.5pt, text={GRADIENT_COLOR}}},",
        r"  role/.style={font=\scriptsize\itshape, text=gray},",
        r"  new/.style={font=\small\boldmath}]",
    ]
    if box:
        left, low, right, top = bounding_box(g, lay, legend, direction)
        lines.append(rf"\useasboundingbox ({left:.3f},{low:.3f}) rectangle ({right:.3f},{top:.3f});")
    for i, item in enumerate(g.items):
        name = item.name_tex
        if not item.op:
            style = "leaf, text=gray" if item.data else "leaf"  # given data: no gradient flows into it
            lines.append(rf"\node[{style}] (n{i}) at {at(lay.x[i], lay.y[i])} {{${name}$}};")
        else:
            style = "op" if i in f.values else "pending"
            side = ("above" if g.chain else "below") if across else ("left" if g.chain else "below right")
            sub = rf", label={{[sub]{side}:${item.sub_tex}$}}" if item.sub_tex else ""
            lines.append(rf"\node[{style}{sub}] (n{i}) at {at(lay.x[i], lay.y[i])} {{$\mathrm{{{name}}}$}};")
    ox, oy = lay.out
    lines.append(rf"\node[leaf] (out) at {at(ox, oy)} {{${g.output[1]}$}};")
    turn = "-|" if across else "|-"
    for k, link in enumerate(g.links):
        i, p = link.child, link.parent
        straight = p is None or (abs(lay.y[p] - lay.y[i]) < 1e-9 and g.column[p] == g.column[i] + 1)
        from_below = g.chain and not straight  # a weight or bias: along its row, then up into its layer
        pos = "pos=0.3, " if from_below else ""  # on the straight part of a -| path
        labels = ""
        role = rf"{{\scriptsize\itshape {link.role}}}" if link.role else ""
        if i in f.values:
            style = "value, new" if f.new_item == i else "value"
            value = f"${link.value_tex}$"
            if role:
                value = rf"{role}\\{value}" if across else rf"{role}\ {value}"
            labels += rf" node[{pos}{style}] {{{value}}}"
        elif role:
            labels += rf" node[{pos}value] {{{role}}}"
        if k in f.gradients and link.gradient is not None:
            style = "gradient, new" if f.new_link == k else "gradient"
            labels += rf" node[{pos}{style}] {{${link.gradient_tex}$}}"
        draw = "->" if i in f.values else "->, draw=gray!50"
        if p is None:
            lines.append(rf"\draw[{draw}] (n{i}) --{labels} (out);")
        elif straight:
            lines.append(rf"\draw[{draw}] (n{i}) --{labels} (n{p});")
        elif from_below:
            siblings = [c for c in g.items[p].children[1:] if not g.items[c].op]
            shift = 3 * (siblings.index(i) - (len(siblings) - 1) / 2) if i in siblings else 0.0
            end = f"[xshift={shift:.1f}mm]n{p}.south" if across else f"[yshift={-shift:.1f}mm]n{p}.east"
            lines.append(rf"\draw[{draw}] (n{i}) {turn}{labels} ({end});")
        else:  # along its own row to just before the parent's column, then into the parent
            lines.append(rf"\draw[{draw}] (n{i}) --{labels} {at(lay.bend[k], lay.y[i])} -- (n{p});")
    bottom = min(lay.y) - 0.9
    if not across:  # under the last column
        bottom = -0.62 * max(lay.x + [ox]) - 1.0
    width = max(lay.out[0] + 1.0, 8.0) if across else max(xy(0.0, min(lay.y))[0] + 1.0, 8.0)
    if legend:
        value, gradient = g.legend
        start = (-0.4, bottom - 0.1) if across else (-0.4, bottom)
        if across:
            sample = rf"\draw[->] {start[0]:.3f},{start[1]:.3f} -- ++(1.6,0)"
            words = f"black: the {value} flowing forward; red: the {gradient} flowing back"
        else:
            sample = rf"\draw[->] {start[0] + 0.8:.3f},{start[1] + 0.3:.3f} -- ++(0,-0.6)"
            words = f"black: the {value} flowing forward; red: the {gradient} flowing back"
        sample = sample.replace("] ", "] (", 1).replace(" --", ") --", 1)
        lines.append(
            rf"{sample} node[midway, value] {{\footnotesize {value}}} node[midway, gradient] {{\footnotesize {gradient}}};"
        )
        lines.append(
            rf"\node[anchor=west, font=\footnotesize, text=gray!70!black] at ({start[0] + (1.9 if across else 2.9):.3f},{start[1]:.3f}) {{{words}}};"
        )
        bottom -= 0.9
    if f.caption is not None and caption:
        lines.append(
            rf"\node[anchor=north west, align=left, text width={width:.1f}cm] at (-0.4,{bottom:.3f})"
            rf" {{$\displaystyle {f.caption[1]}$}};"
        )
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines) + "\n"
