"""Blocks as a LaTeX document's body (headings, paragraphs, lists, math, code), for the reports and
sheets that are prose as much as equations; pages joined by ``\\clearpage``."""

from __future__ import annotations

from collections.abc import Sequence

from .blocks import Block, BulletList, Code, Heading, Inline, Lines, Math, Paragraph, display

PREAMBLE = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{amsmath}
\usepackage[margin=2.5cm]{geometry}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
\begin{document}
"""

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "#": r"\#",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def escape(text: str) -> str:
    """Text for LaTeX's text mode: its special characters as commands."""
    return "".join(_ESCAPES.get(c, c) for c in text)


def inline_latex(inline: Inline) -> str:
    out = []
    for kind, content in inline:
        if kind == "math":
            out.append(f"${content}$")
        elif kind == "code":
            out.append(rf"\texttt{{{escape(content)}}}")
        else:
            out.append(escape(content))
    return "".join(out)


def body(blocks: Sequence[Block]) -> str:
    """The blocks as LaTeX: a heading of level 1 a section, deeper ones subsections."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            command = {1: "section", 2: "subsection"}.get(b.level, "subsubsection")
            out.append(rf"\{command}*{{{inline_latex(b.inline)}}}")
        elif isinstance(b, Paragraph):
            out.append(inline_latex(b.inline))
        elif isinstance(b, Math):
            out.append((f"% {b.comment}\n" if b.comment else "") + display(b.body))
        elif isinstance(b, BulletList):
            items = "\n".join(rf"  \item {inline_latex(item)}" for item in b.items)
            out.append("\\begin{itemize}\n" + items + "\n\\end{itemize}")
        elif isinstance(b, Code):
            out.append("\\begin{verbatim}\n" + b.source.rstrip("\n") + "\n\\end{verbatim}")
        elif isinstance(b, Lines):
            out.append("\\begin{verbatim}\n" + "\n".join(b.lines) + "\n\\end{verbatim}")
    return "\n\n".join(out) + "\n"


def document(pages: Sequence[Sequence[Block]], standalone: bool) -> str:
    """Each page's blocks; standalone, a complete document with each page after a ``\\clearpage``."""
    parts = [body(page) for page in pages]
    if not standalone:
        return "\n".join(parts)
    return PREAMBLE + "\n" + "\n\\clearpage\n\n".join(parts) + "\n\\end{document}\n"
