"""Computation-graph figures, as the chapter draws them: values on the edges, gradients in red.

Leaves (inputs, weights, bias, numbers) sit on the left, operations to their right, the
output last.  Each edge carries the value flowing forward (black, above) and, once the
backward pass reaches it, the gradient flowing back (red, below).  Three formats: Graphviz
``dot`` source, ``svg`` (the ``dot`` program lays it out), and ``tikz`` (laid out here, no
binary needed).  A network draws at layer level (inputs, dense, activation, loss, with
shapes); with ``--wrt`` it draws the scalar subgraph of the named parameters.

``frames`` is the chapter's sequence of figures.  Frame 1 shows the whole graph with the
leaves' values; then each frame adds one operation's value (forward pass, in forward
order); then the gradient from the next layer on the output edge; then one red gradient
per frame (backward pass, one chain-rule factor each, output first).  Every frame draws
all nodes, so the layout never moves: operations not yet computed are grey, and what a
frame adds is in bold.  Each frame has a caption with the equation of what it adds.

A derivation becomes a :class:`Drawing` (nodes, labels, captions); the formats draw that.
Labels come from the operations, ``printing`` and the network's tables: nothing here names
an operation or computes a derivative.
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import sympy

from .._files import make_directory, reason, write_atomically, write_output
from ..chain import argument_symbol
from ..derivation import Derivation
from ..errors import InputError, LimitError, SymbackpropError
from ..limits import DEFAULT
from ..printing import Printer, factor_label, factor_label_text, latex_name

if TYPE_CHECKING:
    from .._network import NetworkDerivation

FORMATS = ("dot", "svg", "tikz")
EXTENSIONS = {"dot": "dot", "svg": "svg", "tikz": "tex"}
GRADIENT_COLOR = "red"  # the chapter: "The color red is used for derivatives."
PENDING_COLOR = "gray70"  # an operation whose value the forward pass has not reached yet
FONT = "Helvetica"

TIKZ_PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{tikz}
\pagestyle{empty}
\begin{document}
"""

Caption = tuple[str, str]  # (plain text, LaTeX)
Drawable = Union[Derivation, "NetworkDerivation"]


class GraphvizMissing(SymbackpropError):
    """SVG needs Graphviz's ``dot`` program (and the ``graphviz`` Python package); it is not installed."""

    exit_status = 1


# --- what there is to draw ------------------------------------------------------------------


@dataclass
class Item:
    """One node of a figure and the edge leaving it, toward its parent (or the output)."""

    name: str  # "mul", "x0", "dense"
    name_tex: str
    op: bool = False  # an operation (grey until computed) or a leaf (given from the start)
    sub: str = ""  # a small grey line under an operation: its variable, "xw0", "z1"
    sub_tex: str = ""
    parent: int | None = None  # None: the edge goes to the output
    value: str = ""  # what flows forward along the edge (black)
    value_tex: str = ""
    gradient: str | None = None  # what flows back (red); None: nothing (a number)
    gradient_tex: str = ""
    forward: Caption | None = None  # the caption of the frame that computes it
    backward: Caption | None = None  # ... and of the frame that brings its gradient
    children: list[int] = field(default_factory=list)


@dataclass
class Drawing:
    """Items in forward order (arguments before their operation); ``steps`` is the backward order."""

    items: list[Item]
    output: tuple[str, str]  # the output node's label (text, LaTeX)
    steps: list[int]  # items whose gradient each backward frame adds: the output's first
    start: Caption
    chain: bool = False  # layer level: leaves just before their operation, the first argument straight

    def __post_init__(self) -> None:
        for i, item in enumerate(self.items):
            if item.parent is not None:
                self.items[item.parent].children.append(i)
        self.root = next(i for i, item in enumerate(self.items) if item.parent is None)
        self.leaves = [i for i, item in enumerate(self.items) if not item.op]
        # Columns, left to right: an operation one right of its rightmost operation argument; leaves
        # all in column 0 (the chapter's neuron), or just before their operation (a network's layers).
        self.column = [0] * len(self.items)
        for i, item in enumerate(self.items):
            if item.op:
                self.column[i] = 1 + max([0, *(self.column[c] for c in item.children if self.items[c].op)])
        if self.chain:
            for i in self.leaves:
                parent = self.items[i].parent
                self.column[i] = 0 if parent is None else self.column[parent] - 1


@dataclass(frozen=True)
class Frame:
    """What one figure shows: the items whose value / gradient is on their outgoing edge."""

    values: frozenset[int]
    gradients: frozenset[int]
    caption: Caption | None = None
    new: int | None = None  # the item whose value or gradient this frame adds


def sequence(g: Drawing) -> list[Frame]:
    values, grads = set(g.leaves), set()
    out = [Frame(frozenset(values), frozenset(), g.start)]
    for i, item in enumerate(g.items):
        if item.op:
            values.add(i)
            out.append(Frame(frozenset(values), frozenset(), item.forward, i))
    values = set(range(len(g.items)))
    for i in g.steps:
        grads.add(i)
        out.append(Frame(frozenset(values), frozenset(grads), g.items[i].backward, i))
    return out


def complete(g: Drawing) -> Frame:
    return Frame(frozenset(range(len(g.items))), frozenset(g.steps))


# --- a derivation's graph: one node per occurrence ----------------------------------------------


def scalar_drawing(
    d: Derivation,
    text_names: Mapping[str, str] | None = None,
    tex_names: Mapping[str, str] | None = None,
    captions: bool = True,
) -> Drawing:
    """The chain-rule graph of ``d``; the name tables (a network's scalar view) say how names print.
    Captions (for frames) print each local derivative: the complete figure goes without."""
    nodes, g = d.graph.nodes, d.graph
    text_names, tex_names = dict(text_names or {}), dict(tex_names or {})
    text, tex = Printer("text", text_names), Printer("latex", tex_names)

    def name(var: str) -> str:
        return text_names.get(var, var)

    def name_tex(var: str) -> str:
        return tex_names.get(var) or latex_name(var)

    root = nodes[g.root]
    out = root.var if root.op is not None else "output"
    top = "L" if d.dvalue != 1.0 else name(out)
    top_tex = "L" if d.dvalue != 1.0 else name_tex(out)
    steps = g.backward_steps()
    if set(d.chains) != set(g.leaves):  # --wrt: only the paths to the named leaves
        on_paths = {i for paths in d.chains.values() for p in paths for i in p.nodes}
        steps = [i for i in steps if i in on_paths]
    items = []
    for i, n in enumerate(nodes):
        shown = not n.var.startswith("_")  # a network's helper quantity has no name of its own
        if n.op is not None:
            item = Item(
                n.op.name,
                n.op.latex_name,
                True,
                name(n.var) if shown else "",
                name_tex(n.var) if shown else "",
            )
            if captions:
                symbols = [argument_symbol(nodes[c]) for c in n.children]
                formula = n.op.flat(text, symbols).replace(" * ", " · ")
                item.forward = (
                    f"{name(n.var)} = {formula} = {number(n.value)}",
                    f"{name_tex(n.var)} = {n.op.flat(tex, symbols)} = {number_tex(n.value)}",
                )
        elif n.is_variable:
            item = Item(name(n.var), name_tex(n.var))
        else:
            item = Item(number(n.value), number_tex(n.value))
        item.parent = n.parent
        item.value, item.value_tex = number(n.value), number_tex(n.value)
        flows = n.parent is not None and (n.op is not None or n.is_variable)  # numbers take no gradient
        if flows or i == g.root:
            item.gradient, item.gradient_tex = number(n.gradient), number_tex(n.gradient)
        if flows and captions:
            item.backward = _backward_caption(d, i, (top, top_tex), text, tex, name, name_tex)
        items.append(item)
    items[g.root].backward = (
        f"Backward pass: the gradient from the next layer, dvalue = {number(d.dvalue)}",
        rf"\text{{Backward pass: the gradient from the next layer, }} \mathit{{dvalue}} = {number_tex(d.dvalue)}",
    )
    start = ("Forward pass: the leaves' values", r"\text{Forward pass: the leaves' values}")
    return Drawing(items, (name(out), name_tex(out)), [g.root, *steps], start)


def _backward_caption(
    d: Derivation, i: int, top: tuple[str, str], text: Printer, tex: Printer, name: Any, name_tex: Any
) -> Caption:
    """``∂y/∂xw0 = ∂y/∂z · ∂sum()/∂mul(x0, w0) = 1 · 1 = 1``: the upstream gradient times one factor."""
    n = d.graph.nodes[i]
    p = d.graph.parent(i)
    assert n.local is not None
    up, local, grad = factor(p.gradient), factor(n.local_value), number(n.gradient)
    local_text = text.expr(n.local)
    steps = [f"∂{top[0]}/∂{name(p.var)} · {factor_label_text(p.expr, n.expr)}", f"{up} · {local_text}"]
    steps += [f"{up} · {local}"] if local_text != local else []
    plain = f"∂{top[0]}/∂{name(n.var)} = " + " = ".join([*dict.fromkeys(steps), grad])
    up_t, local_t = factor_tex(p.gradient), factor_tex(n.local_value)
    local_tex = tex.expr(n.local)
    tex_steps = [
        rf"\frac{{\partial {top[1]}}}{{\partial {name_tex(p.var)}}} \cdot {factor_label(p.expr, n.expr)}",
        rf"{up_t} \cdot {local_tex}",
    ]
    tex_steps += [rf"{up_t} \cdot {local_t}"] if local_tex != local_t else []
    head = rf"\frac{{\partial {top[1]}}}{{\partial {name_tex(n.var)}}} = "
    return plain, head + " = ".join([*dict.fromkeys(tex_steps), number_tex(n.gradient)])


# --- a network at layer level -----------------------------------------------------------------


def network_drawing(nd: NetworkDerivation) -> Drawing:
    """Inputs, each layer's weights and biases, dense, activation, loss: shapes on the edges,
    the book's gradients (dX, dW1, db1, dz1 ...) in red, each frame's caption its matrix equation."""
    from .._network import LOSSES
    from .._network import latex_name as nname

    spec = nd.spec
    items: list[Item] = []

    def shape(array: Any) -> tuple[str, str]:
        dims = [str(k) for k in array.shape]
        return "×".join(dims), r" \times ".join(dims)

    def add(item: Item, value: Any) -> int:
        item.value, item.value_tex = shape(value)
        items.append(item)
        return len(items) - 1

    def leaf(var: str, value: Any) -> int:
        return add(Item(var, nname(var), gradient="d" + var, gradient_tex="d" + nname(var)), value)

    previous, prev_var = leaf("X", spec.inputs), "X"
    last_dense = previous
    for lp in nd.layers:
        k, act = lp.number, lp.activation
        w, b = leaf(f"W{k}", lp.layer.weights), leaf(f"b{k}", lp.layer.biases)
        z, zt, wt, bt, pt = f"Z{k}", nname(f"Z{k}"), nname(f"W{k}"), nname(f"b{k}"), nname(prev_var)
        dense = add(Item("dense", "dense", True, z, zt, gradient="d" + z, gradient_tex="d" + zt), lp.z)
        items[dense].forward = (
            f"{z} = {prev_var} · W{k} + b{k}  ({items[dense].value})",
            rf"{zt} = {pt} {wt} + {bt} \quad ({items[dense].value_tex})",
        )
        items[previous].backward = (f"d{prev_var} = d{z} · W{k}ᵀ", rf"d{pt} = d{zt}\, {{{wt}}}^{{\top}}")
        items[w].backward = (f"dW{k} = {prev_var}ᵀ · d{z}", rf"d{wt} = {{{pt}}}^{{\top}} d{zt}")
        items[b].backward = (f"db{k} = Σ over samples of d{z}", rf"d{bt} = \sum_{{s}} d{zt}_{{s}}")
        for c in (previous, w, b):
            items[c].parent = dense
        previous, prev_var, last_dense = dense, z, dense
        op = act.op
        if op is None:  # linear: the layer's output is z
            continue
        a, at = f"A{k}", nname(f"A{k}")
        node = add(
            Item(op.name, op.latex_name, True, a, at, gradient="d" + a, gradient_tex="d" + at), lp.output
        )
        items[node].forward = (f"{a} = {op.name}({z})", rf"{at} = {op.latex_name}({zt})")
        if act.rowwise:
            jac, jac_tex = (
                act.jacobian_text.format(a=a),
                act.jacobian_latex.format(a=at, aT=rf"{{{at}}}^{{\top}}"),
            )
            items[dense].backward = (
                f"d{z} = ({jac}) · d{a}, for each sample",
                rf"d{zt}_{{s}} = \left({jac_tex}\right) d{at}_{{s}}",
            )
        else:
            s = sympy.Symbol(z)
            local = op.local([s], 0)
            items[dense].backward = (
                f"d{z} = {Printer('text').expr(local)} ⊙ d{a}",
                rf"d{zt} = {Printer('latex', {z: zt}).expr(local)} \odot d{at}",
            )
        items[dense].parent = node
        previous, prev_var = node, a
    last = items[previous]
    if spec.loss is not None and nd.loss is not None:
        rule = LOSSES[spec.loss.kind]
        loss = Item(rule.title, rf"\text{{{rule.title}}}", True, "L", "L", gradient="1", gradient_tex="1")
        loss.value, loss.value_tex = number(nd.loss), number_tex(nd.loss)
        loss.forward = (
            f"L = mean of L[s] over the {spec.samples} samples = {number(nd.loss)}, where {rule.text}",
            rf"L = \frac{{1}}{{N}} \sum_{{s}} L_{{s}} = {number_tex(nd.loss)}, \quad {rule.latex}",
        )
        loss.backward = (
            "Backward pass: ∂L/∂L = 1",
            r"\text{Backward pass: } \frac{\partial L}{\partial L} = 1",
        )
        last.backward = (
            f"d{prev_var} = ∂L/∂Ŷ = {rule.text_gradient}",
            rf"d{nname(prev_var)} = {rule.latex_gradient}",
        )
        if nd.combined:
            z_last = items[last_dense]
            k = nd.layers[-1].number
            z_last.backward = (
                f"dZ{k} = (Ŷ − Y) / N: softmax and cross-entropy combined",
                rf"dZ^{{[{k}]}} = \frac{{1}}{{N}} \left(\hat{{Y}} - Y\right) \quad \text{{(softmax and cross-entropy combined)}}",
            )
        last.parent = len(items)
        items.append(loss)
        output = ("L", "L")
    else:
        given = "dvalues" if nd.upstream == "dvalues" else "ones"
        last.gradient, last.gradient_tex = given, rf"\mathit{{{given}}}"
        last.backward = (
            f"Backward pass: {given}, the gradient from the next layer ({last.value})",
            rf"\text{{Backward pass: {given}, the gradient from the next layer}} \quad ({last.value_tex})",
        )
        output = (last.sub or prev_var, last.sub_tex or nname(prev_var))
    start = (
        f"Forward pass: the inputs X ({items[0].value}), the weights and the biases",
        rf"\text{{Forward pass: the inputs }} X \ ({items[0].value_tex})\text{{, the weights and the biases}}",
    )
    order = [next(i for i, item in enumerate(items) if item.parent is None)]
    for i in order:  # breadth-first from the output, as the book's backward pass goes
        order.extend(c for c, item in enumerate(items) if item.parent == i)
    return Drawing(items, output, order, start, chain=True)


def drawing(obj: Drawable, captions: bool = True) -> Drawing:
    """A derivation's figure; a network's at layer level, or its scalar view when it has one."""
    if isinstance(obj, Derivation):
        return scalar_drawing(obj, captions=captions)
    scalar = getattr(obj, "scalar", None)
    if scalar is not None and scalar.derivation is not None:
        return scalar_drawing(scalar.derivation, scalar.text_names, scalar.latex_names, captions)
    return network_drawing(obj)


# --- numbers ------------------------------------------------------------------------------


def number(value: float) -> str:
    """A figure's number: integers without ``.0``, short floats as they are, long ones to 4 digits."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = repr(float(value))
    return text if len(text) <= 8 else f"{value:.4g}"


def number_tex(value: float) -> str:
    text = number(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return text


def factor(value: float) -> str:
    text = number(value)
    return f"({text})" if text.startswith("-") else text


def factor_tex(value: float) -> str:
    text = number_tex(value)
    return f"({text})" if text.startswith("-") else text


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_INDEXED = re.compile(r"(?<!\w)([A-Za-z]+)(\d+)(?!\d)")


def pretty(text: str) -> str:
    """Trailing digits of names as subscripts, as the chapter typesets them: ``xw0`` -> ``xw₀``."""
    return _INDEXED.sub(lambda m: m.group(1) + m.group(2).translate(_SUBSCRIPT), text)


# --- Graphviz -------------------------------------------------------------------------------


def _html(text: str) -> str:
    return html.escape(pretty(text), quote=True)


def _quoted(text: str) -> str:
    return '"' + pretty(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cell(text: str, width: int, color: str | None, bold: bool = False) -> str:
    """One fixed-size cell of an edge label, so that a label filling in never moves the layout."""
    body = _html(text)
    if text and color is not None:
        body = f'<FONT COLOR="{color}">{body}</FONT>'
    if text and bold:  # what this frame adds
        body = f"<B>{body}</B>"
    return f'<TD WIDTH="{width}" HEIGHT="14" FIXEDSIZE="TRUE">{body}</TD>'


def dot_source(g: Drawing, f: Frame) -> str:
    items = g.items
    caption = f.caption[0] if f.caption else ""
    shape = 'shape=box, style=rounded, margin="0.08,0.03"' if g.chain else 'shape=ellipse, margin="0.04,0.02"'
    lines = [
        "digraph backprop {",
        f'  graph [rankdir=LR, ranksep=0.3, nodesep={0.3 if g.chain else 0.12}, fontname="{FONT}", fontsize=11,'
        f" labelloc=b, labeljust=l, label={_quoted(caption)}];",
        f'  node [fontname="{FONT}", fontsize=12, shape=plaintext];',
        f'  edge [fontname="{FONT}", fontsize=11, arrowsize=0.6, color="gray25"];',
    ]
    for i, item in enumerate(items):
        if not item.op:
            lines.append(f"  n{i} [label={_quoted(item.name)}];")
            continue
        done = i in f.values
        color = "black" if done else PENDING_COLOR
        sub = f'<BR/><FONT POINT-SIZE="9" COLOR="{"gray35" if done else PENDING_COLOR}">{_html(item.sub)}</FONT>'
        label = f"<{_html(item.name)}{sub if item.sub else ''}>"
        lines.append(f'  n{i} [label={label}, {shape}, color="{color}", fontcolor="{color}"];')
    lines.append(f"  out [label={_quoted(g.output[0])}];")
    if not g.chain:
        lines.append("  { rank=min; " + " ".join(f"n{i};" for i in g.leaves) + " }")
        if len(g.leaves) > 1:  # keep the leaves in the tree's order, top to bottom
            lines.append("  " + " -> ".join(f"n{i}" for i in g.leaves) + " [style=invis];")
    for i, item in enumerate(items):
        head = f"n{item.parent}" if item.parent is not None else "out"
        extra = "" if i in f.values else f', color="{PENDING_COLOR}"'
        if g.chain and (item.parent is None or items[item.parent].children[0] == i):
            extra += ", weight=8"  # the layers' main line stays straight
        elif g.chain:
            extra += (
                ', decorate=true, labelfloat=false, color="gray45"'  # a weight's label: a line to its edge
            )
        label = _edge_label(item, i, f)
        if item.parent is not None and g.column[item.parent] > 1 + g.column[i]:
            # A long edge (the bias into the sum): its label on a first leg, level with its tail.
            dot = "gray25" if i in f.values else PENDING_COLOR
            lines.append(f'  p{i} [shape=point, width=0.03, color="{dot}", label=""];')
            lines.append(
                f"  n{i} -> p{i} [label={label}, arrowhead=none, headport=c, headclip=false{extra}];"
            )
            lines.append(f"  p{i} -> {head} [tailport=c, tailclip=false{extra}];")
        else:
            lines.append(f"  n{i} -> {head} [label={label}{extra}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _edge_label(item: Item, i: int, f: Frame) -> str:
    width = 8 + 7 * max(len(item.value), len(item.gradient or ""))
    new = f.new == i
    rows = [_cell(item.value if i in f.values else "", width, None, new and i not in f.gradients)]
    if item.gradient is not None:
        shown = item.gradient if i in f.gradients else ""
        rows.append(_cell(shown, width, GRADIENT_COLOR, new and i in f.gradients))
    cells = "".join(f"<TR>{row}</TR>" for row in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{cells}</TABLE>>'


def svg(dot: str) -> str:
    """Lay out and draw ``dot`` with Graphviz; a missing program or package says what to install."""
    hint = "drawing SVG needs Graphviz: apt-get install graphviz, and pip install 'symbackprop[graph]'"
    try:
        import graphviz
    except ImportError:
        raise GraphvizMissing(hint + " (the Python package 'graphviz' is missing)") from None
    try:
        out = graphviz.Source(dot).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(hint + " (the 'dot' program is not on PATH)") from None
    return str(out).replace("\r\n", "\n")


# --- TikZ (laid out here) ------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    x: list[float]  # per item, in cm
    y: list[float]
    out: tuple[float, float]
    bend: list[float]  # per item: where its edge leaves its row for its parent


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
            if item.op:
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
    # Each column as wide as the labels on the edges leaving it and the names on either side need.
    columns = max(g.column) + 2
    label, half = [1.1] * columns, [0.0] * columns
    for i, item in enumerate(items):
        c = g.column[i]
        label[c] = max(label[c], 0.19 * max(len(item.value), len(item.gradient or "")))
        half[c] = max(half[c], _half(item))
    gap = [max(2.6, 1.5 + label[c]) + half[c] + half[c + 1] for c in range(columns - 1)]
    at = [0.0]
    for c in range(columns - 1):
        at.append(at[-1] + gap[c])
    xs = [at[c] for c in g.column]
    bend = []
    for i, item in enumerate(items):
        if item.parent is None:
            bend.append(xs[i])
            continue
        p = item.parent
        left = at[g.column[p] - 1]
        bend.append(xs[p] - _half(items[p]) - (0.3 if g.chain else 0.45) * (xs[p] - left - _half(items[p])))
    root = g.root
    return Layout(xs, y, (at[g.column[root] + 1], y[root]), bend)


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
            lines.append(rf"\node[leaf] (n{i}) at {at} {{${name}$}};")
        else:
            style = "op" if i in f.values else "pending"
            side = "above" if g.chain else "below"  # a network's weights come in from below
            sub = rf", label={{[sub]{side}:${item.sub_tex}$}}" if item.sub_tex else ""
            lines.append(rf"\node[{style}{sub}] (n{i}) at {at} {{${name}$}};")
    ox, oy = lay.out
    lines.append(rf"\node[leaf] (out) at ({ox:.3f},{oy:.3f}) {{${g.output[1]}$}};")
    for i, item in enumerate(g.items):
        p = item.parent
        straight = p is None or (abs(lay.y[p] - lay.y[i]) < 1e-9 and g.column[p] == g.column[i] + 1)
        from_below = g.chain and not straight  # a weight or bias: along its row, then up into its layer
        at = "pos=0.3, " if from_below else ""  # on the horizontal part of a -| path
        labels = ""
        new = f.new == i
        if i in f.values:
            style = "value, new" if new and i not in f.gradients else "value"
            labels += rf" node[{at}{style}] {{${item.value_tex}$}}"
        if i in f.gradients and item.gradient is not None:
            style = "gradient, new" if new else "gradient"
            labels += rf" node[{at}{style}] {{${item.gradient_tex}$}}"
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
            lines.append(rf"\draw[{draw}] (n{i}) --{labels} ({lay.bend[i]:.3f},{lay.y[i]:.3f}) -- (n{p});")
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


# --- the entry points ------------------------------------------------------------------------


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"unknown figure format {fmt!r} (choose one of {', '.join(FORMATS)})")


#: The most nodes drawn as SVG: Graphviz's layout grows much faster than the graph (measured:
#: 2 100 nodes 1.6 s, 3 600 nodes 5 s, 9 000 nodes more than 8 minutes), and a doc build must not hang.
SVG_NODES = 3000


def _draw(g: Drawing, f: Frame, fmt: str, lay: Layout | None = None, standalone: bool = False) -> str:
    if fmt == "tikz":
        return tikz_source(g, f, lay, standalone)
    dot = dot_source(g, f)
    if fmt == "svg" and len(g.items) > SVG_NODES:
        raise LimitError(
            f"the graph has {len(g.items)} nodes, more than the {SVG_NODES} Graphviz lays out in reasonable "
            "time (choose --format dot or tikz)"
        )
    return svg(dot) if fmt == "svg" else dot


def render(d: Drawable, fmt: str = "dot", standalone: bool = False) -> str:
    """The complete figure: every forward value and every gradient.  ``standalone`` (TikZ only):
    a complete LaTeX document around the picture."""
    _check(fmt)
    g = drawing(d, captions=False)
    return _draw(g, complete(g), fmt, standalone=standalone)


def frames(d: Drawable, fmt: str = "svg", standalone: bool = False) -> list[str]:
    """The chapter's sequence: leaves, one operation per frame, dvalue, one gradient per frame."""
    _check(fmt)
    g = drawing(d)
    sequence_ = sequence(g)
    size = len(sequence_) * len(g.items)  # every frame draws every node
    if size > DEFAULT.max_output:
        raise LimitError(
            f"the figure sequence would draw {len(g.items)} nodes in each of {len(sequence_)} frames, more than "
            f"{DEFAULT.max_output} in all (draw the complete figure instead, or a smaller expression)"
        )
    lay = layout(g) if fmt == "tikz" else None
    return [_draw(g, f, fmt, lay, standalone) for f in sequence_]


FRAME_NAME = re.compile(r"frame-(\d+)\.([a-z]+)")


def write_frames(d: Drawable, directory: str | os.PathLike[str], fmt: str = "svg") -> list[Path]:
    """Write ``frame-01.svg`` ... in order, each atomically (TikZ frames as complete LaTeX documents);
    older frames of this format beyond the new sequence's end are removed, so the directory holds
    exactly one sequence."""
    texts = frames(d, fmt, standalone=fmt == "tikz")
    folder = Path(directory)
    ext = EXTENSIONS[fmt]
    digits = max(2, len(str(len(texts))))
    try:
        make_directory(folder)  # a directory or a new one: never a file, a device or a FIFO
        paths = []
        for k, text in enumerate(texts, start=1):
            path = folder / f"frame-{k:0{digits}d}.{ext}"
            write_atomically(path, text)  # permissions as a plain file's, no temporary file left
            paths.append(path)
        for old in sorted(folder.iterdir()):
            m = FRAME_NAME.fullmatch(old.name)
            if m and m.group(2) == ext and old not in paths:
                old.unlink()
    except OSError as err:
        raise InputError(f"cannot write frames to {directory}: {reason(err)}") from None
    return paths


class Figure:
    """A figure that shows itself in Jupyter (SVG); ``str()`` is its source in the format asked for."""

    def __init__(self, d: Drawable, fmt: str = "svg") -> None:
        _check(fmt)
        self.format = fmt
        self.source = render(d, fmt)
        self._dot = self.source if fmt == "dot" else render(d, "dot")

    def _repr_svg_(self) -> str:
        return self.source if self.format == "svg" else svg(self._dot)

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"<symbackprop figure, {self.format}, {len(self.source)} characters>"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the source to ``path`` as ``-o`` does: a regular file atomically, a device or FIFO as it is."""
        target = Path(path)
        write_output(target, self.source)
        return target


__all__: Sequence[str] = ["FORMATS", "Figure", "GraphvizMissing", "frames", "render", "write_frames"]
