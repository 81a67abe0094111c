"""The base of every operation: a SymPy ``Function`` that knows its forward rule, its local
derivative and how it prints.

Printing is data here: ``form`` names the printer method that lays the operation out
(``call``, ``product``, ``fraction`` ...) and ``name``, ``latex_name``, ``python_name`` spell it
in each syntax; the printers in :mod:`symbackprop.printing` do the rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import sympy

from ..errors import EvaluationError

# Printing precedence, as in SymPy: higher binds tighter.
ADD = 30
MUL = 40
NEG = 45
POW = 60
ATOM = 1000

ONE = sympy.Integer(1)
ZERO = sympy.Integer(0)


def finite(name: str, value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise EvaluationError(f"{name} is not finite ({value})")
    return value


class Op(sympy.Function):
    """A named operation node.  Subclasses fill in the class attributes and ``forward``/``local``."""

    name: ClassVar[str] = ""  # nested notation and plain text, e.g. "mul", "ReLU"
    latex_name: ClassVar[str] = ""  # LaTeX function name, e.g. r"\text{ReLU}"
    python_name: ClassVar[str] = ""  # how the generated program calls it ("" : ``name``)
    python_template: ClassVar[str | None] = None  # or a format string for its one argument
    #: How the printers lay it out: the printer method ``_print_<form>`` (see ``printing``).
    form: ClassVar[str] = "call"
    prec: ClassVar[int] = ATOM
    unary: ClassVar[bool] = True  # a function of one argument: d, not partial
    # The rule as the chapter states it, f(x) = ..., in LaTeX; None prints the flat form.
    latex_definition: ClassVar[str | None] = None
    text_definition: ClassVar[str | None] = None  # the same in plain text, for the text format
    # Python helper definitions the generated program needs for this op (stdlib only).
    python_helper: ClassVar[str] = ""
    #: The operations whose helpers its helper calls (a user's operation: those of its body).
    python_needs: ClassVar[tuple[type[Op], ...]] = ()
    #: Whether its rule can be stated on plain arguments, f(x) or f(x, y), as the chapter states its
    #: rules (softmax's first argument is an index, not a variable).
    stated: ClassVar[bool] = True
    #: An n-ary operation that evaluates left to right: a long one can continue on the next line of a
    #: program (``z = z + ...``) and mean the same.
    continues: ClassVar[bool] = False
    #: What each argument is, where their order matters (``sub``: minuend, subtrahend): a figure names
    #: each edge's role; empty for an operation whose arguments commute or that has one.
    operands: ClassVar[tuple[str, ...]] = ()

    #: Whether it has points without a derivative, where its local derivative takes one by
    #: convention (:meth:`kink` says where and which).
    has_kinks: ClassVar[bool] = False

    #: SymPy's own function for it (``sympy.exp``), which ``plain`` applies unless overridden.
    sympy_function: ClassVar[Any] = None
    # values the exact result never takes for a finite argument (sigmoid: 0 and 1): where float64 gives
    # one, it rounded (symbackprop.rounding warns)
    never_exactly: ClassVar[tuple[float, ...]] = ()

    @classmethod
    def forward(cls, *v: float) -> float:
        raise NotImplementedError(cls.__name__)

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr | None:
        """The operation on plain SymPy arguments (Add, Mul, exp ...), for ``--simplify``; None where
        it has no plain form."""
        return None if cls.sympy_function is None else cls.sympy_function(*args)

    @classmethod
    def exact(cls, *args: sympy.Expr) -> sympy.Expr:
        """The operation on exact numbers (SymPy's Rationals and constants), for ``--exact``: its
        plain form on them, which SymPy evaluates (max(1/3, 0) is 1/3, sigmoid(0) is 1/2)."""
        out = cls.plain(*args)
        if out is None:
            raise EvaluationError(f"{cls.name} has no exact value here: leave out the exact option")
        return out

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        raise NotImplementedError(cls.__name__)

    @classmethod
    def kink(cls, v: Sequence[float]) -> tuple[tuple[int, ...], str] | None:
        """Where the arguments' values ``v`` sit on a kink: the positions of the arguments that meet
        there (one: at 0) and the convention its local derivative takes; None elsewhere."""
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        """Lets ``sympy.diff`` work on the tree, through the same local rules."""
        return self.local(self.args, argindex - 1)

    @classmethod
    def printed_as(cls, args: Sequence[sympy.Basic]) -> sympy.Basic:
        """For ``form = "expanded"``: the tree of other operations it prints as (a mean as 1/n times a sum)."""
        raise NotImplementedError(cls.__name__)

    @classmethod
    def nested(cls, args: Sequence[str]) -> str:
        """The chapter's function notation from the arguments' own: ``mul(x0, w0)``."""
        return f"{cls.name}({', '.join(args)})"

    @classmethod
    def nested_latex(cls, args: Sequence[str], size: str = "") -> str:
        r"""The nested notation in LaTeX, its parentheses sized (``\big``): ``\text{ReLU}\big(…\big)``."""
        return f"{cls.latex_name}{size}({', '.join(args)}{size})"

    @classmethod
    def arity(cls) -> tuple[int, int | None]:
        """(fewest, most) arguments it takes; n-ary operations need two or more."""
        if cls.unary:
            return 1, 1
        nargs = cls.nargs
        if isinstance(nargs, sympy.FiniteSet) and len(nargs) == 1:
            n = int(next(iter(nargs)))
            return n, n
        return 2, None

    def _sympystr(self, printer: Any) -> str:
        return self.nested([printer._print(a) for a in self.args])
