"""The operations of the expression tree: forward rule, local derivative and printing, one place each.

Every operation is a SymPy ``Function`` subclass, so a tree such as
``ReLU(sum(mul(x0, w0), mul(x1, w1), b))`` is an ordinary SymPy expression that
prints in the chapter's notation.  Each class declares

* ``forward(*values)`` -- the numeric rule, on Python floats;
* ``local(args, i)``   -- the symbolic local derivative with respect to ``args[i]``,
  itself a tree of these operations (so it prints and evaluates like any other);
* ``flat(p, args)``    -- how it prints in ordinary notation, through a
  :class:`symbackprop.printing.Printer` that knows the target syntax.

The chain-rule walker, the evaluator and the renderers never name an operation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import sympy

from .errors import EvaluationError

if TYPE_CHECKING:
    from .printing import Printer

# Printing precedence, as in SymPy: higher binds tighter.
ADD = 30
MUL = 40
NEG = 45
POW = 60
ATOM = 1000

ONE = sympy.Integer(1)
ZERO = sympy.Integer(0)


def _finite(name: str, value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise EvaluationError(f"{name} is not finite ({value})")
    return value


class Op(sympy.Function):
    """A named operation node.  Subclasses fill in the class attributes and methods."""

    name: ClassVar[str] = ""  # nested notation, e.g. "mul", "ReLU"
    latex_name: ClassVar[str] = ""  # LaTeX function name, e.g. r"\text{ReLU}"
    python_name: ClassVar[str] = ""  # how the generated program calls it
    python_template: ClassVar[str | None] = None  # or a format string for its one argument
    prec: ClassVar[int] = ATOM
    unary: ClassVar[bool] = True  # a function of one argument: d, not partial
    # The rule as the chapter states it, f(x) = ..., in LaTeX; None prints the flat form.
    latex_definition: ClassVar[str | None] = None
    # Python helper definitions the generated program needs for this op (stdlib only).
    python_helper: ClassVar[str] = ""

    @classmethod
    def forward(cls, *v: float) -> float:
        raise NotImplementedError(cls.__name__)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        raise NotImplementedError(cls.__name__)

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return p.call(cls, args)

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        """Lets ``sympy.diff`` work on the tree, through the same local rules."""
        return self.local(self.args, argindex - 1)

    @classmethod
    def nested(cls, args: Sequence[str]) -> str:
        """The chapter's function notation from the arguments' own: ``mul(x0, w0)``."""
        return f"{cls.name}({', '.join(args)})"

    def _sympystr(self, printer: Any) -> str:
        return self.nested([printer._print(a) for a in self.args])


# --- arithmetic -------------------------------------------------------------


class MulOp(Op):
    """n-ary product; ``mul(x0, w0)``."""

    name = "mul"
    latex_name = "mul"
    prec = MUL
    unary = False

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

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return p.product(args, MUL, cls)


class SumOp(Op):
    """n-ary sum; ``sum(xw0, xw1, b)``."""

    name = "sum"
    latex_name = "sum"
    prec = ADD
    unary = False

    @classmethod
    def forward(cls, *v: float) -> float:
        out = v[0]
        for a in v[1:]:
            out += a
        return out

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ONE

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return " + ".join([p.arg(args[0], ADD, cls), *(p.arg(a, ADD + 1) for a in args[1:])])


class SubOp(Op):
    """``sub(a, b)`` = a - b."""

    name = "sub"
    latex_name = "sub"
    prec = ADD
    unary = False
    nargs = 2

    @classmethod
    def forward(cls, *v: float) -> float:
        return v[0] - v[1]

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ONE if i == 0 else -ONE

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return f"{p.arg(args[0], ADD)} - {p.arg(args[1], ADD + 1)}"


class NegOp(Op):
    """``neg(a)`` = -a."""

    name = "neg"
    latex_name = "neg"
    prec = NEG

    @classmethod
    def forward(cls, *v: float) -> float:
        return -v[0]

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return -ONE

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return f"-{p.arg(args[0], NEG + 1)}"


class DivOp(Op):
    """``div(a, b)`` = a / b."""

    name = "div"
    latex_name = "div"
    prec = MUL
    unary = False
    nargs = 2

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

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return p.fraction(args[0], args[1])


class PowOp(Op):
    """``pow(a, k)`` = a ** k."""

    name = "pow"
    latex_name = "pow"
    prec = POW
    unary = False
    nargs = 2

    @classmethod
    def forward(cls, *v: float) -> float:
        a, k = v
        if a == 0 and k < 0:
            raise EvaluationError("division by zero (0 to a negative power)")
        if a < 0 and k != int(k):
            raise EvaluationError("a negative number to a non-integer power")
        try:
            return _finite("a power", float(a**k))
        except OverflowError:
            raise EvaluationError("a power overflows") from None

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        a, k = args
        if i == 0:
            if isinstance(k, sympy.Number):
                if k.is_zero:  # a^0 is constant, wherever 1/a is not finite too
                    return ZERO
                km1 = k - 1
                return MulOp(k, a) if km1 == 1 else k if km1 == 0 else MulOp(k, PowOp(a, km1))
            return MulOp(k, PowOp(a, SubOp(k, ONE)))
        return MulOp(PowOp(a, k), LogOp(a))

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return p.power(args[0], args[1])


# --- activations and elementary functions ----------------------------------


class StepOp(Op):
    """The indicator 1(z > 0): ReLU's derivative, 0 at the kink as the chapter and PyTorch have it."""

    name = "step"
    latex_name = "1"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        return 1.0 if v[0] > 0 else 0.0

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ZERO

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return p.indicator(args[0], ">", ZERO)


class SignOp(Op):
    """sign(z), with sign(0) = 0: the derivative of abs, 0 at the kink as in PyTorch."""

    name = "sign"
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


class ReLU(Op):
    """ReLU(z) = max(z, 0); ReLU'(z) = 1(z > 0)."""

    name = "ReLU"
    latex_name = r"\text{ReLU}"
    python_template = "max({}, 0.)"  # the chapter's y = max(z, 0), kept a float
    latex_definition = r"\max(x, 0)"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        return max(v[0], 0.0)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return StepOp(args[0])


class Sigmoid(Op):
    """sigma(z) = 1 / (1 + e^-z), computed without overflow; sigma' = sigma (1 - sigma)."""

    name = "sigmoid"
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
    nargs = 1

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


class Tanh(Op):
    name = "tanh"
    latex_name = r"\tanh"
    python_name = "math.tanh"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        return math.tanh(v[0])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return SubOp(ONE, PowOp(Tanh(args[0]), sympy.Integer(2)))


class Exp(Op):
    name = "exp"
    latex_name = r"\exp"
    python_name = "math.exp"
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

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return p.exponential(args[0])


class LogOp(Op):
    """The natural logarithm (LaTeX ``\\log`` and ``\\ln`` both mean it here)."""

    name = "log"
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


class Sqrt(Op):
    name = "sqrt"
    latex_name = r"\sqrt"
    python_name = "math.sqrt"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        if v[0] < 0:
            raise EvaluationError(f"square root of a negative number ({v[0]!r})")
        return math.sqrt(v[0])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return DivOp(ONE, MulOp(sympy.Integer(2), Sqrt(args[0])))

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return p.root(args[0])


class AbsOp(Op):
    name = "abs"
    latex_name = "abs"
    python_name = "abs"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        return abs(v[0])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return SignOp(args[0])

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return p.absolute(args[0])


class ShareOp(Op):
    """∂max/∂a_i (or ∂min): 1 where a_i is the extreme, split equally among ties (as PyTorch)."""

    name = "share"
    latex_name = "share"
    unary = False
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
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ZERO

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        kind, i, rest = args[0], int(args[1]), list(args[2:])
        return p.share(kind > 0, rest[i], [a for j, a in enumerate(rest) if j != i])


class MaxOp(Op):
    """max(a, b, ...); ``max(z, 0)`` is ReLU and is built as such by the parsers."""

    name = "max"
    latex_name = r"\max"
    python_name = "max"
    unary = False

    @classmethod
    def forward(cls, *v: float) -> float:
        return max(v)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ShareOp(ONE, sympy.Integer(i), *args)


class MinOp(Op):
    name = "min"
    latex_name = r"\min"
    python_name = "min"
    unary = False

    @classmethod
    def forward(cls, *v: float) -> float:
        return min(v)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ShareOp(-ONE, sympy.Integer(i), *args)


#: Operations a user may call by name in an infix expression (case-insensitive), besides
#: the tool's own nested notation (mul, sum, sub, neg, div, pow), which parses back too.
FUNCTIONS: dict[str, type[Op]] = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "exp": Exp,
    "log": LogOp,
    "ln": LogOp,
    "sqrt": Sqrt,
    "abs": AbsOp,
    "max": MaxOp,
    "min": MinOp,
    "mul": MulOp,
    "sum": SumOp,
    "sub": SubOp,
    "neg": NegOp,
    "div": DivOp,
    "pow": PowOp,
}

#: Activations a neuron may have (``linear``: none).
ACTIVATIONS: dict[str, type[Op] | None] = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "linear": None,
}


def maximum(*args: sympy.Expr) -> sympy.Expr:
    """max(...) as the user wrote it: ``max(z, 0)`` and ``max(0, z)`` are ReLU(z)."""
    if len(args) == 2:
        a, b = args
        if b.is_zero and not a.is_zero:
            return ReLU(a)
        if a.is_zero and not b.is_zero:
            return ReLU(b)
    return MaxOp(*args)


# --- networks: means, softmax and cross-entropy ------------------------------

#: The book's clip for probabilities inside a log: [1e-7, 1 - 1e-7].
CLIP_LOW = 1e-7
CLIP_HIGH = 1 - 1e-7


class MeanOp(Op):
    """mean(a_0, ..., a_{n-1}) = (a_0 + ... + a_{n-1}) / n: a loss over samples or outputs."""

    name = "mean"
    latex_name = r"\operatorname{mean}"
    python_name = "_mean"
    python_helper = "def _mean(*a):\n    return sum(a) / len(a)\n"
    prec = MUL
    unary = False

    @classmethod
    def forward(cls, *v: float) -> float:
        return math.fsum(v) / len(v)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return sympy.Rational(1, len(args))

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        return p.product([sympy.Rational(1, len(args)), SumOp(*args)], MUL)


class Clip(Op):
    """clip(p) to [1e-7, 1 - 1e-7] before a log, as the book does; the gradient passes through unchanged,
    as in the book's backward pass."""

    name = "clip"
    latex_name = r"\text{clip}"
    python_name = "_clip"
    python_helper = f"def _clip(p):\n    return min(max(p, {CLIP_LOW!r}), {CLIP_HIGH!r})\n"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        return min(max(v[0], CLIP_LOW), CLIP_HIGH)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ONE


def _softmax(k: int, z: Sequence[float]) -> float:
    m = max(z)
    return math.exp(z[k] - m) / math.fsum(math.exp(v - m) for v in z)


class Softmax(Op):
    """softmax_k(z_0, ..., z_{n-1}) = e^{z_k} / sum_l e^{z_l}, the k-th output (k is the first argument);
    ∂S_k/∂z_l = S_k (δ_kl - S_l)."""

    name = "softmax"
    latex_name = r"\text{softmax}"
    python_name = "_softmax"
    python_helper = (
        "def _softmax(k, *z):\n"
        "    m = max(z)\n"
        "    return math.exp(z[k] - m) / sum(math.exp(v - m) for v in z)\n"
    )
    unary = False

    @classmethod
    def forward(cls, *v: float) -> float:
        return _softmax(int(v[0]), v[1:])

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        k, z = args[0], args[1:]
        s = Softmax(k, *z)
        if i - 1 == int(k):
            return MulOp(s, SubOp(ONE, s))
        return NegOp(MulOp(s, Softmax(sympy.Integer(i - 1), *z)))

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        if p.syntax == "python":
            return p.call(cls, args)
        inner = ", ".join(p.expr(a) for a in args[1:])
        k = int(args[0])
        return (
            rf"\text{{softmax}}_{{{k}}}\left({inner}\right)"
            if p.syntax == "latex"
            else f"softmax_{k}({inner})"
        )


class SoftmaxCrossEntropy(Op):
    """Softmax then categorical cross-entropy, as one step: -sum_k y_k log(clip(softmax_k(z))).

    The arguments are the targets y_0 ... y_{n-1} (numbers), then z_0 ... z_{n-1}; the local
    derivative is the book's combined gradient ∂L/∂z_l = softmax_l(z) - y_l.
    """

    name = "softmax_cross_entropy"
    latex_name = r"\text{CE}"
    unary = False

    @classmethod
    def forward(cls, *v: float) -> float:
        n = len(v) // 2
        y, z = v[:n], v[n:]
        return -math.fsum(
            yk * math.log(min(max(_softmax(k, z), CLIP_LOW), CLIP_HIGH)) for k, yk in enumerate(y) if yk
        )

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        n = len(args) // 2
        y, z = args[:n], args[n:]
        s = Softmax(sympy.Integer(i - n), *z)
        return s if y[i - n] == 0 else SubOp(s, y[i - n])

    @classmethod
    def flat(cls, p: Printer, args: Sequence[sympy.Expr]) -> str:
        """Printed as what it is: -log(softmax_c(z)) for a one-hot target, -sum_k y_k log(...) otherwise."""
        n = len(args) // 2
        y, z = args[:n], args[n:]
        terms = [
            LogOp(Softmax(sympy.Integer(k), *z))
            if yk == 1
            else MulOp(yk, LogOp(Softmax(sympy.Integer(k), *z)))
            for k, yk in enumerate(y)
            if yk != 0
        ]
        return p.expr(NegOp(terms[0] if len(terms) == 1 else SumOp(*terms)))
