"""Vectors: a name given a list of values (``--at w=-3,-1,2``, ``at={"w": [-3, -1, 2]}``) is a vector of
that length, its elements the chapter's leaves ``w0, w1, w2``.  A dot product -- ``w^\\top x``,
``w \\cdot x``, ``\\langle w, x\\rangle``, infix ``dot(w, x)``, ``\\sum_i w_i x_i`` -- expands to the
chapter's ``sum(mul(w0, x0), mul(w1, x1), …)``, so every later stage sees scalars only; the gradients
print as the vectors ``dw``, ``dx`` (the derivation's ``arrays``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import sympy

from .errors import InputError, ParseError
from .names import with_index
from .ops import MulOp, Softmax
from .options import spell

#: ``softmax_1(z)``, ``softmax1(z)``: one output of a softmax, by its index (any case).
SOFTMAX = re.compile(r"softmax_?([0-9]+)?", re.IGNORECASE)


def elements(name: str, n: int, first: int = 0) -> list[str]:
    """The leaves of vector ``name``: ``w0 … w{n-1}`` (``first`` = 1: ``w1 … wn``, as ``\\sum_{i=1}^{n}`` has them)."""
    return [with_index(name, k) for k in range(first, first + n)]


def dot_terms(
    a: str, b: str, vectors: Mapping[str, int], arrays: dict[str, list[str]], column: int | None
) -> list[sympy.Basic]:
    """``mul(a_k, b_k)`` for each k: the terms of the dot product of vectors ``a`` and ``b`` (recorded in
    ``arrays``, the vectors' elements as the expression names them)."""
    for name in (a, b):
        if name not in vectors:
            raise ParseError(
                f"{name} is not a vector: a dot product takes two (give each a list of values, "
                f"{spell('at', value=True)} with e.g. {name}=1,2,3)",
                column,
            )
    if vectors[a] != vectors[b]:
        raise ParseError(
            f"{a} has {vectors[a]} values and {b} has {vectors[b]}: a dot product needs vectors of one length",
            column,
        )
    left, right = (arrays.setdefault(v, elements(v, vectors[v])) for v in (a, b))
    return [MulOp(sympy.Symbol(p), sympy.Symbol(q)) for p, q in zip(left, right)]


def softmax_output(
    k: int | sympy.Symbol | None,
    args: Sequence[sympy.Basic],
    vectors: Mapping[str, int],
    arrays: dict[str, list[str]],
    column: int | None,
    latex: bool = False,
) -> sympy.Basic:
    """``softmax_k(z)`` of a vector ``z`` (or ``softmax_k(a, b, c)`` of its elements written out): output ``k``,
    the network's :class:`~symbackprop.ops.Softmax` (its rule and Jacobian written once, there).

    A softmax is a vector; a derivation's output is one number, so the output taken is named by ``k``:
    ``softmax(z)`` alone is an error that says which outputs there are (``latex``: spelled as LaTeX); ``k``
    a symbol: the index of a ``\\sum`` around it, which :func:`check_softmax_outputs` checks once expanded."""
    if len(args) == 1 and isinstance(args[0], sympy.Symbol) and args[0].name in vectors:
        name = args[0].name
        z: list[sympy.Basic] = [
            sympy.Symbol(e) for e in arrays.setdefault(name, elements(name, vectors[name]))
        ]
        written = name
    elif len(args) >= 2:
        z, written = list(args), "z"
        inside = sorted({s.name for a in args for s in a.free_symbols if s.name in vectors})  # type: ignore[attr-defined]
        if inside:
            raise ParseError(misused(inside[0], vectors[inside[0]]), column)
    else:
        raise ParseError(
            "softmax takes a vector (a name with a list of values, as in --at z=1,2,3) or two or more "
            "arguments",
            column,
        )
    n = len(z)

    def output(j: int | str) -> str:
        return rf"\text{{softmax}}_{{{j}}}({written})" if latex else f"softmax_{j}({written})"

    if k is None:
        loss = rf"-\log {output(0)}" if latex else f"-log({output(0)})"
        raise ParseError(
            f"softmax({written}) is a vector of {n} values, and a derivation's output is one number: take one "
            f"output, {output(0)} ... {output(n - 1)}, or a loss of it, as {loss} (the network command "
            "backpropagates a whole softmax layer)",
            column,
        )
    if isinstance(k, sympy.Symbol):  # a \sum's index: each term's output, checked as the sum expands
        return Softmax(k, *z)
    if k >= n:
        raise ParseError(
            f"{output(k)} of {n} values: the outputs are {output(0)} ... {output(n - 1)}", column
        )
    return Softmax(sympy.Integer(k), *z)


def check_softmax_outputs(terms: Sequence[sympy.Basic], column: int | None) -> None:
    """Each softmax output in an expanded ``\\sum`` an output the softmax has (``\\sum_{k=0}^{5}`` of three
    values has none past 2)."""
    for term in terms:
        for s in term.atoms(Softmax):
            k, n = s.args[0], len(s.args) - 1
            if not (isinstance(k, sympy.Integer) and 0 <= int(k) < n):
                raise ParseError(
                    rf"\text{{softmax}}_{{{k}}} of {n} values: the outputs are \text{{softmax}}_{{0}} ... "
                    rf"\text{{softmax}}_{{{n - 1}}}",
                    column,
                )


def misused(name: str, n: int) -> str:
    """The message for a vector where a number belongs."""
    return (
        f"{name} is a vector ({n} values) where a number belongs: use it in a dot product "
        f"({name}^T x, {name} \\cdot x, dot({name}, x)) or name its elements ({with_index(name, 0)} ... "
        f"{with_index(name, n - 1)})"
    )


def element_values(
    vectors: Mapping[str, Sequence[float]], arrays: dict[str, list[str]], leaves: Sequence[str]
) -> dict[str, float]:
    """Each element's value from its vector's list.  A vector the expression uses as a whole names its
    elements already (``arrays``); one written element by element (``w_0 x_0 + w_1 x_1``) must use all of
    them, indexed from 0 or from 1, else it is not clear which value is whose: an error.  The vectors
    found are added to ``arrays``, so that their gradients print as vectors."""
    out: dict[str, float] = {}
    present = set(leaves)
    for name, values in vectors.items():
        n = len(values)
        members = arrays.get(name)
        if members is None:
            used = {m for first in (0, 1) for m in elements(name, n, first) if m in present}
            if not used:
                raise InputError(
                    f"unknown name {name!r} in {spell('at')} (the expression has {_some(leaves)})"
                )
            members = next(
                (elements(name, n, first) for first in (0, 1) if used == set(elements(name, n, first))), None
            )
            if members is None:
                raise InputError(
                    f"{spell('at')} gives {name} {n} values, but the expression uses {', '.join(sorted(used))}: "
                    f"use all of its elements ({with_index(name, 0)} ... {with_index(name, n - 1)}), or give "
                    "each element its own value"
                )
            arrays[name] = members
        elif len(members) != n:  # pragma: no cover - the parser made them from this length
            raise InputError(f"{name} has {n} values, not {len(members)}")
        out.update(zip(members, values))
    return out


def _some(leaves: Sequence[str]) -> str:
    shown = ", ".join(leaves[:10]) + (f" and {len(leaves) - 10} more" if len(leaves) > 10 else "")
    return shown or "no variables"
