"""Every number a person reads, formatted in one place, at one precision.

A value is written as the shortest form that reads back to the same float when that form has at
most :data:`DEFAULT_DIGITS` significant digits (the chapter's ``-3.0``, ``5.985``, ``0.001``),
else rounded to that many (``0.236918``, not ``0.23691761847142412``) -- in text, LaTeX,
Markdown, figures and their captions alike.  ``--digits N`` (``digits=``, ``:digits:``) sets the
number of digits for one result, ``--digits full`` writes every float exactly; the renderers
run inside :func:`precision`, so no call site passes it along.  JSON and the generated
programs keep every digit (:func:`exact`), and so do the numbers an author wrote in an
expression.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from collections.abc import Iterator
from typing import Any

#: Significant digits of every number a person reads, unless ``--digits`` says otherwise.
DEFAULT_DIGITS = 6
#: ``--digits full``: every float exactly, the shortest form that reads back to it.
FULL = 0

_DIGITS: contextvars.ContextVar[int] = contextvars.ContextVar("symbackprop_digits", default=DEFAULT_DIGITS)


@contextlib.contextmanager
def precision(digits: int | None) -> Iterator[None]:
    """Numbers inside the block are written to ``digits`` significant digits (None: the default,
    :data:`FULL`: exactly)."""
    token = _DIGITS.set(DEFAULT_DIGITS if digits is None else digits)
    try:
        yield
    finally:
        _DIGITS.reset(token)


def digits_option(digits: int | str | None) -> int | None:
    """``digits=`` as given: None (the default rule), 1 to 17, or ``"full"`` (0: every digit)."""
    if digits is None:
        return None
    if isinstance(digits, str) and digits.strip().lower() == "full":
        return FULL
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 17:  # 0: full
        from .errors import InputError
        from .options import spell

        raise InputError(
            f'{spell("digits")} must be a number of digits from 1 to 17, or "full", not {digits!r}'
        )
    return digits


def digits_shown() -> int:
    """The precision in force: significant digits, or :data:`FULL`."""
    return _DIGITS.get()


def precision_note() -> str:
    """What a reader is told of the precision: ``rounded to 6 significant digits``."""
    digits = _DIGITS.get()
    return "every digit of each float" if digits == FULL else f"rounded to {digits} significant digits"


def rounded(value: float) -> float:
    """``value`` as a reader sees it: itself when its shortest form has few enough digits, else
    rounded to the precision in force."""
    digits = _DIGITS.get()
    value = float(value)
    if digits == FULL or value != value or value in (float("inf"), float("-inf")):
        return value
    if significant(repr(value)) <= digits:
        return value
    return float(f"{value:.{digits}g}")


def significant(text: str) -> int:
    """Significant digits of a float's repr: ``-3.0`` has 1, ``5.985`` 4, ``1e-07`` 1."""
    mantissa = text.partition("e")[0].lstrip("-").replace(".", "").strip("0")
    return max(1, len(mantissa))


_MEMO: dict[tuple[float, str, int], str] = {}  # a derivation prints few distinct numbers, often


def value(v: float, syntax: str = "text") -> str:
    """A number for a reader: rounded to the precision in force; in LaTeX integers without ``.0``
    and exponents as ``\\cdot 10^{k}``; in text the float's own form (``-3.0``).  An exact value
    (``--exact``) is written exactly, whatever the precision: :func:`exact_value`."""
    if is_exact(v):
        return exact_value(v, syntax)
    key = (v, syntax, _DIGITS.get())  # -0.0 and 0.0 share a key, and print alike in LaTeX: 0
    text = _MEMO.get(key)
    if text is None:
        r = rounded(v)
        if syntax == "latex":
            text = str(int(r)) if r.is_integer() and abs(r) < 1e15 else _latex_exponent(repr(r))
        else:
            text = repr(r)
        if len(_MEMO) > 65536:
            _MEMO.clear()
        _MEMO[key] = text
    return text


def exact(v: float, syntax: str = "text") -> str:
    """Every digit: the shortest form that reads back to the same float (for code, and for the
    numbers an author wrote); in LaTeX integers without ``.0`` and exponents as ``\\cdot 10^{k}``."""
    if is_exact(v):
        return exact_value(v, syntax)
    v = float(v)
    if syntax != "latex":
        return repr(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else _latex_exponent(repr(v))


def factor(v: float, syntax: str = "latex") -> str:
    """:func:`value` as a factor of a product: negatives (and an exact sum) in parentheses, in every syntax."""
    return _as_factor(v, value(v, syntax), syntax)


def _as_factor(v: object, text: str, syntax: str) -> str:
    """``v`` printed as ``text``, as a factor: in parentheses when negative or an exact sum; in LaTeX
    sized to a fraction inside (an exact value's ``\\frac``)."""
    if not text.startswith("-") and not _sum(v):
        return text
    return rf"\left({text}\right)" if syntax == "latex" and r"\frac" in text else f"({text})"


def short(v: float, syntax: str = "text") -> str:
    """:func:`value` with integers written without ``.0`` in every syntax (matrices, figure labels)."""
    if is_exact(v):
        return exact_value(v, syntax)
    r = rounded(v) + 0.0  # -0 shown as 0
    if r.is_integer() and abs(r) < 1e15:
        return str(int(r))
    return value(r, syntax)


def short_factor(v: float, syntax: str = "text") -> str:
    return _as_factor(v, short(v, syntax), syntax)


def is_exact(v: object) -> bool:
    """Whether ``v`` is an exact value (``--exact``: a SymPy number or constant expression), not a
    float (NumPy's numbers are floats here)."""
    return not isinstance(v, (float, int)) and hasattr(v, "is_Rational")


def exact_value(v: object, syntax: str = "text") -> str:
    """An exact value (``--exact``: a SymPy number or constant expression) as it is: an integer, a
    fraction (``1/3``; LaTeX ``\\frac{1}{3}``; Python ``Fraction(1, 3)``), or an irrational value in
    SymPy's own notation (``1/(1 + e^(-1/2))``, ``\\frac{1}{1 + e^{- \\frac{1}{2}}}``)."""
    import sympy

    assert isinstance(v, sympy.Expr), v
    if isinstance(v, sympy.Integer):
        return str(int(v))
    if isinstance(v, sympy.Rational):
        p, q = int(v.p), int(v.q)
        if syntax == "latex":
            return rf"{'-' if p < 0 else ''}\frac{{{abs(p)}}}{{{q}}}"
        return f"Fraction({p}, {q})" if syntax == "python" else f"{p}/{q}"
    if syntax == "latex":  # e^{1/2}, not a fraction stacked in the exponent
        return _STACKED_EXPONENT.sub(r"^{\1\2/\3}", sympy.latex(v, fold_frac_powers=True))
    if syntax == "python":
        return sympy.pycode(v)
    text = _plain_printer(syntax).doprint(v)
    return text.replace("**", "^") if syntax == "text" else text  # the text format's powers: v2^2


_STACKED_EXPONENT = re.compile(r"\^\{(- ?)?\\frac\{(\d+)\}\{(\d+)\}\}")


@functools.cache
def _plain_printer(syntax: str) -> Any:
    """SymPy's string printer with e as the text format writes it (``e``, ``e^(1/2)``) or as infix
    reads it (``exp(1)``, ``exp(1/2)``), where SymPy writes ``E`` and ``exp(1/2)``."""
    from sympy.printing.str import StrPrinter

    class Plain(StrPrinter):  # type: ignore[misc]
        def _print_Exp1(self, expr: object) -> str:
            return "exp(1)" if syntax == "infix" else "e"

        def _print_exp(self, expr: Any) -> str:  # e^(1/2) beside e, in text; infix reads exp(1/2)
            inner = self._print(expr.args[0])
            return f"exp({inner})" if syntax == "infix" else f"e^({inner})"

    return Plain()


def _sum(v: object) -> bool:
    """Whether ``v`` is an exact value written as a sum (``1 - e^{-1}``), which a product parenthesises."""
    return is_exact(v) and bool(getattr(v, "is_Add", False))


def _latex_exponent(text: str) -> str:
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return text
