"""Arithmetic: the n-ary product and sum, subtraction, negation, division and powers."""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from ..errors import EvaluationError
from .base import ADD, MUL, NEG, ONE, POW, ZERO, Op, finite


class MulOp(Op):
    """n-ary product; ``mul(x0, w0)``."""

    name = "mul"
    latex_name = r"\operatorname{mul}"
    form = "product"
    prec = MUL
    unary = False
    continues = True

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return sympy.Mul(*args)

    @classmethod
    def forward(cls, *v: float) -> float:
        out = v[0]
        for a in v[1:]:
            out *= a
        return out

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        others = [a for j, a in enumerate(args) if j != i]
        return others[0] if len(others) == 1 else MulOp(*others)


class SumOp(Op):
    """n-ary sum; ``sum(xw0, xw1, b)``."""

    name = "sum"
    latex_name = r"\operatorname{sum}"
    form = "sum"
    prec = ADD
    unary = False
    continues = True

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return sympy.Add(*args)

    @classmethod
    def forward(cls, *v: float) -> float:
        out = v[0]
        for a in v[1:]:
            out += a
        return out

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ONE


class SubOp(Op):
    """``sub(a, b)`` = a - b."""

    name = "sub"
    latex_name = r"\operatorname{sub}"
    form = "sub"
    prec = ADD
    unary = False
    nargs = 2
    operands = ("minuend", "subtrahend")

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return args[0] - args[1]

    @classmethod
    def forward(cls, *v: float) -> float:
        return v[0] - v[1]

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ONE if i == 0 else -ONE


class NegOp(Op):
    """``neg(a)`` = -a."""

    name = "neg"
    latex_name = r"\operatorname{neg}"
    form = "neg"
    prec = NEG

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return -args[0]

    @classmethod
    def forward(cls, *v: float) -> float:
        return -v[0]

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return -ONE


class DivOp(Op):
    """``div(a, b)`` = a / b."""

    name = "div"
    latex_name = r"\operatorname{div}"
    form = "fraction"
    prec = MUL
    unary = False
    nargs = 2
    operands = ("numerator", "denominator")

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return args[0] / args[1]

    @classmethod
    def forward(cls, *v: float) -> float:
        if v[1] == 0:
            raise EvaluationError("division by zero")
        return v[0] / v[1]

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        a, b = args
        if i == 0:
            return DivOp(ONE, b)
        return NegOp(DivOp(a, PowOp(b, sympy.Integer(2))))


class PowOp(Op):
    """``pow(a, k)`` = a ** k."""

    name = "pow"
    latex_name = r"\operatorname{pow}"
    form = "power"
    prec = POW
    unary = False
    nargs = 2
    operands = ("base", "exponent")

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return args[0] ** args[1]

    @classmethod
    def forward(cls, *v: float) -> float:
        a, k = v
        if a == 0 and k < 0:
            raise EvaluationError("division by zero (0 to a negative power)")
        if a < 0 and k != int(k):
            raise EvaluationError("a negative number to a non-integer power")
        try:
            return finite("a power", float(a**k))
        except OverflowError:
            raise EvaluationError("a power overflows") from None

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        from .functions import LogOp

        a, k = args
        if i == 0:
            if isinstance(k, sympy.Number):
                if k.is_zero:  # a^0 is constant, wherever 1/a is not finite too
                    return ZERO
                km1 = k - 1
                return MulOp(k, a) if km1 == 1 else k if km1 == 0 else MulOp(k, PowOp(a, km1))
            return MulOp(k, PowOp(a, SubOp(k, ONE)))
        return MulOp(PowOp(a, k), LogOp(a))
