r"""Each term's arithmetic, read by latex2sympy2 as a skeleton of one-letter placeholders
(``A \cdot B ^ C``) and turned into our operations, factors in the written order."""

from __future__ import annotations

import functools
import string
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import sympy

from ..errors import InputError, LimitError, ParseError
from ..ops import DivOp, MulOp, NegOp, PowOp, SumOp

# One-letter placeholders latex2sympy2 reads as plain symbols (d starts a differential; e, E, I are constants).
_SLOTS = [c for c in string.ascii_letters if c not in "deEI"]
# A longer product is refused (group some factors in parentheses): its divisions nest as deep as it is long.
_MAX_OPERANDS = 100


class _Exponents(Protocol):
    def exponent(self, k: sympy.Basic) -> None: ...


#: A reading: a placeholder's name, -1 (a sign), ("Mul", factors) or ("Pow", (base, exponent)) -- the
#: unevaluated SymPy latex2sympy2 builds, as plain data, arguments in its order (a division is
#: ("Pow", (b, -1))).
Reading = str | int | tuple[str, tuple["Reading", ...]]


@functools.cache
def _latex2sympy() -> Callable[[str], Any]:
    """latex2sympy2's reader, imported on first use (antlr is slow to import): 1.9.1 before 3.13, _extended after."""
    try:
        if sys.version_info >= (3, 13):
            from latex2sympy2_extended import latex2sympy
            from latex2sympy2_extended.latex2sympy2 import ConversionConfig

            config = ConversionConfig(lowercase_symbols=False)
            return functools.partial(latex2sympy, normalization_config=None, conversion_config=config)
        from latex2sympy2 import latex2sympy as read

        return read
    except ImportError as err:
        raise InputError(f"LaTeX input needs latex2sympy2 ({err})") from None


_READINGS: dict[
    str, Reading
] = {}  # a skeleton's text -> latex2sympy2's reading (a long sum's terms share a few)


def known(text: str) -> bool:
    """Whether latex2sympy2 has read this skeleton already (so reading it again costs nothing)."""
    return text in _READINGS


def read_skeleton(text: str) -> Reading:
    r"""latex2sympy2's reading of a term's skeleton, e.g. ``A \cdot B ^ C``, kept by its text."""
    reading = _READINGS.get(text)
    if reading is None:
        if len(_READINGS) > 4096:
            _READINGS.clear()
        reading = _READINGS[text] = _as_reading(_latex2sympy()(text))
    return reading


def _as_reading(e: Any) -> Reading:
    if isinstance(e, sympy.Symbol):
        return e.name
    if isinstance(e, sympy.Integer):
        return int(e)
    if isinstance(e, sympy.Mul):
        return ("Mul", tuple(_as_reading(a) for a in e.args))
    if isinstance(e, sympy.Pow):
        return ("Pow", (_as_reading(e.base), _as_reading(e.exp)))
    raise ParseError(f"cannot read {type(e).__name__} from the LaTeX")


class Converter:
    """A skeleton's reading -> our operations, the factors in the written order."""

    def __init__(self, slots: dict[str, sympy.Basic], reader: _Exponents, col: int) -> None:
        self.slots, self.reader, self.col = slots, reader, col

    def convert(self, e: Reading) -> sympy.Basic:
        if isinstance(e, str):
            return self.slots[e]
        if isinstance(e, int):
            return sympy.Integer(e)
        kind, args = e
        if kind == "Mul":
            return self.product(args)
        base, k = self.convert(args[0]), self.convert(args[1])
        self.reader.exponent(k)
        return PowOp(base, k)

    def product(self, factors: Sequence[Reading]) -> sympy.Basic:
        """A factor 1/b (from / or \\div) divides the factors before it; a factor -1 (a sign) negates the next."""
        out: list[sympy.Basic] = []
        signs = 0
        for f in factors:
            if f == -1:
                signs += 1
                continue
            if isinstance(f, tuple) and f[0] == "Pow" and f[1][1] == -1 and out:
                out = [DivOp(product(out), self.convert(f[1][0]))]
                continue
            value = self.convert(f)
            for _ in range(signs):
                value = negate(value)
            out.append(value)
            signs = 0
        return product(out)


def slot(k: int) -> str:
    """The k-th placeholder: A, B, …, then A_0, B_0, …"""
    if k >= _MAX_OPERANDS:
        raise LimitError(f"a term has more than {_MAX_OPERANDS} operands; group some in parentheses")
    return _SLOTS[k] if k < len(_SLOTS) else f"{_SLOTS[k % len(_SLOTS)]}_{k // len(_SLOTS) - 1}"


def negate(e: sympy.Basic) -> sympy.Basic:
    return -e if isinstance(e, sympy.Number) else NegOp(e)


def sum_of(terms: Sequence[sympy.Basic]) -> sympy.Basic:
    return SumOp(*terms) if len(terms) > 1 else terms[0] if terms else sympy.Integer(0)


def product(factors: Sequence[sympy.Basic]) -> sympy.Basic:
    return MulOp(*factors) if len(factors) > 1 else factors[0] if factors else sympy.Integer(1)
