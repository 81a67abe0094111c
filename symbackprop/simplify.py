"""``--simplify``: each gradient's closed form as SymPy simplifies it, within a time bound.

The closed form is the sum over the leaf's paths of the product of their local derivatives, each
node replaced by what it stands for -- here in plain SymPy (each operation's ``plain`` form:
``Max(z, 0)`` for ReLU, ``1/(1 + exp(-z))`` for the sigmoid).  ``sympy.simplify`` runs in a child
process, killed when it passes ``max_simplify_seconds``; its answer is read back into our
operations so that every printer prints it.  Where any of that fails -- an operation without a
plain form, a result with a function we do not print, the time bound -- the closed forms stay
unsimplified and a warning says why.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import sympy

from .chain import placeholder, placeholder_index
from .derivation import Derivation
from .evaluate import coefficient
from .graph import Graph
from .ops import (
    AbsOp,
    DivOp,
    Exp,
    LogOp,
    MaxOp,
    MinOp,
    MulOp,
    NegOp,
    Op,
    PowOp,
    ReLU,
    SignOp,
    Sqrt,
    StepOp,
    SubOp,
    SumOp,
    Tanh,
)
from .options import spell

# SymPy's functions read back as ours (the arithmetic and Max/Min/Heaviside are read by hand).
_FUNCTIONS: dict[Any, type[Op]] = {
    op.sympy_function: op for op in (Exp, LogOp, Tanh, AbsOp, SignOp) if op.sympy_function is not None
}


class _NoPlainForm(Exception):
    """An operation, or a SymPy result, that has no counterpart on the other side."""


def simplified(d: Derivation) -> tuple[dict[str, sympy.Basic] | None, str | None]:
    """Each derived leaf's gradient, simplified, as a tree of our operations -- or None and the
    warning that says why not."""
    try:
        forms = {leaf: _closed_form(d, leaf) for leaf in d.chains}
    except _NoPlainForm as err:
        return None, f"{spell('simplify')}: the closed forms stay as they are ({err} has no plain SymPy form)"
    seconds = d.limits.max_simplify_seconds
    try:
        done = _bounded(list(forms.values()), seconds)
    except multiprocessing.TimeoutError:
        return None, (
            f"simplifying took more than {seconds} s: the closed forms are not simplified "
            f"(raise the bound with {spell('max_simplify_seconds')})"
        )
    out: dict[str, sympy.Basic] = {}
    missing: dict[str, str] = {}
    for leaf, e in zip(forms, done):
        try:
            candidate = _ours(e)
        except _NoPlainForm as err:
            try:  # cosh, sinh ...: in exponentials, which we print
                candidate = _ours(e.rewrite(sympy.exp))
            except _NoPlainForm:
                missing[leaf] = str(err)
                continue
        if _size(candidate) < _size(_unsimplified(d, leaf)):  # else the form as derived is simpler
            out[leaf] = candidate
    if not missing:
        return out, None
    names = ", ".join(missing)
    functions = ", ".join(sorted(set(missing.values())))
    return out, (
        f"{spell('simplify')}: the closed form of {names} stays as it is "
        f"(SymPy's answer has {functions}, which is not one of our operations)"
    )


def _closed_form(d: Derivation, leaf: str) -> sympy.Expr:
    """dvalue times the sum over the leaf's paths of their local derivatives, in plain SymPy."""
    g = d.graph
    plain = _plain_nodes(g)
    total: sympy.Expr = sympy.Integer(0)
    for path in d.chains[leaf]:
        term: sympy.Expr = coefficient(d.dvalue)
        for e in path.edges:
            t = d.templates[e]
            assert t is not None
            children = g.nodes[g.edges[e].parent].children
            term *= _plain(t.expr, [plain[c] for c in children])
        total += term
    return total


def _unsimplified(d: Derivation, leaf: str) -> sympy.Basic:
    """The closed form as derived, in our operations (sigmoid stays sigmoid), to weigh against."""
    g = d.graph
    trees: list[sympy.Basic] = []
    for n in g.nodes:
        if n.op is not None:
            trees.append(n.op(*(trees[c] for c in n.children)))
        else:
            trees.append(n.number if n.number is not None else sympy.Symbol(n.var))
    terms = []
    for path in d.chains[leaf]:
        factors = []
        for e in path.edges:
            t = d.templates[e]
            assert t is not None
            children = g.nodes[g.edges[e].parent].children
            factors.append(t.expr.xreplace({placeholder(j): trees[c] for j, c in enumerate(children)}))
        terms.append(MulOp(*factors) if len(factors) > 1 else factors[0])
    return _sum(terms)


def _size(e: sympy.Basic) -> int:
    """Nodes in a tree, numbers counted as one (what a reader reads)."""
    return sum(1 for _ in sympy.preorder_traversal(e))


def _plain_nodes(g: Graph) -> list[sympy.Expr]:
    """Every node's expression in plain SymPy, children first (forward order)."""
    out: list[sympy.Expr] = []
    for n in g.nodes:
        if n.op is not None:
            out.append(_apply(n.op, [out[c] for c in n.children]))
        elif n.number is not None:
            out.append(n.number)
        else:
            out.append(sympy.Symbol(n.var))
    return out


def _apply(op: type[Op], args: list[sympy.Expr]) -> sympy.Expr:
    got = op.plain(*args)
    if got is None:
        raise _NoPlainForm(op.name)
    return got


def _plain(e: sympy.Basic, args: list[sympy.Expr]) -> sympy.Expr:
    """A local derivative's template in plain SymPy, its placeholders the arguments' expressions."""
    if isinstance(e, Op):
        return _apply(type(e), [_plain(a, args) for a in e.args])
    if isinstance(e, sympy.Symbol):
        j = placeholder_index(e)
        assert j is not None, "a template names only placeholders"
        return args[j]
    return e  # type: ignore[return-value]


def _simplify_all(exprs: list[sympy.Expr]) -> list[sympy.Expr]:
    return [sympy.simplify(e) for e in exprs]


def _bounded(exprs: list[sympy.Expr], seconds: int) -> list[sympy.Expr]:
    """``sympy.simplify`` of each, in a child process that is killed after ``seconds``."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(1) as pool:  # leaving the block terminates the child, finished or not
        return pool.apply_async(_simplify_all, (exprs,)).get(timeout=seconds)  # type: ignore[no-any-return]


def _ours(e: sympy.Basic) -> sympy.Basic:
    """A plain SymPy expression as our operations: sums with their negative terms subtracted,
    quotients as divisions, Max(z, 0) as ReLU, Heaviside as the step."""
    if isinstance(e, (sympy.Symbol, sympy.Number, sympy.NumberSymbol)):
        return e
    if isinstance(e, sympy.Add):
        plus = [_ours(a) for a in e.args if not a.could_extract_minus_sign()]
        minus = [_ours(-a) for a in e.args if a.could_extract_minus_sign()]
        if not plus:
            return NegOp(_sum(minus))
        return SubOp(_sum(plus), _sum(minus)) if minus else _sum(plus)
    if isinstance(e, sympy.Mul):
        if e.could_extract_minus_sign():
            return NegOp(_ours(-e))
        top, bottom = sympy.fraction(e)
        if bottom != 1:
            return DivOp(_ours(top), _ours(bottom))
        return MulOp(*(_ours(a) for a in e.args))
    if isinstance(e, sympy.Pow):
        if e.exp == sympy.Rational(1, 2):
            return Sqrt(_ours(e.base))
        if e.exp.is_negative:
            return DivOp(sympy.Integer(1), _ours(e.base**-e.exp))
        return PowOp(_ours(e.base), _ours(e.exp))
    if isinstance(e, sympy.Heaviside):
        return StepOp(_ours(e.args[0]))
    if isinstance(e, (sympy.Max, sympy.Min)):
        args = [_ours(a) for a in e.args]
        if isinstance(e, sympy.Max) and len(args) == 2 and sympy.Integer(0) in args:
            return ReLU(next(a for a in args if a != 0))
        return (MaxOp if isinstance(e, sympy.Max) else MinOp)(*args)
    op = _FUNCTIONS.get(type(e))
    if op is None:
        raise _NoPlainForm(type(e).__name__)
    return op(*(_ours(a) for a in e.args))


def _sum(terms: list[sympy.Basic]) -> sympy.Basic:
    return terms[0] if len(terms) == 1 else SumOp(*terms)
