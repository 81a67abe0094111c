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
from typing import TYPE_CHECKING, Any, Literal

import sympy

from .chain import placeholder_index
from .ops import ADD, ATOM, MUL, POW, Op

if TYPE_CHECKING:
    from .chain import Graph, LocalTemplate

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


class Printed:
    """A subtree printed already, standing in for it as an operand of its parent's ``flat``.

    A graph prints bottom-up (:func:`graph_flat`), each node once and without its SymPy
    tree.  The printer's vocabulary (``p.expr``, ``p.arg``, ``p.product`` ...) reads what it
    needs from here; anything else an operation might do with an operand -- build SymPy from
    it, compare it, take ``int`` of it -- fails, and that node prints from its SymPy tree.
    """

    __slots__ = ("calls", "op", "prec", "text")

    def __init__(self, text: str, op: type[Op] | None, prec: int, calls: int) -> None:
        self.text, self.op, self.prec, self.calls = text, op, prec, calls

    def _refuse(self, *_: Any) -> Any:
        raise TypeError("an operand printed already; print this operation from its SymPy tree")

    _sympy_ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = _refuse  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]


def precedence(e: sympy.Basic) -> int:
    if isinstance(e, (Op, Printed)):
        return e.prec
    if isinstance(e, sympy.Number) and e < 0:
        return ADD  # as SymPy does: 1 \cdot (-3), x - (-3), (-3)^{2}
    if isinstance(e, sympy.Rational) and not e.is_Integer:
        return MUL
    return ATOM


def is_atomic(e: sympy.Basic) -> bool:
    if isinstance(e, Printed):
        return e.op is None
    return not isinstance(e, Op)


@lru_cache(maxsize=4096)
def height(e: sympy.Basic) -> int:
    """Levels of operations: 0 for a leaf, 1 for an operation on leaves only."""
    if not isinstance(e, Op):
        return 0
    return 1 + max(height(a) for a in e.args)


def calls(e: sympy.Basic) -> int:
    """How many levels of sized function calls the flat LaTeX of ``e`` nests (for \\big, \\Big ...)."""
    return e.calls if isinstance(e, Printed) else _calls(e)


@lru_cache(maxsize=4096)
def _calls(e: sympy.Basic) -> int:
    return calls_of(type(e), e.args) if isinstance(e, Op) else 0


def calls_of(op: type[Op], args: Sequence[Any]) -> int:
    """:func:`calls` of an ``op`` node with these operands."""
    below = max(calls(a) for a in args)
    return below + 1 if _prints_as_call(op) and not all(is_atomic(a) for a in args) else below


_AS_CALL: dict[type[Op], bool] = {}


def _prints_as_call(op: type[Op]) -> bool:
    """Whether ``op`` prints as ``name(args)`` (it keeps :meth:`Op.flat`); asked once per operation."""
    got = _AS_CALL.get(op)
    if got is None:
        got = _AS_CALL[op] = getattr(op.flat, "__func__", None) is getattr(Op.flat, "__func__", None)
    return got


# The only decisions the printer takes on an operand's printed text (rather than on its kind):
# keep them here, so that :func:`substitutable` knows every one.
def is_tall(text: str) -> bool:
    """LaTeX whose parentheses need ``\\left( ... \\right)``."""
    return r"\frac" in text or "^" in text or r"\sqrt" in text or r"\left" in text


def starts_numeric(text: str) -> bool:
    """LaTeX that a product joins with ``\\cdot`` rather than a space."""
    return text[:1].isdigit() or text.startswith(("-", "(-", r"\frac"))


@lru_cache(maxsize=65536)
def substitutable(text: str) -> bool:
    """Whether a name printed as ``text`` may fill a hole of a template printed with a plain
    placeholder name: the printer takes no decision differently for it (see :func:`template_latex`)."""
    return not is_tall(text) and not starts_numeric(text)


class Printer:
    """Prints a tree in ordinary (flat) notation in one syntax."""

    def __init__(self, syntax: Syntax, names: Mapping[str, str] | None = None) -> None:
        self.syntax = syntax
        self.names = names or {}

    # -- entry points --------------------------------------------------------
    def expr(self, e: sympy.Basic) -> str:
        if isinstance(e, Op):
            return type(e).flat(self, e.args)
        if isinstance(e, Printed):
            return e.text
        if isinstance(e, sympy.Symbol):
            return self.symbol(e.name)
        if isinstance(e, sympy.Number):
            return self.number(e)
        raise TypeError(f"cannot print {type(e).__name__}")

    def arg(self, e: sympy.Basic, prec: int, same: type | None = None) -> str:
        """``e`` as an operand: in parentheses when it binds more loosely than ``prec``, or when
        it is an n-ary ``same`` operation nested in another, which parsing would flatten."""
        text = self.expr(e)
        kind = e.op if isinstance(e, Printed) else type(e)
        return self.parens(text) if precedence(e) < prec or (same is not None and kind is same) else text

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
        if self.syntax == "latex" and is_tall(text):
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
            out += (r" \cdot " if starts_numeric(text) else " ") + text
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
    return _nested_call(type(e), [_nested_latex(a) for a in e.args], height(e))


def _nested_call(op: type[Op], args: Sequence[str], levels: int) -> str:
    """One call of the nested LaTeX form, its parentheses sized by the levels of operations it spans."""
    size = SIZES[min(len(SIZES) - 1, levels - 1)]
    return f"{op.latex_name}{size}({', '.join(args)}{size})"


#: The most arguments a Leibniz label spells out.
LABEL_ARGS = 8


def label(e: sympy.Basic, syntax: Syntax = "latex") -> str:
    """How a node is named in a Leibniz label: ``mul(x_0, w_0)`` on leaves, ``sum()`` above them.

    Past :data:`LABEL_ARGS` arguments it is ``sum()`` too: a label in every chain of a wide node
    would make the output quadratic in its width.
    """
    if not isinstance(e, Op):
        return Printer(syntax).expr(e)
    spelled = len(e.args) <= LABEL_ARGS and all(is_atomic(a) for a in e.args)
    return _label(type(e), [Printer(syntax).expr(a) for a in e.args] if spelled else None, syntax)


def _label(op: type[Op], leaves: Sequence[str] | None, syntax: Syntax) -> str:
    """``name(leaves ...)``, or ``name()`` when the arguments are not spelled out."""
    name = op.latex_name if syntax == "latex" else op.name
    return f"{name}({', '.join(leaves)})" if leaves is not None else f"{name}()"


def factor_label(parent: sympy.Basic, child: sympy.Basic) -> str:
    r"""``\frac{\partial\,sum()}{\partial\,mul(x_{0}, w_{0})}``; ``d`` for a function of one argument."""
    assert isinstance(parent, Op)
    return leibniz(type(parent), label(parent), label(child), isinstance(child, Op))


def leibniz(parent: type[Op], top: str, bottom: str, child_is_operation: bool) -> str:
    """The Leibniz fraction from the two nodes' labels."""
    if parent.unary:
        top = parent.latex_name
    d = "d" if parent.unary else r"\partial"
    sep = r"\," if child_is_operation else " "
    return rf"\frac{{{d}\,{top}}}{{{d}{sep}{bottom}}}"


def factor_label_text(parent: sympy.Basic, child: sympy.Basic) -> str:
    assert isinstance(parent, Op)
    top = parent.name if parent.unary else label(parent, "text")
    d = "d" if parent.unary else "∂"
    return f"{d}{top}/{d}{label(child, 'text')}"


def is_integral(value: float) -> bool:
    return math.isfinite(value) and value == int(value)


# --- a graph, printed bottom-up ------------------------------------------------------------
# The same strings as the functions above give for the graph's SymPy tree, each node printed
# once and from its children's strings, so a graph built directly needs no SymPy tree.


def _leaf(graph: Graph, i: int, p: Printer) -> Any:
    """A leaf as an operand: its SymPy atom where it has one, else its name printed already."""
    n = graph.nodes[i]
    return n._expr if n._expr is not None else Printed(p.symbol(n.var), None, ATOM, 0)


def _leaf_text(graph: Graph, i: int, p: Printer) -> str:
    """``p.expr`` of leaf ``i``."""
    n = graph.nodes[i]
    return p.number(n.expr) if n.is_number else p.symbol(n.var)


_PRINTERS: dict[str, Printer] = {}


def _printer(syntax: Syntax) -> Printer:
    """One printer per syntax for the graph functions (a printer without ``names`` holds no state)."""
    p = _PRINTERS.get(syntax)
    if p is None:
        p = _PRINTERS[syntax] = Printer(syntax)
    return p


def graph_flat(graph: Graph, syntax: Syntax = "latex") -> str:
    """:func:`flat_latex` (or the text form) of the graph's whole expression."""
    p = _printer(syntax)
    nodes = graph.nodes
    done: list[Any] = [None] * len(nodes)
    for i, n in enumerate(nodes):
        op = n.op
        if op is None:
            done[i] = _leaf(graph, i, p)
            continue
        args = [done[c] for c in n.children]
        try:
            text = op.flat(p, args)
        except Exception:  # this operation prints only from SymPy operands: print its subtree
            text = p.expr(n.expr)
        done[i] = Printed(text, op, op.prec, calls_of(op, args))
        for c in n.children:
            done[c] = None  # a tree: nothing else reads a child
    return p.expr(done[graph.root])


def graph_nested_text(graph: Graph) -> list[str]:
    """:func:`nested_text` of every node's subtree (the output's is the whole expression)."""
    nodes = graph.nodes
    out: list[str] = []
    for n in nodes:
        if n.op is not None:
            out.append(n.op.nested([out[c] for c in n.children]))
        else:
            # as SymPy prints them inside a call, where a Float drops its trailing zeros
            out.append(sympy.sstr(n._expr, full_prec=False) if n.is_number else n.var)
    root = nodes[graph.root]
    if root.op is None:
        out[graph.root] = nested_text(root.expr)
    return out


def graph_nested_latex(graph: Graph) -> str:
    """:func:`nested_latex` of the graph's whole expression."""
    p = _printer("latex")
    nodes = graph.nodes
    texts: list[Any] = [None] * len(nodes)
    levels = [0] * len(nodes)
    for i, n in enumerate(nodes):
        if n.op is None:
            texts[i] = _leaf_text(graph, i, p)
            continue
        levels[i] = 1 + max(levels[c] for c in n.children)
        texts[i] = _nested_call(n.op, [texts[c] for c in n.children], levels[i])
        for c in n.children:
            texts[c] = None
    return str(texts[graph.root])


def graph_label(graph: Graph, i: int, syntax: Syntax = "latex", p: Printer | None = None) -> str:
    """:func:`label` of node ``i`` (``p``: a printer in ``syntax`` to use)."""
    p = p or _printer(syntax)
    nodes = graph.nodes
    n = nodes[i]
    if n.op is None:
        return _leaf_text(graph, i, p)
    spelled = len(n.children) <= LABEL_ARGS and all(nodes[c].op is None for c in n.children)
    return _label(n.op, [_leaf_text(graph, c, p) for c in n.children] if spelled else None, syntax)


def template_latex(t: LocalTemplate) -> tuple[str | int, ...]:
    """A local derivative template printed once in LaTeX: literal pieces, and between them the
    positions of the arguments whose printed names fill the holes (``fill`` puts them in).

    A hole prints as a name no printer decision treats differently from any
    :func:`substitutable` name, so filling it gives what printing the edge's own local
    derivative would.
    """
    pieces: tuple[str | int, ...] | None = t.cache.get("latex")
    if pieces is None:
        holes = {}
        for s in t.expr.free_symbols:
            j = placeholder_index(s)
            if j is not None:
                holes[s.name] = f"\x00{j}\x00"
        text = Printer("latex", holes).expr(t.expr)
        split = re.split("\x00(\\d+)\x00", text)
        pieces = t.cache["latex"] = tuple(int(x) if k % 2 else x for k, x in enumerate(split))
    return pieces
