"""Printing trees in three syntaxes (LaTeX, plain text, Python) and in the chapter's nested notation.

The printer knows the syntax; each operation says in ``ops`` how it prints, through the
small vocabulary of methods here (``call``, ``product``, ``fraction`` ...).  Nothing in
this module names an operation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Literal

import sympy

from .ops import ADD, ATOM, MUL, POW, Op

Syntax = Literal["latex", "text", "python"]

SIZES = ("", r"\big", r"\Big", r"\bigg", r"\Bigg")

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi",
    "Psi", "Omega",
}  # fmt: skip

_NAME = re.compile(r"([A-Za-z]+)(\d*)")


@lru_cache(maxsize=65536)
def latex_name(name: str) -> str:
    """``x0`` -> ``x_{0}``, ``w12`` -> ``w_{12}``, ``alpha`` -> ``\\alpha``, ``xw0`` -> ``\\mathit{xw}_{0}``."""
    m = _NAME.fullmatch(name)
    if not m:
        return name
    base, digits = m.groups()
    if base in GREEK:
        base = "\\" + base
    elif len(base) > 1:  # one name, not a product of letters: \mathit{xw}_{0}
        base = rf"\mathit{{{base}}}"
    return f"{base}_{{{digits}}}" if digits else base


def format_number(value: float, syntax: Syntax = "text") -> str:
    """A float as the chapter prints it: integers without ``.0`` in LaTeX, shortest repr otherwise."""
    if syntax == "python" or syntax == "text":
        return repr(float(value))
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return text


def precedence(e: sympy.Basic) -> int:
    if isinstance(e, Op):
        return e.prec
    if isinstance(e, sympy.Number) and e < 0:
        return ADD  # as SymPy does: 1 \cdot (-3), x - (-3), (-3)^{2}
    if isinstance(e, sympy.Rational) and not e.is_Integer:
        return MUL
    return ATOM


def is_atomic(e: sympy.Basic) -> bool:
    return not isinstance(e, Op)


@lru_cache(maxsize=4096)
def height(e: sympy.Basic) -> int:
    """Levels of operations: 0 for a leaf, 1 for an operation on leaves only."""
    if not isinstance(e, Op):
        return 0
    return 1 + max(height(a) for a in e.args)


@lru_cache(maxsize=4096)
def calls(e: sympy.Basic) -> int:
    """How many levels of sized function calls the flat LaTeX of ``e`` nests (for \\big, \\Big ...)."""
    if not isinstance(e, Op):
        return 0
    below = max(calls(a) for a in e.args)
    prints_as_call = getattr(type(e).flat, "__func__", None) is getattr(Op.flat, "__func__", None)
    return below + 1 if prints_as_call and not all(is_atomic(a) for a in e.args) else below


class Printer:
    """Prints a tree in ordinary (flat) notation in one syntax."""

    def __init__(self, syntax: Syntax, names: Mapping[str, str] | None = None) -> None:
        self.syntax = syntax
        self.names = names or {}

    # -- entry points --------------------------------------------------------
    def expr(self, e: sympy.Basic) -> str:
        if isinstance(e, Op):
            return type(e).flat(self, e.args)
        if isinstance(e, sympy.Symbol):
            return self.symbol(e.name)
        if isinstance(e, sympy.Number):
            return self.number(e)
        raise TypeError(f"cannot print {type(e).__name__}")

    def arg(self, e: sympy.Basic, prec: int, same: type | None = None) -> str:
        """``e`` as an operand: in parentheses when it binds more loosely than ``prec``, or when
        it is an n-ary ``same`` operation nested in another, which parsing would flatten."""
        text = self.expr(e)
        return self.parens(text) if precedence(e) < prec or type(e) is same else text

    # -- atoms ---------------------------------------------------------------
    def symbol(self, name: str) -> str:
        if name in self.names:
            return self.names[name]
        return latex_name(name) if self.syntax == "latex" else name

    def number(self, n: sympy.Number) -> str:
        if isinstance(n, sympy.Rational) and not n.is_Integer:
            p, q = int(n.p), int(n.q)
            if self.syntax == "latex":
                sign = "-" if p < 0 else ""
                return rf"{sign}\frac{{{abs(p)}}}{{{q}}}"
            return f"{p}/{q}" if self.syntax == "text" else f"({p} / {q})"
        if self.syntax == "latex":
            return format_number(float(n), "latex")
        if isinstance(n, sympy.Integer) and abs(int(n)) < 2**53:
            return str(int(n))  # exact as an int or a float: the chapter's ``z > 0``, ``dsum_dxw0 = 1``
        return format_number(float(n), self.syntax)

    def parens(self, text: str) -> str:
        """Grouping parentheses; in LaTeX sized to their content only when it is tall."""
        if self.syntax == "latex" and any(tall in text for tall in (r"\frac", "^", r"\sqrt", r"\left")):
            return rf"\left({text}\right)"
        return f"({text})"

    # -- the vocabulary the operations print with ---------------------------
    def call(self, op: type[Op], args: Sequence[sympy.Basic]) -> str:
        inner = ", ".join(self.expr(a) for a in args)
        if self.syntax == "python":
            if op.python_template is not None:
                return op.python_template.format(inner)
            return f"{op.python_name or op.name}({inner})"
        if self.syntax == "text":
            return f"{op.name}({inner})"
        if all(is_atomic(a) for a in args):
            return f"{op.latex_name}({inner})"
        size = SIZES[min(len(SIZES) - 1, 2 + max(calls(a) for a in args))]
        return f"{op.latex_name}{size}({inner}{size})"

    def product(self, args: Sequence[sympy.Basic], prec: int, same: type | None = None) -> str:
        parts = [self.arg(a, prec + 1) if i else self.arg(a, prec, same) for i, a in enumerate(args)]
        if self.syntax != "latex":
            return " * ".join(parts)
        out = parts[0]
        for text in parts[1:]:
            numeric = text[:1].isdigit() or text.startswith(("-", "(-", r"\frac"))
            out += (r" \cdot " if numeric else " ") + text
        return out

    def fraction(self, a: sympy.Basic, b: sympy.Basic) -> str:
        if self.syntax == "latex":
            return rf"\frac{{{self.expr(a)}}}{{{self.expr(b)}}}"
        return f"{self.arg(a, MUL)} / {self.arg(b, MUL + 1)}"

    def power(self, a: sympy.Basic, k: sympy.Basic) -> str:
        if self.syntax == "latex":
            return f"{self.arg(a, POW + 1)}^{{{self.expr(k)}}}"
        op = "^" if self.syntax == "text" else " ** "
        return f"{self.arg(a, POW + 1)}{op}{self.arg(k, POW)}"

    def indicator(self, a: sympy.Basic, rel: str, b: sympy.Basic) -> str:
        if self.syntax == "python":
            return f"(1. if {self.expr(a)} {rel} {self.expr(b)} else 0.)"
        return f"1({self.expr(a)} {rel} {self.expr(b)})"

    def share(self, is_max: bool, a: sympy.Basic, others: Sequence[sympy.Basic]) -> str:
        """∂max/∂a: 1 where a is the largest, shared equally among ties."""
        if self.syntax == "python":
            pick = "max" if is_max else "min"
            rest = ", ".join(self.expr(o) for o in [a, *others])
            return f"_share(0, {pick}, {rest})"
        rel = ">" if is_max else "<"
        if len(others) == 1:
            half = r"\tfrac{1}{2}\," if self.syntax == "latex" else "1/2 * "
            return f"{self.indicator(a, rel, others[0])} + {half}{self.indicator(a, '=', others[0])}"
        fn = ("\\max" if is_max else "\\min") if self.syntax == "latex" else ("max" if is_max else "min")
        every = ", ".join(self.expr(o) for o in [a, *others])
        return (
            f"1({self.expr(a)} = {fn}({every})) / \\#\\text{{ties}}"
            if self.syntax == "latex"
            else (f"1({self.expr(a)} = {fn}({every})) / ties")
        )

    def exponential(self, a: sympy.Basic) -> str:
        if self.syntax == "latex":
            return f"e^{{{self.expr(a)}}}"
        return f"{'math.exp' if self.syntax == 'python' else 'exp'}({self.expr(a)})"

    def root(self, a: sympy.Basic) -> str:
        if self.syntax == "latex":
            return rf"\sqrt{{{self.expr(a)}}}"
        return f"{'math.sqrt' if self.syntax == 'python' else 'sqrt'}({self.expr(a)})"

    def absolute(self, a: sympy.Basic) -> str:
        if self.syntax == "latex":
            return rf"\left|{self.expr(a)}\right|"
        return f"abs({self.expr(a)})"


def flat_latex(e: sympy.Basic) -> str:
    return Printer("latex").expr(e)


def flat_text(e: sympy.Basic) -> str:
    return Printer("text").expr(e)


def nested_text(e: sympy.Basic) -> str:
    """The chapter's function notation, plain: ``ReLU(sum(mul(x0, w0), b))``."""
    return str(e) if isinstance(e, Op) else Printer("text").expr(e)


@lru_cache(maxsize=64)
def nested_latex(e: sympy.Basic) -> str:
    """``\\text{ReLU}\\Big(sum\\big(mul(x_{0}, w_{0}), b\\big)\\Big)``: sized by height, as the chapter.

    Cached: the chain of every leaf asks for the whole expression's form.
    """
    return _nested_latex(e)


def _nested_latex(e: sympy.Basic) -> str:
    if not isinstance(e, Op):
        return Printer("latex").expr(e)
    inner = ", ".join(_nested_latex(a) for a in e.args)
    size = SIZES[min(len(SIZES) - 1, height(e) - 1)]
    return f"{e.latex_name}{size}({inner}{size})"


#: The most arguments a Leibniz label spells out.
LABEL_ARGS = 8


def label(e: sympy.Basic, syntax: Syntax = "latex") -> str:
    """How a node is named in a Leibniz label: ``mul(x_0, w_0)`` on leaves, ``sum()`` above them.

    Past :data:`LABEL_ARGS` arguments it is ``sum()`` too: a label in every chain of a wide node
    would make the output quadratic in its width.
    """
    if not isinstance(e, Op):
        return Printer(syntax).expr(e)
    name = e.latex_name if syntax == "latex" else e.name
    if len(e.args) <= LABEL_ARGS and all(is_atomic(a) for a in e.args):
        return f"{name}({', '.join(Printer(syntax).expr(a) for a in e.args)})"
    return f"{name}()"


def factor_label(parent: sympy.Basic, child: sympy.Basic) -> str:
    r"""``\frac{\partial\,sum()}{\partial\,mul(x_{0}, w_{0})}``; ``d`` for a function of one argument."""
    assert isinstance(parent, Op)
    top = parent.latex_name if parent.unary else label(parent)
    d = "d" if parent.unary else r"\partial"
    bottom = label(child)
    sep = r"\," if isinstance(child, Op) else " "
    return rf"\frac{{{d}\,{top}}}{{{d}{sep}{bottom}}}"


def factor_label_text(parent: sympy.Basic, child: sympy.Basic) -> str:
    assert isinstance(parent, Op)
    top = parent.name if parent.unary else label(parent, "text")
    d = "d" if parent.unary else "∂"
    return f"{d}{top}/{d}{label(child, 'text')}"


def is_integral(value: float) -> bool:
    return math.isfinite(value) and value == int(value)
