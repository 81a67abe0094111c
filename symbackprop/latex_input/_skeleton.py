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
# latex2sympy2 takes ~10 ms per operand of a term (1.9.1): a longer product is refused, not left to crawl.
_MAX_OPERANDS = 100


class _Exponents(Protocol):
    def exponent(self, k: sympy.Basic) -> None: ...


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


@functools.lru_cache(maxsize=1024)
def read_skeleton(text: str) -> Any:
    """latex2sympy2's reading of a skeleton; the terms of a long sum mostly share one, e.g. ``A B``."""
    return _latex2sympy()(text)


class Converter:
    """latex2sympy2's answer for a skeleton -> our operations, the factors in the written order."""

    def __init__(self, slots: dict[str, sympy.Basic], reader: _Exponents, col: int) -> None:
        self.slots, self.reader, self.col = slots, reader, col

    def convert(self, e: Any) -> sympy.Basic:
        if isinstance(e, sympy.Symbol) and e.name in self.slots:
            return self.slots[e.name]
        if isinstance(e, sympy.Mul):
            return self.product(e.args)
        if isinstance(e, sympy.Pow):
            base, k = self.convert(e.base), self.convert(e.exp)
            self.reader.exponent(k)
            return PowOp(base, k)
        if isinstance(e, sympy.Integer):
            return e
        raise ParseError(f"cannot read {type(e).__name__} from the LaTeX", self.col)

    def product(self, factors: Sequence[sympy.Basic]) -> sympy.Basic:
        """A factor 1/b (from / or \\div) divides the factors before it; a factor -1 (a sign) negates the next."""
        out: list[sympy.Basic] = []
        signs = 0
        for f in factors:
            if f is sympy.S.NegativeOne:
                signs += 1
                continue
            if isinstance(f, sympy.Pow) and f.exp is sympy.S.NegativeOne and out:
                out = [DivOp(product(out), self.convert(f.base))]
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
