r"""Each term's arithmetic, read as a skeleton of one-letter placeholders (``A \cdot B ^ C``) by
latex2sympy2's grammar and turned into our operations, factors in the written order."""

from __future__ import annotations

import string
from collections.abc import Container, Sequence
from typing import NoReturn, Protocol

import sympy

from ..errors import LimitError, ParseError
from ..ops import DivOp, MulOp, NegOp, PowOp, SumOp

# One-letter placeholders latex2sympy2 reads as plain symbols (d starts a differential; e, E, I are constants).
_SLOTS = [c for c in string.ascii_letters if c not in "deEI"]
# A longer product is refused (group some factors in parentheses): its divisions nest as deep as it is long.
_MAX_OPERANDS = 100


class _Exponents(Protocol):
    def exponent(self, k: sympy.Basic) -> None: ...


_TIMES = {"*", r"\cdot", r"\times"}
_DIVIDES = {"/", r"\div"}
_SIGNS = {"+", "-"}


#: A reading: a placeholder's name, -1 (a sign), ("Mul", factors) or ("Pow", (base, exponent)) -- the shape
#: of the unevaluated SymPy latex2sympy2 builds, arguments in its order (a division is ("Pow", (b, -1))).
Reading = str | int | tuple[str, tuple["Reading", ...]]


def read_skeleton(pieces: Sequence[tuple[str, int]], slots: Container[str]) -> Reading:
    r"""A term's skeleton (placeholders and operators, each with its source offset) read as latex2sympy2
    1.9.1's grammar reads it, in the shape of the SymPy it builds, for :class:`Converter`.

    Its grammar, from the loosest: ``mp := unary ((* | \cdot | \times | / | \div) unary)*`` (left to
    right), ``unary := (+ | -) unary | postfix+`` (juxtaposition binds tighter than \cdot),
    ``postfix := A (^ B)?``.  Read here in one pass, where latex2sympy2 took milliseconds per operand of
    every new skeleton (``tests/test_latex_skeleton.py`` holds the two to the same answers).
    """
    reader = _SkeletonReader(pieces, slots)
    result = reader.mp()
    if reader.i < len(pieces):
        reader.fail(f"unexpected '{pieces[reader.i][0]}'")
    return result


class _SkeletonReader:
    """The position in one skeleton; each method reads one rule of the grammar from it."""

    def __init__(self, pieces: Sequence[tuple[str, int]], slots: Container[str]) -> None:
        self.texts = [p for p, _ in pieces] + [""]  # "" past the end
        self.pieces, self.slots, self.i = pieces, slots, 0

    def fail(self, what: str) -> NoReturn:
        at = min(self.i, len(self.pieces) - 1)  # past the end: the last piece, as latex2sympy2's caret
        raise ParseError(f"cannot parse the LaTeX: {what}", self.pieces[at][1] + 1)

    def mp(self) -> Reading:
        left = self.unary()
        while (op := self.texts[self.i]) in _TIMES or op in _DIVIDES:
            self.i += 1
            right = self.unary()
            left = _mul_flat(left, right) if op in _TIMES else ("Mul", (left, ("Pow", (right, -1))))
        return left

    def unary(self) -> Reading:
        signs: list[str] = []
        while self.texts[self.i] in _SIGNS:
            signs.append(self.texts[self.i])
            self.i += 1
        postfixes = []
        while self.texts[self.i] in self.slots:
            postfixes.append(self.postfix())
        if not postfixes:
            shown = self.texts[self.i]
            self.fail(f"unexpected '{shown}'" if shown else f"an operand is missing after '{self.texts[-2]}'")
        value: Reading = postfixes[0] if len(postfixes) == 1 else ("Mul", tuple(postfixes))
        for sign in reversed(signs):
            if sign == "-":
                value = _mul_flat(-1, value)
        return value

    def postfix(self) -> Reading:
        base = self.texts[self.i]
        self.i += 1
        if self.texts[self.i] != "^":
            return base
        self.i += 1
        exponent = self.texts[self.i]
        if exponent not in self.slots:
            self.fail(
                "a superscript is one operand: write ^{-1}, ^{+x}" if exponent else "a superscript is missing"
            )
        self.i += 1
        return ("Pow", (base, exponent))


def _mul_flat(left: Reading, right: Reading) -> Reading:
    """latex2sympy2's product of two readings: one flat ``Mul``, a product on either side spliced in."""
    args = left[1] if isinstance(left, tuple) and left[0] == "Mul" else (left,)
    args += right[1] if isinstance(right, tuple) and right[0] == "Mul" else (right,)
    return ("Mul", args)


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
