"""What the network's formats share: numbers and matrices at the matrices' precision, the names of
the matrix view's quantities, and the one-line summary of a network."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import numbers
from ..._network import LayerPass, NetworkDerivation
from ..._network.matrix import Upstream

PREAMBLE = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath}
\usepackage{amssymb}
\begin{document}
"""

#: Larger matrices show their corners with dots (pdflatex's bmatrix takes at most 10 columns).
MAX_SHOWN = 10
HEAD, TAIL = 6, 2
#: The scalar view writes out at most this many paths one by one.
MAX_PATHS_SHOWN = 12


# --- numbers and matrices --------------------------------------------------------------


def lnum(value: float) -> str:
    """A number in LaTeX, to the matrices' precision."""
    return numbers.short(value, "latex")


def tnum(value: float) -> str:
    return numbers.short(value, "text")


def factor(value: float) -> str:
    """A number as a factor in a LaTeX product: negatives in parentheses."""
    return numbers.short_factor(value, "latex")


def shown(n: int) -> list[int | None]:
    """Indices to show; None is the place of the dots."""
    if n <= MAX_SHOWN:
        return list(range(n))
    return [*range(HEAD), None, *range(n - TAIL, n)]


def bmatrix(array: np.ndarray) -> str:
    """``\\begin{bmatrix} … \\end{bmatrix}``; a vector is one row; large matrices keep their corners."""
    a = np.atleast_2d(np.asarray(array, dtype=np.float64))
    rows, cols = shown(a.shape[0]), shown(a.shape[1])
    lines = []
    for r in rows:
        cells = []
        for c in cols:
            if r is None:
                cells.append(r"\ddots" if c is None else r"\vdots")
            else:
                cells.append(r"\cdots" if c is None else lnum(a[r, c]))
        lines.append(" & ".join(cells))
    return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"


def _short(v: Any) -> str:
    return numbers.short(float(v))


def tmatrix(array: np.ndarray, indent: str = "  ") -> str:
    """A matrix as NumPy prints it (the book's printouts), to the matrices' precision."""
    text = np.array2string(
        np.asarray(array, dtype=np.float64),
        formatter={"float_kind": _short},
        threshold=MAX_SHOWN * MAX_SHOWN,
        edgeitems=3,
        max_line_width=110,
    )
    return "\n".join(indent + line for line in text.splitlines())


def under(body: str, shape: Sequence[int]) -> str:
    dims = r" \times ".join(map(str, shape))
    return rf"\underbrace{{{body}}}_{{{dims}}}"


def shape_text(shape: Sequence[int]) -> str:
    return "×".join(map(str, shape))


def d(name: str) -> str:
    """∂L/∂name in LaTeX."""
    return rf"\frac{{\partial L}}{{\partial {name}}}"


def W(k: int) -> str:
    return f"W^{{[{k}]}}"


def b(k: int) -> str:
    return f"b^{{[{k}]}}"


def Z(k: int) -> str:
    return f"Z^{{[{k}]}}"


def A(nd: NetworkDerivation, k: int) -> str:
    """Layer k's output; the last one is Ŷ when a loss compares it with targets."""
    if k == 0:
        return "X"
    if k == len(nd.layers) and nd.upstream is Upstream.LOSS:
        return r"\hat{Y}"
    return f"A^{{[{k}]}}"


def T(name: str) -> str:
    """A transpose: ``X^{\\top}``, ``A^{[1]\\top}``, ``a^{[1]\\top}_{s}``."""
    if "^{" in name:
        return re.sub(r"\^\{([^{}]*)\}", lambda m: "^{" + m.group(1) + r"\top}", name, count=1)
    return name + r"^{\top}"


def jacobian(lp: LayerPass, a: str) -> str:
    """The activation's Jacobian of the row ``a``, in LaTeX."""
    return lp.activation.jacobian_latex.format(a=a, aT=T(a))


def tA(nd: NetworkDerivation, k: int) -> str:
    if k == 0:
        return "X"
    if k == len(nd.layers) and nd.upstream is Upstream.LOSS:
        return "Ŷ"
    return f"A{k}"


def summary(nd: NetworkDerivation) -> str:
    spec = nd.spec
    sizes = [str(spec.inputs.shape[1])] + [
        f"{lp.layer.weights.shape[1]} ({lp.layer.activation})" for lp in nd.layers
    ]
    what = " → ".join(sizes)
    if nd.rule is not None:
        tail = f"loss: {nd.rule.title}" + (" (softmax combined)" if nd.combined else "")
    elif nd.upstream is Upstream.DVALUES:
        tail = "the given dvalues as the upstream gradient"
    else:
        tail = "a gradient of 1 from the next layer"
    return f"{what}; {count(spec.samples, 'sample')}; {tail}"


def count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")
