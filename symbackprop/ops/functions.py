"""Activations and elementary functions: ReLU and its indicator, sigmoid, tanh, exp, log, sqrt,
abs and its sign, max and min and their shares of a tie.

An activation also states its rule on a whole matrix (``np_forward``, ``np_derivative``:
the network's matrix view) and the book's class for it (``book_class``: the network's
generated program), so each activation is written once.  NumPy is imported only when a
matrix rule runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import sympy

from ..errors import EvaluationError
from .arithmetic import DivOp, MulOp, NegOp, PowOp, SubOp
from .base import ONE, ZERO, Op

if TYPE_CHECKING:
    import numpy as np


class Activation(Op):
    """An operation a layer can apply elementwise: its matrix rules and the book's class beside the scalar ones."""

    book_name: ClassVar[str] = ""  # the book's class, e.g. "Activation_ReLU"
    book_class: ClassVar[str] = ""  # its source
    identity: ClassVar[bool] = False  # linear: no node of its own
    rowwise: ClassVar[bool] = False  # softmax: each output depends on its whole row (a Jacobian per row)
    # For a rowwise activation: the Jacobian of one row ``{a}`` (``{aT}``: its transpose), LaTeX and text.
    jacobian_latex: ClassVar[str] = ""
    jacobian_text: ClassVar[str] = ""

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError(cls.__name__)

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """f'(z), elementwise, from z and a = f(z)."""
        raise NotImplementedError(cls.__name__)

    @classmethod
    def np_jacobians(cls, a: np.ndarray) -> np.ndarray:
        """For a rowwise activation: the Jacobian of each row's outputs, from a = f(z) (samples × n × n)."""
        raise NotImplementedError(cls.__name__)


class StepOp(Op):
    """The indicator 1(z > 0): ReLU's derivative, 0 at the kink as the chapter and PyTorch have it."""

    name = "step"
    latex_name = "1"
    form = "indicator"
    nargs = 1

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return sympy.Heaviside(args[0], 0)

    @classmethod
    def forward(cls, *v: float) -> float:
        return 1.0 if v[0] > 0 else 0.0

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ZERO


class SignOp(Op):
    """sign(z), with sign(0) = 0: the derivative of abs, 0 at the kink as in PyTorch."""

    name = "sign"
    sympy_function = sympy.sign
    latex_name = r"\operatorname{sign}"
    python_name = "_sign"
    python_helper = "def _sign(z):\n    return (z > 0) - (z < 0)\n"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        return float((v[0] > 0) - (v[0] < 0))

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ZERO


class ReLU(Activation):
    """ReLU(z) = max(z, 0); ReLU'(z) = 1(z > 0)."""

    name = "ReLU"
    latex_name = r"\text{ReLU}"
    python_template = "max({}, 0.)"  # the chapter's y = max(z, 0), kept a float
    latex_definition = r"\max(x, 0)"
    text_definition = "max(x, 0)"
    nargs = 1
    book_name = "Activation_ReLU"
    book_class = """class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        # Zero gradient where input values were negative (or zero)
        self.dinputs[self.inputs <= 0] = 0
"""

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return sympy.Max(args[0], 0)

    has_kinks = True

    @classmethod
    def forward(cls, *v: float) -> float:
        return max(v[0], 0.0)

    @classmethod
    def kink(cls, v: Sequence[float]) -> tuple[tuple[int, ...], str] | None:
        if v[0] != 0:
            return None
        return (
            (0,),
            "is ReLU's kink, where it has no derivative: its derivative there is taken as 0, as PyTorch takes it",
        )

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return StepOp(args[0])

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.maximum(z, 0.0)

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        import numpy as np

        return (z > 0).astype(np.float64)


class Sigmoid(Activation):
    """sigma(z) = 1 / (1 + e^-z), computed without overflow; sigma' = sigma (1 - sigma)."""

    name = "sigmoid"
    never_exactly = (0.0, 1.0)  # saturated, or underflowed
    latex_name = r"\sigma"
    python_name = "_sigmoid"
    python_helper = (
        "def _sigmoid(z):\n"
        "    if z >= 0:\n"
        "        return 1 / (1 + math.exp(-z))\n"
        "    e = math.exp(z)\n"
        "    return e / (1 + e)\n"
    )
    latex_definition = r"\frac{1}{1 + e^{-x}}"
    text_definition = "1 / (1 + exp(-x))"
    nargs = 1
    book_name = "Activation_Sigmoid"
    book_class = """class Activation_Sigmoid:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output
"""

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-args[0]))

    @classmethod
    def forward(cls, *v: float) -> float:
        z = v[0]
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        s = Sigmoid(args[0])
        return MulOp(s, SubOp(ONE, s))

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        import numpy as np

        e = np.exp(-np.abs(z))  # never overflows
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return a * (1 - a)


class Tanh(Activation):
    name = "tanh"
    never_exactly = (1.0, -1.0)  # saturated, or underflowed
    sympy_function = sympy.tanh
    latex_name = r"\tanh"
    python_name = "math.tanh"
    nargs = 1
    book_name = "Activation_Tanh"
    book_class = """class Activation_Tanh:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output**2)
"""

    @classmethod
    def forward(cls, *v: float) -> float:
        return math.tanh(v[0])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return SubOp(ONE, PowOp(Tanh(args[0]), sympy.Integer(2)))

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.tanh(z)

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return 1 - a**2


class Exp(Op):
    name = "exp"
    never_exactly = (0.0,)  # saturated, or underflowed
    sympy_function = sympy.exp
    latex_name = r"\exp"
    python_name = "math.exp"
    form = "exponential"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        try:
            return math.exp(v[0])
        except OverflowError:
            raise EvaluationError(f"exp({v[0]!r}) overflows") from None

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return Exp(args[0])


class LogOp(Op):
    """The natural logarithm (LaTeX ``\\log`` and ``\\ln`` both mean it here)."""

    name = "log"
    sympy_function = sympy.log
    latex_name = r"\log"
    python_name = "math.log"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        if v[0] <= 0:
            raise EvaluationError(f"log of a non-positive number ({v[0]!r})")
        return math.log(v[0])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return DivOp(ONE, args[0])


class Log2(Op):
    """The binary logarithm, log2(x) = log(x) / log(2) (LaTeX ``\\log_{2}``)."""

    name = "log2"
    latex_name = r"\log_{2}"
    python_name = "math.log2"
    nargs = 1
    base: ClassVar[int] = 2

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return sympy.log(args[0], cls.base)

    @classmethod
    def forward(cls, *v: float) -> float:
        if v[0] <= 0:
            raise EvaluationError(f"log of a non-positive number ({v[0]!r})")
        return math.log2(v[0]) if cls.base == 2 else math.log10(v[0])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return DivOp(ONE, MulOp(args[0], LogOp(sympy.Integer(cls.base))))


class Log10(Log2):
    """The decimal logarithm (LaTeX ``\\log_{10}``)."""

    name = "log10"
    latex_name = r"\log_{10}"
    python_name = "math.log10"
    base = 10


class Sin(Op):
    name = "sin"
    sympy_function = sympy.sin
    latex_name = r"\sin"
    python_name = "math.sin"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        return math.sin(v[0])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return Cos(args[0])


class Cos(Op):
    name = "cos"
    sympy_function = sympy.cos
    latex_name = r"\cos"
    python_name = "math.cos"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        return math.cos(v[0])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return NegOp(Sin(args[0]))


class Erf(Op):
    """The error function (GELU's Φ is (1 + erf(x/√2))/2); erf' = 2/√π e^(−x²)."""

    name = "erf"
    sympy_function = sympy.erf
    latex_name = r"\operatorname{erf}"
    python_name = "math.erf"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        return math.erf(v[0])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        two = sympy.Integer(2)
        return MulOp(DivOp(two, Sqrt(sympy.pi)), Exp(NegOp(PowOp(args[0], two))))


class Sqrt(Op):
    name = "sqrt"
    sympy_function = sympy.sqrt
    latex_name = r"\operatorname{sqrt}"  # a name, where a radical would take the next token
    python_name = "math.sqrt"
    form = "root"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        if v[0] < 0:
            raise EvaluationError(f"square root of a negative number ({v[0]!r})")
        return math.sqrt(v[0])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return DivOp(ONE, MulOp(sympy.Integer(2), Sqrt(args[0])))


class AbsOp(Op):
    name = "abs"
    sympy_function = sympy.Abs
    latex_name = r"\operatorname{abs}"
    python_name = "abs"
    form = "absolute"
    nargs = 1

    has_kinks = True

    @classmethod
    def forward(cls, *v: float) -> float:
        return abs(v[0])

    @classmethod
    def kink(cls, v: Sequence[float]) -> tuple[tuple[int, ...], str] | None:
        if v[0] != 0:
            return None
        return (
            (0,),
            "is abs's kink, where it has no derivative: its derivative there is taken as 0, as PyTorch takes it",
        )

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return SignOp(args[0])


class ShareOp(Op):
    """∂max/∂a_i (or ∂min): 1 where a_i is the extreme, split equally among ties (as PyTorch).

    Arguments: kind (1 for max, -1 for min), i, then every argument of the max."""

    name = "share"
    latex_name = r"\operatorname{share}"
    form = "share"
    unary = False
    stated = False
    python_name = "_share"
    python_helper = (
        "def _share(i, pick, *a):\n    m = pick(a)\n    return (a[i] == m) / sum(v == m for v in a)\n"
    )

    @classmethod
    def forward(cls, *v: float) -> float:
        kind, i, rest = v[0], int(v[1]), v[2:]
        m = max(rest) if kind > 0 else min(rest)
        return 0.0 if rest[i] != m else 1.0 / sum(1 for a in rest if a == m)

    @classmethod
    def exact(cls, *v: sympy.Expr) -> sympy.Expr:
        kind, i, rest = v[0], int(v[1]), v[2:]
        m = max(rest) if kind > 0 else min(rest)
        return ZERO if rest[i] != m else sympy.Rational(1, sum(1 for a in rest if a == m))

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ZERO


class MaxOp(Op):
    """max(a, b, ...); ``max(z, 0)`` is ReLU and is built as such by the parsers."""

    name = "max"
    sympy_function = sympy.Max
    latex_name = r"\max"
    python_name = "max"
    unary = False

    has_kinks = True

    @classmethod
    def forward(cls, *v: float) -> float:
        return max(v)

    @classmethod
    def kink(cls, v: Sequence[float]) -> tuple[tuple[int, ...], str] | None:
        return _tie(v, max(v), "max")

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ShareOp(ONE, sympy.Integer(i), *args)


class MinOp(Op):
    name = "min"
    sympy_function = sympy.Min
    latex_name = r"\min"
    python_name = "min"
    unary = False

    has_kinks = True

    @classmethod
    def forward(cls, *v: float) -> float:
        return min(v)

    @classmethod
    def kink(cls, v: Sequence[float]) -> tuple[tuple[int, ...], str] | None:
        return _tie(v, min(v), "min")

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ShareOp(-ONE, sympy.Integer(i), *args)


def _tie(v: Sequence[float], extreme: float, name: str) -> tuple[tuple[int, ...], str] | None:
    """A max's (or min's) kink: two or more arguments share the extreme, where it has no derivative."""
    tied = tuple(k for k, a in enumerate(v) if a == extreme)
    if len(tied) < 2:
        return None
    return tied, (
        f"is a tie for the {name}, where it has no derivative: each tied argument's derivative is taken "
        f"as 1/{len(tied)}, the gradient split equally, as PyTorch splits it"
    )


def maximum(*args: sympy.Expr) -> sympy.Expr:
    """max(...) as the user wrote it: ``max(z, 0)`` and ``max(0, z)`` are ReLU(z)."""
    if len(args) == 2:
        a, b = args
        if b.is_zero and not a.is_zero:
            return ReLU(a)
        if a.is_zero and not b.is_zero:
            return ReLU(b)
    return MaxOp(*args)
