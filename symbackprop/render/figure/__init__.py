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

A derivation becomes a :class:`Drawing` (items, the links between them, captions); the
formats draw that.  Labels come from the derivation's strings and the network's tables:
nothing here names an operation or computes a derivative.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..._figure_style import current
from ..._files import make_directory, reason, write_atomically, write_output
from ...errors import InputError, LimitError
from ...options import spell
from ._drawing import Drawable, Drawing, Frame, complete, drawing, sequence
from .dot import GRADIENT_COLOR, GraphvizMissing, dot_source, svg
from .tikz import TIKZ_END, TIKZ_PREAMBLE, Layout, layout, tikz_source

FORMATS = ("dot", "svg", "tikz")
EXTENSIONS = {"dot": "dot", "svg": "svg", "tikz": "tex"}


# --- the entry points ------------------------------------------------------------------------


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"unknown figure format {fmt!r} (choose one of {', '.join(FORMATS)})")


#: The most nodes drawn as SVG: Graphviz's layout grows much faster than the graph (measured: 900 nodes
#: 0.35 s of CPU, 1 800 nodes 2.3 s, 3 000 nodes 8-17 s), and a doc build must not hang; below it, each
#: layout is bounded by its CPU time as well (``dot.LAYOUT_SECONDS``).
SVG_NODES = 1500


def _draw(g: Drawing, f: Frame, fmt: str, lay: Layout | None = None, standalone: bool = False) -> str:
    look = current()
    if fmt == "tikz":
        return tikz_source(g, f, lay, standalone, look.legend, look.layout)
    dot = dot_source(g, f, look.legend, look.layout)
    if fmt == "svg" and len(g.items) > SVG_NODES:
        raise LimitError(
            f"the graph has {len(g.items)} nodes, more than the {SVG_NODES} Graphviz lays out in reasonable "
            "time (choose the dot or tikz format)"
        )
    return svg(dot) if fmt == "svg" else dot


def render(d: Drawable, fmt: str = "dot", standalone: bool = False) -> str:
    """The complete figure: every forward value and every gradient.  ``standalone`` (TikZ only):
    a complete LaTeX document around the picture."""
    _check(fmt)
    g = drawing(d, captions=False)
    return _draw(g, complete(g), fmt, standalone=standalone)


#: The CPU time Graphviz may take for a whole sequence of SVG frames, in seconds, predicted from the first
#: frame's layout (every frame lays out the same graph): a long sequence is refused before it is written.
FRAMES_LAYOUT_SECONDS = 4.0


def frames(d: Drawable, fmt: str = "svg", standalone: bool = False) -> list[str]:
    """The chapter's sequence: leaves, one operation per frame, dvalue, one gradient per frame."""
    return list(each_frame(d, fmt, standalone)[1])


def each_frame(d: Drawable, fmt: str = "svg", standalone: bool = False) -> tuple[int, Iterator[str]]:
    """The number of frames, and the frames one at a time as each is drawn (a long sequence is never held
    whole).  Bounded before the first is drawn by the nodes all frames draw (``max_output``) and, for SVG,
    after the first by its layout's CPU time times the number of frames (:data:`FRAMES_LAYOUT_SECONDS`)."""
    _check(fmt)
    g = drawing(d)
    sequence_ = sequence(g)
    _bound(d, g, sequence_)
    lay = layout(g) if fmt == "tikz" else None

    def drawn() -> Iterator[str]:
        for k, f in enumerate(sequence_):
            before = _layout_seconds()
            text = _draw(g, f, fmt, lay, standalone)
            if k == 0 and fmt == "svg":
                predicted = (_layout_seconds() - before) * len(sequence_)
                if predicted > FRAMES_LAYOUT_SECONDS:
                    raise LimitError(
                        f"the {len(sequence_)} SVG frames would take Graphviz about {predicted:.0f} s of CPU, "
                        f"more than {FRAMES_LAYOUT_SECONDS:g} s (the dot or tikz frames are drawn without it; "
                        "or draw the complete figure)"
                    )
            yield text

    return len(sequence_), drawn()


def _layout_seconds() -> float:
    """The CPU time of the finished child processes (Graphviz's layouts) so far."""
    try:
        import resource
    except ImportError:  # not POSIX: no prediction, each layout is still bounded by dot.py
        return 0.0
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def beamer(d: Drawable, standalone: bool = False) -> str:
    """The sequence of :func:`frames` as one Beamer frame, one overlay per step (``standalone``: a
    complete presentation)."""
    from .slides import slides

    g = drawing(d)
    sequence_ = sequence(g)
    _bound(d, g, sequence_)
    look = current()
    return slides(g, sequence_, standalone, look.legend, look.layout)


def _bound(d: Drawable, g: Drawing, sequence_: list[Frame]) -> None:
    size = len(sequence_) * len(g.items)  # every frame draws every node
    bound = d.limits.max_output
    if size > bound:
        raise LimitError(
            f"the figure sequence would draw {len(g.items)} nodes in each of {len(sequence_)} frames, more than "
            f"{bound} in all (draw the complete figure instead, a smaller expression, or raise {spell('max_output')})"
        )


FRAME_NAME = re.compile(r"frame-(\d+)\.([a-z]+)")


def write_frames(
    d: Drawable, directory: str | os.PathLike[str], fmt: str = "svg", standalone: bool = False
) -> list[Path]:
    """Write ``frame-01.svg`` ... in order, each atomically (TikZ frames as pictures to ``\\input``, or
    with ``standalone`` as complete LaTeX documents); older frames of this format beyond the new
    sequence's end are removed, so the directory holds exactly one sequence.  Each is written before
    the next is drawn."""
    count, drawn = each_frame(d, fmt, standalone=standalone)
    texts = itertools.chain([next(drawn)], drawn)  # the first drawn (and the sequence's cost known) first
    folder = Path(directory)
    ext = EXTENSIONS[fmt]
    digits = max(2, len(str(count)))
    try:
        make_directory(folder)  # a directory or a new one: never a file, a device or a FIFO
        paths = []
        for k, text in enumerate(texts, start=1):  # each written as it is drawn
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


__all__: Sequence[str] = [
    "FORMATS",
    "GRADIENT_COLOR",
    "TIKZ_END",
    "TIKZ_PREAMBLE",
    "Figure",
    "GraphvizMissing",
    "beamer",
    "frames",
    "render",
    "write_frames",
]
