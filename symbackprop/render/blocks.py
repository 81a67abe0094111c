"""The walkthrough as typed blocks, and the serialisers every output format shares.

A renderer builds a list of blocks -- headings, paragraphs, display math, code, lists,
preformatted lines -- from a derivation; Markdown, LaTeX and plain text serialise that list
here, and the Sphinx directive and the Markdown fence serialise the same list into their own
nodes.  Nothing parses a serialised walkthrough back.  Inline text is a tuple of runs:
``("text", ...)``, ``("math", ...)`` (inline LaTeX), ``("code", ...)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Run = tuple[str, str]  # ("text" | "math" | "code", content)
Inline = tuple[Run, ...]


def text(*parts: str | Run) -> Inline:
    """Inline content from plain strings and (kind, content) runs: ``text("The rule ", math("x"))``."""
    return tuple(("text", p) if isinstance(p, str) else p for p in parts)


def math(content: str) -> Run:
    return ("math", content)


def code(content: str) -> Run:
    return ("code", content)


@dataclass(frozen=True)
class Heading:
    level: int  # 1 for the title
    inline: Inline


@dataclass(frozen=True)
class Paragraph:
    inline: Inline


@dataclass(frozen=True)
class Math:
    """A display equation: its body (no delimiters), a comment naming it (the LaTeX format's ``%``
    line) and its role -- which part of a derivation it shows (:data:`ROLES`), so that a doc build
    can show some parts only."""

    body: str
    comment: str = ""
    role: str = ""


#: The parts of a derivation a display equation can show, as the doc builds' ``show`` names them.
ROLES = ("expression", "forward", "rule", "backward", "chain", "gradients", "step")


@dataclass(frozen=True)
class BulletList:
    items: tuple[Inline, ...]


@dataclass(frozen=True)
class Code:
    source: str
    language: str = "python"


@dataclass(frozen=True)
class Lines:
    """Preformatted lines (the text format's aligned columns)."""

    lines: tuple[str, ...]


Block = Heading | Paragraph | Math | BulletList | Code | Lines


# --- serialisers ----------------------------------------------------------------------------


def inline_markdown(inline: Inline) -> str:
    out = []
    for kind, content in inline:
        out.append(f"${content}$" if kind == "math" else f"`{content}`" if kind == "code" else content)
    return "".join(out)


def to_markdown(blocks: Iterable[Block]) -> str:
    """Markdown with ``$$ … $$`` display math (GitHub, MkDocs with arithmatex, MyST's dollarmath)."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + inline_markdown(b.inline), ""]
        elif isinstance(b, Paragraph):
            out += [inline_markdown(b.inline), ""]
        elif isinstance(b, Math):
            out += [f"$$\n{b.body}\n$$", ""]
        elif isinstance(b, BulletList):
            out += [*(f"- {inline_markdown(item)}" for item in b.items), ""]
        elif isinstance(b, Code):
            out += [f"```{b.language}\n{b.source.rstrip()}\n```", ""]
        else:
            out += [*b.lines, ""]
    return "\n".join(out)


def display(body: str) -> str:
    return f"\\[\n{body}\n\\]"


def to_latex(blocks: Sequence[Block]) -> str:
    """The equations, each in ``\\[ … \\]`` after a ``%`` comment naming it."""
    maths = [b for b in blocks if isinstance(b, Math)]
    return "\n\n".join(f"% {b.comment}\n{display(b.body)}" for b in maths) + "\n"


#: A standalone document's preamble: a 16 cm text width at 10 pt, displays that break across
#: pages, TikZ for the figure, bm for a vector written \bm{w}.
DOCUMENT_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[a4paper,textwidth=16cm,top=2.5cm,bottom=2.5cm]{geometry}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{bm}
\usepackage{graphicx}
\usepackage{tikz}
\allowdisplaybreaks
% a figure wider than the text, or taller than most of a page, is scaled down to fit
\newsavebox{\figurebox}
\newcommand{\fitfigure}[1]{\sbox{\figurebox}{#1}%
  \ifdim\wd\figurebox>\linewidth\sbox{\figurebox}{\resizebox{\linewidth}{!}{\usebox{\figurebox}}}\fi
  \ifdim\ht\figurebox>0.8\textheight\sbox{\figurebox}{\resizebox{!}{0.8\textheight}{\usebox{\figurebox}}}\fi
  \usebox{\figurebox}}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
\begin{document}
"""

_SECTIONS = {1: "section*", 2: "subsection*", 3: "subsubsection*"}
_TEX_SPECIALS = {c: "\\" + c for c in "#$%&_{}"} | {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",  # in the default font encoding < and > in text are other glyphs
    ">": r"\textgreater{}",
}


def tex_escape(text: str) -> str:
    """Plain text for LaTeX's text mode: its special characters escaped."""
    return "".join(_TEX_SPECIALS.get(c, c) for c in text)


def inline_latex(inline: Inline) -> str:
    out = []
    for kind, content in inline:
        if kind == "math":
            out.append(f"${content}$")
        elif kind == "code":
            out.append(r"\texttt{" + tex_escape(content) + "}")
        else:
            out.append(tex_escape(content))
    return "".join(out)


def to_latex_document(blocks: Iterable[Block], figure: str | None = None) -> str:
    """A complete LaTeX document of a walkthrough (:func:`latex_body`, the figure after the first
    section's equations)."""
    return DOCUMENT_PREAMBLE + "\n" + latex_body(blocks, figure) + "\n\\end{document}\n"


def to_latex_pages(pages: Sequence[Sequence[Block]], standalone: bool) -> str:
    """Pages of blocks (a report, a sheet and its key): standalone, a document with each page after a
    ``\\clearpage``; else the bodies, to ``\\input`` into the reader's own document."""
    parts = [latex_body(page) for page in pages]
    if not standalone:
        return "\n".join(parts)
    return DOCUMENT_PREAMBLE + "\n" + "\n\\clearpage\n\n".join(parts) + "\n\\end{document}\n"


def latex_body(blocks: Iterable[Block], figure: str | None = None) -> str:
    """Blocks as LaTeX: headings as sections, the prose, each equation as an ``align*`` that may
    break across pages, and the figure (a ``tikzpicture``) after the first section's equations."""
    out: list[str] = []
    sections = 0
    for b in blocks:
        if isinstance(b, Heading):
            sections += 1
            if sections == 3 and figure:  # after the function's forms, before the backward pass
                out += [r"\begin{center}", r"\fitfigure{" + figure.strip() + "}", r"\end{center}", ""]
                figure = None
            out.append(f"\\{_SECTIONS.get(b.level, 'paragraph*')}{{{inline_latex(b.inline)}}}\n")
        elif isinstance(b, Paragraph):
            out.append(inline_latex(b.inline) + "\n")
        elif isinstance(b, Math):
            body = b.body.strip()
            if body.startswith(r"\begin{aligned}") and body.endswith(r"\end{aligned}"):
                inner = body[len(r"\begin{aligned}") : -len(r"\end{aligned}")].strip("\n")
                out.append(f"\\begin{{align*}}\n{inner}\n\\end{{align*}}\n")
            else:
                out.append(f"\\[\n{body}\n\\]\n")
        elif isinstance(b, BulletList):
            items = "\n".join(r"  \item " + inline_latex(i) for i in b.items)
            out.append(
                f"\\begin{{itemize}}\\raggedright\n{items}\n\\end{{itemize}}\n"
            )  # code breaks at spaces
        elif isinstance(b, Code):
            out.append("\\begin{verbatim}\n" + b.source.rstrip() + "\n\\end{verbatim}\n")
        else:
            out.append("\\begin{verbatim}\n" + "\n".join(b.lines) + "\n\\end{verbatim}\n")
    if figure:
        out += [r"\begin{center}", r"\fitfigure{" + figure.strip() + "}", r"\end{center}", ""]
    return "\n".join(out)


def to_text(blocks: Iterable[Block]) -> str:
    """Plain text: headings as lines, preformatted lines as they are, a blank line between sections."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            if out:
                out.append("")
            out.append(inline_markdown(b.inline).replace("$", ""))
        elif isinstance(b, Lines):
            out += b.lines
        elif isinstance(b, Paragraph):
            out.append(inline_markdown(b.inline))
        elif isinstance(b, Math):
            out.append(b.body)
        elif isinstance(b, BulletList):
            out += [f"- {inline_markdown(item)}" for item in b.items]
        else:
            out += b.source.rstrip("\n").splitlines()
    return "\n".join(out) + "\n"


def aligned(rows: list[str]) -> str:
    """Rows in an ``aligned`` block, broken to fit the page (:func:`~._fit.fit_rows`)."""
    from ._fit import fit_rows

    return "\\begin{aligned}\n" + " \\\\\n".join(fit_rows(rows)) + "\n\\end{aligned}"


# --- blocks as data (the doc builds' cache is JSON) ------------------------------------------

_KINDS: dict[str, type] = {cls.__name__: cls for cls in (Heading, Paragraph, Math, BulletList, Code, Lines)}


def to_data(blocks: Iterable[Block]) -> list[dict[str, object]]:
    """Blocks as JSON-able dicts: ``{"kind": "Heading", "level": 2, "inline": [["text", "..."]]}``."""
    out: list[dict[str, object]] = []
    for b in blocks:
        data: dict[str, object] = {"kind": type(b).__name__}
        data.update({k: _listed(v) for k, v in vars(b).items()})
        out.append(data)
    return out


def _listed(value: object) -> object:
    return [_listed(v) for v in value] if isinstance(value, tuple) else value


def from_data(data: Iterable[dict[str, object]]) -> list[Block]:
    """The blocks :func:`to_data` wrote."""
    out: list[Block] = []
    for item in data:
        fields = dict(item)
        cls = _KINDS[str(fields.pop("kind"))]
        out.append(cls(**{k: _tupled(v) for k, v in fields.items()}))
    return out


def _tupled(value: object) -> object:
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value
