"""An expression's (or a neuron's) formats, by the names every result offers (:mod:`symbackprop._rendered`)."""

from __future__ import annotations

from ..derivation import Derivation
from . import json, latex, markdown, python, text
from .blocks import to_latex_document

to_dict = json.to_dict
json_text = json.render


def latex_text(d: Derivation, standalone: bool = False) -> str:
    """The equations; ``standalone``: a complete document of the walkthrough (its headings, prose
    and equations) with the TikZ figure."""
    if not standalone:
        return latex.render(d)
    from .figure import render as figure

    return to_latex_document(markdown.walkthrough(d), figure(d, "tikz"))


equations = latex.equations
equation_blocks = latex.blocks
markdown_text = markdown.render
walkthrough = markdown.walkthrough
plain_text = text.render
program = python.render
