r"""The chapter's figure sequence as slides: one Beamer frame, one overlay per step.

Every overlay draws the same picture (the layout and the bounding box never move), with what that
step adds in bold; the step's equation stands under it.  Without ``standalone`` the frame is a
fragment to ``\input`` into a presentation (which loads TikZ); with it, a complete document whose math
is serif, as in the documents and figures (Beamer's own math is sans-serif).
"""

from __future__ import annotations

from ._drawing import Drawing, Frame
from .tikz import bounding_box, layout, picture

BEAMER_PREAMBLE = r"""\documentclass{beamer}
\usefonttheme[onlymath]{serif}
\NewCommandCopy{\symbackproptext}{\text}
\DeclareRobustCommand{\text}[1]{\symbackproptext{\rmfamily #1}}
\usepackage{bm}
\usepackage{tikz}
\setbeamertemplate{navigation symbols}{}
\begin{document}
"""
NEEDS = r"% symbackprop slides: a Beamer frame; the presentation needs \usepackage{tikz}"
#: The picture's share of the slide's height, below the title and above the equation, and the shape of
#: that room (a default Beamer slide's text is about 11 cm wide, 8 cm high).
PICTURE_HEIGHT = r"0.6\textheight"
ROOM = 11.0 / (0.6 * 8.0)
#: An equation as wide as it is, or shrunk to the slide's width.
FIT = r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}"


def frame(g: Drawing, sequence: list[Frame], title: str, legend: bool, direction: str) -> str:
    r"""One ``frame`` with ``\only<k>`` per step: the picture, and under it the step's equation."""
    lay = layout(g)
    pictures = [picture(g, f, lay, legend, direction, caption=False, box=True) for f in sequence]
    left, low, right, top = bounding_box(g, lay, legend, direction)
    size = r"{\linewidth}{!}" if (right - left) / (top - low) > ROOM else rf"{{!}}{{{PICTURE_HEIGHT}}}"
    lines = [r"\begin{frame}{" + title + "}", r"\centering"]
    for k, text in enumerate(pictures, start=1):
        lines.append(rf"\only<{k}>{{\resizebox{size}{{%")
        lines.append(text.rstrip("\n") + "}}%")
    lines += [r"\par\medskip", r"\begin{minipage}[t][5\baselineskip]{\linewidth}\small\centering"]
    for k, f in enumerate(sequence, start=1):
        if f.caption is not None:
            lines.append(rf"\only<{k}>{{{FIT}{{$\displaystyle {f.caption[1]}$}}}}%")
    lines += [r"\end{minipage}", r"\end{frame}"]
    return "\n".join(lines) + "\n"


def slides(g: Drawing, sequence: list[Frame], standalone: bool, legend: bool, direction: str) -> str:
    body = frame(g, sequence, "Backpropagation, step by step", legend, direction)
    return BEAMER_PREAMBLE + body + "\\end{document}\n" if standalone else NEEDS + "\n" + body
