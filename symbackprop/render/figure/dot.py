"""Figures as Graphviz ``dot`` source, and as SVG through the ``dot`` program."""

from __future__ import annotations

import hashlib
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
EDGE_COLOR = "gray25"
ROLE_COLOR = "gray40"
RIGHT, LEFT = ' ALIGN="RIGHT"', ' ALIGN="LEFT"'  # TB: a label's cells hug the edge between them,
GAP = '<TD WIDTH="3" HEIGHT="14" FIXEDSIZE="TRUE"></TD>'  # ... a little apart from it
#: A serif face beside the serif math of a page (SVG: ``font-family="Times,serif"``).
FONT = "Times-Roman"


class GraphvizMissing(SymbackpropError):
    """SVG needs Graphviz's ``dot`` program (and the ``graphviz`` Python package); it is not installed."""

    exit_status = 1


@lru_cache(maxsize=65536)
def _html(text: str) -> str:
    return html.escape(pretty(text), quote=True)


def _quoted(text: str) -> str:
    return '"' + pretty(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cell(
    text: str, width: int, color: str | None, bold: bool = False, attrs: str = "", before: str = ""
) -> str:
    """One fixed-size cell of an edge label, so that a label filling in never moves the layout (``before``:
    markup ahead of the text, an edge's role)."""
    body = _html(text)
    if text and color is not None:
        body = f'<FONT COLOR="{color}">{body}</FONT>'
    if text and bold:  # what this frame adds
        body = f"<B>{body}</B>"
    return f'<TD WIDTH="{width}" HEIGHT="14" FIXEDSIZE="TRUE"{attrs}>{before}{body}</TD>'


def _line(color: str, across: bool) -> str:
    """The piece of the edge a label sits on: a rule ``across`` (left to right) or down, with the
    port the edge's two legs meet at."""
    if across:
        return f'<TD PORT="m" HEIGHT="1" FIXEDSIZE="FALSE" SIDES="B" BORDER="1" COLOR="{color}"></TD>'
    return f'<TD PORT="m" WIDTH="1" FIXEDSIZE="FALSE" SIDES="R" BORDER="1" COLOR="{color}"></TD>'


def _italic(text: str) -> str:
    """A variable's name as the math sets it: italic."""
    return f"<I>{_html(text)}</I>" if text else ""


def dot_source(g: Drawing, f: Frame, legend: bool = True, layout: str = "LR") -> str:
    """The figure as Graphviz source.  Each edge runs through its label: the value above the edge and
    the gradient below it (``TB``: left and right), on the edge itself, so that no label sits between
    two edges.  The graph's ``id`` (a hash of the rest) prefixes every id of the SVG, so figures on
    one page never share one."""
    across = layout == "LR"
    items = g.items
    shape = 'shape=box, style=rounded, margin="0.08,0.03"' if g.chain else 'shape=ellipse, margin="0.04,0.02"'
    lines = [
        f"  graph [rankdir={layout}, ranksep={0.25 if across else 0.2}, nodesep={0.3 if g.chain else 0.12}, "
        f'fontname="{FONT}", fontsize=11, labelloc=b, labeljust=l, label={_graph_label(g, f, legend, across)}];',
        f'  node [fontname="{FONT}", fontsize=13, shape=plaintext];',
        f'  edge [fontname="{FONT}", fontsize=11, arrowsize=0.6, color="{EDGE_COLOR}"];',
    ]
    for i, item in enumerate(items):
        if not item.op:
            data = ', fontcolor="gray40"' if item.data else ""  # given data: no gradient flows into it
            name = _italic(item.name) if item.name[:1].isalpha() else _html(item.name)
            lines.append(f"  n{i} [label=<{name}>{data}];")
            continue
        done = i in f.values
        color = "black" if done else PENDING_COLOR
        sub = f'<BR/><FONT POINT-SIZE="10" COLOR="{"gray35" if done else PENDING_COLOR}">{_italic(item.sub)}</FONT>'
        label = f"<{_html(item.name)}{sub if item.sub else ''}>"
        lines.append(f'  n{i} [label={label}, {shape}, color="{color}", fontcolor="{color}"];')
    lines.append(f"  out [label=<{_italic(g.output[0])}>];")
    if not g.chain and not g.spread:
        lines.append("  { rank=min; " + " ".join(f"n{i};" for i in g.leaves) + " }")
        if len(g.leaves) > 1:  # keep the leaves in the tree's order, top to bottom (TB: left to right)
            lines.append("  " + " -> ".join(f"n{i}" for i in g.leaves) + " [style=invis];")
    for k, link in enumerate(g.links):
        i = link.child
        head = f"n{link.parent}" if link.parent is not None else "out"
        color = EDGE_COLOR if i in f.values else PENDING_COLOR
        extra = "" if i in f.values else f', color="{PENDING_COLOR}"'
        if g.chain and (link.parent is None or items[link.parent].children[0] == i):
            extra += ", weight=8"  # the layers' main line stays straight
        ends = ("w", "e") if across else ("n", "s")
        lines.append(
            f"  l{k} [label={_edge_label(link, k, f, color, across)}, fontsize=11, margin=0, width=0, height=0];"
        )
        lines.append(f"  n{i} -> l{k}:m:{ends[0]} [arrowhead=none, headclip=false{extra}];")
        lines.append(f"  l{k}:m:{ends[1]} -> {head} [tailclip=false{extra}];")
    body = "\n".join(lines) + "\n}\n"
    figure_id = "backprop_" + hashlib.sha256(body.encode()).hexdigest()[:12]
    return f'digraph backprop {{\n  graph [id="{figure_id}"];\n' + body


def _graph_label(g: Drawing, f: Frame, legend: bool, across: bool) -> str:
    """The caption of a frame, and under it the legend: a label as the edges carry it, and what it says."""
    caption = pretty(f.caption[0]) if f.caption else ""
    if not legend:
        return _quoted(caption)
    value, gradient = g.legend
    rows = f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{html.escape(caption)}</TD></TR>' if caption else ""
    width = 8 + 6 * max(len(value), len(gradient))
    if across:
        key = (
            f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>{_cell(value, width, None)}</TR>'
            f"<TR>{_line(EDGE_COLOR, True)}</TR><TR>{_cell(gradient, width, GRADIENT_COLOR)}</TR></TABLE>"
        )
        words = f"black: the {value} flowing forward; red: the {gradient} flowing back"
    else:
        key = (
            f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>{_cell(value, width, None, attrs=RIGHT)}'
            f"{GAP}{_line(EDGE_COLOR, False)}{GAP}{_cell(gradient, width, GRADIENT_COLOR, attrs=LEFT)}</TR></TABLE>"
        )
        words = f"black: the {value} flowing forward; red: the {gradient} flowing back"
    rows += (
        f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"><TR>'
        f'<TD>{key}</TD><TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="gray30">{html.escape(words)}</FONT></TD>'
        "</TR></TABLE></TD></TR>"
    )
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{rows}</TABLE>>'


def _edge_label(link: Link, k: int, f: Frame, color: str, across: bool) -> str:
    """The labels of one edge around the piece of the edge between them: its role (a small grey word:
    ``numerator``), the value and the gradient."""
    width = 8 + 7 * max(len(pretty(link.value)), len(pretty(link.gradient or "")))
    shown = link.value if link.child in f.values else ""
    gradient = ""
    if link.gradient is not None:
        gradient = _cell(link.gradient if k in f.gradients else "", width, GRADIENT_COLOR, f.new_link == k)
    role = f'<FONT POINT-SIZE="9" COLOR="{ROLE_COLOR}"><I>{_html(link.role)}</I></FONT>' if link.role else ""
    if across:  # the role above the value
        value = _cell(shown, width, None, f.new_item == link.child)
        rows = (
            ([f"<TD>{role}</TD>"] if role else [])
            + [value, _line(color, True)]
            + ([gradient] if gradient else [])
        )
    else:  # the role just left of the value, clear of the edge coming down
        wide = width + (5 * len(link.role) + 4 if role else 0)
        cells = [_cell(shown, wide, None, f.new_item == link.child, RIGHT, role + "&#160;" if role else "")]
        cells += [GAP, _line(color, False)]
        cells += [GAP, gradient.replace("<TD ", f"<TD{LEFT} ", 1)] if gradient else []
        rows = ["".join(cells)]
    table = "".join(f"<TR>{row}</TR>" for row in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{table}</TABLE>>'


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
