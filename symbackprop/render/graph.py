"""Computation-graph figures, as the chapter draws them: values on the edges, gradients in red.

Leaves (inputs, weights, bias, numbers) sit on the left, operations to their right, the
output last.  Each edge carries the value flowing forward (black, above) and, once the
backward pass reaches it, the gradient flowing back (red, below).  Three formats: Graphviz
``dot`` source, ``svg`` (the ``dot`` program lays it out), and ``tikz`` (laid out here, no
binary needed).

``frames`` is the chapter's sequence of figures.  Frame 1 shows the whole graph with the
leaves' values; then each frame adds one operation's value (forward pass, in forward
order); then the gradient from the next layer on the output edge; then one red gradient
per frame (backward pass, one chain-rule factor each, output first).  Every frame draws
all nodes, so the layout never moves: operations not yet computed are grey.  Each frame
has a caption with the equation of what it adds.

The figures read the Derivation only; labels come from the operations and ``printing``.
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._files import write_atomically
from ..chain import argument_symbol
from ..derivation import Derivation
from ..errors import InputError, SymbackpropError
from ..printing import Printer, factor_label, factor_label_text, latex_name

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


class GraphvizMissing(SymbackpropError):
    """SVG needs Graphviz's ``dot`` program (and the ``graphviz`` Python package); it is not installed."""

    exit_status = 1


# --- the scene: what there is to draw, and what each frame shows ------------------------


@dataclass(frozen=True)
class Frame:
    """What one figure shows: node indices whose value / gradient is on their outgoing edge."""

    values: frozenset[int]
    gradients: frozenset[int]
    caption: tuple[str, str] | None = None  # (plain text, LaTeX)
    new: int | None = None  # the node whose value or gradient this frame adds


class Scene:
    """Everything the formats share: node labels, numbers, the output edge, the frames' order."""

    def __init__(self, d: Derivation) -> None:
        self.d = d
        g = d.graph
        self.nodes = g.nodes
        self.root = g.root
        self.ops = [i for i, n in enumerate(self.nodes) if n.op is not None]
        self.leaves = [i for i, n in enumerate(self.nodes) if n.op is None]
        # Gradients drawn: every node the backward pass reaches, or with --wrt the paths to those leaves.
        steps = g.backward_steps()
        if set(d.chains) != set(g.leaves):
            on_paths = {i for paths in d.chains.values() for p in paths for i in p.nodes}
            steps = [i for i in steps if i in on_paths]
        self.steps = steps
        root = self.nodes[self.root]
        self.output_name = root.var if root.op is not None else "output"
        self.top = "L" if d.dvalue != 1.0 else self.output_name
        # Columns, left to right: leaves 0, an operation one right of its rightmost argument.
        self.column = [0] * len(self.nodes)
        for i in self.ops:
            self.column[i] = 1 + max(self.column[c] for c in self.nodes[i].children)

    def parent(self, i: int) -> int | None:
        return self.nodes[i].parent

    # -- frames --------------------------------------------------------------------------
    def frames(self) -> list[Frame]:
        values = set(self.leaves)
        grads: set[int] = set()
        out = [Frame(frozenset(values), frozenset(), self._start_caption())]
        for i in self.ops:
            values.add(i)
            out.append(Frame(frozenset(values), frozenset(), self._forward_caption(i), i))
        grads.add(self.root)
        out.append(Frame(frozenset(values), frozenset(grads), self._dvalue_caption(), self.root))
        for i in self.steps:
            grads.add(i)
            out.append(Frame(frozenset(values), frozenset(grads), self._backward_caption(i), i))
        return out

    def complete(self) -> Frame:
        return Frame(frozenset(range(len(self.nodes))), frozenset([self.root, *self.steps]))

    # -- captions: the equation of what a frame adds --------------------------------------
    def _start_caption(self) -> tuple[str, str]:
        return ("Forward pass: the leaves' values", r"\text{Forward pass: the leaves' values}")

    def _forward_caption(self, i: int) -> tuple[str, str]:
        n = self.nodes[i]
        assert n.op is not None
        symbols = [argument_symbol(self.nodes[c]) for c in n.children]
        formula = n.op.flat(Printer("text"), symbols).replace(" * ", " · ")
        text = f"{n.var} = {formula} = {number(n.value)}"
        tex = f"{latex_name(n.var)} = {n.op.flat(Printer('latex'), symbols)} = {number_tex(n.value)}"
        return text, tex

    def _dvalue_caption(self) -> tuple[str, str]:
        v = self.d.dvalue
        return (
            f"Backward pass: the gradient from the next layer, dvalue = {number(v)}",
            rf"\text{{Backward pass: the gradient from the next layer, }} \mathit{{dvalue}} = {number_tex(v)}",
        )

    def _backward_caption(self, i: int) -> tuple[str, str]:
        """``∂y/∂xw0 = ∂y/∂z · ∂sum()/∂mul(x0, w0) = 1 · 1 = 1``: upstream gradient times one factor."""
        n = self.nodes[i]
        p = self.nodes[n.parent] if n.parent is not None else n
        assert n.local is not None
        up, local, grad = factor(p.gradient), factor(n.local_value), number(n.gradient)
        local_text = Printer("text").expr(n.local)
        steps = [f"∂{self.top}/∂{p.var} · {factor_label_text(p.expr, n.expr)}", f"{up} · {local_text}"]
        steps += [f"{up} · {local}"] if local_text != local else []
        text = f"∂{self.top}/∂{n.var} = " + " = ".join([*dict.fromkeys(steps), grad])
        top = latex_name(self.top)
        up_t, local_t = factor_tex(p.gradient), factor_tex(n.local_value)
        local_tex = Printer("latex").expr(n.local)
        tex_steps = [
            rf"\frac{{\partial {top}}}{{\partial {latex_name(p.var)}}} \cdot {factor_label(p.expr, n.expr)}",
            rf"{up_t} \cdot {local_tex}",
        ]
        tex_steps += [rf"{up_t} \cdot {local_t}"] if local_tex != local_t else []
        head = rf"\frac{{\partial {top}}}{{\partial {latex_name(n.var)}}} = "
        return text, head + " = ".join([*dict.fromkeys(tex_steps), number_tex(n.gradient)])

    # -- labels ----------------------------------------------------------------------------
    def node_text(self, i: int) -> tuple[str, str | None]:
        """(name, subtitle): ``("mul", "xw0")`` for an operation, ``("x0", None)`` for a leaf."""
        n = self.nodes[i]
        if n.op is not None:
            return n.op.name, n.var
        return (n.var if n.is_variable else number(n.value)), None

    def node_tex(self, i: int) -> tuple[str, str | None]:
        n = self.nodes[i]
        if n.op is not None:
            return n.op.latex_name, latex_name(n.var)
        return (latex_name(n.var) if n.is_variable else number_tex(n.value)), None

    def has_gradient(self, i: int) -> bool:
        return i == self.root or self.nodes[i].local is not None


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
_INDEXED = re.compile(r"\b([A-Za-z]+)(\d+)\b")


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


def dot_source(s: Scene, f: Frame) -> str:
    nodes = s.nodes
    caption = f.caption[0] if f.caption else ""
    lines = [
        "digraph backprop {",
        f'  graph [rankdir=LR, ranksep=0.3, nodesep=0.12, fontname="{FONT}", fontsize=11,'
        f" labelloc=b, labeljust=l, label={_quoted(caption)}];",
        f'  node [fontname="{FONT}", fontsize=12, shape=plaintext];',
        f'  edge [fontname="{FONT}", fontsize=11, arrowsize=0.6, color="gray25"];',
    ]
    for i, n in enumerate(nodes):
        name, sub = s.node_text(i)
        if n.op is None:
            lines.append(f"  n{i} [label={_quoted(name)}];")
            continue
        done = i in f.values
        color = "black" if done else PENDING_COLOR
        label = f'<{_html(name)}<BR/><FONT POINT-SIZE="9" COLOR="{"gray35" if done else PENDING_COLOR}">{_html(sub or "")}</FONT>>'
        lines.append(
            f'  n{i} [label={label}, shape=ellipse, margin="0.04,0.02", color="{color}", fontcolor="{color}"];'
        )
    lines.append(f"  out [label={_quoted(s.output_name)}];")
    lines.append("  { rank=min; " + " ".join(f"n{i};" for i in s.leaves) + " }")
    if len(s.leaves) > 1:  # keep the leaves in the tree's order, top to bottom
        lines.append("  " + " -> ".join(f"n{i}" for i in s.leaves) + " [style=invis];")
    for i, n in enumerate(nodes):
        head = f"n{n.parent}" if n.parent is not None else "out"
        color = "" if i in f.values else f', color="{PENDING_COLOR}"'
        label = _edge_label(s, f, i)
        if n.parent is not None and s.column[n.parent] > 1 + s.column[i]:
            # A long edge (the bias into the sum): its label on a first leg, level with its tail.
            dot = "gray25" if i in f.values else PENDING_COLOR
            lines.append(f'  p{i} [shape=point, width=0.03, color="{dot}", label=""];')
            lines.append(
                f"  n{i} -> p{i} [label={label}, arrowhead=none, headport=c, headclip=false{color}];"
            )
            lines.append(f"  p{i} -> {head} [tailport=c, tailclip=false{color}];")
        else:
            lines.append(f"  n{i} -> {head} [label={label}{color}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _edge_label(s: Scene, f: Frame, i: int) -> str:
    n = s.nodes[i]
    value, gradient = number(n.value), number(n.gradient)
    width = 8 + 7 * max(len(value), len(gradient) if s.has_gradient(i) else 0)
    new = f.new == i
    rows = [_cell(value if i in f.values else "", width, None, new and i not in f.gradients)]
    if s.has_gradient(i):
        shown = gradient if i in f.gradients else ""
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
    x: list[float]  # per node, in cm
    y: list[float]
    out: tuple[float, float]
    column: float


def layout(s: Scene) -> Layout:
    """Leaves in one column on the left, in the tree's order; each operation one column right
    of its deepest argument, level with the middle of its arguments; the output last."""
    nodes, col = s.nodes, s.column
    slot: list[float] = [0.0] * len(nodes)
    k = 0
    for i, n in enumerate(nodes):  # forward (post-) order: arguments before their operation
        if n.op is None:
            slot[i] = float(k)
            k += 1
        else:
            slot[i] = sum(slot[c] for c in n.children) / len(n.children)
    widest = max(len(number(n.value)) for n in nodes)
    widest = max([widest, *(len(number(nodes[i].gradient)) for i in s.steps)])
    column = max(2.6, 1.5 + 0.19 * widest)
    row = 0.95
    xs = [c * column for c in col]
    ys = [-v * row for v in slot]
    return Layout(xs, ys, ((col[s.root] + 1) * column, ys[s.root]), column)


def tikz_source(s: Scene, f: Frame, lay: Layout | None = None, standalone: bool = False) -> str:
    lay = lay or layout(s)
    nodes = s.nodes
    lines = [
        r"\begin{tikzpicture}[font=\small, >=latex,",
        r"  leaf/.style={inner sep=2pt},",
        r"  op/.style={circle, draw, inner sep=1.5pt, minimum size=8mm},",
        r"  pending/.style={op, draw=gray!50, text=gray!50},",
        r"  sub/.style={font=\scriptsize, text=gray},",
        r"  value/.style={above, inner sep=1.5pt},",
        rf"  gradient/.style={{below, inner sep=1.5pt, text={GRADIENT_COLOR}}},",
        r"  new/.style={font=\small\boldmath}]",
    ]
    for i, n in enumerate(nodes):
        name, sub = s.node_tex(i)
        at = f"({lay.x[i]:.3f},{lay.y[i]:.3f})"
        if n.op is None:
            lines.append(rf"\node[leaf] (n{i}) at {at} {{${name}$}};")
        else:
            style = "op" if i in f.values else "pending"
            lines.append(rf"\node[{style}, label={{[sub]below:${sub}$}}] (n{i}) at {at} {{${name}$}};")
    ox, oy = lay.out
    lines.append(rf"\node[leaf] (out) at ({ox:.3f},{oy:.3f}) {{${latex_name(s.output_name)}$}};")
    for i, n in enumerate(nodes):
        labels = ""
        new = f.new == i
        if i in f.values:
            style = "value, new" if new and i not in f.gradients else "value"
            labels += rf" node[{style}] {{${number_tex(n.value)}$}}"
        if i in f.gradients:
            style = "gradient, new" if new else "gradient"
            labels += rf" node[{style}] {{${number_tex(n.gradient)}$}}"
        color = "" if i in f.values else "[draw=gray!50]"
        if n.parent is None:
            lines.append(rf"\draw[->{', draw=gray!50' if color else ''}] (n{i}) --{labels} (out);")
            continue
        px, py = lay.x[n.parent], lay.y[n.parent]
        if abs(py - lay.y[i]) < 1e-9 and abs(px - lay.x[i] - lay.column) < 1e-9:
            lines.append(rf"\draw[->{', draw=gray!50' if color else ''}] (n{i}) --{labels} (n{n.parent});")
        else:  # along its own row to just before the parent's column, then into the parent
            bend = px - 0.45 * lay.column
            lines.append(
                rf"\draw[->{', draw=gray!50' if color else ''}] (n{i}) --{labels} ({bend:.3f},{lay.y[i]:.3f})"
                rf" -- (n{n.parent});"
            )
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


def _draw(s: Scene, f: Frame, fmt: str, lay: Layout | None = None, standalone: bool = False) -> str:
    if fmt == "tikz":
        return tikz_source(s, f, lay, standalone)
    dot = dot_source(s, f)
    return svg(dot) if fmt == "svg" else dot


def render(d: Derivation, fmt: str = "dot", standalone: bool = False) -> str:
    """The complete figure: every forward value and every gradient.  ``standalone`` (TikZ only):
    a complete LaTeX document around the picture."""
    _check(fmt)
    s = Scene(d)
    return _draw(s, s.complete(), fmt, standalone=standalone)


def frames(d: Derivation, fmt: str = "svg", standalone: bool = False) -> list[str]:
    """The chapter's sequence: leaves, one operation per frame, dvalue, one gradient per frame."""
    _check(fmt)
    s = Scene(d)
    lay = layout(s) if fmt == "tikz" else None
    return [_draw(s, f, fmt, lay, standalone) for f in s.frames()]


FRAME_NAME = re.compile(r"frame-(\d+)\.([a-z]+)")


def write_frames(d: Derivation, directory: str | os.PathLike[str], fmt: str = "svg") -> list[Path]:
    """Write ``frame-01.svg`` ... in order, each atomically; older frames of this format beyond
    the new sequence's end are removed, so the directory holds exactly one sequence."""
    texts = frames(d, fmt, standalone=fmt == "tikz")
    folder = Path(directory)
    ext = EXTENSIONS[fmt]
    digits = max(2, len(str(len(texts))))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for k, text in enumerate(texts, start=1):
            path = folder / f"frame-{k:0{digits}d}.{ext}"
            _write_atomically(path, text)
            paths.append(path)
        for old in sorted(folder.iterdir()):
            m = FRAME_NAME.fullmatch(old.name)
            if m and m.group(2) == ext and old not in paths:
                old.unlink()
    except OSError as err:
        raise InputError(f"cannot write frames to {directory}: {err.strerror or err}") from None
    return paths


def _write_atomically(path: Path, text: str) -> None:
    write_atomically(path, text)  # permissions as a plain file's, no temporary file left


class Figure:
    """A figure that shows itself in Jupyter (SVG); ``str()`` is its source in the format asked for."""

    def __init__(self, d: Derivation, fmt: str = "svg") -> None:
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
        """Write the source to ``path`` (atomically)."""
        target = Path(path)
        _write_atomically(target, self.source)
        return target


__all__: Sequence[str] = ["FORMATS", "Figure", "GraphvizMissing", "frames", "render", "write_frames"]
