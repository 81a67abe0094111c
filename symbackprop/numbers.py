"""Every number a person reads, formatted in one place.

Three precisions are in use, one per kind of output (the chapter's exact floats in equations,
8 significant digits for a network's matrices, 4 in figures); each is a function here, so a
change of precision is one edit.  JSON keeps every digit and does not come through here.
"""

from __future__ import annotations

import math

#: Significant digits of a network's matrices in LaTeX, Markdown and text.
MATRIX_DIGITS = 8
#: A figure's label past this many characters is shown to :data:`FIGURE_DIGITS` digits.
FIGURE_WIDTH = 8
FIGURE_DIGITS = 4


_LATEX: dict[float, str] = {}  # exact(v, "latex") by value: a derivation prints few distinct numbers often
_FACTORS: dict[float, str] = {}


def exact(value: float, syntax: str = "text") -> str:
    """A float as the chapter prints it: the shortest repr; in LaTeX integers without ``.0`` and
    exponents as ``\\cdot 10^{k}``."""
    if syntax != "latex":
        return repr(float(value))
    text = _LATEX.get(value)  # -0.0 and 0.0 share a key, and print alike in LaTeX: 0
    if text is None:
        if float(value).is_integer() and abs(value) < 1e15:
            text = str(int(value))
        else:
            text = _latex_exponent(repr(float(value)))
        if len(_LATEX) > 65536:
            _LATEX.clear()
        _LATEX[value] = text
    return text


def factor(value: float, syntax: str = "latex") -> str:
    """A number as a factor of a product: negatives in parentheses."""
    if syntax == "latex":
        text = _FACTORS.get(value)
        if text is None:
            text = exact(value, "latex")
            text = f"({text})" if text.startswith("-") else text
            if len(_FACTORS) > 65536:
                _FACTORS.clear()
            _FACTORS[value] = text
        return text
    text = exact(value, syntax)
    return f"({text})" if text.startswith("-") else text


def matrix_entry(value: float, syntax: str = "latex") -> str:
    """A network's number, to :data:`MATRIX_DIGITS` significant digits (``-0`` shown as ``0``)."""
    rounded = float(f"{float(value):.{MATRIX_DIGITS}g}") + 0.0
    if syntax == "latex":
        return exact(rounded, "latex")
    return str(int(rounded)) if rounded.is_integer() and abs(rounded) < 1e15 else repr(rounded)


def matrix_factor(value: float) -> str:
    """:func:`matrix_entry` as a factor of a LaTeX product."""
    text = matrix_entry(value)
    return f"({text})" if text.startswith("-") else text


_FIGURES: dict[tuple[float, str], str] = {}


def figure(value: float, syntax: str = "text") -> str:
    """A figure's label: integers without ``.0``, short floats as they are, long ones to 4 digits."""
    key = (value, syntax)
    text = _FIGURES.get(key)  # -0.0 and 0.0 share a key: both print as 0
    if text is None:
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            text = str(int(value))
        else:
            text = repr(float(value))
            text = text if len(text) <= FIGURE_WIDTH else f"{value:.{FIGURE_DIGITS}g}"
        text = _latex_exponent(text) if syntax == "latex" else text
        if len(_FIGURES) > 65536:
            _FIGURES.clear()
        _FIGURES[key] = text
    return text


def figure_factor(value: float, syntax: str = "text") -> str:
    text = figure(value, syntax)
    return f"({text})" if text.startswith("-") else text


def _latex_exponent(text: str) -> str:
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return text
