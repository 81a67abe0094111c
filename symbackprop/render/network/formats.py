"""A network's formats, by the names every result offers (:mod:`symbackprop._rendered`).

Each imports its renderer when called: the matrix view's JSON needs no printer.
"""

from __future__ import annotations

from typing import Any

from ..._network import NetworkDerivation


def to_dict(nd: NetworkDerivation) -> dict[str, Any]:
    from . import json

    return json.to_dict(nd)


def json_text(nd: NetworkDerivation) -> str:
    from . import json

    return json.render(nd)


def latex_text(nd: NetworkDerivation, standalone: bool = False) -> str:
    """The equations; ``standalone``: a complete document of the walkthrough with the figure."""
    if not standalone:
        from . import latex

        return latex.render(nd)
    from ..blocks import to_latex_document
    from ..figure import render as figure
    from . import markdown

    return to_latex_document(markdown.walkthrough(nd), figure(nd, "tikz"))


def equations(nd: NetworkDerivation) -> str:
    from . import latex

    return latex.equations(nd)


def equation_blocks(nd: NetworkDerivation) -> list[Any]:
    from . import latex

    return list(latex.blocks(nd))


def markdown_text(nd: NetworkDerivation) -> str:
    from . import markdown

    return markdown.render(nd)


def walkthrough(nd: NetworkDerivation) -> list[Any]:
    from . import markdown

    return markdown.walkthrough(nd)


def plain_text(nd: NetworkDerivation) -> str:
    from . import text

    return text.render(nd)


def program(nd: NetworkDerivation) -> str:
    from . import python

    return python.render(nd)
