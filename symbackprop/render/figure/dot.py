"""Figures as Graphviz ``dot`` source, and as SVG through the ``dot`` program."""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from functools import lru_cache

from ...errors import LimitError, SymbackpropError
from ...names import pretty
from ._drawing import Drawing, Frame, Link

GRADIENT_COLOR = "red"  # the chapter: "The color red is used for derivatives."
PENDING_COLOR = "gray70"  # an operation whose value the forward pass has not reached yet
FONT = "Helvetica"


class GraphvizMissing(SymbackpropError):
    """SVG needs Graphviz's ``dot`` program (and the ``graphviz`` Python package); it is not installed."""

    exit_status = 1


@lru_cache(maxsize=65536)
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
            data = ', fontcolor="gray40"' if item.data else ""  # given data: no gradient flows into it
            lines.append(f"  n{i} [label={_quoted(item.name)}{data}];")
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
    for k, link in enumerate(g.links):
        i = link.child
        head = f"n{link.parent}" if link.parent is not None else "out"
        extra = "" if i in f.values else f', color="{PENDING_COLOR}"'
        if g.chain and (link.parent is None or items[link.parent].children[0] == i):
            extra += ", weight=8"  # the layers' main line stays straight
        elif g.chain:
            extra += (
                ', decorate=true, labelfloat=false, color="gray45"'  # a weight's label: a line to its edge
            )
        label = _edge_label(link, k, f)
        if link.parent is not None and g.column[link.parent] > 1 + g.column[i]:
            # A long edge (the bias into the sum): its label on a first leg, level with its tail.
            dot = "gray25" if i in f.values else PENDING_COLOR
            lines.append(f'  p{k} [shape=point, width=0.03, color="{dot}", label=""];')
            lines.append(
                f"  n{i} -> p{k} [label={label}, arrowhead=none, headport=c, headclip=false{extra}];"
            )
            lines.append(f"  p{k} -> {head} [tailport=c, tailclip=false{extra}];")
        else:
            lines.append(f"  n{i} -> {head} [label={label}{extra}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _edge_label(link: Link, k: int, f: Frame) -> str:
    width = 8 + 7 * max(len(link.value), len(link.gradient or ""))
    rows = [_cell(link.value if link.child in f.values else "", width, None, f.new_item == link.child)]
    if link.gradient is not None:
        shown = link.gradient if k in f.gradients else ""
        rows.append(_cell(shown, width, GRADIENT_COLOR, f.new_link == k))
    cells = "".join(f"<TR>{row}</TR>" for row in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{cells}</TABLE>>'


#: The CPU time one Graphviz layout may take, in seconds, and its memory: its layout grows much faster
#: than the graph (measured: 900 nodes 0.35 s, 1 800 nodes 2.3 s, 3 000 nodes 8-17 s), so past this the
#: figure is refused rather than keeping a command or a doc build busy.
LAYOUT_SECONDS = 3
_LAYOUT_MEMORY = 1 << 30


class LayoutTooLong(LimitError):
    """Graphviz used up :data:`LAYOUT_SECONDS` of CPU (or its memory bound) on one figure."""


def _bounded() -> None:  # pragma: no cover - runs in the child, between fork and exec
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (LAYOUT_SECONDS, LAYOUT_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (_LAYOUT_MEMORY, _LAYOUT_MEMORY))


def svg(dot: str) -> str:
    """Lay out and draw ``dot`` with Graphviz, bounded by :data:`LAYOUT_SECONDS` of CPU; a missing program
    or package says what to install."""
    hint = "drawing SVG needs Graphviz: apt-get install graphviz, and pip install 'symbackprop[graph]'"
    try:
        import graphviz  # noqa: F401 -- the extra that declares Graphviz; the program is run here, bounded
    except ImportError:
        raise GraphvizMissing(hint + " (the Python package 'graphviz' is missing)") from None
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing(hint + " (the 'dot' program is not on PATH)")
    bound = _bounded if os.name == "posix" else None
    done = subprocess.run(
        [program, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, preexec_fn=bound, check=False
    )
    if done.returncode < 0 or (done.returncode and b"out of memory" in done.stderr.lower()):
        raise LayoutTooLong(
            f"Graphviz's layout of the figure took more than {LAYOUT_SECONDS} s of CPU (or 1 GiB): "
            "choose the dot or tikz format, or a smaller expression"
        )
    if done.returncode:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise RuntimeError(f"Graphviz failed on our own dot source: {message}")  # a bug of ours, not input
    return done.stdout.decode("utf-8").replace("\r\n", "\n")
