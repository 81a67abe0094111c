"""Operations a user defines by a body in the existing operations (``swish2(x) = x * sigmoid(2*x)``).

The body is a tree of the rule table's operations in the parameters: the forward rule evaluates it
with each operation's own ``forward``, the local derivative differentiates it with each operation's
own ``local`` (the chain rule over the body, nothing else), and ``plain`` is the body's plain SymPy
form.  The parsers find a user's operation by name (:func:`lookup`): those defined for the whole
process (``symbackprop.define``) and those of one derivation (``define=``, ``--define``,
``:define:``), which a context variable scopes.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

import sympy

from .arithmetic import MulOp, SumOp
from .base import ONE, ZERO, Op


class UserOp(Op):
    """The base of every user-defined operation; each is a subclass made by :func:`make`."""

    user_defined: ClassVar[bool] = True
    params: ClassVar[tuple[sympy.Symbol, ...]] = ()
    body: ClassVar[sympy.Basic] = ZERO
    derivatives: ClassVar[tuple[sympy.Basic, ...]] = ()  # ∂body/∂param, per parameter

    @classmethod
    def arity(cls) -> tuple[int, int | None]:
        return len(cls.params), len(cls.params)

    @classmethod
    def forward(cls, *v: float) -> float:
        return _value(cls.body, dict(zip(cls.params, v)))

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return cls.derivatives[i].xreplace(dict(zip(cls.params, args)))

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr | None:
        return _plain(cls.body, dict(zip(cls.params, args)))


def make(name: str, params: Sequence[sympy.Symbol], body: sympy.Basic, **printing: Any) -> type[UserOp]:
    """A new operation ``name(params) = body``; ``printing`` gives its class attributes (latex_name ...)."""
    derivatives = tuple(differentiate(body, p) for p in params)
    attrs = {
        "name": name,
        "params": tuple(params),
        "body": body,
        "derivatives": derivatives,
        "unary": len(params) == 1,
        "stated": len(params) <= 2,
        "nargs": len(params),
        "operands": tuple(str(p) for p in params) if len(params) > 1 else (),  # a figure's edge roles
        **printing,
    }
    return type(f"User_{name}", (UserOp,), attrs)


def differentiate(e: sympy.Basic, x: sympy.Symbol) -> sympy.Basic:
    """∂e/∂x for a tree of our operations, by the chain rule over each operation's local derivatives."""
    if e == x:
        return ONE
    if not isinstance(e, Op) or not e.has(x):
        return ZERO
    terms = []
    for k, arg in enumerate(e.args):
        if not arg.has(x):
            continue
        inner, local = differentiate(arg, x), type(e).local(e.args, k)
        factors = [f for f in (local, inner) if f != ONE]
        terms.append(factors[0] if len(factors) == 1 else MulOp(*factors) if factors else ONE)
    return terms[0] if len(terms) == 1 else SumOp(*terms)


def _value(e: sympy.Basic, env: Mapping[sympy.Basic, float]) -> float:
    if isinstance(e, Op):
        return float(type(e).forward(*(_value(a, env) for a in e.args)))
    if e in env:
        return env[e]
    return float(e)  # a number of the body


def _plain(e: sympy.Basic, env: Mapping[sympy.Basic, sympy.Expr]) -> sympy.Expr | None:
    if isinstance(e, Op):
        args = [_plain(a, env) for a in e.args]
        return None if any(a is None for a in args) else type(e).plain(*args)  # type: ignore[arg-type]
    return env.get(e, e)  # type: ignore[return-value]


# --- where the parsers find them -------------------------------------------------------------------

#: Operations defined for the whole process, by their lookup key.
DEFINED: dict[str, type[UserOp]] = {}
_NONE: Mapping[str, type[UserOp]] = MappingProxyType({})
_SCOPED: contextvars.ContextVar[Mapping[str, type[UserOp]]] = contextvars.ContextVar(
    "symbackprop_defined", default=_NONE
)


def lookup(key: str) -> type[UserOp] | None:
    """The user's operation with this lookup key: one derivation's first, then the process's."""
    return _SCOPED.get().get(key) or DEFINED.get(key)


def scope(ops: Mapping[str, type[UserOp]]) -> contextvars.Token[Mapping[str, type[UserOp]]]:
    """Make ``ops`` (by key) the current derivation's definitions; reset with the token returned."""
    return _SCOPED.set({**_SCOPED.get(), **ops})


def unscope(token: contextvars.Token[Mapping[str, type[UserOp]]]) -> None:
    _SCOPED.reset(token)
